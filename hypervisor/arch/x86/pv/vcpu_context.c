/*
 * A vCPU's guest context (struct vcpu_guest_context) in and out, with
 * Xen 4.17's arch_set_info_guest checks shared by both ways in:
 * VCPUOP_initialise (how PV Linux brings up secondary CPUs) and domctl
 * setvcpucontext (how a toolstack starts a domain it built).
 *
 * Callers serialise on the domain's vcpu_ctx_lock (two initialisations of
 * one vCPU, or one and register_vcpu_info, cannot both take references)
 * and turn -ERESTART into a continuation.
 */
#include <pvisor/pv.h>
#include <pvisor/compiler.h>
#include <pvisor/pv_mm.h>
#include <pvisor/hypercall.h>
#include <pvisor/guest_access.h>
#include <pvisor/sched.h>
#include <pvisor/printk.h>
#include <asm/vcpu_context.h>
#include <asm/regs.h>
#include <asm/desc.h>
#include <pvisor/page_alloc.h>
#include <string.h>

static bool canonical(unsigned long va)
{
    return (long)(va << 16) >> 16 == (long)va;
}

/* Xen's __addr_ok: below the canonical hole or above the hypervisor. */
static bool guest_addr_ok(unsigned long va)
{
    return va < (1ul << 47) || va >= 0xffff880000000000ul;
}

/* A kernel selector with RPL 0 becomes RPL 3 (the PV kernel's ring), as
 * Xen fixes it up rather than refusing it. */
static void fixup_selector(u16 *sel)
{
    if ((*sel & 3) != 3)
        *sel |= 3;
}

/* One line per refused context (rate limited: the caller may be hostile). */
static long refuse(const struct vcpu *v, const char *why, unsigned long val)
{
    gprintk(LOG_INFO "d%u: context for d%uv%u refused (%d): %s [%#lx]\n",
            current->domain->domain_id, v->domain->domain_id, v->vcpu_id, -XEN_EINVAL, why, val);
    return -XEN_EINVAL;
}

/* Xen's checks of a 64-bit PV context; selectors are fixed up in place.
 * 0 or -EINVAL. */
