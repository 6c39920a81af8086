/*
 * privop: what a PV kernel's privileged instructions do in ring 3.
 *
 * CPUID through the forced-emulation prefix (ud2; .ascii "xen"; cpuid)
 * sees Xen's PV policy and the hypervisor leaves at 0x40000000; control
 * register reads/writes, MSR accesses and I/O are emulated by Xen's
 * privileged-op emulator (pv/emul-priv-op.c) after the #GP; anything it
 * does not handle is bounced to the guest as #GP(0).
 */
#include "guest.h"

#define CR0_TS 0x8UL

static long try_read_cr(int n, uint64_t *v)
{
	uint64_t x = 0;
	expect_trap(TRAP_ANY);
	switch (n) {
	case 0: asm volatile(PROBE("mov %%cr0, %0") : "+r"(x)); break;
	case 2: asm volatile(PROBE("mov %%cr2, %0") : "+r"(x)); break;
	case 3: asm volatile(PROBE("mov %%cr3, %0") : "+r"(x)); break;
	case 4: asm volatile(PROBE("mov %%cr4, %0") : "+r"(x)); break;
	case 8: asm volatile(PROBE("mov %%cr8, %0") : "+r"(x)); break;
	}
	long seen = trap_seen();
	expect_trap(-1);
	*v = x;
	return seen;
}

static long try_write_cr(int n, uint64_t v)
{
	expect_trap(TRAP_ANY);
	switch (n) {
	case 0: asm volatile(PROBE("mov %0, %%cr0") : : "r"(v)); break;
	case 3: asm volatile(PROBE("mov %0, %%cr3") : : "r"(v)); break;
	case 4: asm volatile(PROBE("mov %0, %%cr4") : : "r"(v)); break;
	}
	long seen = trap_seen();
	expect_trap(-1);
	return seen;
}

static long try_rdmsr(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("rdmsr") : "+a"(lo), "+d"(hi) : "c"(msr));
	long seen = trap_seen();
	expect_trap(-1);
	*v = ((uint64_t)hi << 32) | lo;
	return seen;
}

static long try_wrmsr(uint32_t msr, uint64_t v)
{
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("wrmsr") : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
	long seen = trap_seen();
	expect_trap(-1);
	return seen;
}

static void cpuid_checks(void)
{
	uint32_t r[4], n[4];

	xen_cpuid(0x40000000, 0, r);
	CHECK("cpuid.40000000.max", r[0] >= 0x40000002 && r[0] < 0x40000010);
	CHECK_EQ("cpuid.40000000.max_exact", r[0], 0x40000005);
	char sig[13];
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	CHECK_STR("cpuid.40000000.signature", sig, "XenVMMXenVMM");
	xen_cpuid(0x40000001, 0, r);
	CHECK_EQ("cpuid.40000001.version", r[0], 0x40011);
	xen_cpuid(0x40000002, 0, r);
	CHECK_EQ("cpuid.40000002.pages", r[0], 1);
	CHECK_EQ("cpuid.40000002.msr", r[1], 0x40000000);
	/* The forced-emulation prefix also works from... the kernel; the
	 * same leaf natively is the CPU's (QEMU's) own. */

	/* Leaf 1: hypervisor bit set, nothing the CPU lacks, PV hides. */
	xen_cpuid(1, 0, r);
	native_cpuid(1, 0, n);
	CHECK_EQ("cpuid.1.ecx.hypervisor", r[2] >> 31, 1);
	check_true("cpuid.1.edx.subset", (r[3] & ~n[3]) == 0, r[3]);
	check_true("cpuid.1.ecx.subset", (r[2] & ~n[2] & ~(1u << 31)) == 0, r[2]);
	CHECK_EQ("cpuid.1.ecx.vmx", (r[2] >> 5) & 1, 0);
	CHECK_EQ("cpuid.1.ecx.monitor", (r[2] >> 3) & 1, 0);
	CHECK_EQ("cpuid.1.edx.pse", (r[3] >> 3) & 1, 0);
	CHECK_EQ("cpuid.1.edx.pge", (r[3] >> 13) & 1, 0);
	/* MTRR stays visible to the hardware domain (it owns the real ones). */
	CHECK_EQ("cpuid.1.edx.mtrr", (r[3] >> 12) & 1, 1);
	CHECK_EQ("cpuid.1.edx.sep_hidden_on_amd", (r[3] >> 11) & 1, 0);
	CHECK_EQ("cpuid.1.edx.pse36", (r[3] >> 17) & 1, 0);
	CHECK_EQ("cpuid.1.edx.fpu", r[3] & 1, 1);
	CHECK_EQ("cpuid.1.edx.pae", (r[3] >> 6) & 1, 1);
	CHECK_EQ("cpuid.1.edx.sse2", (r[3] >> 26) & 1, 1);
	printf("cpuid.1 xen=%08x %08x %08x %08x native=%08x %08x %08x %08x\n",
	       r[0], r[1], r[2], r[3], n[0], n[1], n[2], n[3]);

	xen_cpuid(0x80000001, 0, r);
	native_cpuid(0x80000001, 0, n);
	CHECK_EQ("cpuid.80000001.ecx.svm", (r[2] >> 2) & 1, 0);
	CHECK_EQ("cpuid.80000001.edx.lm", (r[3] >> 29) & 1, 1);
	CHECK_EQ("cpuid.80000001.edx.nx", (r[3] >> 20) & 1, 1);
	CHECK_EQ("cpuid.80000001.edx.syscall", (r[3] >> 11) & 1, 1);
	CHECK_EQ("cpuid.80000001.edx.pdpe1gb", (r[3] >> 26) & 1, 0);
	check_true("cpuid.80000001.edx.subset", (r[3] & ~n[3]) == 0, r[3]);
	printf("cpuid.80000001 xen=%08x %08x %08x %08x native=%08x %08x %08x %08x\n",
	       r[0], r[1], r[2], r[3], n[0], n[1], n[2], n[3]);

	xen_cpuid(7, 0, r);
	CHECK_EQ("cpuid.7.ebx.smep", (r[1] >> 7) & 1, 0);
	CHECK_EQ("cpuid.7.ebx.smap", (r[1] >> 20) & 1, 0);
	xen_cpuid(0, 0, r);
	native_cpuid(0, 0, n);
	CHECK_EQ("cpuid.0.vendor_ebx", r[1], n[1]);
	CHECK("cpuid.0.max_leaf", r[0] >= 7);

	/* The prefix in user mode works too (see usermode for the rest). */
}

