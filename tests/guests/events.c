/*
 * events: 2-level event channels, upcall delivery and timers.
 *
 * Xen 4.17 (common/event_channel.c, event_2l.c, sched/core.c):
 *  - ports are handed out lowest first from 1 (0 is reserved);
 *  - bind_virq: one port per (virq, vcpu), -EEXIST for a second; global
 *    VIRQs only on vcpu 0; a virq >= NR_VIRQS is -EINVAL, a missing vcpu
 *    -ENOENT;
 *  - send to an IPI port sets it pending; to a VIRQ port is -EINVAL; to
 *    an unbound port does nothing (0); a closed or out-of-range port is
 *    -EINVAL;
 *  - raising a port: pending bit, then (if not masked) the selector bit
 *    and evtchn_upcall_pending; the upcall itself waits for the vCPU's
 *    upcall mask to be clear and is delivered on the next exit to the
 *    guest (a no-op hypercall is enough, as Linux does);
 *  - unmask of a pending port re-raises the selector and upcall;
 *  - SCHEDOP_block is woken by a timer (VIRQ_TIMER), set_timer_op(0)
 *    cancels, a deadline in the past fires at once; the periodic timer
 *    only runs while the vCPU does (it never wakes a blocked vCPU);
 *  - bind_interdomain marks the new local port pending;
 *  - FIFO (init_control) is implemented by Xen: only refused calls are
 *    tested here, the kernel stays on the 2-level ABI.
 */
#include "guest.h"

static long eop(unsigned long cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return eop(EVTCHNOP_status, st);
}

