/*
 * dom0ops: the hypercalls Linux issues as the initial domain besides the
 * core ones (issue 5 item 5): platform_op, physdev_op, grant_table_op,
 * with refused and hostile input.
 *
 * Xen 4.17 (arch/x86/platform_hypercall.c, physdev.c, common/grant_table.c):
 *  - platform_op checks interface_version first (-EACCES); settime64
 *    moves the wall clock (mbz must be 0); unknown commands are -ENOSYS;
 *    firmware_info: no EFI here (-ENOSYS), a missing disk -ESRCH, an
 *    unknown type -EINVAL; get_cpuinfo of an absent pCPU succeeds with
 *    XEN_PCPU_FLAGS_INVALID;
 *  - physdev_op set_iobitmap stores a guest pointer and size, unchecked;
 *    get_free_pirq does not check the type;
 *  - grant tables: v1 by default; query_size and setup_table take exactly
 *    one op (-EINVAL otherwise); errors inside an op are GNTST_* status
 *    codes in a successful hypercall (an unwritable frame list is
 *    GNTST_bad_virt_addr).
 */
#include "guest.h"
#include <xen/platform.h>
#include <xen/grant_table.h>

static long pop(struct xen_platform_op *op)
{
	return HC1(__HYPERVISOR_platform_op, op);
}

static void platform_checks(void)
{
	static struct xen_platform_op op;

	op = (struct xen_platform_op){ .cmd = XENPF_settime64, .interface_version = 0x03000000 };
	CHECK_EQ("platform.bad_interface_version", pop(&op), -XEN_EACCES);
	op = (struct xen_platform_op){ .cmd = 0xffff, .interface_version = XENPF_INTERFACE_VERSION };
	CHECK_EQ("platform.unknown_cmd", pop(&op), -XEN_ENOSYS);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("platform.badptr.%s", bad_ptrs[i].name),
			 HC1(__HYPERVISOR_platform_op, bad_ptrs[i].addr), -XEN_EFAULT);

	/* settime64: wall clock at system time `system_time`. */
	uint64_t now = xen_system_time();
	op = (struct xen_platform_op){ .cmd = XENPF_settime64, .interface_version = XENPF_INTERFACE_VERSION,
		.u.settime64 = { .secs = 2000000000UL, .nsecs = 0, .mbz = 0, .system_time = now } };
	uint32_t ver = shared_info->wc_version;
	CHECK_EQ("platform.settime64", pop(&op), 0);
	CHECK("platform.settime64.version_moved", shared_info->wc_version != ver &&
	      !(shared_info->wc_version & 1));
	uint64_t wall = shared_info->wc_sec + now / 1000000000UL;
	check_true("platform.settime64.wallclock", wall >= 1999999999UL && wall <= 2000000001UL, 1);
	op.u.settime64.mbz = 1;
	CHECK_EQ("platform.settime64.mbz", pop(&op), -XEN_EINVAL);

	op = (struct xen_platform_op){ .cmd = XENPF_firmware_info, .interface_version = XENPF_INTERFACE_VERSION,
		.u.firmware_info = { .type = XEN_FW_EFI_INFO, .index = XEN_FW_EFI_VERSION } };
	/* Not booted from EFI. */
	CHECK_EQ("platform.firmware_info.efi", pop(&op), -XEN_ENOSYS);
	op.u.firmware_info.type = XEN_FW_DISK_INFO;
	op.u.firmware_info.index = 100;
	CHECK_EQ("platform.firmware_info.disk100", pop(&op), -XEN_ESRCH);
	op.u.firmware_info.type = 99;
	CHECK_EQ("platform.firmware_info.type99", pop(&op), -XEN_EINVAL);
	op.u.firmware_info.type = XEN_FW_KBD_SHIFT_FLAGS;
	op.u.firmware_info.index = 0;
	CHECK_EQ("platform.firmware_info.kbd", pop(&op), 0);

	op = (struct xen_platform_op){ .cmd = XENPF_get_cpuinfo, .interface_version = XENPF_INTERFACE_VERSION,
		.u.pcpu_info = { .xen_cpuid = 0 } };
	CHECK_EQ("platform.get_cpuinfo.0", pop(&op), 0);
	CHECK_EQ("platform.get_cpuinfo.0.max_present", op.u.pcpu_info.max_present, 0);
	op.u.pcpu_info.xen_cpuid = 5;
	/* An absent pCPU is not an error: it is flagged invalid. */
	CHECK_EQ("platform.get_cpuinfo.5", pop(&op), 0);
	CHECK_EQ("platform.get_cpuinfo.5.invalid", op.u.pcpu_info.flags & XEN_PCPU_FLAGS_INVALID,
		 XEN_PCPU_FLAGS_INVALID);
}