static char fs_target[16] ALIGNED(16) = "FS-TARGET";

static void cr_checks(void)
{
	uint64_t v;
	CHECK_EQ("cr0.read", try_read_cr(0, &v), -1);
	CHECK_EQ("cr0.value", v, 0x80050033);
	HYPERVISOR_fpu_taskswitch(1);
	try_read_cr(0, &v);
	CHECK_EQ("cr0.ts_set", v & CR0_TS, CR0_TS);
	HYPERVISOR_fpu_taskswitch(0);
	try_read_cr(0, &v);
	CHECK_EQ("cr0.ts_clear", v & CR0_TS, 0);
	/* Writing CR0: only TS may change. */
	CHECK_EQ("cr0.write_ts", try_write_cr(0, v | CR0_TS), -1);
	try_read_cr(0, &v);
	CHECK_EQ("cr0.write_ts.effect", v & CR0_TS, CR0_TS);
	CHECK_EQ("cr0.write_clear_ts", try_write_cr(0, v & ~CR0_TS), -1);
	CHECK_EQ("cr0.write_pg", try_write_cr(0, v & ~0x80000000UL), 13);
	CHECK_EQ("cr0.write_wp", try_write_cr(0, v & ~0x10000UL), 13);

	/* CR2 is the guest's virtual CR2: the last #PF address. */
	uint64_t dummy;
	probe_read64(0x3000, &dummy);
	CHECK_EQ("cr2.read", try_read_cr(2, &v), -1);
	CHECK_EQ("cr2.value", v, 0x3000);

	CHECK_EQ("cr3.read", try_read_cr(3, &v), -1);
	CHECK("cr3.value", v == (uint64_t)va_to_mfn((void *)start_info->pt_base) << 12);
	CHECK_EQ("cr3.write_same", try_write_cr(3, v), -1);

	CHECK_EQ("cr4.read", try_read_cr(4, &v), -1);
	check_true("cr4.pae", v & 0x20, v);
	CHECK_EQ("cr4.vmxe", v & 0x2000, 0);
	CHECK_EQ("cr4.pge", v & 0x80, 0);
	CHECK_EQ("cr4.write_same", try_write_cr(4, v), -1);
	uint64_t v2;
	try_write_cr(4, v | 0x2000);
	try_read_cr(4, &v2);
	CHECK_EQ("cr4.write_vmxe_dropped", v2, v);

	CHECK_EQ("cr8.read", try_read_cr(8, &v), 13);
}

