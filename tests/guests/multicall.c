/*
 * multicall: batches of hypercalls.
 *
 * Xen 4.17 (common/multicall.c, arch/x86/pv/hypercall.c): each entry runs
 * in order and sees the effects of the ones before; its result is written
 * back into the entry; a failing entry does not stop the batch (only a
 * list that cannot be read or written back does: -EFAULT); unknown ops
 * give -ENOSYS, a nested multicall -EINVAL.  An iret in a batch ends it:
 * the guest continues in the context the iret loaded and the remaining
 * entries never run, so nothing later in the batch executes in another
 * mode (the XSA-class "mode switch inside a batch" attack).
 */
#include "guest.h"

static struct multicall_entry mc[8];

static void set(unsigned int i, unsigned long op, unsigned long a0, unsigned long a1,
		unsigned long a2, unsigned long a3)
{
	mc[i] = (struct multicall_entry){ .op = op, .result = 0x5a5a5a5aUL,
		.args = { a0, a1, a2, a3, 0, 0 } };
}

static struct ctx mc_ctx;
uint64_t mc_land_rax;
static char land_stack[4096] ALIGNED(16);

asm(".text\n"
    "mc_landing:\n\t"
    "mov %rax, mc_land_rax(%rip)\n\t"
    "lea mc_ctx(%rip), %rdi\n\t"
    "mov $1, %esi\n\t"
    "jmp ctx_restore\n"
    /* multicall_on_stack(list, n, rsp): the multicall with RSP pointing
     * at an iret frame, for the iret entries of a batch. */
    "multicall_on_stack:\n\t"
    "mov %rdx, %rsp\n\t"
    "mov $13, %eax\n\t"
    "syscall\n\t"
    "ud2\n");
extern char mc_landing[];
void multicall_on_stack(void *list, unsigned long n, void *rsp);

static void user_landing(void)
{
	asm volatile("syscall" : : "a"(0x5e13) : "rcx", "r11", "memory");
	for (;;)
		;
}

static bool user_landing_hook(struct trap_frame *tf)
{
	if (tf->rax != 0x5e13)
		return false;
	ctx_restore(&mc_ctx, 3);
}

static void simple_user(void)
{
	user_exit(5);
}

