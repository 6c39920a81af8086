/*
 * sched: HYPERVISOR_sched_op except the final shutdown (see shutdown.c).
 *
 * Xen 4.17 (common/sched/core.c do_sched_op):
 *  - yield: 0; block: clears the upcall mask and returns at once when an
 *    event is already pending (the upcall then runs on the way out);
 *  - shutdown/shutdown_code read a struct: -EFAULT for bad pointers; the
 *    first shutdown_code wins and replaces the reason of the final
 *    shutdown (so this kernel sets it to poweroff);
 *  - poll: more than 128 ports -EINVAL, unreadable list -EFAULT, a port
 *    beyond the 2-level limit (4096) -EINVAL, a pending port returns 0 at
 *    once, otherwise sleep until a port fires or the absolute timeout;
 *  - remote_shutdown: a domid that is not a live domain (DOMID_SELF is
 *    not translated) is -ESRCH;
 *  - watchdog: id 0 allocates one of two timers (returns 1 or 2), id n
 *    with timeout 0 frees it, an id not in use is -EINVAL.  When both
 *    are taken Xen returns -ENOSPC *as an unsigned int*: domain_watchdog()
 *    computes `i == NR ? -ENOSPC : i + 1` with i unsigned, so the guest
 *    sees 0xffffffe4 (4294967268), not -28;
 *  - unknown commands are -ENOSYS.
 */
#include "guest.h"

static long so(unsigned long cmd, const void *arg)
{
	return HYPERVISOR_sched_op(cmd, arg);
}

static void block_checks(void)
{
	long port = evtchn_bind_ipi(0);
	CHECK("ipi.bind", port > 0);
	evtchn_send((evtchn_port_t)port);
	CHECK("ipi.pending", evtchn_is_pending((evtchn_port_t)port));
	CHECK_EQ("ipi.upcall_pending", vcpu->evtchn_upcall_pending, 1);
	unsigned long before = upcalls;
	CHECK_EQ("block.mask_before", vcpu->evtchn_upcall_mask, 1);
	CHECK_EQ("block.pending_event", so(SCHEDOP_block, NULL), 0);
	CHECK_EQ("block.upcall_delivered", upcalls - before, 1);
	CHECK_EQ("block.unmasks_events", vcpu->evtchn_upcall_mask, 0);
	CHECK_EQ("block.port_handled", port_events[port], 1);
	events_disable();

	/* Poll on a pending port returns at once, without the upcall. */
	evtchn_port_t p = (evtchn_port_t)port;
	evtchn_send(p);
	struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };
	set_xen_guest_handle(sp.ports, &p);
	before = upcalls;
	CHECK_EQ("poll.pending", so(SCHEDOP_poll, &sp), 0);
	CHECK_EQ("poll.pending.no_upcall", upcalls - before, 0);
	CHECK_EQ("poll.pending.still_masked", vcpu->evtchn_upcall_mask, 1);
	evtchn_clear(p);
	vcpu->evtchn_upcall_pending = 0;

	/* A non-pending port with a timeout 20 ms ahead sleeps until then. */
	uint64_t t0 = xen_system_time();
	sp.timeout = t0 + 20000000;
	CHECK_EQ("poll.timeout", so(SCHEDOP_poll, &sp), 0);
	uint64_t t1 = xen_system_time();
	CHECK("poll.timeout.slept", t1 - t0 >= 19000000);
	/* A timeout already in the past returns at once. */
	sp.timeout = 1;
	CHECK_EQ("poll.timeout_past", so(SCHEDOP_poll, &sp), 0);

	sp.nr_ports = 129;
	CHECK_EQ("poll.too_many_ports", so(SCHEDOP_poll, &sp), -XEN_EINVAL);
	sp.nr_ports = 1;
	evtchn_port_t badport = 4096;
	set_xen_guest_handle(sp.ports, &badport);
	CHECK_EQ("poll.port_4096", so(SCHEDOP_poll, &sp), -XEN_EINVAL);
	badport = 0xffffffff;
	CHECK_EQ("poll.port_ffffffff", so(SCHEDOP_poll, &sp), -XEN_EINVAL);
	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		set_xen_guest_handle(sp.ports, (evtchn_port_t *)bad_ptrs[i].addr);
		CHECK_EQ(checkname("poll.ports.badptr.%s", bad_ptrs[i].name), so(SCHEDOP_poll, &sp),
			 -XEN_EFAULT);
	}
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("poll.badptr.%s", bad_ptrs[i].name),
			 so(SCHEDOP_poll, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	CHECK_EQ("ipi.close", evtchn_close(p), 0);
}

