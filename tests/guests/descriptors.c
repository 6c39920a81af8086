/*
 * descriptors: set_gdt, update_descriptor and the LDT (mmuext SET_LDT).
 *
 * Xen 4.17 (pv/descriptor-tables.c check_descriptor): a not-present
 * descriptor is accepted as is; code/data descriptors are accepted with
 * their DPL raised to 3 (the guest kernel runs in ring 3), written back
 * into the guest's page; type 0 is accepted (the upper half of a 16-byte
 * gate); a call gate to a guest code selector is accepted with DPL forced
 * to 0 and the original DPL kept in the selector's RPL (so using it traps
 * for emulation); every other system descriptor (TSS, LDT, interrupt and
 * trap gates) is refused.  set_gdt takes a segment-descriptor type on each
 * frame (so none may be mapped writable), at most 14 frames' worth of
 * entries; update_descriptor wants an 8-aligned machine address in a
 * frame of ours that is a descriptor page or can be written.
 */
#include "guest.h"

#define D_CODE64_DPL3 0x00affb000000ffffUL
#define D_DATA_DPL3   0x00cff3000000ffffUL
#define D_CODE64_DPL0 0x00af9b000000ffffUL
#define D_DATA_DPL0   0x00cf93000000ffffUL
#define D_DATA_DPL1   0x00cfb3000000ffffUL
#define D_TSS         0x0000890000000067UL
#define D_LDT         0x0000820000000fffUL
#define D_INTGATE     0x00008e0000000000UL
#define D_TRAPGATE    0x00008f0000000000UL
#define DPL_MASK      (3UL << 45)

/* A call gate's low half: offset 0, selector, type 0xc, present, DPL. */
#define CALLGATE_LO(sel, dpl) \
	(((uint64_t)(sel) << 16) | (0xcUL << 40) | (1UL << 47) | ((uint64_t)(dpl) << 45))
#define callgate_lo CALLGATE_LO

static long set_gdt(const void *page, unsigned long entries)
{
	static unsigned long frames[16];
	frames[0] = va_to_mfn(page);
	return HYPERVISOR_set_gdt(frames, entries);
}

static long upd(uint64_t maddr, uint64_t desc)
{
	return HYPERVISOR_update_descriptor(maddr, desc);
}

static long load_ds(uint16_t sel)
{
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("mov %0, %%ds") : : "r"(sel));
	long seen = trap_seen();
	expect_trap(-1);
	return seen;
}

static long load_fs(uint16_t sel)
{
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("mov %0, %%fs") : : "r"(sel));
	long seen = trap_seen();
	expect_trap(-1);
	return seen;
}

