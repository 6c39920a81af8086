/*
 * usermode: the iret hypercall, guest user mode and the callbacks.
 *
 * Xen 4.17 facts this kernel pins down:
 *  - iret (pv/iret.c): CS with RPL 3 means "to user mode" (and needs a
 *    user L4, else the domain is crashed); RPL 0 stays in kernel mode and
 *    Xen ORs in RPL 3.  RFLAGS loses IOPL/VM and gets IF; the upcall mask
 *    becomes !IF.  RCX/R11 come from the frame unless VGCF_in_syscall, in
 *    which case Xen returns with SYSRET: RCX = RIP, R11 = RFLAGS.
 *  - A context the CPU refuses (non-canonical RIP, null CS or SS, a bad
 *    SS selector) comes back as #GP at that context, with the selector
 *    as error code when there is one.
 *  - A syscall from user mode bounces to the syscall callback on the
 *    stack_switch stack with RCX = user RIP, R11 = user RFLAGS; with
 *    CALLBACKF_mask_events the handler runs with events masked.  With a
 *    callback address of 0 the syscall is a #UD at the syscall itself.
 *  - int $0x80 goes through Xen's direct-trap path, which does not check
 *    the DPL the guest gave vector 0x80 (from kernel or user mode).
 *  - Faults in user mode arrive on the kernel stack with the user CS
 *    (RPL 3 kept) and PFEC_user set in a #PF error code.
 *  - The RO M2P is not mapped in a user-only L4 (see user.m2p_read).
 *  - callback_op: non-canonical -EINVAL, unknown type -ENOSYS, the
 *    standard callbacks cannot be unregistered (-EINVAL); set_callbacks
 *    always returns 0.
 */
#include "guest.h"

extern long register_callback(unsigned int type, unsigned long address, unsigned int flags);

/* ---- iret to kernel mode ---- */

static struct ctx iret_ctx;
static char land_stack[4096] ALIGNED(16);
uint64_t land_rax, land_rcx, land_r11, land_cs, land_rflags, land_rsp;

/* Where the iret lands: record the registers, go back to the test. */
asm(".text\n"
    "iret_landing:\n\t"
    "pushfq\n\t"
    "popq land_rflags(%rip)\n\t"
    "mov %rax, land_rax(%rip)\n\t"
    "mov %rcx, land_rcx(%rip)\n\t"
    "mov %r11, land_r11(%rip)\n\t"
    "mov %rsp, land_rsp(%rip)\n\t"
    "xor %eax, %eax\n\t"
    "mov %cs, %ax\n\t"
    "mov %rax, land_cs(%rip)\n\t"
    "lea iret_ctx(%rip), %rdi\n\t"
    "mov $1, %esi\n\t"
    "jmp ctx_restore\n");
extern char iret_landing[];

static void iret_back(void)
{
	ctx_restore(&iret_ctx, 2);
}

static struct iret_context base_ctx(void)
{
	return (struct iret_context){
		.rax = 0x0123456789abcdefUL, .r11 = 0x1111, .rcx = 0x2222,
		.flags = 0, .rip = (uint64_t)iret_landing, .cs = 0xe030,
		.rflags = 0x202, .rsp = (uint64_t)land_stack + sizeof(land_stack) - 16,
		.ss = FLAT_KERNEL_SS,
	};
}

static long do_iret(struct iret_context *c)
{
	long r = ctx_save(&iret_ctx);
	if (r == 0)
		iret_full(c);
	return r;
}

