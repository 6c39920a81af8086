/*
 * Unit tests of the event-channel module: every rule of <pvisor/evtchn.h>
 * attacked, each refusal checked to change nothing, the invariants
 * recounted after every step.
 */
#include "test_helpers.h"

/* ---- alloc_unbound ------------------------------------------------------ */

static void test_alloc_unbound_self_and_remote(void **state)
{
    (void)state;
    evtchn_port_t p = offer(d1, 2), q;
    struct evtchn_status st = status(d1, DOMID_SELF, p);
    assert_int_equal(p, 1);                 /* lowest free; 0 is reserved */
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    q = offer(d1, DOMID_SELF);              /* remote DOMID_SELF = the caller */
    assert_int_equal(status(d1, 1, q).u.unbound.dom, 1);
    CHECK();
}

static void test_alloc_unbound_in_another_domain(void **state)
{
    (void)state;
    /* The toolstack (privileged) allocates in the domU's table. */
    struct evtchn_alloc_unbound a = { .dom = 1, .remote_dom = DOMID_SELF };
    OK(evtchn_alloc_unbound(env, d0, &a));
    assert_int_equal(a.port, 1);
    assert_int_equal(fe->dom[1].ports[1].state, ECS_UNBOUND);
    assert_int_equal(fe->dom[1].ports[1].remote_domid, 0);
    assert_int_equal(d0->active, 0);
    /* A guest may not; an absent domain is -ESRCH before anything. */
    a = (struct evtchn_alloc_unbound){ .dom = 2, .remote_dom = 1 };
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_EPERM);
    a.dom = FAKE_NODOM;
    REFUSED(evtchn_alloc_unbound(env, d0, &a), -XEN_ESRCH);
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_ESRCH);
}

/* ---- bind_interdomain --------------------------------------------------- */

static void test_bind_interdomain(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    struct evtchn_status st;

    p1 = offer(d1, 2);
    fe->dom[2].shared.vcpu_info[0].evtchn_upcall_pending = 0;
    OK(bind(d2, 1, p1, &p2));
    /* Both ends interdomain, the new local port pending (as Xen) with the
     * selector and upcall of its vCPU, and the vCPU kicked. */
    st = status(d2, DOMID_SELF, p2);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 1);
    assert_int_equal(st.u.interdomain.port, p1);
    st = status(d1, DOMID_SELF, p1);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 2);
    assert_int_equal(st.u.interdomain.port, p2);
    assert_true(pending(d2, p2));
    assert_false(pending(d1, p1));
    assert_true(fe->dom[2].shared.vcpu_info[0].evtchn_pending_sel & (1ul << (p2 / 64)));
    assert_int_equal(fe->dom[2].shared.vcpu_info[0].evtchn_upcall_pending, 1);
    assert_int_equal(fe->dom[2].kicks[0], 1);
}

static void test_bind_interdomain_refusals(void **state)
{
    (void)state;
    evtchn_port_t p1 = offer(d1, 2), other = offer(d1, 3), a, b;

    REFUSED(bind(d2, FAKE_NODOM, p1, NULL), -XEN_ESRCH);
    /* Ports out of range: beyond the valid ones, the ABI, 32 bits. */
    REFUSED(bind(d2, 1, 64, NULL), -XEN_EINVAL);
    REFUSED(bind(d2, 1, EVTCHN_NR_PORTS, NULL), -XEN_EINVAL);
    REFUSED(bind(d2, 1, 0xffffffffu, NULL), -XEN_EINVAL);
    REFUSED(bind(d2, 1, 0, NULL), -XEN_EINVAL);            /* reserved */
    REFUSED(bind(d2, 1, 40, NULL), -XEN_EINVAL);           /* valid but free */
    REFUSED(bind(d2, 1, other, NULL), -XEN_EINVAL);        /* offered to dom3 */
    REFUSED(bind(d2, DOMID_SELF, p1, NULL), -XEN_EINVAL);  /* not in our table */
    OK(bind(d2, 1, p1, &a));
    REFUSED(bind(d2, 1, p1, NULL), -XEN_EINVAL);           /* already bound */
    REFUSED(bind(d3, 1, p1, NULL), -XEN_EINVAL);
    /* A closed port cannot be bound. */
    OK(evtchn_close(env, d1, other));
    REFUSED(bind(d3, 1, other, NULL), -XEN_EINVAL);
    /* Binding a port of our own (loopback, dom0's xenstore). */
    a = offer(d1, DOMID_SELF);
    OK(bind(d1, DOMID_SELF, a, &b));
    assert_int_equal(status(d1, 1, a).u.interdomain.port, b);
    assert_int_equal(status(d1, 1, b).u.interdomain.port, a);
}

/* ---- send --------------------------------------------------------------- */

