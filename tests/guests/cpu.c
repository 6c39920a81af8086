/*
 * cpu: per-vCPU CPU state a PV kernel manages through hypercalls:
 * set_segment_base, debug registers, fpu_taskswitch, stack_switch, and the
 * FPU/SSE state surviving a trip through the scheduler.
 *
 * Xen 4.17 (pv/misc-hypercalls.c, x86_64/mm.c):
 *  - set_segment_base: FS, user GS (shadow) and kernel GS bases must be
 *    canonical (-EINVAL); GS_USER_SEL loads a user %gs selector and never
 *    fails (a bad selector becomes NUL); other `which` values -EINVAL.
 *    Kernel mode runs on the kernel GS base, user mode on the user one
 *    (Xen swaps them on every mode switch).
 *  - set_debugreg: DR0-3 must be guest addresses (-EPERM); DR6/DR7 with
 *    upper bits are -EINVAL; DR7 reserved bits are forced (bit 10 set),
 *    GD is -EPERM, an I/O breakpoint needs CR4.DE (-EPERM); other
 *    registers -ENODEV, for get_debugreg too (the header says -EINVAL).
 *  - stack_switch always succeeds (the SS is fixed up to RPL 3).
 */
#include "guest.h"

static char fs_target[16] ALIGNED(16) = "FS-OBJECT";
static char gsk_target[16] ALIGNED(16) = "GS-KERNEL";
static char gsu_target[16] ALIGNED(16) = "GS-USER";

static uint64_t read_fs0(void)
{
	uint64_t v;
	asm volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t read_gs0(void)
{
	uint64_t v;
	asm volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static uint64_t user_gs0, user_fs0;
static uint16_t user_gs_sel;
static long user_gs_trap;

/* User mode: the %gs selector, then %gs:0 (which faults when the user GS
 * base is 0), then %fs:0. */
static void user_read_segments(void)
{
	asm volatile("mov %%gs, %0" : "=r"(user_gs_sel));
	user_gs0 = 0;
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("mov %%gs:0, %0") : "+r"(user_gs0));
	user_gs_trap = trap_seen();
	expect_trap(-1);
	user_fs0 = read_fs0();
	user_exit(1);
}

static void segbase_checks(void)
{
	CHECK_EQ("fs.set", HYPERVISOR_set_segment_base(SEGBASE_FS, fs_target), 0);
	CHECK_EQ("fs.effective", read_fs0(), *(uint64_t *)fs_target);
	CHECK_EQ("gs_kernel.set", HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, gsk_target), 0);
	CHECK_EQ("gs_kernel.effective", read_gs0(), *(uint64_t *)gsk_target);
	CHECK_EQ("gs_user.set", HYPERVISOR_set_segment_base(SEGBASE_GS_USER, gsu_target), 0);
	CHECK_EQ("gs_user.kernel_unaffected", read_gs0(), *(uint64_t *)gsk_target);

	/* User mode sees the user GS base, and the same FS base. */
	CHECK_EQ("user.run", run_user(user_read_segments), 1);
	CHECK_EQ("user.gs_base", user_gs0, *(uint64_t *)gsu_target);
	CHECK_EQ("user.gs_no_trap", user_gs_trap, -1);
	CHECK_EQ("user.gs_selector", user_gs_sel, 0);
	CHECK_EQ("user.fs_base", user_fs0, *(uint64_t *)fs_target);
	CHECK_EQ("user.back.gs_kernel", read_gs0(), *(uint64_t *)gsk_target);

	static const struct { const char *name; unsigned long which; } w[] = {
		{ "fs", SEGBASE_FS }, { "gs_user", SEGBASE_GS_USER }, { "gs_kernel", SEGBASE_GS_KERNEL },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(w); i++) {
		CHECK_EQ(checkname("%s.noncanonical", w[i].name),
			 HYPERVISOR_set_segment_base(w[i].which, 0x0000800000000000UL), -XEN_EINVAL);
		CHECK_EQ(checkname("%s.xen_address", w[i].name),
			 HYPERVISOR_set_segment_base(w[i].which, 0xffff830000000000UL), 0);
	}
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, gsk_target);
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, gsu_target);
	CHECK_EQ("which.4", HYPERVISOR_set_segment_base(4, 0), -XEN_EINVAL);
	CHECK_EQ("which.high_bits", HYPERVISOR_set_segment_base((1UL << 32) | SEGBASE_FS, fs_target), 0);

	/* GS_USER_SEL loads the user %gs selector, and with it the base from
	 * the descriptor: FLAT_USER_DS32 has base 0, so %gs:0 then faults at
	 * address 0.  A bad selector is swallowed and becomes NUL. */
	CHECK_EQ("gs_user_sel.flat", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, FLAT_USER_DS32), 0);
	run_user(user_read_segments);
	CHECK_EQ("gs_user_sel.flat.selector", user_gs_sel, FLAT_USER_DS32);
	CHECK_EQ("gs_user_sel.flat.base0_faults", user_gs_trap, 14);
	CHECK_EQ("gs_user_sel.flat.cr2", last_trap.cr2, 0);
	CHECK_EQ("gs_user_sel.bad", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0x1234), 0);
	run_user(user_read_segments);
	CHECK_EQ("gs_user_sel.bad.selector", user_gs_sel, 0);
	CHECK_EQ("gs_user_sel.null", HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0);
	CHECK_EQ("gs_kernel.still", read_gs0(), *(uint64_t *)gsk_target);

	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0);
}