static void iret_kernel_checks(void)
{
	struct iret_context c = base_ctx();
	CHECK_EQ("iret.kernel.landed", do_iret(&c), 1);
	CHECK_EQ("iret.kernel.rax", land_rax, 0x0123456789abcdefUL);
	CHECK_EQ("iret.kernel.rcx", land_rcx, 0x2222);
	CHECK_EQ("iret.kernel.r11", land_r11, 0x1111);
	CHECK_EQ("iret.kernel.cs", land_cs, FLAT_KERNEL_CS);
	CHECK_EQ("iret.kernel.rsp", land_rsp, c.rsp);
	CHECK_EQ("iret.kernel.rflags", land_rflags, 0x202);
	CHECK_EQ("iret.kernel.if_unmasks", vcpu->evtchn_upcall_mask, 0);

	c = base_ctx();
	c.rflags = 0x2;
	do_iret(&c);
	CHECK_EQ("iret.kernel.noif.mask", vcpu->evtchn_upcall_mask, 1);
	CHECK_EQ("iret.kernel.noif.real_if", land_rflags & 0x200, 0x200);

	/* IOPL and VM are dropped, IF forced; arithmetic flags, DF, AC kept. */
	c = base_ctx();
	c.rflags = 0x3000 | 0x20000 | 0x40000 | 0x400 | 0x80 | 0x1 | 0x2;
	do_iret(&c);
	CHECK_EQ("iret.kernel.rflags_filtered", land_rflags, 0x40000 | 0x400 | 0x200 | 0x80 | 0x1 | 0x2);
	CHECK_EQ("iret.kernel.rflags_filtered.mask", vcpu->evtchn_upcall_mask, 1);

	/* VGCF_in_syscall: SYSRET semantics, RCX/R11 not from the frame. */
	c = base_ctx();
	c.flags = VGCF_in_syscall;
	c.rflags = 0x202 | 0x80;
	do_iret(&c);
	CHECK_EQ("iret.kernel.in_syscall.rcx", land_rcx, (uint64_t)iret_landing);
	CHECK_EQ("iret.kernel.in_syscall.r11", land_r11, 0x282);
	CHECK_EQ("iret.kernel.in_syscall.rax", land_rax, 0x0123456789abcdefUL);

	/* CS given with RPL 3 but the upper bits set: only the selector counts. */
	c = base_ctx();
	c.cs = 0xffffffff0000e030UL;
	do_iret(&c);
	CHECK_EQ("iret.kernel.cs_high_bits", land_cs, FLAT_KERNEL_CS);
	events_disable();

	/* Contexts the CPU refuses come back as #GP at that context. */
	struct { const char *name; int field; uint64_t value; uint64_t err; } bad[] = {
		{ "rip_noncanonical", 0, 0x0000800000000000UL, 0 },
		{ "cs_null", 1, 0, 0 },
		{ "ss_null", 2, 0, 0 },
		{ "ss_bad_selector", 2, 0x1234, 0x1234 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		c = base_ctx();
		if (bad[i].field == 0)
			c.rip = bad[i].value;
		else if (bad[i].field == 1)
			c.cs = bad[i].value;
		else
			c.ss = bad[i].value;
		c.rflags = 0x2;
		expect_trap_resume(13, (uint64_t)iret_back);
		CHECK_EQ(checkname("iret.bad.%s.back", bad[i].name), do_iret(&c), 2);
		CHECK_EQ(checkname("iret.bad.%s.vector", bad[i].name), trap_seen(), 13);
		CHECK_EQ(checkname("iret.bad.%s.error_code", bad[i].name), last_trap.error_code, bad[i].err);
		CHECK_EQ(checkname("iret.bad.%s.frame_rip", bad[i].name), last_trap.rip, c.rip);
		CHECK_EQ(checkname("iret.bad.%s.frame_rsp", bad[i].name), last_trap.rsp, c.rsp);
	}
}

/* ---- user mode ---- */

static void user_simple(void)
{
	user_exit(42);
}

/* A user syscall probe: DF set, magic RCX/R11 irrelevant (syscall sets
 * them), record what the kernel's return left in RCX/R11. */
uint64_t u_rcx, u_r11, u_rflags;
asm(".text\n"
    ".globl user_syscall_probe\n"
    "user_syscall_probe:\n\t"
    "std\n\t"
    "mov $0x5e12, %eax\n\t"
    "syscall\n"
    ".globl user_syscall_ret\n"
    "user_syscall_ret:\n\t"
    "mov %rcx, u_rcx(%rip)\n\t"
    "mov %r11, u_r11(%rip)\n\t"
    "pushfq\n\t"
    "popq u_rflags(%rip)\n\t"
    "cld\n\t"
    "mov $0x5e11, %eax\n\t"
    "mov $7, %edi\n\t"
    "syscall\n\t"
    "ud2\n");
extern char user_syscall_probe[], user_syscall_ret[];

static struct {
	uint64_t rcx, r11, rip, cs, rflags, rsp, frame, mask;
	int taken;
} sc;
static uint64_t sc_return_flags;

static bool user_syscall(struct trap_frame *tf)
{
	if (tf->rax != 0x5e12)
		return false;
	sc.rcx = tf->rcx;
	sc.r11 = tf->r11;
	sc.rip = tf->rip;
	sc.cs = tf->cs;
	sc.rflags = tf->rflags;
	sc.rsp = tf->rsp;
	sc.frame = (uint64_t)&tf->rip - 16;
	sc.mask = vcpu->evtchn_upcall_mask;
	sc.taken++;
	tf->rcx = 0xc0de1;
	tf->r11 = 0x5a5a;
	trap_return_flags(sc_return_flags);
	return true;
}

static void user_syscall_checks(void)
{
	user_syscall_handler = user_syscall;
	sc_return_flags = 0;
	CHECK_EQ("user.syscall.exit", run_user((void (*)(void))user_syscall_probe), 7);
	CHECK_EQ("user.syscall.taken", sc.taken, 1);
	CHECK_EQ("user.syscall.frame.rcx", sc.rcx, (uint64_t)user_syscall_ret);
	CHECK_EQ("user.syscall.frame.rip", sc.rip, (uint64_t)user_syscall_ret);
	CHECK_EQ("user.syscall.frame.cs", sc.cs, FLAT_USER_CS);
	CHECK_EQ("user.syscall.frame.r11_df", sc.r11 & 0x400, 0x400);
	CHECK_EQ("user.syscall.frame.rflags_df", sc.rflags & 0x400, 0x400);
	CHECK_EQ("user.syscall.frame.rflags_if", sc.rflags & 0x200, 0x200);
	CHECK_EQ("user.syscall.frame.rsp", sc.rsp, (uint64_t)user_stack + sizeof(user_stack) - 8);
	CHECK_EQ("user.syscall.frame.on_kernel_sp", sc.frame + 7 * 8, (uint64_t)trap_stack + sizeof(trap_stack));
	CHECK_EQ("user.syscall.masked", sc.mask, 1);
	/* Plain iret: RCX/R11 come from the frame. */
	CHECK_EQ("user.syscall.iret.rcx", u_rcx, 0xc0de1);
	CHECK_EQ("user.syscall.iret.r11", u_r11, 0x5a5a);
	CHECK_EQ("user.syscall.iret.df_kept", u_rflags & 0x400, 0x400);

	sc_return_flags = VGCF_in_syscall;
	CHECK_EQ("user.sysret.exit", run_user((void (*)(void))user_syscall_probe), 7);
	CHECK_EQ("user.sysret.rcx", u_rcx, (uint64_t)user_syscall_ret);
	CHECK_EQ("user.sysret.r11", u_r11, sc.rflags);

	/* set_callbacks registers without CALLBACKF_mask_events. */
	CHECK_EQ("set_callbacks", HYPERVISOR_set_callbacks(event_callback_entry,
		failsafe_callback_entry, syscall_callback_entry), 0);
	sc_return_flags = 0;
	run_user((void (*)(void))user_syscall_probe);
	CHECK_EQ("set_callbacks.syscall_unmasked", sc.mask, 0);
	CHECK_EQ("callback_op.syscall_mask", register_callback(CALLBACKTYPE_syscall,
		(unsigned long)syscall_callback_entry, CALLBACKF_mask_events), 0);
	run_user((void (*)(void))user_syscall_probe);
	CHECK_EQ("callback_op.syscall_masked", sc.mask, 1);
	user_syscall_handler = NULL;
}

/* User-mode faults: results recorded for the kernel to check. */
static long uf_vec[16];
static uint64_t uf_err[16], uf_cr2[16], uf_cs[16], uf_frame[16];

static void note(int i)
{
	uf_vec[i] = trap_seen();
	uf_err[i] = last_trap.error_code;
	uf_cr2[i] = last_trap.cr2;
	uf_cs[i] = last_trap.cs;
	uf_frame[i] = last_trap.frame;
}

static void user_faults(void)
{
	uint64_t v;

	probe_read64(0x1000, &v);
	note(0);
	probe_write8((uint64_t)readonly_ptr(), 1);
	note(1);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("int3"));
	note(2);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("int $0x80"));
	note(3);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("int $0"));
	note(4);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("cli"));
	note(5);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("hlt"));
	note(6);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("mov %%cr0, %%rax") ::: "rax");
	note(7);
	expect_trap(TRAP_ANY);
	asm volatile("mov $0xc0000100, %%ecx\n\t" PROBE("rdmsr") ::: "rax", "rcx", "rdx");
	note(8);
	expect_trap(TRAP_ANY);
	asm volatile("mov $0x80, %%edx\n\t" PROBE("inb %%dx, %%al") ::: "rax", "rdx");
	note(9);
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("ud2"));
	note(10);
	uf_vec[11] = probe_read64(MACH2PHYS_VIRT_START, &v);
	user_exit(0);
}

