/*
 * vcpu: HYPERVISOR_vcpu_op, register_vcpu_info above all.
 *
 * Xen 4.17 (common/domain.c, arch/x86/domain.c):
 *  - a vcpuid that does not exist is -ENOENT, an unknown op -ENOSYS;
 *  - register_vcpu_info: the offset must keep the 64-byte vcpu_info in
 *    the page and be 8-aligned (-ENXIO), the frame must be ours and able
 *    to take a writable type, and it works once (-EINVAL).  Xen copies
 *    the old vcpu_info over, then marks every selector bit and the upcall
 *    pending (a spurious event the guest must cope with); from then on
 *    pending, mask, cr2 and time live at the new place;
 *  - register_runstate_memory_area range-checks the address only
 *    (-EFAULT) and silently copies (an unmapped address is accepted);
 *  - set_periodic_timer wants 1 ms <= period; set_singleshot_timer
 *    ignores VCPU_SSHOTTMR_future (the header allows it; 4.17 no longer
 *    returns -ETIME for a past deadline) and fires at once;
 *  - send_nmi wants a NULL argument and raises the NMI trap (vector 2).
 */
#include "guest.h"

static long vop(unsigned long cmd, unsigned long id, const void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, id, arg);
}

static void basic_checks(void)
{
	CHECK_EQ("is_up.0", vop(VCPUOP_is_up, 0, NULL), 1);
	CHECK_EQ("is_up.1", vop(VCPUOP_is_up, 1, NULL), -XEN_ENOENT);
	CHECK_EQ("is_up.huge", vop(VCPUOP_is_up, 0xffffffffUL, NULL), -XEN_ENOENT);
	CHECK_EQ("up.self", vop(VCPUOP_up, 0, NULL), 0);
	CHECK_EQ("cmd.20", vop(20, 0, NULL), -XEN_ENOSYS);
	CHECK_EQ("cmd.14", vop(14, 0, NULL), -XEN_ENOSYS);
	static vcpu_guest_context_t ctxt;
	CHECK_EQ("initialise.running", vop(VCPUOP_initialise, 0, &ctxt), -XEN_EEXIST);

	static struct vcpu_runstate_info rs;
	memset(&rs, 0x5a, sizeof(rs));
	CHECK_EQ("get_runstate_info", vop(VCPUOP_get_runstate_info, 0, &rs), 0);
	CHECK_EQ("get_runstate_info.state", rs.state, RUNSTATE_running);
	CHECK("get_runstate_info.time", rs.time[RUNSTATE_running] > 0 && rs.state_entry_time > 0);
	CHECK_EQ("get_runstate_info.badptr", vop(VCPUOP_get_runstate_info, 0, (void *)0x1000), -XEN_EFAULT);

	struct vcpu_get_physid pid;
	CHECK_EQ("get_physid", vop(VCPUOP_get_physid, 0, &pid), 0);
	CHECK_EQ("get_physid.badptr", vop(VCPUOP_get_physid, 0, (void *)0x1000), -XEN_EFAULT);
}

