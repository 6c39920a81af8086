/*
 * Guest user mode.  A PV vCPU has a second L4 for user mode; ours copies
 * the kernel L4's slot of the image (every guest page is _PAGE_USER on
 * 64-bit PV), so user code runs at the same addresses.  run_user() irets
 * to fn in ring 3; fn ends with user_exit(code), a `syscall` that Xen
 * bounces to our syscall callback, which jumps back into run_user().
 */
#include "guest.h"



extern uint64_t cur_l4_mfn;
unsigned long user_l4_mfn;
static uint64_t *user_l4;
static struct ctx run_ctx;
static volatile long exit_code;
char user_stack[16384] ALIGNED(16);
char trap_stack[16384] ALIGNED(16);

trap_hook_t user_syscall_handler;

static bool syscall_hook(struct trap_frame *tf)
{
	if ((tf->cs & 3) == 3 && tf->rax == USER_SYSCALL_EXIT) {
		exit_code = (long)tf->rdi;
		ctx_restore(&run_ctx, 1);
	}
	return user_syscall_handler && user_syscall_handler(tf);
}

void NORETURN user_exit(long code)
{
	asm volatile("syscall" : : "a"(USER_SYSCALL_EXIT), "D"(code) : "rcx", "r11", "memory");
	for (;;)
		;
}

static void make_user_l4(void)
{
	uint64_t *k = mfn_to_va_table(cur_l4_mfn);

	user_l4 = alloc_page();
	user_l4[511] = k[511];          /* the image, stacks and pool */
	page_set_ro(user_l4);
	user_l4_mfn = va_to_mfn(user_l4);
	long rc = pin_table(4, user_l4_mfn);
	if (rc)
		panic("pin user L4: %ld", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, user_l4_mfn, 0);
	if (rc)
		panic("new_user_baseptr: %ld", rc);
}

long run_user(void (*fn)(void))
{
	if (!user_l4)
		make_user_l4();
	set_trap_hook(VEC_SYSCALL, syscall_hook);
	long rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS,
					  (unsigned long)trap_stack + sizeof(trap_stack));
	if (rc)
		panic("stack_switch: %ld", rc);

	uint8_t mask = vcpu->evtchn_upcall_mask;
	if (ctx_save(&run_ctx) == 0) {
		static uint64_t frame[6];
		frame[0] = 0;                                   /* flags */
		frame[1] = (uint64_t)fn;                        /* rip */
		frame[2] = FLAT_USER_CS;                        /* cs, RPL 3 */
		frame[3] = 0x202;                               /* rflags, IF */
		frame[4] = (uint64_t)user_stack + sizeof(user_stack) - 8;
		frame[5] = FLAT_USER_SS;
		iret_to(frame);
	}
	/* Back in kernel mode through the syscall callback. */
	vcpu->evtchn_upcall_mask = mask;
	if (!mask)
		events_poke();
	return exit_code;
}