static volatile uint64_t watched;

static void debugreg_checks(void)
{
	for (unsigned int r = 0; r < 4; r++) {
		CHECK_EQ(checkname("dr%u.set", r), HYPERVISOR_set_debugreg(r, (unsigned long)&watched), 0);
		CHECK_EQ(checkname("dr%u.get", r), HYPERVISOR_get_debugreg(r) == (long)&watched, 1);
		CHECK_EQ(checkname("dr%u.xen", r), HYPERVISOR_set_debugreg(r, 0xffff830000000000UL), -XEN_EPERM);
		CHECK_EQ(checkname("dr%u.noncanonical", r),
			 HYPERVISOR_set_debugreg(r, 0x0000800000000000UL), -XEN_EPERM);
		CHECK_EQ(checkname("dr%u.zero", r), HYPERVISOR_set_debugreg(r, 0), 0);
	}
	CHECK_EQ("dr6.set0", HYPERVISOR_set_debugreg(6, 0), 0);
	CHECK_EQ("dr6.sanitised", HYPERVISOR_get_debugreg(6), 0xffff0ff0);
	CHECK_EQ("dr6.high", HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL);
	CHECK_EQ("dr7.set0", HYPERVISOR_set_debugreg(7, 0), 0);
	CHECK_EQ("dr7.reserved_one", HYPERVISOR_get_debugreg(7), 0x400);
	CHECK_EQ("dr7.high", HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
	CHECK_EQ("dr7.gd", HYPERVISOR_set_debugreg(7, 1UL << 13), -XEN_EPERM);
	CHECK_EQ("dr7.io_breakpoint", HYPERVISOR_set_debugreg(7, 0x1 | (2UL << 16)), -XEN_EPERM);
	CHECK_EQ("dr4.as_dr6", HYPERVISOR_set_debugreg(4, 0), 0);
	CHECK_EQ("dr5.as_dr7", HYPERVISOR_set_debugreg(5, 0), 0);
	CHECK_EQ("dr8.set", HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
	/* (xen/arch-x86/xen.h promises -EINVAL; 4.17 returns -ENODEV.) */
	CHECK_EQ("dr8.get", HYPERVISOR_get_debugreg(8), -XEN_ENODEV);
	CHECK_EQ("dr_huge.get", HYPERVISOR_get_debugreg(0xffffffffUL), -XEN_ENODEV);

	/* A data write breakpoint on `watched`: #DB after the write, B0 in
	 * DR6. */
	HYPERVISOR_set_debugreg(6, 0);
	CHECK_EQ("bp.dr0", HYPERVISOR_set_debugreg(0, (unsigned long)&watched), 0);
	CHECK_EQ("bp.dr7", HYPERVISOR_set_debugreg(7, 0x1 | (1UL << 16) | (3UL << 18)), 0);
	CHECK_EQ("bp.dr7.readback", HYPERVISOR_get_debugreg(7), 0x1 | 0x400 | (1UL << 16) | (3UL << 18));
	expect_trap(1);
	asm volatile(PROBE("movq $1, %0") : "=m"(watched));
	CHECK_EQ("bp.hit", trap_seen(), 1);
	CHECK_EQ("bp.dr6_b0", HYPERVISOR_get_debugreg(6) & 0xf, 1);
	uint64_t v;
	expect_trap(1);
	asm volatile("movq %1, %0" : "=r"(v) : "m"(watched));
	CHECK_EQ("bp.read_no_hit", trap_seen(), -1);
	expect_trap(-1);
	HYPERVISOR_set_debugreg(7, 0);
	HYPERVISOR_set_debugreg(0, 0);
	HYPERVISOR_set_debugreg(6, 0);
}

static void fpu_checks(void)
{
	/* SSE state survives a trip through the scheduler (idle vCPU). */
	static const uint64_t pattern[2] ALIGNED(16) = { 0x0123456789abcdefUL, 0xfedcba9876543210UL };
	static uint64_t out[2] ALIGNED(16);
	asm volatile("movdqa %0, %%xmm7" : : "m"(pattern));
	struct sched_poll sp = { .nr_ports = 0, .timeout = xen_system_time() + 3000000 };
	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	asm volatile("movdqa %%xmm7, %0" : "=m"(out));
	CHECK("sse.preserved", out[0] == pattern[0] && out[1] == pattern[1]);

	/* fpu_taskswitch: any nonzero sets TS (next FPU use is #NM, TS then
	 * clear); 0 clears it. */
	CHECK_EQ("fpu_taskswitch.5", HYPERVISOR_fpu_taskswitch(5), 0);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("movdqa %%xmm7, %0") : "=m"(out));
	CHECK_EQ("fpu_taskswitch.sse_nm", trap_seen(), 7);
	CHECK_EQ("fpu_taskswitch.state_kept", out[0] == pattern[0], 1);
	asm volatile("movdqa %%xmm7, %0" : "=m"(out));
	CHECK("fpu_taskswitch.after_nm", out[0] == pattern[0] && out[1] == pattern[1]);
	CHECK_EQ("fpu_taskswitch.clear", HYPERVISOR_fpu_taskswitch(0), 0);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("fnop"));
	CHECK_EQ("fpu_taskswitch.clear.no_nm", trap_seen(), -1);
	expect_trap(-1);
}

static void stack_switch_checks(void)
{
	unsigned long top = (unsigned long)trap_stack + sizeof(trap_stack);
	CHECK_EQ("stack_switch", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, top), 0);
	CHECK_EQ("stack_switch.rpl0_ss", HYPERVISOR_stack_switch(FLAT_KERNEL_SS & ~3, top), 0);
	CHECK_EQ("stack_switch.odd_ss", HYPERVISOR_stack_switch(0x1234, top), 0);
	CHECK_EQ("stack_switch.noncanonical_sp", HYPERVISOR_stack_switch(FLAT_KERNEL_SS, 1UL << 63), 0);
	/* run_user sets a good one again before entering user mode. */
	CHECK_EQ("stack_switch.user_roundtrip", run_user(user_read_segments), 1);
}

void test_main(void)
{
	segbase_checks();
	debugreg_checks();
	fpu_checks();
	stack_switch_checks();
}