static void msr_checks(void)
{
	uint64_t v;

	/* FS base: the MSR and the segment agree. */
	CHECK_EQ("msr.fs_base.write", try_wrmsr(0xc0000100, (uint64_t)fs_target), -1);
	CHECK_EQ("msr.fs_base.read", try_rdmsr(0xc0000100, &v), -1);
	CHECK_EQ("msr.fs_base.value", v, (uint64_t)fs_target);
	uint64_t via_fs;
	asm volatile("mov %%fs:0, %0" : "=r"(via_fs));
	CHECK_EQ("msr.fs_base.effective", via_fs, *(uint64_t *)fs_target);
	CHECK_EQ("msr.fs_base.noncanonical", try_wrmsr(0xc0000100, 1UL << 63), 13);
	try_wrmsr(0xc0000100, 0);

	CHECK_EQ("msr.gs_base.write", try_wrmsr(0xc0000101, 0xffffffff80123000UL), -1);
	try_rdmsr(0xc0000101, &v);
	CHECK_EQ("msr.gs_base.value", v, 0xffffffff80123000UL);
	CHECK_EQ("msr.shadow_gs.write", try_wrmsr(0xc0000102, 0x7000UL), -1);
	try_rdmsr(0xc0000102, &v);
	CHECK_EQ("msr.shadow_gs.value", v, 0x7000);
	/* set_segment_base writes the same state. */
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x9000);
	try_rdmsr(0xc0000102, &v);
	CHECK_EQ("msr.shadow_gs.via_segbase", v, 0x9000);
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0);
	try_rdmsr(0xc0000101, &v);
	CHECK_EQ("msr.gs_base.via_segbase", v, 0);
	try_wrmsr(0xc0000102, 0);

	CHECK_EQ("msr.efer.read", try_rdmsr(0xc0000080, &v), -1);
	check_true("msr.efer.lma_lme_sce_nx", (v & 0xd01) == 0xd01, v);
	CHECK_EQ("msr.efer.write_same", try_wrmsr(0xc0000080, v), -1);
	CHECK_EQ("msr.efer.write_other", try_wrmsr(0xc0000080, v & ~1UL), 13);

	CHECK_EQ("msr.pat.read", try_rdmsr(0x277, &v), -1);
	CHECK_EQ("msr.pat.value", v, 0x0000050100070406UL);
	CHECK_EQ("msr.pat.write", try_wrmsr(0x277, v), 13);

	CHECK_EQ("msr.unknown.read", try_rdmsr(0x12345, &v), 13);
	CHECK_EQ("msr.unknown.write", try_wrmsr(0x12345, 0), 13);
	CHECK_EQ("msr.lstar.write", try_wrmsr(0xc0000082, 0xffffffff80100000UL), 13);
	CHECK_EQ("msr.tsc.read", try_rdmsr(0x10, &v), -1);

	/* The hypercall-page MSR (CPUID 0x40000002 ebx) writes a page. */
	uint8_t *page = alloc_page();
	CHECK_EQ("msr.hypercall_page.write", try_wrmsr(0x40000000, (uint64_t)va_to_mfn(page) << 12), -1);
	CHECK_EQ("msr.hypercall_page.stub1", page[32 * 1 + 0], 0x51);       /* push %rcx */
	CHECK_EQ("msr.hypercall_page.stub1.nr", *(uint32_t *)(page + 32 * 1 + 4), 1);
	CHECK_EQ("msr.hypercall_page.iret", page[32 * 23 + 3], 0x50);       /* push %rax */
	CHECK_EQ("msr.hypercall_page.filler", page[32 * 1 + 16], 0xcc);
	CHECK_EQ("msr.hypercall_page.bad_mfn", try_wrmsr(0x40000000, 0xfffffff000UL), 13);
}

/*
 * Kernel-mode instructions: #GP(0) unless Xen emulates them.  Emulated:
 * clts (clears the virtual TS), wbinvd (the hardware domain may flush
 * caches), mov from/to debug registers.  Native (not privileged, no UMIP):
 * rdtsc, sgdt, smsw.  Everything else, invlpg included, is #GP; in/out
 * without a virtual IOPL too.
 */