static void runstate_checks(void)
{
	static struct vcpu_runstate_info area;
	struct vcpu_register_runstate_memory_area r;

	memset(&area, 0x5a, sizeof(area));
	r.addr.v = &area;
	CHECK_EQ("runstate_area.register", vop(VCPUOP_register_runstate_memory_area, 0, &r), 0);
	CHECK_EQ("runstate_area.state", area.state, RUNSTATE_running);
	CHECK("runstate_area.entry_time", area.state_entry_time > 0 &&
	      !(area.state_entry_time & XEN_RUNSTATE_UPDATE));
	uint64_t t0 = area.time[RUNSTATE_running];
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* 20 ms: a deadline that a host stall lets pass before the poll
	 * starts returns at once, and the vCPU never blocks. */
	struct sched_poll sp = { .nr_ports = 0, .timeout = xen_system_time() + 20000000 };
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	CHECK("runstate_area.updated", area.time[RUNSTATE_running] >= t0 &&
	      area.time[RUNSTATE_blocked] > 0);
	r.addr.p = 0x1000;
	CHECK_EQ("runstate_area.unmapped", vop(VCPUOP_register_runstate_memory_area, 0, &r), 0);
	r.addr.p = 0x0000800000000000UL;
	CHECK_EQ("runstate_area.noncanonical", vop(VCPUOP_register_runstate_memory_area, 0, &r), -XEN_EFAULT);
	r.addr.p = 0xffff830000000000UL;
	CHECK_EQ("runstate_area.xen", vop(VCPUOP_register_runstate_memory_area, 0, &r), -XEN_EFAULT);
	r.addr.p = 0;
	CHECK_EQ("runstate_area.null", vop(VCPUOP_register_runstate_memory_area, 0, &r), 0);
	CHECK_EQ("runstate_area.badptr", vop(VCPUOP_register_runstate_memory_area, 0, (void *)0x1000),
		 -XEN_EFAULT);
	CHECK_EQ("runstate_area.vcpu1", vop(VCPUOP_register_runstate_memory_area, 1, &r), -XEN_ENOENT);

	static struct vcpu_time_info tarea;
	struct vcpu_register_time_memory_area ta = { .addr.v = &tarea };
	CHECK_EQ("time_area.register", vop(VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
	CHECK("time_area.mul", tarea.tsc_to_system_mul == vcpu->time.tsc_to_system_mul);
	CHECK_EQ("time_area.version_even", tarea.version & 1, 0);
	ta.addr.p = 0x0000800000000000UL;
	CHECK_EQ("time_area.noncanonical", vop(VCPUOP_register_vcpu_time_memory_area, 0, &ta), -XEN_EFAULT);
	ta.addr.p = 0;
	CHECK_EQ("time_area.null", vop(VCPUOP_register_vcpu_time_memory_area, 0, &ta), 0);
}

static void timer_checks(void)
{
	struct vcpu_set_periodic_timer pt = { .period_ns = 0 };
	CHECK_EQ("periodic.zero", vop(VCPUOP_set_periodic_timer, 0, &pt), -XEN_EINVAL);
	pt.period_ns = 999999;
	CHECK_EQ("periodic.below_1ms", vop(VCPUOP_set_periodic_timer, 0, &pt), -XEN_EINVAL);
	pt.period_ns = 1000000000;
	CHECK_EQ("periodic.1s", vop(VCPUOP_set_periodic_timer, 0, &pt), 0);
	pt.period_ns = ~0UL;
	CHECK_EQ("periodic.huge", vop(VCPUOP_set_periodic_timer, 0, &pt), -XEN_EINVAL);
	CHECK_EQ("periodic.badptr", vop(VCPUOP_set_periodic_timer, 0, (void *)0x1000), -XEN_EFAULT);
	CHECK_EQ("periodic.stop", vop(VCPUOP_stop_periodic_timer, 0, NULL), 0);

	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
	CHECK_EQ("singleshot.past_future_flag", vop(VCPUOP_set_singleshot_timer, 0, &st), 0);
	st.flags = 0;
	CHECK_EQ("singleshot.past", vop(VCPUOP_set_singleshot_timer, 0, &st), 0);
	st.timeout_abs_ns = xen_system_time() + 3600000000000UL;
	st.flags = VCPU_SSHOTTMR_future;
	CHECK_EQ("singleshot.future", vop(VCPUOP_set_singleshot_timer, 0, &st), 0);
	CHECK_EQ("singleshot.stop", vop(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	CHECK_EQ("singleshot.badptr", vop(VCPUOP_set_singleshot_timer, 0, (void *)0x1000), -XEN_EFAULT);
	CHECK_EQ("singleshot.vcpu1", vop(VCPUOP_set_singleshot_timer, 1, &st), -XEN_ENOENT);
	/* The timer fired at once (past deadline): VIRQ_TIMER is unbound, so
	 * nothing is delivered; clear whatever is left. */
}

static void nmi_checks(void)
{
	CHECK_EQ("send_nmi.arg", vop(VCPUOP_send_nmi, 0, (void *)0x1234), -XEN_EINVAL);
	trap_info_t t[2] = { { .vector = 2, .flags = 0, .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(2) }, { 0 } };
	HYPERVISOR_set_trap_table(t);
	expect_trap(2);
	CHECK_EQ("send_nmi", vop(VCPUOP_send_nmi, 0, NULL), 0);
	CHECK_EQ("send_nmi.delivered", trap_seen(), 2);
	CHECK_EQ("send_nmi.masks_events", last_trap.upcall_mask, 1);
	expect_trap(-1);
}

static void vcpu_info_checks(void)
{
	char *page = alloc_page();
	struct vcpu_register_vcpu_info r = { .mfn = va_to_mfn(page), .offset = 4096 - 63 };

	CHECK_EQ("vcpu_info.crosses_page", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 4;
	CHECK_EQ("vcpu_info.unaligned", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 0xffffffff;
	CHECK_EQ("vcpu_info.huge_offset", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 64;
	r.mfn = va_to_mfn((void *)start_info->pt_base);
	CHECK_EQ("vcpu_info.page_table", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	r.mfn = 0xfffffff;
	CHECK_EQ("vcpu_info.bad_mfn", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	static xen_pfn_t m2p_mfns[1];
	struct xen_machphys_mfn_list ml = { .max_extents = 1 };
	set_xen_guest_handle(ml.extent_start, m2p_mfns);
	HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml);
	r.mfn = m2p_mfns[0];
	CHECK_EQ("vcpu_info.xen_frame", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	CHECK_EQ("vcpu_info.badptr", vop(VCPUOP_register_vcpu_info, 0, (void *)0x1000), -XEN_EFAULT);
	r.mfn = va_to_mfn(page);
	CHECK_EQ("vcpu_info.vcpu1", vop(VCPUOP_register_vcpu_info, 1, &r), -XEN_ENOENT);

	/* The real one: offset 4032 is the last that fits. */
	r.offset = 4096 - 64;
	memset(page, 0x5a, PAGE_SIZE);
	vcpu->evtchn_upcall_pending = 0;
	vcpu->evtchn_pending_sel = 0;
	uint64_t mul = vcpu->time.tsc_to_system_mul;
	CHECK_EQ("vcpu_info.register", vop(VCPUOP_register_vcpu_info, 0, &r), 0);
	struct vcpu_info *nv = (struct vcpu_info *)(page + r.offset);
	CHECK_EQ("vcpu_info.copied_mask", nv->evtchn_upcall_mask, 1);
	CHECK_EQ("vcpu_info.pending_sel_all", nv->evtchn_pending_sel, ~0UL);
	CHECK_EQ("vcpu_info.upcall_pending", nv->evtchn_upcall_pending, 1);
	CHECK("vcpu_info.time_mul", nv->time.tsc_to_system_mul == mul);
	CHECK_EQ("vcpu_info.time_version_even", nv->time.version & 1, 0);
	CHECK_EQ("vcpu_info.outside_untouched", (uint8_t)page[r.offset - 1], 0x5a);
	CHECK_EQ("vcpu_info.again", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	r.offset = 0;
	CHECK_EQ("vcpu_info.again_elsewhere", vop(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	vcpu = nv;

	/* Events and cr2 now go to the new place. */
	unsigned long before = upcalls;
	events_enable();
	events_poke();
	CHECK_EQ("vcpu_info.spurious_upcall", upcalls - before, 1);
	CHECK_EQ("vcpu_info.upcall_cleared", nv->evtchn_upcall_pending, 0);
	long port = evtchn_bind_ipi(0);
	before = upcalls;
	evtchn_send((evtchn_port_t)port);
	CHECK_EQ("vcpu_info.ipi_upcall", upcalls - before, 1);
	CHECK_EQ("vcpu_info.ipi_port", port_events[port], 1);
	CHECK_EQ("vcpu_info.legacy_slot_quiet", shared_info->vcpu_info[0].evtchn_upcall_pending, 0);
	events_disable();
	evtchn_close((evtchn_port_t)port);
	uint64_t v;
	probe_read64(0x5008, &v);
	CHECK_EQ("vcpu_info.cr2", nv->arch.cr2, 0x5008);
	CHECK_EQ("vcpu_info.cr2.recorded", last_trap.cr2, 0x5008);
	/* pvclock through the new area still moves forward. */
	uint64_t a = xen_system_time(), b = xen_system_time();
	CHECK("vcpu_info.time_monotonic", b >= a && a > 0);
}

void test_main(void)
{
	basic_checks();
	runstate_checks();
	timer_checks();
	nmi_checks();
	vcpu_info_checks();
}
