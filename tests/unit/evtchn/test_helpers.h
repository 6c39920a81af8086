/* Helpers shared by the event-channel unit tests. */
#ifndef TEST_EVTCHN_HELPERS_H
#define TEST_EVTCHN_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fake_env.h"

static struct fake_env *fe;
static struct evtchn_env *env;
static struct evtchn_domain *d0, *d1, *d2, *d3;
static struct fake_snapshot *snap;

#define CHECK() do { const char *e_ = fake_check(fe); if (e_) fail_msg("invariant: %s", e_); } while (0)

/* Rule 8: a refused operation leaves every domain exactly as it was. */
#define REFUSED(expr, err) do { \
        fake_snap(fe, snap); \
        long rc_ = (expr); \
        if (rc_ != (err)) fail_msg("%s: got %ld, want %d", #expr, rc_, (int)(err)); \
        if (!fake_same(fe, snap)) fail_msg("%s: state changed by a refusal", #expr); \
        CHECK(); \
    } while (0)

#define OK(expr) do { long rc_ = (expr); if (rc_) fail_msg("%s: got %ld", #expr, rc_); CHECK(); } while (0)

static int setup(void **state)
{
    (void)state;
    fe = calloc(1, sizeof(*fe));
    snap = calloc(1, sizeof(*snap));
    fake_init(fe);
    env = &fe->env;
    d0 = fake_ev(fe, 0);
    d1 = fake_ev(fe, 1);
    d2 = fake_ev(fe, 2);
    d3 = fake_ev(fe, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_destroy(fe);
    free(fe);
    free(snap);
    return 0;
}

/* dom `from` offers a port to `to`: the port in from's table. */
static inline evtchn_port_t offer(struct evtchn_domain *from, domid_t to)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = to };

    if (evtchn_alloc_unbound(env, from, &a))
        fail_msg("alloc_unbound d%u -> d%u refused", from->domid, to);
    return a.port;
}

static inline long bind(struct evtchn_domain *caller, domid_t rdom, evtchn_port_t rport,
                        evtchn_port_t *lport)
{
    struct evtchn_bind_interdomain b = { .remote_dom = rdom, .remote_port = rport };
    long rc = evtchn_bind_interdomain(env, caller, &b);

    if (!rc && lport)
        *lport = b.local_port;
    return rc;
}

/* A bound pair: *pa in a, *pb in b. */
static inline void connect(struct evtchn_domain *a, struct evtchn_domain *b,
                           evtchn_port_t *pa, evtchn_port_t *pb)
{
    *pa = offer(a, b->domid);
    if (bind(b, a->domid, *pa, pb))
        fail_msg("bind d%u -> d%u:%u refused", b->domid, a->domid, *pa);
}

static inline bool pending(struct evtchn_domain *d, evtchn_port_t p)
{
    return evtchn_is_pending(env, d, p);
}

static inline struct evtchn_status status(struct evtchn_domain *caller, domid_t dom,
                                          evtchn_port_t p)
{
    struct evtchn_status st = { .dom = dom, .port = p };

    if (evtchn_status(env, caller, &st))
        fail_msg("status d%u:%u refused", dom, p);
    return st;
}

static inline void clear_pending(struct evtchn_domain *d, evtchn_port_t p)
{
    evtchn_2l_clear_pending(env, d, p);
}
#endif
