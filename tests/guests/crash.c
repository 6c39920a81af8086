/*
 * crash: guest actions after which Xen 4.17 crashes the domain (for dom0:
 * "Hardware Dom0 crashed"), one per boot, picked by `action=`:
 *   iret_bad_stack   the iret hypercall with RSP on an unmapped page
 *   iret_user_no_l4  iret to user mode before any user L4 exists
 *   no_handler       a fault with no handler in the trap table
 *   bounce_bad_stack a fault while RSP is non-canonical (no bounce frame)
 *   bounce_frame_unmapped     a fault in the #UD handler's own stack setup
 * The kernel prints its RESULT first, then "CRASH action=<name>"; what
 * follows is the hypervisor's.  Each must end the domain, never the
 * hypervisor: pvisor ends QEMU with the crash status (3 << 1) | 1.
 */
#include "guest.h"

static void NORETURN do_action(const char *a)
{
	static struct iret_context c;

	if (!strcmp(a, "iret_bad_stack")) {
		asm volatile("mov $0x1000, %%rsp\n\t"
			     "mov $23, %%eax\n\t"
			     "syscall" ::: "memory");
	} else if (!strcmp(a, "iret_user_no_l4")) {
		c = (struct iret_context){ .rip = (uint64_t)test_main, .cs = FLAT_USER_CS,
			.rflags = 0x202, .rsp = (uint64_t)&kernel_stack_top - 64, .ss = FLAT_USER_SS };
		iret_full(&c);
	} else if (!strcmp(a, "no_handler")) {
		HYPERVISOR_set_trap_table(NULL);
		asm volatile("ud2");
	} else if (!strcmp(a, "bounce_bad_stack")) {
		asm volatile("movabs $0x8000000000000000, %%rsp\n\t"
			     "ud2" ::: "memory");
	} else if (!strcmp(a, "bounce_frame_unmapped")) {
		/* #UD with RSP just above an unmapped page: the bounce frame
		 * itself cannot be written. */
		char *p = page_before_hole();
		uint64_t rsp = (uint64_t)p + 2 * PAGE_SIZE + 16;
		asm volatile("mov %0, %%rsp\n\t"
			     "ud2" : : "r"(rsp) : "memory");
	}
	panic("action %s did not crash the domain", a);
}

void test_main(void)
{
	const char *a = cmdline_value("action");

	CHECK("args.action", a != NULL);
	if (!a)
		finish();
	printf("RESULT %s: 1 passed, 0 failed\n", guest_name);
	printf("CRASH action=%s\n", a);
	do_action(a);
}