static long context_check(const struct vcpu *v, struct vcpu_guest_context *c)
{
    static const struct { const char *name; size_t off; } addrs[] = {
#define A(f) { #f, __builtin_offsetof(struct vcpu_guest_context, f) }
        A(user_regs.rip), A(user_regs.rsp), A(kernel_sp), A(fs_base), A(gs_base_kernel),
        A(gs_base_user), A(event_callback_eip), A(syscall_callback_eip),
        A(failsafe_callback_eip),
#undef A
    };

    for (unsigned int i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        unsigned long va = *(const unsigned long *)((const char *)c + addrs[i].off);

        if (!canonical(va))
            return refuse(v, addrs[i].name, va);
    }
    if (c->ldt_ents && !canonical(c->ldt_base))
        return refuse(v, "ldt_base", c->ldt_base);
    fixup_selector(&c->user_regs.ss);
    fixup_selector((u16 *)&c->kernel_ss);
    fixup_selector(&c->user_regs.cs);
    for (unsigned int i = 0; i < 256; i++) {
        if (!canonical(c->trap_ctxt[i].address))
            return refuse(v, "trap handler", c->trap_ctxt[i].address);
        fixup_selector(&c->trap_ctxt[i].cs);
    }
    if (!guest_addr_ok(c->ldt_base) || (c->ldt_base & (PAGE_SIZE - 1)))
        return refuse(v, "LDT base", c->ldt_base);
    if (c->ldt_ents > 8192)
        return refuse(v, "LDT size", c->ldt_ents);
    if (v->vcpu_id == 0 && (c->vm_assist & ~PV_VM_ASSIST_VALID))
        return refuse(v, "vm_assist", c->vm_assist);
    if ((c->gdt_ents + 511) / 512 > 16)
        return refuse(v, "GDT size", c->gdt_ents);
    /* A vCPU starting in user mode needs user page tables. */
    if (!v->pv.initialised && !(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
        return refuse(v, "user mode without user page tables", c->flags);
    return 0;
}

/* The registers and callbacks a context sets on an initialised vCPU too. */
static void context_load_regs(struct vcpu *v, const struct vcpu_guest_context *c)
{
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
    /* The PV kernel runs on the flat ring-3 selectors whatever the context
     * names (an arbitrary selector would fault the exit path). */
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
    v->pv.vgc_flags = c->flags;
    v->pv.fs_base = c->fs_base;
    v->pv.gs_base_kernel = c->gs_base_kernel;
    v->pv.gs_base_user = c->gs_base_user;
    v->pv.ds = v->pv.es = v->pv.fs = v->pv.gs = 0;
}

/* Take a root-table type on the domain's frame cr3 names; -EINVAL when the
 * domain does not own it or it is no valid L4, -ERESTART when validation
 * stopped (the L4 stays parked; its parked state keeps it alive). */
static long get_root_table(struct vcpu *v, unsigned long l4)
{
    struct mm_env *env = arch_mm_env();
    long rc;

    if (!mfn_valid(l4) || !mm_get_page(env, l4, &v->domain->mm))
        return refuse(v, "page tables not the domain's", l4);
    rc = mm_get_type(env, &current->mm, l4, PGT_L4, 0);
    if (rc) {
        mm_put_page(env, l4);
        return rc == -XEN_ERESTART ? rc : -XEN_EINVAL;
    }
    return 0;
}

static void put_root_table(struct vcpu *v, unsigned long l4)
{
    struct mm_env *env = arch_mm_env();

    mm_put_type(env, &v->mm, l4, 0);
    mm_put_page(env, l4);
}

long arch_set_info_guest(struct vcpu *v, struct vcpu_guest_context *c)
{
    struct mm_env *env = arch_mm_env();
    unsigned long l4 = c->ctrlreg[3] >> PAGE_SHIFT, ul4 = c->ctrlreg[1] >> PAGE_SHIFT;
    long rc = context_check(v, c);

    if (rc)
        return rc;
    if (v->pv.initialised) {
        /* Only the registers may change: page tables and descriptor
         * tables must be the ones the vCPU has (Xen: -EOPNOTSUPP). */
        bool differ = v->mm.guest_table != l4 || v->mm.guest_table_user != ul4 ||
                      (!v->mm.guest_table_user && !(c->flags & VGCF_in_kernel)) ||
                      v->mm.gdt_ents != c->gdt_ents || v->mm.ldt_ents != c->ldt_ents ||
                      (v->mm.ldt_ents && v->mm.ldt_base != c->ldt_base);
        for (unsigned int i = 0; !differ && i < (c->gdt_ents + 511) / 512; i++)
            differ = v->mm.gdt_frames[i] != c->gdt_frames[i];
        if (differ)
            return -XEN_EOPNOTSUPP;
        context_load_regs(v, c);
        goto online;
    }

    /* Xen's order: the GDT frames, then the page tables. */
    if (c->gdt_ents) {
        /* From the copy context_check() saw, not from guest memory again. */
        rc = mm_set_gdt_frames(env, &v->mm, c->gdt_frames, (unsigned int)c->gdt_ents);
        if (rc)
            return rc;
    }
    rc = get_root_table(v, l4);
    if (!rc && ul4) {
        rc = get_root_table(v, ul4);
        if (rc)
            put_root_table(v, l4);
    }
    if (rc) {
        if (c->gdt_ents)
            mm_set_gdt_frames(env, &v->mm, NULL, 0);   /* give the frames back */
        return rc;
    }
    if (v->vcpu_id == 0)
        v->domain->vm_assist = c->vm_assist;
    v->mm.ldt_base = c->ldt_ents ? c->ldt_base : 0;
    v->mm.ldt_ents = c->ldt_ents;
    v->mm.guest_table = l4;
    v->mm.guest_table_user = ul4;
    pv_l4_fill_m2p(l4);
    v->mm.kernel_mode = true;
    context_load_regs(v, c);
    pv_gdt_remap(v);
    /* Last, and published: VCPUOP_up on another vCPU may run it at once. */
    __atomic_store_n(&v->pv.initialised, true, __ATOMIC_RELEASE);
online:
    /* The toolstack brings a vCPU up with VGCF_online (Xen's VPF_down). */
    if (v->domain != current->domain) {
        if (c->flags & VGCF_online)
            vcpu_unpause_flags(v, VPF_down);
        else
            vcpu_pause_flags(v, VPF_down);
    }
    return 0;
}

long pv_vcpu_initialise(struct vcpu *v, XEN_GUEST_HANDLE(vcpu_guest_context_t) arg)
{
    struct vcpu_guest_context *c;
    long rc;

    if (v == current || v->pv.initialised)
        return -XEN_EEXIST;
    c = alloc_xenheap_pages(1);
    BUILD_BUG_ON(sizeof(*c) > 2 * PAGE_SIZE);
    if (!c)
        return -XEN_ENOMEM;
    rc = copy_from_guest(c, arg, 1) ? -XEN_EFAULT : arch_set_info_guest(v, c);
    free_xenheap_pages(c, 1);
    return rc;
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
    return __atomic_load_n(&v->pv.initialised, __ATOMIC_ACQUIRE);
}

void arch_get_info_guest(struct vcpu *v, struct vcpu_guest_context *c)
{
    memset(c, 0, sizeof(*c));
    c->flags = v->pv.vgc_flags & ~(VGCF_i387_valid | VGCF_in_kernel);
    if (v->pv.fpu_initialised)
        c->flags |= VGCF_i387_valid;
    if (!(v->pause_flags & VPF_down))
        c->flags |= VGCF_online;
    if (v->mm.kernel_mode)
        c->flags |= VGCF_in_kernel;
    c->user_regs.r15 = v->regs.r15; c->user_regs.r14 = v->regs.r14;
    c->user_regs.r13 = v->regs.r13; c->user_regs.r12 = v->regs.r12;
    c->user_regs.rbp = v->regs.rbp; c->user_regs.rbx = v->regs.rbx;
    c->user_regs.r11 = v->regs.r11; c->user_regs.r10 = v->regs.r10;
    c->user_regs.r9 = v->regs.r9; c->user_regs.r8 = v->regs.r8;
    c->user_regs.rax = v->regs.rax; c->user_regs.rcx = v->regs.rcx;
    c->user_regs.rdx = v->regs.rdx; c->user_regs.rsi = v->regs.rsi;
    c->user_regs.rdi = v->regs.rdi;
    c->user_regs.rip = v->regs.rip;
    c->user_regs.rsp = v->regs.rsp;
    c->user_regs.cs = (u16)v->regs.cs;
    c->user_regs.ss = (u16)v->regs.ss;
    /* IOPL is virtual: merged back as Xen does. */
    c->user_regs.rflags = (v->regs.rflags & ~X86_EFLAGS_IOPL) | ((unsigned long)v->pv.iopl << 12);
    memcpy(c->trap_ctxt, v->pv.trap_ctxt, sizeof(c->trap_ctxt));
    c->ldt_base = v->mm.ldt_ents ? v->mm.ldt_base : 0;
    c->ldt_ents = v->mm.ldt_ents;
    for (unsigned int i = 0; i < MM_GDT_FRAMES && i < 16; i++)
        c->gdt_frames[i] = v->mm.gdt_frames[i];
    c->gdt_ents = v->mm.gdt_ents;
    c->kernel_ss = v->pv.kernel_ss;
    c->kernel_sp = v->pv.kernel_sp;
    c->ctrlreg[3] = (unsigned long)v->mm.guest_table << PAGE_SHIFT;
    c->ctrlreg[1] = (unsigned long)v->mm.guest_table_user << PAGE_SHIFT;
    c->event_callback_eip = v->pv.event_callback_eip;
    c->failsafe_callback_eip = v->pv.failsafe_callback_eip;
    c->syscall_callback_eip = v->pv.syscall_callback_eip;
    c->fs_base = v->pv.fs_base;
    c->gs_base_kernel = v->pv.gs_base_kernel;
    c->gs_base_user = v->pv.gs_base_user;
    for (unsigned int i = 0; i < 8; i++)
        c->debugreg[i] = v->pv.debugreg[i];
    c->vm_assist = v->domain->vm_assist;
}
