/*
 * crash: guest actions after which Xen 4.17 crashes the domain (for dom0:
 * "Hardware Dom0 crashed"), one per boot, picked by `action=`:
 *   iret_bad_stack   the iret hypercall with RSP on an unmapped page
 *   iret_user_no_l4  iret to user mode before any user L4 exists
 *   no_handler       a fault with no handler in the trap table
 *   bounce_bad_stack a fault while RSP is non-canonical (no bounce frame)
 *   bounce_frame_unmapped     a fault in the #UD handler's own stack setup
 *   bounce_hv_stack  a fault while RSP points into the hypervisor's direct
 *                    map (at our own page's alias there)
 *   event_hv_stack   an event upcall while RSP points there
 *   user_hv_kernel_sp a fault in user mode with the kernel stack
 *                    (stack_switch) pointing there
 *   l1tf_pte         (booted with pv-l1tf=dom0) L1TF-safe non-present
 *                    entries (zero, frame 0, bits only above the physical
 *                    address width) are taken, then one naming RAM crashes
 *                    the domain
 *                    (tests/system/guests/l1tf.sh; not in exits.list,
 *                    which boots without hypervisor options)
 *   failsafe_hv_stack a failsafe callback (DS from an LDT replaced by an
 *                    empty one, reloaded when vCPU 0 comes back after vCPU 1
 *                    ran; boot with --vcpus 2) while RSP points there
 *   movss_syscall_hv_stack  XSA-260: a data breakpoint on the operand of
 *                    `mov mem, %ss` followed by `syscall`, RSP at our page's
 *                    direct-map alias. Real CPUs hold the #DB back until the
 *                    first instruction of the hypervisor's SYSCALL entry,
 *                    still on our RSP: the hypervisor must take it on its own
 *                    stack, ignore it and return; the probe then survives and
 *                    checks our page is untouched (a hypervisor that delivers
 *                    #DB on the interrupted stack writes its frame there).
 *                    QEMU's TCG has no MOV SS delay: the #DB comes at once,
 *                    in our context, and its bounce frame cannot be written
 *                    at that RSP: the domain is crashed (Xen 4.17 and pvisor).
 *   movss_int3_hv_stack     the same with `int3`: on hardware the held-back
 *                    #DB lands on the hypervisor's #BP entry (its own stack),
 *                    then #BP cannot be bounced at that RSP: crashed everywhere.
 * The direct-map actions aim at the alias of one of our own pages, so a
 * hypervisor that writes the frame anyway (the bounce's guest_range_ok
 * check dropped) writes where we can see it, and our handlers, which first
 * move to a good stack, report it as a PANIC instead of letting the guest
 * run on over hypervisor memory.
 * The kernel prints its RESULT first, then "CRASH action=<name>"; what
 * follows is the hypervisor's.  Each must end the domain, never the
 * hypervisor: pvisor ends QEMU with the crash status (3 << 1) | 1.
 */
#include "guest.h"

#define XEN_DIRECTMAP 0xffff830000000000UL      /* Xen's and pvisor's layout */
#define XEN_DIRECTMAP_END 0xffff880000000000UL

