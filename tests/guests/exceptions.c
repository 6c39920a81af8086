/*
 * exceptions: set_trap_table and the bounce of every exception a PV
 * kernel can provoke, with the exact 64-bit PV frame.
 *
 * The bounce frame (Xen create_bounce_frame) sits at the interrupted RSP
 * rounded down to 16 (kernel mode) and holds, lowest address first, RCX,
 * R11, [error code], RIP, CS, RFLAGS, RSP, SS.  From guest kernel mode the
 * saved CS has its RPL cleared (0xe030); bits 32-39 hold the upcall mask
 * at the time of the trap and RFLAGS.IF is its inverse.  A trap_info
 * with flags bit 2 masks events on entry.
 *
 * set_trap_table (pv/traps.c do_set_trap_table): entries are copied one
 * by one until address 0; a non-canonical address stops with -EINVAL, a
 * fault with -EFAULT, entries before either stay installed.  Software
 * interrupts through a DPL-0 gate of Xen's IDT arrive as #GP and Xen
 * checks the guest's DPL (>= 1 from kernel mode); int3 is never checked.
 * QEMU < 8.0 reports a wrong #GP error code for `int $n` (n*16+2), which
 * makes Xen pick vector 2n mod 256, so only `int $0` (2n == n) and the
 * DPL-3 gates (int3, int $0x80) are tested here.
 */
#include "guest.h"

#define MAGIC_RCX 0x1111aaaa2222bbbbUL
#define MAGIC_R11 0x3333cccc4444ddddUL
#define FRAME_CS_KERNEL 0xe030UL

static uint64_t rsp_at_fault, rcx_after, r11_after;

/* ud2 with magic RCX/R11 and the RSP recorded just before. */
static void ud2_with_magic(void)
{
	asm volatile("mov %3, %%rcx\n\t"
		     "mov %4, %%r11\n\t"
		     "mov %%rsp, %0\n\t"
		     PROBE("ud2")
		     "mov %%rcx, %1\n\t"
		     "mov %%r11, %2\n\t"
		     : "=m"(rsp_at_fault), "=r"(rcx_after), "=r"(r11_after)
		     : "i"(0x1111aaaa), "i"(0x3333cccc)
		     : "rcx", "r11", "memory");
}

static void frame_checks(void)
{
	int before = last_trap.taken;

	expect_trap(6);
	ud2_with_magic();
	CHECK_EQ("ud.taken", last_trap.taken - before, 1);
	CHECK_EQ("ud.vector", last_trap.vector, 6);
	CHECK_EQ("ud.frame.rcx", last_trap.rcx, 0x1111aaaa);
	CHECK_EQ("ud.frame.r11", last_trap.r11, 0x3333cccc);
	CHECK_EQ("ud.rcx_restored", rcx_after, 0x1111aaaa);
	CHECK_EQ("ud.r11_restored", r11_after, 0x3333cccc);
	CHECK_EQ("ud.frame.cs", last_trap.cs, (1UL << 32) | FRAME_CS_KERNEL);
	CHECK_EQ("ud.frame.ss", last_trap.ss, FLAT_KERNEL_SS);
	CHECK_EQ("ud.frame.rsp", last_trap.rsp, rsp_at_fault);
	CHECK_EQ("ud.frame.if_masked", last_trap.rflags & 0x200, 0);
	CHECK_EQ("ud.frame.iopl", last_trap.rflags & 0x3000, 0);
	CHECK_EQ("ud.frame.reserved1", last_trap.rflags & 2, 2);
	CHECK_EQ("ud.frame.aligned", (last_trap.frame + 7 * 8) & 15, 0);
	CHECK_EQ("ud.frame.at_rsp", last_trap.frame + 7 * 8, rsp_at_fault & ~15UL);
	CHECK_EQ("ud.handler.mask", last_trap.upcall_mask, 1);

	/* Events enabled: saved mask 0, IF set, mask untouched on entry. */
	events_enable();
	expect_trap(6);
	ud2_with_magic();
	CHECK_EQ("ud.unmasked.frame.cs", last_trap.cs, FRAME_CS_KERNEL);
	CHECK_EQ("ud.unmasked.frame.if", last_trap.rflags & 0x200, 0x200);
	CHECK_EQ("ud.unmasked.handler.mask", last_trap.upcall_mask, 0);
	CHECK_EQ("ud.unmasked.after", vcpu->evtchn_upcall_mask, 0);

	/* An interrupt-gate style entry (flags bit 2) masks events. */
	default_traps[0].flags = 0;             /* (vector 0 is first) */
	trap_info_t t[2] = {
		{ .vector = 6, .flags = 4, .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(6) },
		{ 0 },
	};
	CHECK_EQ("set_trap_table.ud_if", HYPERVISOR_set_trap_table(t), 0);
	expect_trap(6);
	ud2_with_magic();
	CHECK_EQ("ud.ti_if.frame.cs", last_trap.cs, FRAME_CS_KERNEL);
	CHECK_EQ("ud.ti_if.frame.if", last_trap.rflags & 0x200, 0x200);
	CHECK_EQ("ud.ti_if.handler.mask", last_trap.upcall_mask, 1);
	CHECK_EQ("ud.ti_if.after_iret", vcpu->evtchn_upcall_mask, 0);
	events_disable();
	install_trap_table();
}