static void physdev_checks(void)
{
	static uint8_t bitmap[8192];
	struct physdev_set_iobitmap ib = { .nr_ports = 65536 };
	set_xen_guest_handle(ib.bitmap, bitmap);
	CHECK_EQ("physdev.set_iobitmap", HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &ib), 0);
	set_xen_guest_handle(ib.bitmap, (uint8_t *)0x1000);
	CHECK_EQ("physdev.set_iobitmap.unchecked_ptr", HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &ib), 0);
	ib.nr_ports = 0;
	CHECK_EQ("physdev.set_iobitmap.clear", HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, &ib), 0);
	CHECK_EQ("physdev.set_iobitmap.badptr", HYPERVISOR_physdev_op(PHYSDEVOP_set_iobitmap, (void *)0x1000),
		 -XEN_EFAULT);

	struct physdev_irq_status_query q = { .irq = 100000 };
	CHECK_EQ("physdev.irq_status_query.huge", HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q), -XEN_EINVAL);
	struct physdev_pirq_eoi_gmfn eg = { .gmfn = 0xfffffff };
	CHECK_EQ("physdev.pirq_eoi_gmfn_v2.bad", HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &eg), -XEN_EINVAL);
	struct physdev_get_free_pirq fp = { .type = 99 };
	/* The type is not checked: a free pirq comes back anyway. */
	CHECK_EQ("physdev.get_free_pirq.bad_type", HYPERVISOR_physdev_op(PHYSDEVOP_get_free_pirq, &fp), 0);
	CHECK_EQ("physdev.cmd99", HYPERVISOR_physdev_op(99, &fp), -XEN_ENOSYS);
	CHECK_EQ("physdev.cmd_apic_read", HYPERVISOR_physdev_op(PHYSDEVOP_apic_read, &fp), -XEN_EINVAL);
}