static uint8_t victim[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t escape_stack[4096] __attribute__((aligned(16)));
void hv_stack_escape(void);
void hv_stack_survived(uint64_t rsp);

/* Handler for everything the hostile-RSP actions can cause: leave the
 * hypervisor's address range before touching the stack. */
asm(".text\n"
    ".globl hv_stack_escape\n"
    "hv_stack_escape:\n\t"
    "mov %rsp, %rdi\n\t"
    "lea escape_stack+4096(%rip), %rsp\n\t"
    "call hv_stack_survived\n\t"
    "ud2\n");

void hv_stack_survived(uint64_t rsp)
{
	unsigned int changed = 0;

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		changed += victim[i] != 0xaa;
	panic("the domain survived a bounce frame at hypervisor address %#lx "
	      "(%u bytes of our page changed through the hypervisor's direct map)",
	      (unsigned long)rsp, changed);
}

/* RSP for the hostile actions: the middle of victim's direct-map alias. */
static uint64_t hv_alias_rsp(void)
{
	static trap_info_t t[5];

	memset(victim, 0xaa, sizeof(victim));
	t[0] = (trap_info_t){ .vector = 6, .cs = FLAT_KERNEL_CS, .address = (unsigned long)hv_stack_escape };
	t[1] = (trap_info_t){ .vector = 14, .cs = FLAT_KERNEL_CS, .address = (unsigned long)hv_stack_escape };
	t[2] = (trap_info_t){ .vector = 1, .cs = FLAT_KERNEL_CS, .address = (unsigned long)hv_stack_escape };
	t[3] = (trap_info_t){ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS, .address = (unsigned long)hv_stack_escape };
	if (HYPERVISOR_set_trap_table(t) ||
	    register_callback(CALLBACKTYPE_event, (unsigned long)hv_stack_escape, CALLBACKF_mask_events) ||
	    register_callback(CALLBACKTYPE_failsafe, (unsigned long)hv_stack_escape, CALLBACKF_mask_events))
		panic("cannot install the escape handlers");
	return XEN_DIRECTMAP + va_to_mfn(victim) * PAGE_SIZE + PAGE_SIZE / 2;
}

/* DR0 on the operand of the MOV SS, read/write, 2 bytes. */
static volatile uint16_t ss_operand = FLAT_KERNEL_SS;

static void arm_ss_breakpoint(void)
{
	if (HYPERVISOR_set_debugreg(0, (unsigned long)&ss_operand) ||
	    HYPERVISOR_set_debugreg(7, 0x1UL | (3UL << 16) | (1UL << 18)))
		panic("cannot set the data breakpoint");
}

/* Only reached where the CPU delays the #DB (real hardware). */
static void NORETURN movss_survived(long version)
{
	unsigned int changed = 0;

	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		changed += victim[i] != 0xaa;
	printf("movss: the #DB was held back past the syscall and the domain survived\n");
	CHECK_EQ("movss.hypercall_result", version, HYPERVISOR_xen_version(XENVER_version, NULL));
	CHECK_EQ("movss.hv_memory_bytes_changed", changed, 0);
	finish();
}

/*
 * failsafe_hv_stack. vCPU 0 loads DS from an LDT, swaps in an empty LDT and
 * sleeps with RSP at our page's direct-map alias while vCPU 1 spins on the
 * one host CPU: switching back to vCPU 0 cannot reload DS, so the
 * hypervisor must build a failsafe frame at RSP and, as it cannot, crash
 * the domain. Two things can spoil the probe without a hypervisor bug, and
 * both lead to another try: the poll ends without a switch (its timeout
 * already past when a loaded host descheduled QEMU), or vCPU 0 is switched
 * out on its ordinary stack between swapping the LDT and moving RSP (then
 * the failsafe callback is rightly delivered there).
 */
static volatile unsigned long failsafe_laps;    /* vCPU 1 ran meanwhile */
static unsigned int failsafe_tries;
static uint64_t *failsafe_ldt, *failsafe_empty, failsafe_rsp;
static struct sched_poll failsafe_sp = { .nr_ports = 1 };
void failsafe_retry_entry(void);
void failsafe_retry(uint64_t rsp);

asm(".text\n"
    ".globl failsafe_retry_entry\n"
    "failsafe_retry_entry:\n\t"
    "mov %rsp, %rdi\n\t"
    "lea escape_stack+4096(%rip), %rsp\n\t"
    "call failsafe_retry\n\t"
    "ud2\n");

static void NORETURN failsafe_probe(void)
{
	for (;;) {
		if (++failsafe_tries > 100)
			panic("failsafe_hv_stack: no switch back to vCPU 0 in 100 tries");
		if (mmuext1(MMUEXT_SET_LDT, (unsigned long)failsafe_ldt, 4))
			panic("set_ldt");
		asm volatile("mov %0, %%ds" :: "r"(0x0f));
		/* another LDT, entry 1 empty: DS cannot be reloaded */
		if (mmuext1(MMUEXT_SET_LDT, (unsigned long)failsafe_empty, 4))
			panic("set_ldt empty");
		unsigned long laps = failsafe_laps;
		long op = __HYPERVISOR_sched_op, cmd = SCHEDOP_poll;
		struct sched_poll *arg = &failsafe_sp;
		failsafe_sp.timeout = xen_system_time() + 50000000;
		asm volatile("mov %%rsp, %%r12\n\t"
			     "mov %3, %%rsp\n\t"
			     "syscall\n\t"
			     "mov %%r12, %%rsp"
			     : "+a"(op), "+D"(cmd), "+S"(arg) : "r"(failsafe_rsp)
			     : "rcx", "r11", "r12", "memory");
		if (failsafe_laps != laps)
			hv_stack_survived(failsafe_rsp);
	}
}

/* The failsafe callback: at the alias, the hypervisor wrote its frame into
 * its own memory; anywhere else it was right to deliver it: try again. */
void failsafe_retry(uint64_t rsp)
{
	if (rsp >= XEN_DIRECTMAP && rsp < XEN_DIRECTMAP_END)
		hv_stack_survived(rsp);
	vcpu->evtchn_upcall_mask = 0;
	failsafe_probe();
}

static long failsafe_worker(unsigned int id, void *arg)
{
	static evtchn_port_t port;

	(void)arg;
	if (id) {
		for (;;) {
			failsafe_laps++;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
	failsafe_ldt = alloc_page();
	failsafe_empty = alloc_page();
	failsafe_rsp = hv_alias_rsp();
	if (register_callback(CALLBACKTYPE_failsafe, (unsigned long)failsafe_retry_entry,
			      CALLBACKF_mask_events))
		panic("cannot install the failsafe callback");
	failsafe_ldt[1] = 0x00cff3000000ffffUL;        /* data, DPL 3 */
	page_set_ro(failsafe_ldt);
	page_set_ro(failsafe_empty);
	port = (evtchn_port_t)evtchn_bind_ipi(0);
	set_xen_guest_handle(failsafe_sp.ports, &port);
	failsafe_probe();
	return 0;
}

static void user_exit_zero(void)
{
	user_exit(0);
}

static void user_ud(void)
{
	asm volatile("ud2");
}

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
	} else if (!strcmp(a, "bounce_hv_stack")) {
		uint64_t rsp = hv_alias_rsp();
		asm volatile("mov %0, %%rsp\n\t"
			     "ud2" : : "r"(rsp) : "memory");
	} else if (!strcmp(a, "movss_syscall_hv_stack")) {
		uint64_t rsp = hv_alias_rsp();
		long version;
		arm_ss_breakpoint();
		asm volatile("mov %%rsp, %%r12\n\t"
			     "mov %2, %%rsp\n\t"
			     "mov %3, %%ss\n\t"
			     "syscall\n\t"
			     "mov %%r12, %%rsp"
			     : "=a"(version)
			     : "a"((long)__HYPERVISOR_xen_version), "r"(rsp), "m"(ss_operand),
			       "D"(0L), "S"(0L)
			     : "rcx", "r11", "r12", "memory");
		movss_survived(version);
	} else if (!strcmp(a, "movss_int3_hv_stack")) {
		uint64_t rsp = hv_alias_rsp();
		arm_ss_breakpoint();
		asm volatile("mov %0, %%rsp\n\t"
			     "mov %1, %%ss\n\t"
			     "int3"
			     : : "r"(rsp), "m"(ss_operand) : "memory");
	} else if (!strcmp(a, "failsafe_hv_stack")) {
		/* vCPU 1 keeps the CPU while vCPU 0 sleeps, so vCPU 0's selectors
		 * really are reloaded (Xen switches lazily through idle) */
		if (smp_start(2) != 2)
			panic("failsafe_hv_stack needs 2 vCPUs (--vcpus 2)");
		smp_run(failsafe_worker, NULL);
	} else if (!strcmp(a, "event_hv_stack")) {
		/* a pending, unmasked upcall is delivered on the way out of the
		 * next hypercall; no stack use between RSP and the syscall */
		uint64_t rsp = hv_alias_rsp();
		events_disable();
		vcpu->evtchn_upcall_pending = 1;
		asm volatile("mov %0, %%rsp\n\t"
			     "movb $0, (%1)\n\t"
			     "mov %2, %%eax\n\t"
			     "xor %%edi, %%edi\n\t"
			     "xor %%esi, %%esi\n\t"
			     "syscall\n\t"
			     "ud2"
			     : : "r"(rsp), "r"(&vcpu->evtchn_upcall_mask),
			       "i"(__HYPERVISOR_xen_version) : "memory");
	} else if (!strcmp(a, "user_hv_kernel_sp")) {
		static uint64_t frame[6];
		uint64_t rsp;

		run_user(user_exit_zero);                /* builds the user L4 */
		rsp = hv_alias_rsp();
		if (HYPERVISOR_stack_switch(FLAT_KERNEL_SS, rsp))
			panic("stack_switch refused");
		frame[0] = 0;
		frame[1] = (uint64_t)user_ud;
		frame[2] = FLAT_USER_CS;
		frame[3] = 0x202;
		frame[4] = (uint64_t)escape_stack + 2048;
		frame[5] = FLAT_USER_SS;
		iret_to(frame);
	} else if (!strcmp(a, "l1tf_pte")) {
		static char spare[PAGE_SIZE] PAGE_ALIGNED;
		uint64_t slot = l1e_maddr(spare), keep = l1e_of(spare);
		uint64_t ram = (uint64_t)va_to_mfn(victim) << 12;
		/* frame 0, and address bits only above the CPU's physical
		 * width (QEMU: 40 bits), which the L1D never sees */
		const uint64_t safe[] = { 0, 0x2, 0x000ff00000000060UL };
		struct mmu_update u;

		for (unsigned int i = 0; i < 3; i++) {
			u = (struct mmu_update){ slot, safe[i] };
			if (HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF))
				panic("safe non-present entry %#lx refused", (unsigned long)safe[i]);
		}
		u = (struct mmu_update){ slot, keep };
		HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
		u = (struct mmu_update){ slot, ram | 0x60 };
		HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
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
