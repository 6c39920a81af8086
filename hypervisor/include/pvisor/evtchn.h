/*
 * The event-channel module (common/evtchn/): Xen 4.17's event channels as
 * pure logic, built into the hypervisor and into host tests.
 *
 * Every operation names its caller (and, where the ABI does, the target
 * domain) explicitly; it reaches locks, other domains and guest memory
 * (shared_info's pending/mask words, each vCPU's vcpu_info) only through
 * struct evtchn_env. Hypercall decoding stays in common/event_channel.c.
 *
 * Rules (each attacked in tests/unit/evtchn):
 *  1. A port is valid below d->valid (grown in buckets of 64, never
 *     shrunk); anything else is -EINVAL, before any lock.
 *  2. New ports are the lowest free one up to min(max_port, 4095);
 *     none left is -ENOSPC; a dying domain gets -EINVAL.
 *  3. Naming another domain needs privilege (Xen's default XSM policy):
 *     -ESRCH for no such domain, then -EPERM.
 *  4. bind_interdomain binds only an unbound port that names the binder;
 *     both ends become interdomain, the new local port starts pending.
 *  5. Closing either end returns the other to unbound, naming the closer.
 *     Two domains' locks are taken lower domid first.
 *  6. A global VIRQ is bound on vCPU 0 only, once per domain; per-vCPU
 *     VIRQs (TIMER, DEBUG, XENOPROF, XENPMU) once per vCPU.
 *  7. send: interdomain raises the peer's port, IPI its own, unbound
 *     drops it silently; anything else is -EINVAL.
 *  8. A refused operation changes nothing.
 *  9. The count of ports in use (active) is exact; reset closes them all
 *     (preemptibly) and fails with -EAGAIN if any remain.
 * FIFO (init_control, expand_array, set_priority) is refused; Linux then
 * uses the 2-level ABI (docs/event-channels.md says why).
 */
#ifndef PVISOR_EVTCHN_H
#define PVISOR_EVTCHN_H

#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/event_channel.h>

/* Xen-internal "call again" (the public header has it only for Xen). */
#ifndef XEN_ERESTART
#define XEN_ERESTART 85
#endif

/* 2-level ABI: one bit per port in xen_ulong_t words, words selected by
 * one xen_ulong_t per vCPU: 64 * 64 ports. */
#define EVTCHN_NR_PORTS   (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define EVTCHN_BUCKET     64
#define EVTCHN_MAX_PORT_LIMIT 0x7fffffffu   /* max_evtchn_port is capped at INT_MAX */

enum evtchn_state {
    ECS_FREE = 0,
    ECS_RESERVED,       /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_PIRQ,
    ECS_VIRQ,
    ECS_IPI,
};

struct evtchn_domain;

struct evtchn_port {
    u8 state;                       /* enum evtchn_state */
    u8 notify_vcpu;
    u8 virq;
    u8 pad;
    u16 remote_port;                /* interdomain: the peer's port */
    domid_t remote_domid;           /* unbound: who may bind; interdomain: the peer */
    struct evtchn_domain *remote;   /* interdomain: the peer, alive while bound */
};

struct evtchn_domain {
    struct evtchn_port *port;       /* EVTCHN_NR_PORTS entries; NULL = none */
    domid_t domid;
    bool privileged;                /* controls other domains (the control domain) */
    bool dying;                     /* closing down: no new ports */
    unsigned int max_vcpus;
    unsigned int valid;             /* ports below are valid; read without the lock */
    unsigned int max_port;          /* max_evtchn_port */
    unsigned int active;            /* ports neither free nor reserved */
    unsigned int reset_next;        /* reset under way: next port to close; 0 = none */
};

