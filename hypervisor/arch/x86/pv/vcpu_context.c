/*
 * VCPUOP_initialise: give a down vCPU its first context (how PV Linux
 * brings up secondary CPUs): registers, virtual IDT, callbacks, kernel
 * stack, GDT frames and page tables, all checked like the equivalent
 * hypercalls.  The caller holds the domain's vcpu_ctx_lock (so two
 * initialisations of one vCPU, or one and register_vcpu_info, cannot both
 * take references) and turns -ERESTART into a continuation.
 */
#include <pvisor/pv.h>
#include <pvisor/compiler.h>
#include <pvisor/pv_mm.h>
#include <pvisor/hypercall.h>
#include <pvisor/uaccess.h>
#include <asm/regs.h>
#include <pvisor/page_alloc.h>
#include <string.h>

static bool canonical(unsigned long va)
{
    return (long)(va << 16) >> 16 == (long)va;
}

long pv_vcpu_initialise(struct vcpu *v, unsigned long arg)
{
    struct vcpu_guest_context *c;
    struct mm_env *env = arch_mm_env();
    long rc;
    unsigned long l4;

    if (v == current || v->pv.initialised)
        return -XEN_EEXIST;
    c = alloc_xenheap_pages(1);
    BUILD_BUG_ON(sizeof(*c) > 2 * PAGE_SIZE);
    if (!c)
        return -XEN_ENOMEM;
    if (copy_from_guest(c, arg, sizeof(*c))) {
        rc = -XEN_EFAULT;
        goto out;
    }
    rc = -XEN_EINVAL;
    if (!canonical(c->user_regs.rip) || !canonical(c->user_regs.rsp) ||
        !canonical(c->event_callback_eip) || !canonical(c->failsafe_callback_eip) ||
        !canonical(c->syscall_callback_eip) || !canonical(c->fs_base) ||
        !canonical(c->gs_base_kernel) || !canonical(c->gs_base_user) ||
        c->gdt_ents > FIRST_RESERVED_GDT_PAGE * 512)
        goto out;
    for (unsigned i = 0; i < 256; i++)
        if (c->trap_ctxt[i].address && !canonical(c->trap_ctxt[i].address))
            goto out;

    /* Kernel page tables: an L4 of the domain (xen_pfn_to_cr3 encoding). */
    l4 = c->ctrlreg[3] >> PAGE_SHIFT;
    if (!mfn_valid(l4) || !mm_get_page(env, l4, &v->domain->mm))
        goto out;
    rc = mm_get_type(env, &current->mm, l4, PGT_L4, 0);
    if (rc) {
        /* Preempted validation: the L4 stays parked (its parked state
         * keeps it alive) and the caller continues the hypercall. */
        mm_put_page(env, l4);
        if (rc != -XEN_ERESTART)
            rc = -XEN_EINVAL;
        goto out;
    }
    rc = -XEN_EINVAL;
    if (c->gdt_ents) {
        rc = mm_do_set_gdt(env, &v->mm, arg + __builtin_offsetof(struct vcpu_guest_context, gdt_frames),
                           (unsigned int)c->gdt_ents);
        if (rc) {
            mm_put_type(env, &v->mm, l4, 0);
            mm_put_page(env, l4);
            goto out;
        }
    }
    v->mm.guest_table = l4;
    pv_l4_fill_m2p(l4);
    v->mm.kernel_mode = true;

    memset(&v->regs, 0, sizeof(v->regs));
    v->regs.r15 = c->user_regs.r15; v->regs.r14 = c->user_regs.r14;
    v->regs.r13 = c->user_regs.r13; v->regs.r12 = c->user_regs.r12;
    v->regs.rbp = c->user_regs.rbp; v->regs.rbx = c->user_regs.rbx;
    v->regs.r11 = c->user_regs.r11; v->regs.r10 = c->user_regs.r10;
    v->regs.r9 = c->user_regs.r9; v->regs.r8 = c->user_regs.r8;
    v->regs.rax = c->user_regs.rax; v->regs.rcx = c->user_regs.rcx;
    v->regs.rdx = c->user_regs.rdx; v->regs.rsi = c->user_regs.rsi;
    v->regs.rdi = c->user_regs.rdi;
    v->regs.rip = c->user_regs.rip;
    v->regs.rsp = c->user_regs.rsp;
    v->regs.cs = FLAT_KERNEL_CS;
    v->regs.ss = FLAT_KERNEL_SS;
    v->regs.rflags = (c->user_regs.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
                     X86_EFLAGS_IF | X86_EFLAGS_MBS;
    v->pv.iopl = (c->user_regs.rflags >> 12) & 3;
    memcpy(v->pv.trap_ctxt, c->trap_ctxt, sizeof(v->pv.trap_ctxt));
    v->pv.kernel_ss = c->kernel_ss;
    v->pv.kernel_sp = c->kernel_sp;
    v->pv.event_callback_eip = c->event_callback_eip;
    v->pv.failsafe_callback_eip = c->failsafe_callback_eip;
    v->pv.syscall_callback_eip = c->syscall_callback_eip;
    v->pv.failsafe_disables_events = c->flags & VGCF_failsafe_disables_events;
    v->pv.syscall_disables_events = c->flags & VGCF_syscall_disables_events;
    v->pv.fs_base = c->fs_base;
    v->pv.gs_base_kernel = c->gs_base_kernel;
    v->pv.gs_base_user = c->gs_base_user;
    v->pv.ds = v->pv.es = v->pv.fs = v->pv.gs = 0;
    pv_gdt_remap(v);
    /* Last, and published: VCPUOP_up on another vCPU may run it at once. */
    __atomic_store_n(&v->pv.initialised, true, __ATOMIC_RELEASE);
    rc = 0;
out:
    free_xenheap_pages(c, 1);
    return rc;
}