static void bind_checks(void)
{
	struct evtchn_status st;

	long timer = evtchn_bind_virq(VIRQ_TIMER, 0);
	CHECK_EQ("bind_virq.timer", timer, 1);
	CHECK_EQ("bind_virq.timer_again", evtchn_bind_virq(VIRQ_TIMER, 0), -XEN_EEXIST);
	CHECK_EQ("bind_virq.vcpu1", evtchn_bind_virq(VIRQ_TIMER, 1), -XEN_ENOENT);
	CHECK_EQ("bind_virq.nr_virqs", evtchn_bind_virq(NR_VIRQS, 0), -XEN_EINVAL);
	CHECK_EQ("bind_virq.huge", evtchn_bind_virq(0xffffffff, 0), -XEN_EINVAL);
	long dom_exc = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
	CHECK_EQ("bind_virq.dom_exc", dom_exc, 2);
	long debug = evtchn_bind_virq(VIRQ_DEBUG, 0);
	CHECK_EQ("bind_virq.debug", debug, 3);
	long ipi = evtchn_bind_ipi(0);
	CHECK_EQ("bind_ipi", ipi, 4);
	CHECK_EQ("bind_ipi.vcpu1", evtchn_bind_ipi(1), -XEN_ENOENT);

	CHECK_EQ("status.virq", status_of((evtchn_port_t)timer, &st), 0);
	CHECK_EQ("status.virq.status", st.status, EVTCHNSTAT_virq);
	CHECK_EQ("status.virq.virq", st.u.virq, VIRQ_TIMER);
	CHECK_EQ("status.virq.vcpu", st.vcpu, 0);
	CHECK_EQ("status.ipi", status_of((evtchn_port_t)ipi, &st), 0);
	CHECK_EQ("status.ipi.status", st.status, EVTCHNSTAT_ipi);
	/* Ports exist in buckets: 20 is a closed port, 100 is not a port
	 * yet (-EINVAL). */
	CHECK_EQ("status.closed", status_of(20, &st), 0);
	CHECK_EQ("status.closed.status", st.status, EVTCHNSTAT_closed);
	CHECK_EQ("status.not_allocated", status_of(100, &st), -XEN_EINVAL);
	CHECK_EQ("status.port0", status_of(0, &st), 0);
	CHECK_EQ("status.port0.status", st.status, EVTCHNSTAT_closed);
	CHECK_EQ("status.port4096", status_of(4096, &st), -XEN_EINVAL);
	st = (struct evtchn_status){ .dom = 7, .port = 1 };
	CHECK_EQ("status.dom7", eop(EVTCHNOP_status, &st), -XEN_ESRCH);
	/* The first bucket is ports 0-63: 63 exists (closed), 64 does not,
	 * for every op that takes a port (an off-by-one here would let the
	 * guest name one port past its table). */
	CHECK_EQ("status.last_valid", status_of(63, &st), 0);
	CHECK_EQ("status.last_valid.status", st.status, EVTCHNSTAT_closed);
	CHECK_EQ("status.first_invalid", status_of(64, &st), -XEN_EINVAL);
	CHECK_EQ("close.first_invalid", evtchn_close(64), -XEN_EINVAL);
	CHECK_EQ("send.first_invalid", evtchn_send(64), -XEN_EINVAL);
	CHECK_EQ("unmask.first_invalid", evtchn_unmask(64), -XEN_EINVAL);
	struct evtchn_bind_vcpu bv64 = { .port = 64, .vcpu = 0 };
	CHECK_EQ("bind_vcpu.first_invalid", eop(EVTCHNOP_bind_vcpu, &bv64), -XEN_EINVAL);

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	CHECK_EQ("alloc_unbound", eop(EVTCHNOP_alloc_unbound, &au), 0);
	CHECK_EQ("alloc_unbound.port", au.port, 5);
	CHECK_EQ("status.unbound", status_of(au.port, &st), 0);
	CHECK_EQ("status.unbound.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("status.unbound.remote", st.u.unbound.dom, 0);
	/* The remote domain need not exist yet. */
	au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = 9 };
	CHECK_EQ("alloc_unbound.remote_absent", eop(EVTCHNOP_alloc_unbound, &au), 0);
	evtchn_port_t for_dom9 = au.port;
	CHECK_EQ("alloc_unbound.remote_absent.port", for_dom9, 6);
	au = (struct evtchn_alloc_unbound){ .dom = 9, .remote_dom = DOMID_SELF };
	CHECK_EQ("alloc_unbound.dom_absent", eop(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH);

	/* Loopback interdomain: bind to our own unbound port. */
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = 5 };
	CHECK_EQ("bind_interdomain.self", eop(EVTCHNOP_bind_interdomain, &bi), 0);
	evtchn_port_t loop = bi.local_port;
	CHECK_EQ("bind_interdomain.port", loop, 7);
	/* Xen conservatively sets the new local port pending (notifications
	 * sent to the unbound port may have been lost). */
	CHECK_EQ("bind_interdomain.local_pending", evtchn_is_pending(loop), 1);
	evtchn_clear(loop);
	CHECK_EQ("status.interdomain", status_of(bi.local_port, &st), 0);
	CHECK_EQ("status.interdomain.status", st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ("status.interdomain.peer", st.u.interdomain.port, 5);
	CHECK_EQ("send.interdomain", evtchn_send(loop), 0);
	CHECK_EQ("send.interdomain.peer_pending", evtchn_is_pending(5), 1);
	CHECK_EQ("send.interdomain.self_not", evtchn_is_pending(loop), 0);
	CHECK_EQ("send.unbound_to_dom9", evtchn_send(for_dom9), 0);
	evtchn_clear(5);
	bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = 5 };
	CHECK_EQ("bind_interdomain.taken", eop(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
	bi.remote_port = (evtchn_port_t)ipi;
	CHECK_EQ("bind_interdomain.to_ipi", eop(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
	bi = (struct evtchn_bind_interdomain){ .remote_dom = 9, .remote_port = 1 };
	CHECK_EQ("bind_interdomain.dom_absent", eop(EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH);
	/* Port 6 is offered to domain 9, not to us: we may not take it. */
	bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = (evtchn_port_t)for_dom9 };
	CHECK_EQ("bind_interdomain.offered_elsewhere", eop(EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
	CHECK_EQ("bind_interdomain.offered_elsewhere.kept", status_of((evtchn_port_t)for_dom9, &st), 0);
	CHECK_EQ("bind_interdomain.offered_elsewhere.kept.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("bind_interdomain.offered_elsewhere.kept.dom", st.u.unbound.dom, 9);

	/* send */
	CHECK_EQ("send.virq", evtchn_send((evtchn_port_t)timer), -XEN_EINVAL);
	au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	eop(EVTCHNOP_alloc_unbound, &au);
	CHECK_EQ("send.unbound", evtchn_send(au.port), 0);
	CHECK_EQ("send.unbound.not_pending", evtchn_is_pending(au.port), 0);
	CHECK_EQ("send.closed", evtchn_send(100), -XEN_EINVAL);
	CHECK_EQ("send.port0", evtchn_send(0), -XEN_EINVAL);
	CHECK_EQ("send.port4096", evtchn_send(4096), -XEN_EINVAL);
	CHECK_EQ("send.badptr", eop(EVTCHNOP_send, (void *)0x1000), -XEN_EFAULT);

	/* bind_vcpu */
	struct evtchn_bind_vcpu bv = { .port = au.port, .vcpu = 0 };
	CHECK_EQ("bind_vcpu.unbound", eop(EVTCHNOP_bind_vcpu, &bv), 0);
	bv.vcpu = 1;
	CHECK_EQ("bind_vcpu.vcpu1", eop(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT);
	bv = (struct evtchn_bind_vcpu){ .port = (evtchn_port_t)ipi, .vcpu = 0 };
	CHECK_EQ("bind_vcpu.ipi", eop(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL);
	bv = (struct evtchn_bind_vcpu){ .port = (evtchn_port_t)timer, .vcpu = 0 };
	CHECK_EQ("bind_vcpu.virq_timer", eop(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL);
	bv = (struct evtchn_bind_vcpu){ .port = (evtchn_port_t)dom_exc, .vcpu = 0 };
	CHECK_EQ("bind_vcpu.virq_global", eop(EVTCHNOP_bind_vcpu, &bv), 0);

	/* close */
	CHECK_EQ("close.unbound", evtchn_close(au.port), 0);
	CHECK_EQ("close.again", evtchn_close(au.port), -XEN_EINVAL);
	CHECK_EQ("close.port0", evtchn_close(0), -XEN_EINVAL);
	CHECK_EQ("close.port4096", evtchn_close(4096), -XEN_EINVAL);
	CHECK_EQ("close.interdomain", evtchn_close(loop), 0);
	CHECK_EQ("close.peer_back_to_unbound", status_of(5, &st) | (long)st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("close.peer", evtchn_close(5), 0);
	CHECK_EQ("close.for_dom9", evtchn_close(for_dom9), 0);
	CHECK_EQ("close.debug", evtchn_close((evtchn_port_t)debug), 0);
	CHECK_EQ("close.dom_exc", evtchn_close((evtchn_port_t)dom_exc), 0);
	CHECK_EQ("bind_ipi.reuses_lowest", evtchn_bind_ipi(0), 2);
	evtchn_close(2);

	/* Refused FIFO setup and the other subops. */
	struct evtchn_init_control ic = { .control_gfn = 0xfffffff, .offset = 0, .vcpu = 0 };
	CHECK_EQ("init_control.bad_gfn", eop(EVTCHNOP_init_control, &ic), -XEN_EINVAL);
	ic = (struct evtchn_init_control){ .control_gfn = va_to_pfn(alloc_page()), .offset = 4, .vcpu = 0 };
	CHECK_EQ("init_control.bad_offset", eop(EVTCHNOP_init_control, &ic), -XEN_EINVAL);
	ic.offset = 0;
	ic.vcpu = 1;
	CHECK_EQ("init_control.vcpu1", eop(EVTCHNOP_init_control, &ic), -XEN_ENOENT);
	struct evtchn_expand_array ea = { .array_gfn = 0 };
	CHECK_EQ("expand_array.no_fifo", eop(EVTCHNOP_expand_array, &ea), -XEN_EOPNOTSUPP);
	struct evtchn_set_priority sp = { .port = (evtchn_port_t)ipi, .priority = 1 };
	CHECK_EQ("set_priority.no_fifo", eop(EVTCHNOP_set_priority, &sp), -XEN_ENOSYS);
	CHECK_EQ("cmd.15", eop(15, &sp), -XEN_ENOSYS);
	CHECK_EQ("cmd.99", eop(99, &sp), -XEN_ENOSYS);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("bind_ipi.badptr.%s", bad_ptrs[i].name),
			 eop(EVTCHNOP_bind_ipi, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
}

static void drain(void)
{
	events_enable();
	events_poke();
	events_disable();
}

static void upcall_checks(void)
{
	evtchn_port_t ipi = 4;

	drain();
	/* Masked vCPU: the port goes pending, the upcall waits. */
	CHECK_EQ("upcall.mask_initially", vcpu->evtchn_upcall_mask, 1);
	unsigned long before = upcalls;
	evtchn_send(ipi);
	CHECK_EQ("upcall.pending_bit", evtchn_is_pending(ipi), 1);
	CHECK_EQ("upcall.sel_bit", vcpu->evtchn_pending_sel & 1, 1);
	CHECK_EQ("upcall.upcall_pending", vcpu->evtchn_upcall_pending, 1);
	CHECK_EQ("upcall.not_delivered_masked", upcalls - before, 0);
	/* Sending again while pending changes nothing. */
	evtchn_send(ipi);
	events_enable();
	CHECK_EQ("upcall.not_before_exit", upcalls - before, 0);
	events_poke();
	CHECK_EQ("upcall.delivered_on_poke", upcalls - before, 1);
	CHECK_EQ("upcall.port_once", port_events[ipi], 1);
	CHECK_EQ("upcall.cleared", vcpu->evtchn_upcall_pending, 0);
	/* With events enabled a send delivers on its own return. */
	evtchn_send(ipi);
	CHECK_EQ("upcall.on_send_return", port_events[ipi], 2);
	CHECK_EQ("upcall.mask_restored", vcpu->evtchn_upcall_mask, 0);

	/* A masked port: pending, but no selector/upcall until unmask. */
	evtchn_mask(ipi);
	before = upcalls;
	evtchn_send(ipi);
	CHECK_EQ("mask.pending", evtchn_is_pending(ipi), 1);
	CHECK_EQ("mask.no_upcall", upcalls - before, 0);
	CHECK_EQ("mask.no_upcall_pending", vcpu->evtchn_upcall_pending, 0);
	CHECK_EQ("unmask", evtchn_unmask(ipi), 0);
	CHECK_EQ("unmask.delivered", upcalls - before, 1);
	CHECK_EQ("unmask.port", port_events[ipi], 3);
	CHECK_EQ("unmask.mask_bit_clear", (shared_info->evtchn_mask[0] >> ipi) & 1, 0);
	CHECK_EQ("unmask.bad_port", evtchn_unmask(4096), -XEN_EINVAL);
	CHECK_EQ("unmask.closed_port", evtchn_unmask(20), 0);
	CHECK_EQ("unmask.not_allocated", evtchn_unmask(100), -XEN_EINVAL);

	/* The guest may raise upcall_pending itself: delivered on exit. */
	before = upcalls;
	vcpu->evtchn_upcall_pending = 1;
	events_poke();
	CHECK_EQ("upcall.guest_raised", upcalls - before, 1);
	events_disable();
}

static volatile unsigned long timer_events;
static void on_timer(evtchn_port_t port)
{
	(void)port;
	timer_events++;
}

static void timer_checks(void)
{
	evtchn_port_t t = 1;
	set_evtchn_handler(t, on_timer);

	/* Xen starts vCPUs with a periodic timer; stop it first. */
	CHECK_EQ("periodic.stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	events_enable();
	events_poke();
	timer_events = 0;

	/* SCHEDOP_block wakes on the singleshot timer. */
	/* (No output between arming and blocking: printing is slow enough
	 * under TCG for the timer to fire first.) */
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = xen_system_time() + 5000000 };
	uint64_t t0 = xen_system_time();
	long rc_set = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	long rc_block = timer_events ? 0 : HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	uint64_t t1 = xen_system_time();
	CHECK_EQ("singleshot.set", rc_set, 0);
	CHECK_EQ("block.timer", rc_block, 0);
	CHECK_EQ("block.timer.event", timer_events, 1);
	CHECK("block.timer.slept", t1 - t0 >= 4500000);
	CHECK_EQ("block.events_enabled", vcpu->evtchn_upcall_mask, 0);

	/* set_timer_op: absolute time; 0 cancels. */
	timer_events = 0;
	rc_set = HYPERVISOR_set_timer_op(xen_system_time() + 3000000);
	if (!timer_events)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	CHECK_EQ("set_timer_op", rc_set, 0);
	CHECK_EQ("set_timer_op.fired", timer_events, 1);
	/* Arm and cancel back to back, far enough ahead that no amount of
	 * host load lets the timer fire in between (printing takes ms). */
	long rc_arm = HYPERVISOR_set_timer_op(xen_system_time() + 50000000);
	long rc_zero = HYPERVISOR_set_timer_op(0);
	CHECK_EQ("set_timer_op.cancel", rc_arm, 0);
	CHECK_EQ("set_timer_op.zero", rc_zero, 0);
	struct sched_poll sp = { .nr_ports = 0, .timeout = xen_system_time() + 60000000 };
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	CHECK_EQ("set_timer_op.cancelled", timer_events, 1);
	/* A deadline in the past fires at once. */
	HYPERVISOR_set_timer_op(1);
	events_poke();
	CHECK_EQ("set_timer_op.past", timer_events, 2);

	/* A stopped singleshot timer does not fire. */
	st.timeout_abs_ns = xen_system_time() + 50000000;
	HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
	sp.timeout = xen_system_time() + 60000000;
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	CHECK_EQ("singleshot.stopped", timer_events, 2);

	/* A periodic timer ticks until stopped. */
	struct vcpu_set_periodic_timer pt = { .period_ns = 2000000 };
	timer_events = 0;
	long rc_periodic = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
	unsigned long first = timer_events;     /* before printing: the next tick is 2 ms away */
	CHECK_EQ("periodic.set", rc_periodic, 0);
	CHECK_EQ("periodic.first_tick_at_once", first, 1);
	/* It ticks while the vCPU runs ... */
	uint64_t end = xen_system_time() + 20000000;
	while (xen_system_time() < end)
		;
	check_true("periodic.ticks_while_running", timer_events >= 2, timer_events >= 2);
	/* ... but the scheduler stops it when the vCPU is switched out
	 * (sched/core.c: stop_timer(&prev->periodic_timer)): a blocked vCPU
	 * is not woken by it, and gets one catch-up tick when it runs again
	 * (vcpu_periodic_timer_work on switch-in). */
	unsigned long n = timer_events;
	sp.timeout = xen_system_time() + 20000000;
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	/* One catch-up tick; a second one is a tick that landed between
	 * reading n and blocking (a loaded host can stretch that past 2 ms).
	 * A timer that woke the blocked vCPU would show about ten. */
	unsigned long caught = timer_events - n;
	check_true("periodic.blocked_catch_up", caught == 1 || caught == 2, caught == 1 || caught == 2);
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	n = timer_events;
	end = xen_system_time() + 10000000;
	while (xen_system_time() < end)
		;
	CHECK_EQ("periodic.stopped", timer_events - n, 0);

	/* Poll on the timer port with events masked: woken by the port. */
	events_disable();
	st.timeout_abs_ns = xen_system_time() + 2000000;
	HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	sp = (struct sched_poll){ .nr_ports = 1, .timeout = xen_system_time() + 1000000000UL };
	set_xen_guest_handle(sp.ports, &t);
	t0 = xen_system_time();
	CHECK_EQ("poll.timer_port", HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0);
	t1 = xen_system_time();
	CHECK("poll.timer_port.woken_early", t1 - t0 < 500000000UL);
	CHECK_EQ("poll.timer_port.pending", evtchn_is_pending(t), 1);
	events_enable();
	events_poke();
	events_disable();
}

static void time_checks(void)
{
	volatile struct vcpu_time_info *ti = &vcpu->time;
	CHECK_EQ("pvclock.version_even", ti->version & 1, 0);
	CHECK("pvclock.mul", ti->tsc_to_system_mul != 0);
	uint64_t prev = xen_system_time();
	bool mono = true;
	for (int i = 0; i < 2000; i++) {
		uint64_t now = xen_system_time();
		mono &= now >= prev;
		prev = now;
	}
	CHECK("pvclock.monotonic", mono);
	/* pvclock against a timer: 10 ms of blocking is 10 ms of clock. */
	uint64_t a = xen_system_time();
	struct sched_poll sp = { .nr_ports = 0, .timeout = a + 10000000 };
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	uint64_t b = xen_system_time();
	CHECK("pvclock.advances_with_timer", b - a >= 9500000 && b - a < 2000000000UL);

	uint32_t v1 = shared_info->wc_version;
	CHECK_EQ("wallclock.version_even", v1 & 1, 0);
	CHECK("wallclock.sec", shared_info->wc_sec > 1577836800u && shared_info->wc_sec_hi == 0);
	CHECK("wallclock.nsec", shared_info->wc_nsec < 1000000000u);
}

static void reset_checks(void)
{
	/* EVTCHNOP_reset on ourselves closes everything (last test). */
	struct evtchn_reset r = { .dom = DOMID_SELF };
	CHECK_EQ("reset.self", HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), 0);
	struct evtchn_status st;
	status_of(1, &st);
	CHECK_EQ("reset.timer_closed", st.status, EVTCHNSTAT_closed);
	r.dom = 9;
	CHECK_EQ("reset.dom9", HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), -XEN_ESRCH);
}

void test_main(void)
{
	/* Xen starts every vCPU with a 100 Hz periodic timer; its ticks on
	 * VIRQ_TIMER would race with the checks below. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	bind_checks();
	upcall_checks();
	timer_checks();
	time_checks();
	reset_checks();
}