void test_main(void)
{
	static const char msg[] = "multicall console line\n";
	domid_t self = DOMID_SELF;

	set(0, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, (unsigned long)msg, 0);
	set(1, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
	set(2, __HYPERVISOR_memory_op, XENMEM_current_reservation, (unsigned long)&self, 0, 0);
	set(3, __HYPERVISOR_xen_version, 99, 0, 0, 0);
	set(4, 100, 0, 0, 0, 0);
	set(5, __HYPERVISOR_multicall, (unsigned long)mc, 1, 0, 0);
	set(6, __HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0);
	set(7, 0xffffffffffffffffUL, 0, 0, 0, 0);
	CHECK_EQ("batch.rc", HYPERVISOR_multicall(mc, 8), 0);
	CHECK_EQ("batch.console", mc[0].result, 0);
	CHECK_EQ("batch.version", mc[1].result, 0x40011);
	CHECK_EQ("batch.reservation", mc[2].result, start_info->nr_pages);
	CHECK_EQ("batch.bad_subop", mc[3].result, -XEN_ENOSYS);
	CHECK_EQ("batch.unknown_op", mc[4].result, -XEN_ENOSYS);
	CHECK_EQ("batch.nested", mc[5].result, -XEN_EINVAL);
	CHECK_EQ("batch.after_errors", mc[6].result, 0);
	CHECK_EQ("batch.op_all_ones", mc[7].result, -XEN_ENOSYS);
	CHECK_EQ("batch.count0", HYPERVISOR_multicall(mc, 0), 0);

	/* Later entries see earlier ones: map, remap, unmap. */
	static char a[PAGE_SIZE] ALIGNED(4096) = "page a";
	static char b[PAGE_SIZE] ALIGNED(4096) = "page b";
	char *alias = alloc_page();
	uint64_t pa = ((uint64_t)va_to_mfn(a) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	uint64_t pb = ((uint64_t)va_to_mfn(b) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	static struct mmu_update mu;
	mu.ptr = l1e_maddr(alias);
	mu.val = pb;
	set(0, __HYPERVISOR_update_va_mapping, (unsigned long)alias, pa, UVMF_INVLPG, 0);
	set(1, __HYPERVISOR_mmu_update, (unsigned long)&mu, 1, 0, DOMID_SELF);
	set(2, __HYPERVISOR_update_va_mapping, (unsigned long)alias, 0, UVMF_INVLPG, 0);
	set(3, __HYPERVISOR_update_va_mapping, (unsigned long)alias, pa, UVMF_INVLPG, 0);
	CHECK_EQ("sequence.rc", HYPERVISOR_multicall(mc, 4), 0);
	CHECK_EQ("sequence.results", mc[0].result | mc[1].result | mc[2].result | mc[3].result, 0);
	CHECK_STR("sequence.final", alias, "page a");

	/* Bad lists. */
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_multicall((void *)bad_ptrs[i].addr, 1), -XEN_EFAULT);
	struct multicall_entry *end = (struct multicall_entry *)((char *)page_before_hole() + PAGE_SIZE) - 1;
	*end = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .result = 77 };
	CHECK_EQ("runs_into_hole", HYPERVISOR_multicall(end, 2), -XEN_EFAULT);
	CHECK_EQ("runs_into_hole.first_done", end->result, 0x40011);
	/* A list we may read but not write: the first result cannot be
	 * written back, which ends the batch. */
	struct multicall_entry *ro = alloc_page();
	ro[0] = (struct multicall_entry){ .op = __HYPERVISOR_vm_assist, .result = 77,
		.args = { VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3 } };
	ro[1] = (struct multicall_entry){ .op = __HYPERVISOR_vm_assist, .result = 77,
		.args = { VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3 } };
	page_set_ro(ro);
	CHECK_EQ("readonly_list", HYPERVISOR_multicall(ro, 2), -XEN_EFAULT);
	CHECK_EQ("readonly_list.result_unwritten", ro[0].result, 77);
	xen_feature_info_t fi = { .submap_idx = 0 };
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK_EQ("readonly_list.first_ran_second_not", (fi.submap >> XENFEAT_pae_pgdir_above_4gb) & 1, 0);
	HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3);

	/* An iret first in the batch: the batch ends there. */
	static struct iret_context ic;
	ic = (struct iret_context){ .rax = 0xabcdef, .rip = (uint64_t)mc_landing, .cs = 0xe030,
		.rflags = 0x2, .rsp = (uint64_t)land_stack + sizeof(land_stack) - 16,
		.ss = FLAT_KERNEL_SS };
	set(0, __HYPERVISOR_iret, 0, 0, 0, 0);
	set(1, __HYPERVISOR_vm_assist, VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3, 0, 0);
	if (ctx_save(&mc_ctx) == 0)
		multicall_on_stack(mc, 2, &ic);
	CHECK_EQ("iret_first.landed_rax", mc_land_rax, 0xabcdef);
	CHECK_EQ("iret_first.result", mc[0].result, 0xabcdef);
	CHECK_EQ("iret_first.rest_not_run", mc[1].result, 0x5a5a5a5aUL);
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK_EQ("iret_first.rest_no_effect", (fi.submap >> XENFEAT_pae_pgdir_above_4gb) & 1, 1);

	/* The same with the iret switching to user mode. */
	CHECK_EQ("user.setup", run_user(simple_user), 5);
	HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)trap_stack + sizeof(trap_stack));
	user_syscall_handler = user_landing_hook;
	ic = (struct iret_context){ .rax = 0x1234, .rip = (uint64_t)user_landing, .cs = FLAT_USER_CS,
		.rflags = 0x202, .rsp = (uint64_t)user_stack + sizeof(user_stack) - 16,
		.ss = FLAT_USER_SS };
	set(0, __HYPERVISOR_iret, 0, 0, 0, 0);
	set(1, __HYPERVISOR_vm_assist, VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3, 0, 0);
	set(2, __HYPERVISOR_console_io, CONSOLEIO_write, 6, (unsigned long)"user!\n", 0);
	long r = ctx_save(&mc_ctx);
	if (r == 0)
		multicall_on_stack(mc, 3, &ic);
	user_syscall_handler = NULL;
	events_disable();
	CHECK_EQ("iret_user_first.back_via_user_syscall", r, 3);
	CHECK_EQ("iret_user_first.rest_not_run", mc[1].result & mc[2].result, 0x5a5a5a5aUL);
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK_EQ("iret_user_first.rest_no_effect", (fi.submap >> XENFEAT_pae_pgdir_above_4gb) & 1, 1);
}