struct evtchn_env_ops {
    /* The domain's event lock (interrupts off while held in the hypervisor). */
    void (*lock)(void *ctx, struct evtchn_domain *d);
    bool (*trylock)(void *ctx, struct evtchn_domain *d);
    void (*unlock)(void *ctx, struct evtchn_domain *d);
    /* A domain by id (dying ones too) with a reference, or NULL. */
    struct evtchn_domain *(*get_domain)(void *ctx, domid_t id);
    void (*put_domain)(void *ctx, struct evtchn_domain *d);
    /* Guest memory: the domain's shared_info, a vCPU's vcpu_info (NULL
     * when the vCPU does not exist), its VIRQ-to-port map. */
    shared_info_t *(*shared_info)(void *ctx, struct evtchn_domain *d);
    vcpu_info_t *(*vcpu_info)(void *ctx, struct evtchn_domain *d, unsigned int vcpu);
    u16 *(*virq_map)(void *ctx, struct evtchn_domain *d, unsigned int vcpu);
    /* The vCPU's upcall just became pending: wake or interrupt it. */
    void (*kick)(void *ctx, struct evtchn_domain *d, unsigned int vcpu);
    /* A port of d just became pending: wake vCPUs polling it. */
    void (*raised)(void *ctx, struct evtchn_domain *d, unsigned int port);
    bool (*preempt_check)(void *ctx);
    /* Paused by its controller (reset of another domain needs it). */
    bool (*controller_paused)(void *ctx, struct evtchn_domain *d);
};

struct evtchn_env {
    const struct evtchn_env_ops *ops;
    void *ctx;
};

/* ---- Domains ----------------------------------------------------------- */
/* ports: EVTCHN_NR_PORTS zeroed entries, owned by the caller. */
void evtchn_setup(struct evtchn_domain *d, struct evtchn_port *ports, domid_t id,
                  unsigned int max_vcpus, bool privileged, unsigned int max_port);
/* The domain's max_evtchn_port (createdomain): ports in use above it stay. */
void evtchn_set_max_port(struct evtchn_env *env, struct evtchn_domain *d,
                         unsigned int max_port);
/* The domain is dying: no new ports, every port closed (peers' ends go
 * back to unbound). */
void evtchn_close_all(struct evtchn_env *env, struct evtchn_domain *d);

/* ---- EVTCHNOP_* (guest arguments already copied in) -------------------- */
long evtchn_alloc_unbound(struct evtchn_env *env, struct evtchn_domain *caller,
                          struct evtchn_alloc_unbound *a);
long evtchn_bind_interdomain(struct evtchn_env *env, struct evtchn_domain *caller,
                             struct evtchn_bind_interdomain *b);
long evtchn_bind_virq(struct evtchn_env *env, struct evtchn_domain *caller,
                      struct evtchn_bind_virq *b);
long evtchn_bind_ipi(struct evtchn_env *env, struct evtchn_domain *caller,
                     struct evtchn_bind_ipi *b);
long evtchn_close(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port);
long evtchn_send(struct evtchn_env *env, struct evtchn_domain *caller, evtchn_port_t port);
long evtchn_status(struct evtchn_env *env, struct evtchn_domain *caller,
                   struct evtchn_status *st);
long evtchn_bind_vcpu(struct evtchn_env *env, struct evtchn_domain *caller,
                      evtchn_port_t port, unsigned int vcpu);
long evtchn_unmask(struct evtchn_env *env, struct evtchn_domain *caller, evtchn_port_t port);
/* reset / reset_cont (resuming): -ERESTART means call again with resuming. */
long evtchn_reset(struct evtchn_env *env, struct evtchn_domain *caller, domid_t dom,
                  bool resuming);

/* ---- From the hypervisor ----------------------------------------------- */
bool evtchn_virq_is_global(unsigned int virq);
void evtchn_send_vcpu_virq(struct evtchn_env *env, struct evtchn_domain *d,
                           unsigned int vcpu, unsigned int virq);
void evtchn_send_global_virq(struct evtchn_env *env, struct evtchn_domain *d,
                             unsigned int virq);
bool evtchn_is_pending(struct evtchn_env *env, struct evtchn_domain *d, evtchn_port_t port);

/* ---- 2-level delivery (two_level.c) -------------------------------------- */
void evtchn_2l_set_pending(struct evtchn_env *env, struct evtchn_domain *d,
                           evtchn_port_t port, unsigned int vcpu);
void evtchn_2l_clear_pending(struct evtchn_env *env, struct evtchn_domain *d,
                             evtchn_port_t port);
void evtchn_2l_unmask(struct evtchn_env *env, struct evtchn_domain *d,
                      evtchn_port_t port, unsigned int vcpu);
#endif