static void fault_checks(void)
{
	/* #DE */
	expect_trap(0);
	asm volatile("xor %%ecx, %%ecx\n\t" PROBE("divl %%ecx") ::: "rax", "rcx", "rdx");
	CHECK_EQ("de.vector", trap_seen(), 0);
	CHECK_EQ("de.error_code", last_trap.error_code, 0);

	/* #BP: int3 and int $3 resume after the instruction. */
	uint64_t after;
	expect_trap(3);
	asm volatile("int3\n\tlea 0(%%rip), %0" : "=r"(after));
	CHECK_EQ("bp.vector", trap_seen(), 3);
	CHECK_EQ("bp.rip_after", last_trap.rip, after - 7);
	expect_trap(3);
	asm volatile("int $3\n\tlea 0(%%rip), %0" : "=r"(after));
	CHECK_EQ("bp.cd03.vector", trap_seen(), 3);
	CHECK_EQ("bp.cd03.rip_after", last_trap.rip, after - 7);

	/* #DB from single-stepping: TF set by popf takes effect after the
	 * next instruction. */
	expect_trap(1);
	asm volatile("pushfq\n\torq $0x100, (%%rsp)\n\t" PROBE("popfq; nop") ::: "memory", "cc");
	CHECK_EQ("db.vector", trap_seen(), 1);
	CHECK_EQ("db.tf_in_frame", last_trap.rflags & 0x100, 0x100);
	CHECK_EQ("db.dr6.bs", HYPERVISOR_get_debugreg(6) & 0x4000, 0x4000);

	/* #GP: a non-canonical address, then a bad selector. */
	uint64_t v;
	CHECK_EQ("gp.noncanonical", probe_read64(0x8000000000000000UL, &v), 13);
	CHECK_EQ("gp.noncanonical.error_code", last_trap.error_code, 0);
	expect_trap(13);
	asm volatile("mov $0x1234, %%eax\n\t" PROBE("mov %%ax, %%fs") ::: "rax");
	CHECK_EQ("gp.ldt_selector", trap_seen(), 13);
	CHECK_EQ("gp.ldt_selector.error_code", last_trap.error_code, 0x1234);

	/* A stack-relative non-canonical access is #SS(0) on hardware; QEMU's
	 * TCG raises #GP(0).  Xen passes on whichever the CPU raised. */
	expect_trap(TRAP_ANY);
	asm volatile("movabs $0x8000000000000000, %%rax\n\t"
		     PROBE("mov (%%rsp,%%rax,1), %%rdx") ::: "rax", "rdx");
	check_true("ss.vector", trap_seen() == 12 || trap_seen() == 13, trap_seen());
	CHECK_EQ("ss.error_code", last_trap.error_code, 0);
}

static char nx_page[4096] PAGE_ALIGNED;