static long gop(unsigned long cmd, void *arg, unsigned long count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static void grant_checks(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	CHECK_EQ("gnttab.query_size", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("gnttab.query_size.status", qs.status, GNTST_okay);
	CHECK("gnttab.query_size.frames", qs.nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames);
	qs.dom = 7;
	CHECK_EQ("gnttab.query_size.dom7", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("gnttab.query_size.dom7.status", qs.status, GNTST_bad_domain);

	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	CHECK_EQ("gnttab.get_version", gop(GNTTABOP_get_version, &gv, 1), 0);
	CHECK_EQ("gnttab.get_version.v1", gv.version, 1);
	struct gnttab_set_version sv = { .version = 3 };
	CHECK_EQ("gnttab.set_version.3", gop(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
	sv.version = 1;
	CHECK_EQ("gnttab.set_version.1", gop(GNTTABOP_set_version, &sv, 1), 0);
	CHECK_EQ("gnttab.set_version.1.readback", sv.version, 1);

	static xen_pfn_t frames[4];
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	set_xen_guest_handle(st.frame_list, frames);
	CHECK_EQ("gnttab.setup_table", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("gnttab.setup_table.status", st.status, GNTST_okay);
	char *g = alloc_page();
	CHECK_EQ("gnttab.map_frame_rw", HYPERVISOR_update_va_mapping((unsigned long)g,
		 (frames[0] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	CHECK_EQ("gnttab.frame_starts_zero", *(volatile uint64_t *)g, 0);
	st.nr_frames = 100000;
	CHECK_EQ("gnttab.setup_table.too_many", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("gnttab.setup_table.too_many.status", st.status, GNTST_general_error);
	st.nr_frames = 1;
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)0x1000);
	/* An unwritable frame list is a per-op status, not a hypercall error. */
	CHECK_EQ("gnttab.setup_table.bad_list", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("gnttab.setup_table.bad_list.status", st.status, GNTST_bad_virt_addr);
	CHECK_EQ("gnttab.setup_table.badptr", gop(GNTTABOP_setup_table, (void *)0x1000, 1), -XEN_EFAULT);
	/* Batch arrays the hypervisor must not read or write: its own M2P
	 * (which guests may read), its direct map, across the canonical hole,
	 * wrapping around the top. The whole array is checked once, then its
	 * entries are copied unchecked. */
	static const uint64_t bad_arrays[] = { 0xffff800000000000UL, 0xffff830000000000UL,
		0x00007ffffffffff0UL, 0xfffffffffffffff0UL };
	static const unsigned int batch_cmds[] = { GNTTABOP_map_grant_ref,
		GNTTABOP_unmap_grant_ref, GNTTABOP_copy };
	uint64_t m2p_head[8];
	memcpy(m2p_head, (const void *)bad_arrays[0], sizeof(m2p_head));
	for (unsigned int c = 0; c < ARRAY_SIZE(batch_cmds); c++)
		for (unsigned int i = 0; i < ARRAY_SIZE(bad_arrays); i++)
			CHECK_EQ(checkname("gnttab.bad_array.%u.%u", batch_cmds[c], i),
				 gop(batch_cmds[c], (void *)bad_arrays[i], 1), -XEN_EFAULT);
	CHECK_EQ("gnttab.bad_array.m2p_unchanged",
		 memcmp(m2p_head, (const void *)bad_arrays[0], sizeof(m2p_head)), 0);
	/* A copy entry the hypervisor cannot read (nothing mapped there), and
	 * one it reads but cannot write its status back to (mapped read-only):
	 * -EFAULT, the entry done as far as it went. */
	CHECK_EQ("gnttab.copy.unmapped_entry", gop(GNTTABOP_copy, (void *)0x1000, 1), -XEN_EFAULT);
	struct gnttab_copy *cop = alloc_page();
	unsigned long cop_mfn = va_to_mfn(cop);
	char *cdata = alloc_page();
	cdata[0] = 0x5a;
	*cop = (struct gnttab_copy){ .len = 1, .status = 77 };
	cop->source.u.gmfn = va_to_mfn(cdata);
	cop->source.domid = DOMID_SELF;
	cop->dest.u.gmfn = va_to_mfn(cdata);
	cop->dest.domid = DOMID_SELF;
	cop->dest.offset = 1;
	CHECK_EQ("gnttab.copy.ro_entry.map", HYPERVISOR_update_va_mapping((unsigned long)cop,
		 (cop_mfn << 12) | PTE_P | PTE_A, UVMF_INVLPG), 0);
	CHECK_EQ("gnttab.copy.ro_entry", gop(GNTTABOP_copy, cop, 1), -XEN_EFAULT);
	CHECK_EQ("gnttab.copy.ro_entry.copied", cdata[1], 0x5a);
	CHECK_EQ("gnttab.copy.ro_entry.status", cop->status, 77);
	CHECK_EQ("gnttab.copy.ro_entry.unmap", HYPERVISOR_update_va_mapping((unsigned long)cop,
		 (cop_mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	CHECK_EQ("gnttab.copy.rw_entry", gop(GNTTABOP_copy, cop, 1), 0);
	CHECK_EQ("gnttab.copy.rw_entry.status", cop->status, GNTST_okay);
	/* query_size takes exactly one. */
	CHECK_EQ("gnttab.query_size.count0", gop(GNTTABOP_query_size, &qs, 0), -XEN_EINVAL);
	CHECK_EQ("gnttab.cmd99", gop(99, &qs, 1), -XEN_ENOSYS);
	CHECK_EQ("gnttab.query_size.count2", gop(GNTTABOP_query_size, &qs, 2), -XEN_EINVAL);
	CHECK_EQ("gnttab.setup_table.count0", gop(GNTTABOP_setup_table, &st, 0), -XEN_EINVAL);
}

/*
 * PIT channel 2 and port 0x61, as Linux's TSC calibration uses them: Xen
 * gives the hardware domain a virtual channel 2 (pv_pit_handler) counting
 * at 1.193182 MHz while the real PIT stays Xen's.
 */
static void pit_checks(void)
{
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct pit2_count pc;
	CHECK_EQ("pit.set_iopl", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	pit2_count_down(5000000, &pc);                           /* 5 ms */
	CHECK("pit.ch2.counts_down", pc.last < pc.first);
	/* within a quarter either way: both reads are trapped and emulated */
	CHECK("pit.ch2.rate", pit2_rate_ok(&pc));
	CHECK_EQ("pit.ch2.out_low_while_counting", io_in(0x61) & 0x20, 0);
	CHECK_EQ("pit.port61.gate", io_in(0x61) & 0x03, 0x01);
	io_out(0x43, 0x80);                                      /* latch */
	uint64_t t0 = xen_system_time();
	while (xen_system_time() - t0 < 1000000)
		;
	unsigned int l = pit2_read(), after = pit2_read();
	CHECK("pit.ch2.latch_then_live", after < l);
	io_out(0x61, (uint8_t)(io_in(0x61) & ~0x03));
	iopl.iopl = 0;
	CHECK_EQ("pit.iopl_back", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
}

void test_main(void)
{
	platform_checks();
	physdev_checks();
	pit_checks();
	grant_checks();
}