static void gdt_checks(void)
{
	uint64_t *g = alloc_page();
	g[1] = D_CODE64_DPL3;
	g[2] = D_DATA_DPL3;
	g[3] = D_CODE64_DPL0;
	g[4] = D_DATA_DPL0;
	g[5] = D_DATA_DPL1;
	g[6] = callgate_lo(FLAT_KERNEL_CS, 3);
	g[7] = 0;                         /* upper half of the gate */
	g[8] = 0x0000120000000000UL;      /* not present: anything goes */
	g[11] = 0x0000720000000000UL;     /* not present, DPL 3 */

	CHECK_EQ("set_gdt.writable", set_gdt(g, 16), -XEN_EINVAL);
	page_set_ro(g);
	CHECK_EQ("set_gdt", set_gdt(g, 16), 0);
	CHECK_EQ("set_gdt.code_dpl0_fixed", g[3], D_CODE64_DPL3);
	CHECK_EQ("set_gdt.data_dpl0_fixed", g[4], D_DATA_DPL3);
	CHECK_EQ("set_gdt.data_dpl1_fixed", g[5], D_DATA_DPL3);
	CHECK_EQ("set_gdt.callgate", g[6], callgate_lo(FLAT_KERNEL_CS | 3, 0));
	CHECK_EQ("set_gdt.not_present_kept", g[8], 0x0000120000000000UL);
	CHECK_EQ("set_gdt.frame_not_writable", HYPERVISOR_update_va_mapping((unsigned long)g,
		 ((uint64_t)va_to_mfn(g) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), -XEN_EBUSY);

	CHECK_EQ("load.data_dpl3", load_ds(0x13), -1);
	CHECK_EQ("load.data_was_dpl0", load_ds(0x23), -1);
	CHECK_EQ("load.null", load_ds(0), -1);
	CHECK_EQ("load.callgate", load_fs(0x33), 13);
	CHECK_EQ("load.callgate.error_code", last_trap.error_code, 0x30);
	/* Not present: the DPL check comes first (DPL 0 < CPL 3: #GP). */
	CHECK_EQ("load.not_present_dpl0", load_fs(0x43), 13);
	CHECK_EQ("load.not_present_dpl0.error_code", last_trap.error_code, 0x40);
	CHECK_EQ("load.not_present", load_fs(0x5b), 11);
	CHECK_EQ("load.not_present.error_code", last_trap.error_code, 0x58);
	CHECK_EQ("load.beyond_limit", load_fs(0x83), 13);
	CHECK_EQ("load.beyond_limit.error_code", last_trap.error_code, 0x80);
	CHECK_EQ("load.xen_flat_ds", load_ds(FLAT_KERNEL_SS), -1);
	load_ds(0);
	load_fs(0);

	/* update_descriptor on the live GDT. */
	uint64_t ma = ((uint64_t)va_to_mfn(g) << 12);
	CHECK_EQ("update.data_dpl0", upd(ma + 9 * 8, D_DATA_DPL0), 0);
	CHECK_EQ("update.data_dpl0.fixed", g[9], D_DATA_DPL3);
	CHECK_EQ("update.load", load_ds(0x4b), -1);
	load_ds(0);
	const struct { const char *name; uint64_t d; long rc; } descs[] = {
		{ "tss", D_TSS, -XEN_EINVAL },
		{ "ldt", D_LDT, -XEN_EINVAL },
		{ "intgate", D_INTGATE, -XEN_EINVAL },
		{ "trapgate", D_TRAPGATE, -XEN_EINVAL },
		{ "callgate_xen_selector", CALLGATE_LO(0xe008, 3), -XEN_EINVAL },
		{ "callgate_ldt_selector", CALLGATE_LO(0x1234, 3), 0 },
		{ "callgate_reserved_bits", callgate_lo(FLAT_KERNEL_CS, 3) | 0x1UL << 32, -XEN_EINVAL },
		{ "type0", 1UL << 47, 0 },
		{ "not_present_tss", D_TSS & ~(1UL << 47), 0 },
		{ "code_dpl1", 0x00afbb000000ffffUL, 0 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(descs); i++)
		CHECK_EQ(checkname("update.%s", descs[i].name), upd(ma + 10 * 8, descs[i].d), descs[i].rc);
	CHECK_EQ("update.unaligned", upd(ma + 10 * 8 + 4, D_DATA_DPL3), -XEN_EINVAL);
	CHECK_EQ("update.page_table", upd(((uint64_t)va_to_mfn((void *)start_info->pt_base) << 12) + 8,
		 D_DATA_DPL3), -XEN_EINVAL);
	CHECK_EQ("update.xen_frame", upd(xen_owned_mfn() << 12, D_DATA_DPL3), -XEN_EINVAL);
	CHECK_EQ("update.bad_mfn", upd(0xfffffff000UL, D_DATA_DPL3), -XEN_EINVAL);
	/* An ordinary page of ours is written (with the same checks). */
	uint64_t *plain = alloc_page();
	CHECK_EQ("update.plain_page", upd((uint64_t)va_to_mfn(plain) << 12, D_CODE64_DPL0), 0);
	CHECK_EQ("update.plain_page.written", plain[0], D_CODE64_DPL3);
	CHECK_EQ("update.plain_page.tss", upd(((uint64_t)va_to_mfn(plain) << 12) + 8, D_TSS), -XEN_EINVAL);

	/* set_gdt refusals leave the old GDT in place. */
	uint64_t *g2 = alloc_page();
	g2[1] = D_DATA_DPL3;
	g2[2] = D_TSS;
	page_set_ro(g2);
	CHECK_EQ("set_gdt.tss", set_gdt(g2, 16), -XEN_EINVAL);
	CHECK_EQ("set_gdt.tss.old_kept", load_ds(0x13), -1);
	load_ds(0);
	CHECK_EQ("set_gdt.too_many", set_gdt(g, 14 * 512 + 1), -XEN_EINVAL);
	CHECK_EQ("set_gdt.page_table", set_gdt((void *)start_info->pt_base, 16), -XEN_EINVAL);
	static unsigned long bad_frames[1];
	bad_frames[0] = xen_owned_mfn();
	CHECK_EQ("set_gdt.xen_frame", HYPERVISOR_set_gdt(bad_frames, 16), -XEN_EINVAL);
	bad_frames[0] = 0xfffffff;
	CHECK_EQ("set_gdt.bad_mfn", HYPERVISOR_set_gdt(bad_frames, 16), -XEN_EINVAL);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("set_gdt.badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_set_gdt((void *)bad_ptrs[i].addr, 16), -XEN_EFAULT);

	/* Replacing the GDT releases the old frame. */
	page_set_rw(g2);
	g2[2] = 0;
	page_set_ro(g2);
	CHECK_EQ("set_gdt.replace", set_gdt(g2, 16), 0);
	CHECK_EQ("set_gdt.old_frame_free", HYPERVISOR_update_va_mapping((unsigned long)g,
		 ((uint64_t)va_to_mfn(g) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	CHECK_EQ("set_gdt.empty", HYPERVISOR_set_gdt(bad_frames, 0), 0);
	CHECK_EQ("set_gdt.empty.load_fails", load_ds(0x13), 13);
}

/*
 * The LDT is typed lazily: the first load through it makes Xen validate the
 * whole page as descriptors (pv_map_ldt_shadow_page).  When that fails (the
 * page is mapped writable, or holds a TSS) the load turns into a #PF for
 * the guest at the LDT entry's linear address, error code 0.
 */
static void ldt_checks(void)
{
	uint64_t *l = alloc_page();
	l[1] = D_DATA_DPL0;
	l[2] = D_TSS;

	CHECK_EQ("set_ldt.unaligned", mmuext1(MMUEXT_SET_LDT, (unsigned long)l + 8, 4), -XEN_EINVAL);
	CHECK_EQ("set_ldt.too_many", mmuext1(MMUEXT_SET_LDT, (unsigned long)l, 8193), -XEN_EINVAL);
	CHECK_EQ("set_ldt.noncanonical", mmuext1(MMUEXT_SET_LDT, 0x0000800000000000UL, 4), -XEN_EINVAL);
	CHECK_EQ("set_ldt.xen_range", mmuext1(MMUEXT_SET_LDT, 0xffff830000000000UL, 4), -XEN_EINVAL);
	CHECK_EQ("set_ldt.zero_entries_any_address", mmuext1(MMUEXT_SET_LDT, 0x8, 0), 0);

	CHECK_EQ("set_ldt", mmuext1(MMUEXT_SET_LDT, (unsigned long)l, 4), 0);
	CHECK_EQ("ldt.load_while_writable", load_fs(0x0f), 14);
	CHECK_EQ("ldt.load_while_writable.error_code", last_trap.error_code, 0);
	CHECK("ldt.load_while_writable.cr2", last_trap.cr2 == (uint64_t)l + 8);
	page_set_ro(l);
	CHECK_EQ("ldt.load_page_with_tss", load_fs(0x0f), 14);
	/* check_descriptor fixes entries in place as it goes: entry 1 was
	 * rewritten to DPL 3 before entry 2 (the TSS) failed the page. */
	CHECK_EQ("ldt.page_with_tss.partly_fixed", l[1], D_DATA_DPL3);

	uint64_t *g = alloc_page();
	g[1] = D_DATA_DPL0;
	g[3] = CALLGATE_LO(FLAT_KERNEL_CS, 3);
	page_set_ro(g);
	CHECK_EQ("set_ldt.good", mmuext1(MMUEXT_SET_LDT, (unsigned long)g, 4), 0);
	CHECK_EQ("ldt.load_data", load_fs(0x0f), -1);
	CHECK_EQ("ldt.fixed_dpl", g[1], D_DATA_DPL3);
	CHECK_EQ("ldt.callgate_fixed", g[3], CALLGATE_LO(FLAT_KERNEL_CS | 3, 0));
	CHECK_EQ("ldt.page_typed", HYPERVISOR_update_va_mapping((unsigned long)g,
		 ((uint64_t)va_to_mfn(g) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("ldt.load_null_entry", load_fs(0x17), 13);
	CHECK_EQ("ldt.load_null_entry.error_code", last_trap.error_code, 0x14);
	CHECK_EQ("ldt.beyond_entries", load_fs(0x27), 13);
	CHECK_EQ("ldt.beyond_entries.error_code", last_trap.error_code, 0x24);
	load_fs(0);
	CHECK_EQ("set_ldt.clear", mmuext1(MMUEXT_SET_LDT, 0, 0), 0);
	CHECK_EQ("ldt.cleared.load", load_fs(0x0f), 13);
	load_fs(0);
}

/*
 * On-demand LDT mapping (issue 10, item 12). The LDT window (Xen's
 * per-vCPU GDT/LDT area; vCPU 0's LDT at 0xffff820000010000 on both) is
 * filled by the hypervisor when the CPU loads a descriptor through it.
 *  - Loads the hypervisor does for us, in ring 0, get it too: iret to an
 *    SS in the LDT before anything touched the LDT, and a DS in the LDT
 *    reloaded after a deschedule once SET_LDT has unmapped the window.
 *  - The guest touching the window itself (a user-mode access) is a plain
 *    #PF at that address, even with the LDT set and mapped: old pvisor
 *    mapped the page and retried, for ever.
 */
#define LDT_WINDOW0 0xffff820000010000UL

static struct ctx ldt_ctx;
static char ldt_stack[4096] ALIGNED(16);
uint64_t ldt_land_ss;
asm(".text\n"
    "ldt_iret_landing:\n\t"
    "xor %eax, %eax\n\t"
    "mov %ss, %ax\n\t"
    "mov %rax, ldt_land_ss(%rip)\n\t"
    "mov $0xe02b, %eax\n\t"           /* FLAT_KERNEL_SS */
    "mov %eax, %ss\n\t"
    "lea ldt_ctx(%rip), %rdi\n\t"
    "mov $1, %esi\n\t"
    "jmp ctx_restore\n");
extern char ldt_iret_landing[];

static void ldt_iret_back(void)
{
	ctx_restore(&ldt_ctx, 2);
}

static unsigned int failsafes;
static bool count_failsafe(struct trap_frame *tf)
{
	(void)tf;
	failsafes++;
	return true;
}

/* ~5 ms descheduled: our selectors are saved and reloaded by the hypervisor. */
static long deschedule(evtchn_port_t port)
{
	struct sched_poll sp = { .nr_ports = 1, .timeout = xen_system_time() + 5000000 };

	set_xen_guest_handle(sp.ports, &port);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static void ldt_demand_checks(void)
{
	uint64_t *g = alloc_page();
	uint8_t mask = vcpu->evtchn_upcall_mask;
	evtchn_port_t port = (evtchn_port_t)evtchn_bind_ipi(0);
	uint16_t ds;
	long r;

	g[1] = D_DATA_DPL3;
	page_set_ro(g);
	CHECK_EQ("ldt_demand.set_ldt", mmuext1(MMUEXT_SET_LDT, (unsigned long)g, 4), 0);
	struct iret_context c = { .rip = (uint64_t)ldt_iret_landing, .cs = 0xe030,  /* RPL 0: kernel */
		.rflags = 0x2, .rsp = (uint64_t)ldt_stack + sizeof(ldt_stack) - 16, .ss = 0x0f };
	expect_trap_resume(TRAP_ANY, (uint64_t)ldt_iret_back);
	r = ctx_save(&ldt_ctx);
	if (r == 0)
		iret_full(&c);
	CHECK_EQ("ldt_demand.iret_ss.landed", r, 1);
	CHECK_EQ("ldt_demand.iret_ss.no_trap", trap_seen(), -1);
	CHECK_EQ("ldt_demand.iret_ss", ldt_land_ss, 0x0f);
	expect_trap(-1);
	vcpu->evtchn_upcall_mask = mask;

	CHECK_EQ("ldt_demand.load_ds", load_ds(0x0f), -1);
	/* a different size drops the window's mappings (on Xen too) */
	CHECK_EQ("ldt_demand.set_ldt_again", mmuext1(MMUEXT_SET_LDT, (unsigned long)g, 5), 0);
	set_trap_hook(VEC_FAILSAFE, count_failsafe);
	CHECK_EQ("ldt_demand.deschedule", deschedule(port), 0);
	asm volatile("mov %%ds, %0" : "=r"(ds));
	set_trap_hook(VEC_FAILSAFE, NULL);
	CHECK_EQ("ldt_demand.ds_reloaded", ds, 0x0f);
	CHECK_EQ("ldt_demand.no_failsafe", failsafes, 0);
	load_ds(0);

	/* the window itself, mapped or not, is the hypervisor's */
	uint64_t v;
	CHECK_EQ("ldt_window.read", probe_read64(LDT_WINDOW0, &v), 14);
	CHECK_EQ("ldt_window.read.cr2", last_trap.cr2, LDT_WINDOW0);
	CHECK_EQ("ldt_window.load_fs", load_fs(0x0f), -1);      /* now mapped */
	CHECK_EQ("ldt_window.read_mapped", probe_read64(LDT_WINDOW0 + 8, &v), 14);
	CHECK_EQ("ldt_window.read_mapped.cr2", last_trap.cr2, LDT_WINDOW0 + 8);
	CHECK_EQ("ldt_window.write_mapped", probe_write64(LDT_WINDOW0 + 8, 0), 14);
	load_fs(0);
	CHECK_EQ("ldt_demand.clear", mmuext1(MMUEXT_SET_LDT, 0, 0), 0);
	evtchn_close(port);
}

void test_main(void)
{
	gdt_checks();
	ldt_checks();
	ldt_demand_checks();
}