static void page_fault_checks(void)
{
	uint64_t v;
	CHECK_EQ("pf.read_unmapped", probe_read64(0x1000, &v), 14);
	CHECK_EQ("pf.read_unmapped.error_code", last_trap.error_code, 0);
	CHECK_EQ("pf.read_unmapped.cr2", last_trap.cr2, 0x1000);
	CHECK_EQ("pf.write_unmapped", probe_write64(0x2008, 1), 14);
	CHECK_EQ("pf.write_unmapped.error_code", last_trap.error_code, 2);
	CHECK_EQ("pf.write_unmapped.cr2", last_trap.cr2, 0x2008);
	const char *ro = readonly_ptr();
	CHECK_EQ("pf.write_readonly", probe_write8((uint64_t)ro + 5, 1), 14);
	CHECK_EQ("pf.write_readonly.error_code", last_trap.error_code, 3);
	CHECK("pf.write_readonly.cr2", last_trap.cr2 == (uint64_t)ro + 5);
	CHECK_EQ("pf.read_readonly", probe_read64((uint64_t)ro, &v), -1);
	CHECK_EQ("pf.write_below_image", probe_write64(0xffffffff7ffffff8UL, 1), 14);
	CHECK_EQ("pf.write_below_image.error_code", last_trap.error_code, 2);
	/* Hypervisor memory: present but supervisor-only, so P is set. */
	CHECK_EQ("pf.read_xen", probe_read64(0xffff830000000000UL, &v), 14);
	CHECK_EQ("pf.read_xen.error_code", last_trap.error_code, 1);
	CHECK_EQ("pf.read_xen.cr2", last_trap.cr2, 0xffff830000000000UL);
	/* The M2P is mapped read-only for guests. */
	CHECK_EQ("pf.read_m2p", probe_read64(MACH2PHYS_VIRT_START, &v), -1);
	CHECK_EQ("pf.write_m2p", probe_write64(MACH2PHYS_VIRT_START, 0), 14);
	CHECK_EQ("pf.write_m2p.error_code", last_trap.error_code, 3);

	/* Instruction fetch from a no-execute page. */
	long rc = HYPERVISOR_update_va_mapping((unsigned long)nx_page,
		((uint64_t)va_to_mfn(nx_page) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX,
		UVMF_INVLPG);
	CHECK_EQ("pf.nx.map", rc, 0);
	extern char nx_resume[];
	expect_trap_resume(14, (uint64_t)nx_resume);
	asm volatile("jmp *%0\n"
		     ".globl nx_resume\n"
		     "nx_resume:" : : "r"(nx_page) : "memory");
	CHECK_EQ("pf.nx.vector", trap_seen(), 14);
	CHECK_EQ("pf.nx.error_code", last_trap.error_code, 0x11);
	CHECK("pf.nx.cr2", last_trap.cr2 == (uint64_t)nx_page);
	CHECK("pf.nx.rip", last_trap.rip == (uint64_t)nx_page);
	page_set_rw(nx_page);
}

static void softint_checks(void)
{
	/* int $0x80: a DPL-3 gate in Xen's IDT, delivered without #GP. */
	uint64_t after;
	expect_trap(0x80);
	asm volatile("int $0x80\n\tlea 0(%%rip), %0" : "=r"(after));
	CHECK_EQ("int80.vector", trap_seen(), 0x80);
	CHECK_EQ("int80.rip_after", last_trap.rip, after - 7);
	CHECK_EQ("int80.error_code", last_trap.error_code, 0);

	/* int $0 through the guest's vector 0 at DPL 0: #GP, error (0<<3)|2. */
	expect_trap(13);
	asm volatile(PROBE("int $0"));
	CHECK_EQ("int0.dpl0.vector", trap_seen(), 13);
	CHECK_EQ("int0.dpl0.error_code", last_trap.error_code, 2);

	static const unsigned int dpls[] = { 1, 2, 3 };
	for (unsigned int i = 0; i < ARRAY_SIZE(dpls); i++) {
		trap_info_t t[2] = { { .vector = 0, .flags = (uint8_t)dpls[i], .cs = FLAT_KERNEL_CS,
				       .address = TRAP_STUB(0) }, { 0 } };
		HYPERVISOR_set_trap_table(t);
		expect_trap(0);
		asm volatile(PROBE("int $0") "lea 2b(%%rip), %0" : "=r"(after));
		CHECK_EQ(checkname("int0.dpl%u.vector", dpls[i]), trap_seen(), 0);
		CHECK_EQ(checkname("int0.dpl%u.rip_after", dpls[i]), last_trap.rip, after);
		CHECK_EQ(checkname("int0.dpl%u.error_code", dpls[i]), last_trap.error_code, 0);
	}
	install_trap_table();

	/* int3's DPL in the guest table is not checked. */
	trap_info_t t3[2] = { { .vector = 3, .flags = 0, .cs = FLAT_KERNEL_CS,
				.address = TRAP_STUB(3) }, { 0 } };
	HYPERVISOR_set_trap_table(t3);
	expect_trap(3);
	asm volatile("int3");
	CHECK_EQ("int3.dpl0.vector", trap_seen(), 3);
	install_trap_table();
}

static void fpu_checks(void)
{
	/* #NM: with the virtual CR0.TS set the next FPU instruction traps,
	 * and Xen clears TS before bouncing it. */
	CHECK_EQ("fpu_taskswitch.set", HYPERVISOR_fpu_taskswitch(1), 0);
	expect_trap(7);
	asm volatile(PROBE("fnop"));
	CHECK_EQ("nm.vector", trap_seen(), 7);
	expect_trap(7);
	asm volatile(PROBE("fnop"));
	CHECK_EQ("nm.ts_cleared", trap_seen(), -1);

	/* #MF: an unmasked x87 divide by zero, reported at the next wait. */
	uint16_t cw = 0x037b;   /* ZM (bit 2) unmasked */
	expect_trap(16);
	asm volatile("fninit\n\t"
		     "fldcw %0\n\t"
		     "fldz\n\t"
		     "fld1\n\t"
		     "fdivp\n\t"
		     PROBE("fwait")
		     "fnclex\n\t"
		     "fninit" : : "m"(cw));
	CHECK_EQ("mf.vector", trap_seen(), 16);

	/* #XM: an unmasked SSE divide by zero.  QEMU 7.2's TCG never raises
	 * SIMD exceptions (it only sets the MXCSR flags), so -1 is accepted. */
	uint32_t mxcsr = 0x1f80 & ~0x200;   /* ZM unmasked */
	static const float one = 1.0f, zero = 0.0f;
	uint32_t restore = 0x1f80;
	expect_trap(19);
	asm volatile("ldmxcsr %0\n\t"
		     "movss %1, %%xmm0\n\t"
		     PROBE("divss %2, %%xmm0")
		     "ldmxcsr %3" : : "m"(mxcsr), "m"(one), "m"(zero), "m"(restore));
	check_true("xm.vector", trap_seen() == 19 || trap_seen() == -1, trap_seen());
}

static void table_checks(void)
{
	trap_info_t t[3] = {
		{ .vector = 0, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0x8000000000000000UL },
		{ 0 }, { 0 },
	};
	CHECK_EQ("set_trap_table.noncanonical", HYPERVISOR_set_trap_table(t), -XEN_EINVAL);
	/* Xen's own address is canonical: accepted (and removed again). */
	t[0].address = 0xffff82d040200000UL;
	CHECK_EQ("set_trap_table.xen_address", HYPERVISOR_set_trap_table(t), 0);
	install_trap_table();

	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		if (bad_ptrs[i].addr == 0)
			continue;       /* NULL clears the table */
		CHECK_EQ(checkname("set_trap_table.badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_set_trap_table((void *)bad_ptrs[i].addr), -XEN_EFAULT);
	}

	/* Entries before the faulting one stay installed: vector 0 at DPL 1
	 * makes `int $0` from kernel mode legal. */
	trap_info_t *end = (trap_info_t *)((char *)page_before_hole() + PAGE_SIZE) - 1;
	*end = (trap_info_t){ .vector = 0, .flags = 1, .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(0) };
	CHECK_EQ("set_trap_table.runs_into_hole", HYPERVISOR_set_trap_table(end), -XEN_EFAULT);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("int $0"));
	CHECK_EQ("set_trap_table.partial_installed", trap_seen(), 0);

	/* A non-canonical entry after a good one: the good one stays. */
	install_trap_table();
	t[0] = (trap_info_t){ .vector = 0, .flags = 3, .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(0) };
	t[1] = (trap_info_t){ .vector = 6, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 1UL << 63 };
	CHECK_EQ("set_trap_table.partial_einval", HYPERVISOR_set_trap_table(t), -XEN_EINVAL);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("int $0"));
	CHECK_EQ("set_trap_table.partial_einval_installed", trap_seen(), 0);

	/* A long table (continuations): 600 entries cycling over vectors. */
	static trap_info_t longtab[601];
	for (unsigned int i = 0; i < 600; i++)
		longtab[i] = default_traps[i % 24];
	longtab[600] = (trap_info_t){ 0 };
	CHECK_EQ("set_trap_table.long", HYPERVISOR_set_trap_table(longtab), 0);
	install_trap_table();
	expect_trap(6);
	asm volatile(PROBE("ud2"));
	CHECK_EQ("set_trap_table.still_works", trap_seen(), 6);
}

void test_main(void)
{
	frame_checks();
	fault_checks();
	page_fault_checks();
	softint_checks();
	fpu_checks();
	table_checks();
}