static void user_fault_checks(void)
{
	readonly_ptr();         /* set up in kernel mode (it makes hypercalls) */
	for (int i = 0; i < 16; i++)
		uf_vec[i] = -99;
	CHECK_EQ("user.faults.exit", run_user(user_faults), 0);
	CHECK_EQ("user.pf_read.vector", uf_vec[0], 14);
	CHECK_EQ("user.pf_read.error_code", uf_err[0], 4);
	CHECK_EQ("user.pf_read.cr2", uf_cr2[0], 0x1000);
	CHECK_EQ("user.pf_read.cs", uf_cs[0], FLAT_USER_CS);
	CHECK_EQ("user.pf_read.frame_on_kernel_sp", uf_frame[0] + 8 * 8,
		 (uint64_t)trap_stack + sizeof(trap_stack));
	CHECK_EQ("user.pf_write_ro.vector", uf_vec[1], 14);
	CHECK_EQ("user.pf_write_ro.error_code", uf_err[1], 7);
	CHECK_EQ("user.int3.vector", uf_vec[2], 3);
	CHECK_EQ("user.int80.vector", uf_vec[3], 0x80);
	CHECK_EQ("user.int0_dpl0.vector", uf_vec[4], 13);
	CHECK_EQ("user.int0_dpl0.error_code", uf_err[4], 2);
	CHECK_EQ("user.cli.vector", uf_vec[5], 13);
	CHECK_EQ("user.cli.error_code", uf_err[5], 0);
	CHECK_EQ("user.hlt.vector", uf_vec[6], 13);
	CHECK_EQ("user.mov_cr0.vector", uf_vec[7], 13);
	CHECK_EQ("user.rdmsr.vector", uf_vec[8], 13);
	CHECK_EQ("user.inb.vector", uf_vec[9], 13);
	CHECK_EQ("user.ud2.vector", uf_vec[10], 6);
	CHECK_EQ("user.ud2.cs", uf_cs[10], FLAT_USER_CS);
	/* Without m2p_strict Xen validates L4s with the RO M2P slot blank and
	 * fills it only when an L4 is used as a kernel one (fill_ro_mpt on
	 * NEW_BASEPTR); a user-only L4 never gets it. */
	CHECK_EQ("user.m2p_read", uf_vec[11], 14);

	/* Software-interrupt DPLs seen from user mode: 3 passes, 1 does not;
	 * int $0x80 passes whatever its DPL. */
	static const struct { unsigned int vec, dpl; long expect; } si[] = {
		{ 0, 1, 13 }, { 0, 2, 13 }, { 0, 3, 0 }, { 0x80, 0, 0x80 }, { 0x80, 3, 0x80 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(si); i++) {
		trap_info_t t[2] = { { .vector = (uint8_t)si[i].vec, .flags = (uint8_t)si[i].dpl,
				       .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(si[i].vec) }, { 0 } };
		HYPERVISOR_set_trap_table(t);
		for (int j = 0; j < 16; j++)
			uf_vec[j] = -99;
		run_user(user_faults);
		CHECK_EQ(checkname("user.int%x.dpl%u", si[i].vec, si[i].dpl),
			 uf_vec[si[i].vec == 0 ? 4 : 3], si[i].expect);
	}
	install_trap_table();
}

/* With a syscall callback of 0, a user syscall is #UD at the syscall. */
static bool restore_syscall_cb(struct trap_frame *tf)
{
	if ((tf->cs & 3) == 3)
		register_callback(CALLBACKTYPE_syscall, (unsigned long)syscall_callback_entry,
				  CALLBACKF_mask_events);
	return false;
}

static long null_vec;
static uint64_t null_rip;
extern char user_null_syscall[];
static void user_null_syscall_fn(void)
{
	expect_trap(TRAP_ANY);
	asm volatile(".globl user_null_syscall\n"
		     "user_null_syscall:\n\t" PROBE("syscall") ::: "rcx", "r11", "memory");
	null_vec = trap_seen();
	null_rip = last_trap.rip;
	user_exit(3);
}

static void callback_checks(void)
{
	CHECK_EQ("callback.syscall_null.register",
		 register_callback(CALLBACKTYPE_syscall, 0, CALLBACKF_mask_events), 0);
	set_trap_hook(6, restore_syscall_cb);
	CHECK_EQ("callback.syscall_null.exit", run_user(user_null_syscall_fn), 3);
	set_trap_hook(6, NULL);
	CHECK_EQ("callback.syscall_null.vector", null_vec, 6);
	CHECK_EQ("callback.syscall_null.rip", null_rip, (uint64_t)user_null_syscall);

	static const unsigned int types[] = { CALLBACKTYPE_event, CALLBACKTYPE_failsafe,
		CALLBACKTYPE_syscall, CALLBACKTYPE_syscall32, CALLBACKTYPE_sysenter };
	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		CHECK_EQ(checkname("callback.register.%u.noncanonical", types[i]),
			 register_callback(types[i], 0x0000800000000000UL, 0), -XEN_EINVAL);
		struct callback_unregister u = { .type = (uint16_t)types[i] };
		CHECK_EQ(checkname("callback.unregister.%u", types[i]),
			 HYPERVISOR_callback_op(CALLBACKOP_unregister, &u), -XEN_EINVAL);
	}
	CHECK_EQ("callback.register.syscall32", register_callback(CALLBACKTYPE_syscall32,
		(unsigned long)syscall_callback_entry, 0), 0);
	CHECK_EQ("callback.register.sysenter", register_callback(CALLBACKTYPE_sysenter,
		(unsigned long)syscall_callback_entry, 0), 0);
	CHECK_EQ("callback.register.type3", register_callback(3, (unsigned long)syscall_callback_entry, 0),
		 -XEN_ENOSYS);
	CHECK_EQ("callback.register.type6", register_callback(6, (unsigned long)syscall_callback_entry, 0),
		 -XEN_ENOSYS);
	CHECK_EQ("callback.register.type99", register_callback(99, (unsigned long)syscall_callback_entry, 0),
		 -XEN_ENOSYS);
	CHECK_EQ("callback.register.nmi", register_callback(CALLBACKTYPE_nmi,
		(unsigned long)TRAP_STUB(2), 0), 0);
	struct callback_unregister un = { .type = CALLBACKTYPE_nmi };
	CHECK_EQ("callback.unregister.nmi", HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), 0);
	un.type = 99;
	CHECK_EQ("callback.unregister.type99", HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), -XEN_ENOSYS);
	CHECK_EQ("callback_op.cmd2", HYPERVISOR_callback_op(2, &un), -XEN_ENOSYS);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("callback_op.badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_callback_op(CALLBACKOP_register, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	/* set_callbacks ignores bad addresses (each registration's error is
	 * dropped) and returns 0. */
	CHECK_EQ("set_callbacks.noncanonical", HYPERVISOR_set_callbacks(1UL << 63, 1UL << 63, 1UL << 63), 0);
	/* ... and nothing changed: a user syscall still reaches us. */
	CHECK_EQ("set_callbacks.noncanonical.kept", run_user(user_simple), 42);
	register_callback(CALLBACKTYPE_syscall, (unsigned long)syscall_callback_entry, CALLBACKF_mask_events);
}

void test_main(void)
{
	iret_kernel_checks();
	CHECK_EQ("user.simple", run_user(user_simple), 42);
	CHECK_EQ("user.simple.again", run_user(user_simple), 42);
	user_syscall_checks();
	user_fault_checks();
	callback_checks();
}