static void test_send_across_domains(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;

    connect(d1, d2, &p1, &p2);
    clear_pending(d2, p2);
    clear_pending(d1, p1);
    OK(evtchn_send(env, d1, p1));
    assert_true(pending(d2, p2));
    assert_false(pending(d1, p1));
    /* The receiver's notify vCPU follows bind_vcpu (none beyond dom2's one). */
    clear_pending(d1, p1);
    OK(evtchn_bind_vcpu(env, d1, p1, 1));
    fe->dom[1].shared.vcpu_info[1].evtchn_upcall_pending = 0;
    OK(evtchn_send(env, d2, p2));
    assert_true(pending(d1, p1));
    assert_int_equal(fe->dom[1].shared.vcpu_info[1].evtchn_upcall_pending, 1);
    assert_int_equal(fe->dom[1].kicks[1], 1);
    /* Masked: pending, no upcall. */
    clear_pending(d2, p2);
    fe->dom[2].shared.evtchn_mask[p2 / 64] |= 1ul << (p2 % 64);
    fe->dom[2].shared.vcpu_info[0].evtchn_pending_sel = 0;
    OK(evtchn_send(env, d1, p1));
    assert_true(pending(d2, p2));
    assert_int_equal(fe->dom[2].shared.vcpu_info[0].evtchn_pending_sel, 0);
    /* Unmask delivers it. */
    OK(evtchn_unmask(env, d2, p2));
    assert_true(fe->dom[2].shared.vcpu_info[0].evtchn_pending_sel & (1ul << (p2 / 64)));
}

static void test_send_refusals(void **state)
{
    (void)state;
    evtchn_port_t u = offer(d1, 2), v;
    struct evtchn_bind_virq bv = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };

    /* Unbound: dropped silently, nothing changes. */
    REFUSED(evtchn_send(env, d1, u), 0);
    REFUSED(evtchn_send(env, d1, 0), -XEN_EINVAL);
    REFUSED(evtchn_send(env, d1, 63), -XEN_EINVAL);            /* free */
    REFUSED(evtchn_send(env, d1, 64), -XEN_EINVAL);            /* not valid */
    REFUSED(evtchn_send(env, d1, 0x80000000u), -XEN_EINVAL);
    OK(evtchn_bind_virq(env, d1, &bv));
    v = bv.port;
    REFUSED(evtchn_send(env, d1, v), -XEN_EINVAL);              /* VIRQs are not sent */
    REFUSED(evtchn_unmask(env, d1, 4096), -XEN_EINVAL);
}

/* ---- close -------------------------------------------------------------- */

static void test_close_either_end(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    struct evtchn_status st;

    connect(d1, d2, &p1, &p2);
    OK(evtchn_close(env, d2, p2));
    st = status(d1, DOMID_SELF, p1);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);      /* the closer may bind again */
    assert_int_equal(status(d2, DOMID_SELF, p2).status, EVTCHNSTAT_closed);
    assert_false(pending(d2, p2));              /* a closed port is not pending */
    OK(bind(d2, 1, p1, &p2));                   /* rebinding works */
    /* The other end (the lower domid closing) */
    OK(evtchn_close(env, d1, p1));
    st = status(d2, DOMID_SELF, p2);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 1);
    REFUSED(evtchn_close(env, d1, p1), -XEN_EINVAL);           /* twice */
    REFUSED(evtchn_close(env, d1, 0), -XEN_EINVAL);            /* reserved */
    REFUSED(evtchn_close(env, d1, 64), -XEN_EINVAL);
    REFUSED(evtchn_close(env, d1, ~0u), -XEN_EINVAL);
    /* Loopback: closing one end leaves the other unbound naming us. */
    connect(d3, d3, &p1, &p2);
    OK(evtchn_close(env, d3, p1));
    assert_int_equal(status(d3, 3, p2).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(d3, 3, p2).u.unbound.dom, 3);
}

static void test_close_all_of_dying_domain(void **state)
{
    (void)state;
    evtchn_port_t a1, a2, b2, b3, c;
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };

    connect(d1, d2, &a1, &a2);
    connect(d2, d3, &b2, &b3);
    c = offer(d2, 1);
    (void)c;
    evtchn_close_all(env, d2);
    CHECK();
    assert_int_equal(d2->active, 0);
    assert_int_equal(status(d1, 1, a1).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(d1, 1, a1).u.unbound.dom, 2);
    assert_int_equal(status(d3, 3, b3).status, EVTCHNSTAT_unbound);
    /* A dying domain gets no new port (Xen: -EINVAL). */
    REFUSED(evtchn_alloc_unbound(env, d2, &au), -XEN_EINVAL);
    au.dom = 2;
    REFUSED(evtchn_alloc_unbound(env, d0, &au), -XEN_EINVAL);
    REFUSED(bind(d2, 1, a1, NULL), -XEN_EINVAL);
}