static void watchdog_checks(void)
{
	struct sched_watchdog w = { .id = 0, .timeout = 3600 };
	CHECK_EQ("watchdog.alloc1", so(SCHEDOP_watchdog, &w), 1);
	CHECK_EQ("watchdog.alloc2", so(SCHEDOP_watchdog, &w), 2);
	CHECK_EQ("watchdog.alloc3", so(SCHEDOP_watchdog, &w), (uint32_t)-XEN_ENOSPC);
	w.id = 1;
	w.timeout = 7200;
	CHECK_EQ("watchdog.rearm1", so(SCHEDOP_watchdog, &w), 0);
	w.timeout = 0;
	CHECK_EQ("watchdog.free1", so(SCHEDOP_watchdog, &w), 0);
	CHECK_EQ("watchdog.free1_again", so(SCHEDOP_watchdog, &w), -XEN_EINVAL);
	w.id = 2;
	CHECK_EQ("watchdog.free2", so(SCHEDOP_watchdog, &w), 0);
	w.id = 3;
	CHECK_EQ("watchdog.id3", so(SCHEDOP_watchdog, &w), -XEN_EINVAL);
	w.id = 0x80000000;
	CHECK_EQ("watchdog.id_huge", so(SCHEDOP_watchdog, &w), -XEN_EINVAL);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("watchdog.badptr.%s", bad_ptrs[i].name),
			 so(SCHEDOP_watchdog, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
}

void test_main(void)
{
	CHECK_EQ("yield", so(SCHEDOP_yield, NULL), 0);
	CHECK_EQ("yield.ignores_arg", so(SCHEDOP_yield, (void *)0xdead), 0);
	block_checks();
	watchdog_checks();

	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		CHECK_EQ(checkname("shutdown.badptr.%s", bad_ptrs[i].name),
			 so(SCHEDOP_shutdown, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
		CHECK_EQ(checkname("shutdown_code.badptr.%s", bad_ptrs[i].name),
			 so(SCHEDOP_shutdown_code, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	}
	/* The first shutdown_code wins: poweroff, so the later RESULT code
	 * (finish()) cannot turn this run's shutdown into something else. */
	struct sched_shutdown code = { .reason = SHUTDOWN_poweroff };
	CHECK_EQ("shutdown_code.poweroff", so(SCHEDOP_shutdown_code, &code), 0);
	code.reason = SHUTDOWN_reboot;
	CHECK_EQ("shutdown_code.second_ignored", so(SCHEDOP_shutdown_code, &code), 0);

	struct sched_remote_shutdown rs = { .domain_id = 1, .reason = SHUTDOWN_poweroff };
	CHECK_EQ("remote_shutdown.dom1", so(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH);
	rs.domain_id = DOMID_SELF;
	CHECK_EQ("remote_shutdown.self", so(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH);
	rs.domain_id = DOMID_IO;
	CHECK_EQ("remote_shutdown.io", so(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH);
	CHECK_EQ("remote_shutdown.badptr", so(SCHEDOP_remote_shutdown, (void *)0x1000), -XEN_EFAULT);

	static const unsigned long bad_cmds[] = { 8, 9, 100, 0xffffffffUL };
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_cmds); i++)
		CHECK_EQ(checkname("cmd.%lx", bad_cmds[i]), so(bad_cmds[i], NULL), -XEN_ENOSYS);
}
