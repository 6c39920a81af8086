#include "guest.h"
static char land_stack[4096] ALIGNED(16);
static void landing(void) { printf("LANDED\n"); finish(); }
void test_main(void)
{
	const char *a = cmdline_value("action");
	if (!a) panic("no action");
	struct iret_context c = { .rax = 1, .rip = (uint64_t)landing, .cs = 0xe030, .rflags = 0x2,
		.rsp = (uint64_t)land_stack + 4096 - 8, .ss = 0xe02b };
	if (!strncmp(a, "noncanon", 8)) { c.rip = 0x800000000000UL; iret_full(&c); }
	if (!strncmp(a, "cs0", 3)) { c.cs = 0; iret_full(&c); }
	if (!strncmp(a, "ss0", 3)) { c.ss = 0; iret_full(&c); }
	if (!strncmp(a, "ssbad", 5)) { c.ss = 0x1234; iret_full(&c); }
	if (!strncmp(a, "csdata", 6)) { c.cs = 0xe02b; iret_full(&c); }
	if (!strncmp(a, "rspbad", 6)) { c.rsp = 0x8000000000000000UL; iret_full(&c); }
	if (!strncmp(a, "nouserl4", 8)) { c.cs = 0xe033; iret_full(&c); }
	if (!strncmp(a, "sysnull", 7)) {
		struct callback_register cb = { .type = CALLBACKTYPE_syscall, .address = 0 };
		printf("reg0 rc=%ld\n", HYPERVISOR_callback_op(CALLBACKOP_register, &cb));
		expect_trap(TRAP_ANY);
		long code = run_user((void (*)(void))user_exit);
		printf("user returned %ld seen %ld\n", code, trap_seen());
	}
	if (!strncmp(a, "int80dpl0", 9)) {
		trap_info_t t[2] = { { .vector = 0x80, .flags = 0, .cs = FLAT_KERNEL_CS, .address = TRAP_STUB(0x80) }, {0} };
		HYPERVISOR_set_trap_table(t);
		expect_trap(TRAP_ANY);
		asm volatile(PROBE("int $0x80"));
		printf("kernel int80 dpl0 seen %ld err %lx\n", trap_seen(), last_trap.error_code);
	}
	if (!strncmp(a, "iretsyscall", 11)) {
		c.rcx = 0x1234; c.r11 = 0x5678; c.flags = VGCF_in_syscall;
		iret_full(&c);
	}
	finish();
}