/* ---- status ------------------------------------------------------------- */

static void test_status(void **state)
{
    (void)state;
    evtchn_port_t p = offer(d1, 2);
    struct evtchn_status st = { .dom = 1, .port = p };

    assert_int_equal(status(d0, 1, p).status, EVTCHNSTAT_unbound);   /* privileged */
    REFUSED(evtchn_status(env, d2, &st), -XEN_EPERM);
    st.port = 64;                   /* Xen: the port is checked before permission */
    REFUSED(evtchn_status(env, d2, &st), -XEN_EINVAL);
    st.dom = FAKE_NODOM;
    REFUSED(evtchn_status(env, d0, &st), -XEN_ESRCH);
    assert_int_equal(status(d1, 1, 0).status, EVTCHNSTAT_closed);    /* reserved */
    assert_int_equal(status(d1, 1, 63).status, EVTCHNSTAT_closed);
}

/* ---- limits ------------------------------------------------------------- */

static void test_max_port(void **state)
{
    (void)state;
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 2 };
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    evtchn_port_t p;

    evtchn_set_max_port(env, d1, 3);
    for (unsigned int i = 1; i <= 3; i++)
        assert_int_equal(offer(d1, 2), i);
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_ENOSPC);
    REFUSED(evtchn_bind_ipi(env, d1, &bi), -XEN_ENOSPC);
    p = offer(d2, 1);
    REFUSED(bind(d1, 2, p, NULL), -XEN_ENOSPC);     /* the binder's limit */
    /* Lowering below ports in use keeps them; freed ones stay usable only
     * up to the limit. */
    evtchn_set_max_port(env, d1, 1);
    OK(evtchn_close(env, d1, 1));
    assert_int_equal(offer(d1, 2), 1);
    OK(evtchn_close(env, d1, 3));
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_ENOSPC);
    assert_int_equal(status(d1, 1, 2).status, EVTCHNSTAT_unbound);
    evtchn_set_max_port(env, d1, 0);
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_ENOSPC);
}

static void test_abi_port_limit(void **state)
{
    (void)state;
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 2 };

    evtchn_set_max_port(env, d1, ~0u);               /* capped at INT_MAX */
    assert_int_equal(d1->max_port, EVTCHN_MAX_PORT_LIMIT);
    for (unsigned int i = 1; i < EVTCHN_NR_PORTS; i++)
        assert_int_equal(offer(d1, 2), i);
    assert_int_equal(d1->valid, EVTCHN_NR_PORTS);
    REFUSED(evtchn_alloc_unbound(env, d1, &a), -XEN_ENOSPC);
    REFUSED(evtchn_close(env, d1, EVTCHN_NR_PORTS), -XEN_EINVAL);
    OK(evtchn_close(env, d1, 4095));
    assert_int_equal(offer(d1, 2), 4095);
}

/* ---- VIRQs -------------------------------------------------------------- */

static void test_virq_rules(void **state)
{
    (void)state;
    struct evtchn_bind_virq b = { .virq = VIRQ_DOM_EXC, .vcpu = 1 };
    evtchn_port_t g, t0, t1;

    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_EINVAL);         /* global on vCPU 1 */
    b.vcpu = 0;
    OK(evtchn_bind_virq(env, d0, &b));
    g = b.port;
    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_EEXIST);         /* once per domain */
    b = (struct evtchn_bind_virq){ .virq = NR_VIRQS, .vcpu = 0 };
    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_EINVAL);
    b.virq = 0xffffffffu;
    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_EINVAL);
    b = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 2 };
    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_ENOENT);         /* no such vCPU */
    b.vcpu = 0;
    OK(evtchn_bind_virq(env, d0, &b));
    t0 = b.port;
    b.vcpu = 1;
    OK(evtchn_bind_virq(env, d0, &b));                           /* once per vCPU */
    t1 = b.port;
    REFUSED(evtchn_bind_virq(env, d0, &b), -XEN_EEXIST);
    REFUSED(evtchn_bind_vcpu(env, d0, t1, 0), -XEN_EINVAL);      /* per-vCPU stays */
    REFUSED(evtchn_bind_vcpu(env, d0, g, 2), -XEN_ENOENT);
    /* Delivery: the timer to its vCPU, the global one to its notify vCPU. */
    evtchn_send_vcpu_virq(env, d0, 1, VIRQ_TIMER);
    assert_true(pending(d0, t1));
    assert_false(pending(d0, t0));
    OK(evtchn_bind_vcpu(env, d0, g, 1));
    fe->dom[0].shared.vcpu_info[1].evtchn_upcall_pending = 0;   /* the guest took it */
    fe->dom[0].shared.vcpu_info[1].evtchn_pending_sel = 0;
    evtchn_send_global_virq(env, d0, VIRQ_DOM_EXC);
    assert_true(pending(d0, g));
    assert_int_equal(fe->dom[0].shared.vcpu_info[1].evtchn_upcall_pending, 1);
    /* The wrong kind of send does nothing. */
    fake_snap(fe, snap);
    evtchn_send_global_virq(env, d0, VIRQ_TIMER);
    evtchn_send_vcpu_virq(env, d0, 0, VIRQ_DOM_EXC);
    evtchn_send_vcpu_virq(env, d0, 5, VIRQ_TIMER);
    evtchn_send_vcpu_virq(env, d0, 0, 99);
    assert_true(fake_same(fe, snap));
    /* Closing a moved global VIRQ frees vCPU 0's binding; it can be bound
     * again. */
    OK(evtchn_close(env, d0, g));
    assert_int_equal(fe->dom[0].virq_map[0][VIRQ_DOM_EXC], 0);
    b = (struct evtchn_bind_virq){ .virq = VIRQ_DOM_EXC, .vcpu = 0 };
    OK(evtchn_bind_virq(env, d0, &b));
    OK(evtchn_close(env, d0, t1));
    assert_int_equal(fe->dom[0].virq_map[1][VIRQ_TIMER], 0);
}