static void insn_checks(void)
{
	static const struct { const char *name; int kind; long expect; } insns[] = {
		{ "hlt", 0, 13 }, { "lgdt", 1, 13 }, { "lidt", 2, 13 }, { "ltr", 3, 13 },
		{ "lldt", 4, 13 }, { "cli", 5, 13 }, { "sti", 6, 13 }, { "clts", 7, -1 },
		{ "wbinvd", 8, -1 }, { "swapgs", 9, 13 }, { "invlpg", 10, 13 }, { "rdpmc", 11, 13 },
		{ "in_3f8", 12, 13 }, { "out_80", 13, 13 }, { "mov_dr7", 14, -1 }, { "rdtsc", 15, -1 },
		{ "sgdt", 16, -1 }, { "smsw", 17, -1 },
	};
	static char desc[16];
	for (unsigned int i = 0; i < ARRAY_SIZE(insns); i++) {
		expect_trap(TRAP_ANY);
		switch (insns[i].kind) {
		case 0: asm volatile(PROBE("hlt")); break;
		case 1: asm volatile(PROBE("lgdt %0") : : "m"(desc)); break;
		case 2: asm volatile(PROBE("lidt %0") : : "m"(desc)); break;
		case 3: asm volatile(PROBE("ltr %w0") : : "r"(0x40)); break;
		case 4: asm volatile(PROBE("lldt %w0") : : "r"(0)); break;
		case 5: asm volatile(PROBE("cli")); break;
		case 6: asm volatile(PROBE("sti")); break;
		case 7: asm volatile(PROBE("clts")); break;
		case 8: asm volatile(PROBE("wbinvd")); break;
		case 9: asm volatile(PROBE("swapgs")); break;
		case 10: asm volatile(PROBE("invlpg (%0)") : : "r"(desc) : "memory"); break;
		case 11: asm volatile(PROBE("rdpmc") : : "c"(0) : "rax", "rdx"); break;
		case 12: asm volatile(PROBE("inb %%dx, %%al") : : "d"(0x3f8) : "rax"); break;
		case 13: asm volatile(PROBE("outb %%al, %%dx") : : "d"(0x80), "a"(0)); break;
		case 14: asm volatile(PROBE("mov %%dr7, %%rax") : : : "rax"); break;
		case 15: asm volatile(PROBE("rdtsc") : : : "rax", "rdx"); break;
		case 16: asm volatile(PROBE("sgdt %0") : "=m"(desc)); break;
		case 17: asm volatile(PROBE("smsw %%ax") : : : "rax"); break;
		}
		long seen = trap_seen();
		expect_trap(-1);
		CHECK_EQ(checkname("insn.%s", insns[i].name), seen, insns[i].expect);
		if (seen >= 0)
			CHECK_EQ(checkname("insn.%s.error_code", insns[i].name), last_trap.error_code, 0);
	}

	/* popf cannot clear the real IF, nor touch the virtual one. */
	events_enable();
	asm volatile("pushfq\n\tandq $~0x200, (%%rsp)\n\tpopfq" ::: "memory", "cc");
	CHECK_EQ("popf.if_kept", read_rflags() & 0x200, 0x200);
	CHECK_EQ("popf.mask_untouched", vcpu->evtchn_upcall_mask, 0);
	events_disable();
}

static void iopl_checks(void)
{
	struct physdev_set_iopl io = { .iopl = 4 };
	CHECK_EQ("set_iopl.4", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io), -XEN_EINVAL);
	io.iopl = 1;
	CHECK_EQ("set_iopl.1", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io), 0);
	uint8_t al = 0;
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("inb %%dx, %%al") : "+a"(al) : "d"(0x3f8));
	CHECK_EQ("iopl1.in_3f8.trap", trap_seen(), -1);
	CHECK_EQ("iopl1.in_3f8.value", al, 0xff);
	/* With a virtual IOPL cli/sti are emulated as no-ops: the real IF
	 * stays set and the virtual one (the upcall mask) is not touched. */
	events_enable();
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("cli"));
	CHECK_EQ("iopl1.cli", trap_seen(), -1);
	expect_trap(-1);
	CHECK_EQ("iopl1.cli.mask", vcpu->evtchn_upcall_mask, 0);
	CHECK_EQ("iopl1.cli.if", read_rflags() & 0x200, 0x200);
	events_disable();
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("sti"));
	CHECK_EQ("iopl1.sti", trap_seen(), -1);
	expect_trap(-1);
	CHECK_EQ("iopl1.sti.mask", vcpu->evtchn_upcall_mask, 1);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("hlt"));
	CHECK_EQ("iopl1.hlt", trap_seen(), 13);
	expect_trap(-1);
	io.iopl = 0;
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io);
	CHECK_EQ("set_iopl.badptr", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, (void *)0x1000), -XEN_EFAULT);
}

void test_main(void)
{
	cpuid_checks();
	cr_checks();
	msr_checks();
	insn_checks();
	iopl_checks();
}
