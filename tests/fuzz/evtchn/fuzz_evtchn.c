/*
 * Fuzz target: random sequences of event-channel operations by four
 * domains (one privileged) against the module, over fake_env, with the
 * guest scribbling on its own mask, selector and upcall words between
 * them. After every operation the invariants are recounted from scratch
 * (fake_check: peers point back, VIRQ maps match, active counts exact,
 * nothing beyond the valid ports, lock order kept, references balanced),
 * and an operation that fails must have changed nothing at all (rule 8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_env.h"
#include "../fuzz_input.h"

#define MAX_OPS 64

static struct fake_env *fe;
static struct fake_snapshot *snap;

static void breach(const char *what, unsigned int op)
{
    fprintf(stderr, "fuzz_evtchn: after op %u: %s\n", op, what);
    __builtin_trap();
}

/* Mostly ports near those in use, sometimes anything. */
static u32 port_of(struct in *in)
{
    u8 b = byte(in);

    return b < 240 ? b % 80 : (b < 250 ? 4032 + b % 128 : u32_of(in));
}

static domid_t dom_of(struct in *in)
{
    static const domid_t ids[] = { 0, 1, 2, 3, DOMID_SELF, FAKE_NODOM, 0x7ff0 };

    return ids[byte(in) % 7];
}

static unsigned int vcpu_of(struct in *in)
{
    u8 b = byte(in);

    return b < 250 ? b % 3 : u32_of(in);
}

static void guest_scribble(struct in *in, struct fake_dom *fd)
{
    u8 what = byte(in), w = byte(in) % 64;
    xen_ulong_t bits = (xen_ulong_t)u32_of(in) << (byte(in) % 33);

    switch (what % 4) {
    case 0:
        fd->shared.evtchn_mask[w] |= bits;
        break;
    case 1:
        fd->shared.evtchn_mask[w] &= ~bits;
        break;
    case 2:
        fd->shared.evtchn_pending[w] &= ~bits;      /* the guest acknowledging */
        break;
    case 3:
        fd->shared.vcpu_info[w % 2].evtchn_pending_sel = 0;
        fd->shared.vcpu_info[w % 2].evtchn_upcall_pending = 0;
        break;
    }
}

static long one_op(struct in *in, struct evtchn_env *env, bool *may_change)
{
    u8 op = byte(in);
    struct evtchn_domain *me = fake_ev(fe, byte(in) % FAKE_NR_DOMS);

    *may_change = false;
    switch (op % 16) {
    case 0: case 1: {
        struct evtchn_alloc_unbound a = { .dom = dom_of(in), .remote_dom = dom_of(in) };
        return evtchn_alloc_unbound(env, me, &a);
    }
    case 2: case 3: {
        struct evtchn_bind_interdomain b = { .remote_dom = dom_of(in), .remote_port = port_of(in) };
        return evtchn_bind_interdomain(env, me, &b);
    }
    case 4: {
        u8 v = byte(in);
        struct evtchn_bind_virq b = { .virq = v < 250 ? v % 26 : u32_of(in), .vcpu = vcpu_of(in) };
        return evtchn_bind_virq(env, me, &b);
    }
    case 5: {
        struct evtchn_bind_ipi b = { .vcpu = vcpu_of(in) };
        return evtchn_bind_ipi(env, me, &b);
    }
    case 6: case 7:
        return evtchn_close(env, me, port_of(in));
    case 8: case 9:
        return evtchn_send(env, me, port_of(in));
    case 10: {
        struct evtchn_status st = { .dom = dom_of(in), .port = port_of(in) };
        return evtchn_status(env, me, &st);
    }
    case 11: {
        evtchn_port_t p = port_of(in);
        return evtchn_bind_vcpu(env, me, p, vcpu_of(in));
    }
    case 12:
        return evtchn_unmask(env, me, port_of(in));
    case 13: {
        u8 b = byte(in);
        long rc;
        fe->preempt = b & 1;
        fe->dom[byte(in) % FAKE_NR_DOMS].paused = b & 2;
        rc = evtchn_reset(env, me, dom_of(in), b & 4);
        *may_change = rc == -XEN_ERESTART;      /* stopped part way */
        fe->preempt = false;
        return rc;
    }
    case 14: {
        u8 b = byte(in);
        *may_change = true;
        if (b < 100) {
            u8 v = byte(in);
            evtchn_send_vcpu_virq(env, me, vcpu_of(in), v % 26);
            evtchn_send_global_virq(env, me, v % 26);
        } else if (b < 200) {
            evtchn_set_max_port(env, me, b < 190 ? byte(in) % 90 : u32_of(in));
        } else if (b < 205) {
            evtchn_close_all(env, me);          /* the domain dies */
        } else {
            guest_scribble(in, &fe->dom[me->domid]);
        }
        return 0;
    }
    default:
        return -1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size };
    const char *why;

    if (!fe) {
        fe = calloc(1, sizeof(*fe));
        snap = calloc(1, sizeof(*snap));
    } else {
        fake_destroy(fe);
    }
    fake_init(fe);
    for (unsigned int i = 0; i < MAX_OPS && in.n; i++) {
        bool may_change;
        long rc;

        fake_snap(fe, snap);
        rc = one_op(&in, &fe->env, &may_change);
        if (rc && !may_change && !fake_same(fe, snap))
            breach("a refused operation changed the state", i);
        if ((why = fake_check(fe)))
            breach(why, i);
    }
    /* Every domain dies: nothing may be left bound anywhere. */
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++)
        evtchn_close_all(&fe->env, fake_ev(fe, i));
    if ((why = fake_check(fe)))
        breach(why, MAX_OPS);
    return 0;
}