static void test_ipi_and_bind_vcpu(void **state)
{
    (void)state;
    struct evtchn_bind_ipi bi = { .vcpu = 2 };

    REFUSED(evtchn_bind_ipi(env, d1, &bi), -XEN_ENOENT);
    bi.vcpu = 0xffffffffu;
    REFUSED(evtchn_bind_ipi(env, d1, &bi), -XEN_ENOENT);
    bi.vcpu = 1;
    OK(evtchn_bind_ipi(env, d1, &bi));
    OK(evtchn_send(env, d1, bi.port));
    assert_true(pending(d1, bi.port));
    assert_int_equal(fe->dom[1].kicks[1], 1);
    REFUSED(evtchn_bind_vcpu(env, d1, bi.port, 0), -XEN_EINVAL);    /* IPIs stay */
    REFUSED(evtchn_bind_vcpu(env, d1, 64, 0), -XEN_EINVAL);
    REFUSED(evtchn_bind_vcpu(env, d1, 5, 0), -XEN_EINVAL);          /* free */
}

/* ---- reset -------------------------------------------------------------- */

static void test_reset(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;

    connect(d1, d2, &p1, &p2);
    offer(d1, 3);
    REFUSED(evtchn_reset(env, d2, 1, false), -XEN_EPERM);
    REFUSED(evtchn_reset(env, d0, FAKE_NODOM, false), -XEN_ESRCH);
    REFUSED(evtchn_reset(env, d0, 1, false), -XEN_EINVAL);      /* not paused */
    fe->dom[1].paused = true;
    OK(evtchn_reset(env, d0, 1, false));
    assert_int_equal(d1->active, 0);
    assert_int_equal(status(d2, 2, p2).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(d2, 2, p2).u.unbound.dom, 1);
    /* A domain resets itself, and may use ports again afterwards. */
    connect(d2, d3, &p1, &p2);
    OK(evtchn_reset(env, d3, DOMID_SELF, false));
    assert_int_equal(d3->active, 0);
    assert_int_equal(offer(d3, 2), 1);
}

static void test_reset_preempted(void **state)
{
    (void)state;
    for (unsigned int i = 0; i < 300; i++)
        offer(d1, 2);
    fe->preempt = true;
    assert_int_equal(evtchn_reset(env, d1, DOMID_SELF, false), -XEN_ERESTART);
    CHECK();
    assert_true(d1->active > 0 && d1->active < 300);
    /* A second, fresh reset meanwhile is refused. */
    REFUSED(evtchn_reset(env, d1, DOMID_SELF, false), -XEN_EBUSY);
    while (evtchn_reset(env, d1, DOMID_SELF, true) == -XEN_ERESTART)
        CHECK();
    CHECK();
    assert_int_equal(d1->active, 0);
    assert_int_equal(d1->reset_next, 0);
    fe->preempt = false;
    /* A resumption with none under way does nothing. */
    REFUSED(evtchn_reset(env, d1, DOMID_SELF, true), -XEN_EBUSY);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_alloc_unbound_self_and_remote),
        T(test_alloc_unbound_in_another_domain),
        T(test_bind_interdomain),
        T(test_bind_interdomain_refusals),
        T(test_send_across_domains),
        T(test_send_refusals),
        T(test_close_either_end),
        T(test_close_all_of_dying_domain),
        T(test_status),
        T(test_max_port),
        T(test_abi_port_limit),
        T(test_virq_rules),
        T(test_ipi_and_bind_vcpu),
        T(test_reset),
        T(test_reset_preempted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
