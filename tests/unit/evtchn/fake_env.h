/*
 * A fake machine for the event-channel module: four domains with their
 * port tables, shared_info pages and VIRQ maps, real locks that check the
 * lock order (rule 5) and count references, and counters of every wake-up
 * the module asks for. Shared by the cmocka tests and the fuzzer.
 *
 *   dom0  privileged, 2 vCPUs      dom1  guest, 2 vCPUs
 *   dom2  guest, 1 vCPU            dom3  guest, 1 vCPU
 *   id 7  does not exist (FAKE_NODOM)
 */
#ifndef EVTCHN_FAKE_ENV_H
#define EVTCHN_FAKE_ENV_H

#include <pthread.h>
#include <pvisor/evtchn.h>

#define FAKE_NR_DOMS   4
#define FAKE_MAX_VCPUS 2
#define FAKE_NODOM     7

struct fake_dom {
    struct evtchn_domain ev;
    struct evtchn_port ports[EVTCHN_NR_PORTS];
    shared_info_t shared;
    u16 virq_map[FAKE_MAX_VCPUS][NR_VIRQS];
    unsigned int nr_vcpus;
    bool alive;                     /* found by get_domain */
    bool paused;                    /* paused by its controller */
    pthread_mutex_t lock;
    int refs;                       /* get_domain minus put_domain */
    unsigned int kicks[FAKE_MAX_VCPUS], raised;
};

struct fake_env {
    struct evtchn_env env;
    struct fake_dom dom[FAKE_NR_DOMS];
    bool preempt;                   /* preempt_check answers this */
    unsigned int preempt_checks;
    unsigned int order_violations;  /* a lock taken against the order */
};

void fake_init(struct fake_env *fe);
void fake_destroy(struct fake_env *fe);
static inline struct evtchn_domain *fake_ev(struct fake_env *fe, unsigned int i)
{
    return &fe->dom[i].ev;
}
/* Locks this thread holds now (must be 0 between operations). */
unsigned int fake_locks_held(void);

/* The invariants of <pvisor/evtchn.h>, recounted from scratch over every
 * domain: NULL when they hold, else what broke. */
const char *fake_check(struct fake_env *fe);

/* A copy of everything the module may change (rule 8). */
struct fake_snapshot {
    struct evtchn_domain ev[FAKE_NR_DOMS];
    struct evtchn_port ports[FAKE_NR_DOMS][EVTCHN_NR_PORTS];
    shared_info_t shared[FAKE_NR_DOMS];
    u16 virq_map[FAKE_NR_DOMS][FAKE_MAX_VCPUS][NR_VIRQS];
};
void fake_snap(struct fake_env *fe, struct fake_snapshot *s);
bool fake_same(struct fake_env *fe, const struct fake_snapshot *s);
#endif
