/*
 * The small per-vCPU state hypercalls of a PV kernel: virtual IDT
 * (set_trap_table), callbacks, kernel stack (stack_switch), virtual TS
 * (fpu_taskswitch), segment bases, debug registers, and iret, the only
 * way from guest kernel to guest user mode.
 */
#include <pvisor/hypercall.h>
#include <pvisor/pv.h>
#include <pvisor/pv_emul.h>
#include <pvisor/printk.h>
#include <pvisor/guest_access.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>
#include <string.h>
#include <xen/callback.h>

static bool canonical(unsigned long va)
{
    return (long)(va << 16) >> 16 == (long)va;
}

long do_set_trap_table(XEN_GUEST_HANDLE_PARAM(const_trap_info_t) traps)
{
    struct vcpu *v = current;
    struct trap_info cur;

    /* No table: clear the whole virtual IDT. */
    if (guest_handle_is_null(traps)) {
        memset(v->pv.trap_ctxt, 0, sizeof(v->pv.trap_ctxt));
        return 0;
    }
    for (;;) {
        if (copy_from_guest(&cur, traps, 1))
            return -XEN_EFAULT;
        if (!cur.address)
            return 0;
        if (!canonical(cur.address))
            return -XEN_EINVAL;
        v->pv.trap_ctxt[cur.vector] = cur;
        guest_handle_add_offset(traps, 1);
        if (hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_set_trap_table, 1,
                                                 guest_handle_va(traps));
    }
}

long do_stack_switch(unsigned long ss, unsigned long esp)
{
    struct vcpu *v = current;

    /* a null or ring-0 selector would fault on the next bounce: force RPL 3 */
    if ((ss & ~3ul) && (ss & 3) != 3)
        ss |= 3;
    v->pv.kernel_ss = ss & 0xffff;
    v->pv.kernel_sp = esp;
    return 0;
}

static long register_callback(const struct callback_register *reg)
{
    struct vcpu *v = current;

    if (!canonical(reg->address))
        return -XEN_EINVAL;
    switch (reg->type) {
    case CALLBACKTYPE_event:
        v->pv.event_callback_eip = reg->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        v->pv.failsafe_callback_eip = reg->address;
        v->pv.failsafe_disables_events = reg->flags & CALLBACKF_mask_events;
        return 0;
    case CALLBACKTYPE_syscall:
        v->pv.syscall_callback_eip = reg->address;
        v->pv.syscall_disables_events = reg->flags & CALLBACKF_mask_events;
        return 0;
    case CALLBACKTYPE_syscall32:
        v->pv.syscall32_callback_eip = reg->address;
        return 0;
    case CALLBACKTYPE_sysenter:
        return 0;                    /* accepted, never used: no SYSENTER entry */
    case CALLBACKTYPE_nmi:
        v->pv.nmi_callback_eip = reg->address;
        return 0;
    }
    return -XEN_ENOSYS;
}

static long unregister_callback(const struct callback_unregister *unreg)
{
    switch (unreg->type) {
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_syscall:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
        return -XEN_EINVAL;          /* these cannot be unregistered */
    case CALLBACKTYPE_nmi:
        current->pv.nmi_callback_eip = 0;
        return 0;
    }
    return -XEN_ENOSYS;
}

long do_callback_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(const_void) arg)
{
    switch (cmd) {
    case CALLBACKOP_register: {
        struct callback_register reg;
        if (copy_from_guest(&reg, guest_handle_cast(arg, const_callback_register_t), 1))
            return -XEN_EFAULT;
        return register_callback(&reg);
    }
    case CALLBACKOP_unregister: {
        struct callback_unregister unreg;
        if (copy_from_guest(&unreg, guest_handle_cast(arg, const_callback_unregister_t), 1))
            return -XEN_EFAULT;
        return unregister_callback(&unreg);
    }
    }
    return -XEN_ENOSYS;
}

long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall)
{
    struct callback_register e = { .type = CALLBACKTYPE_event, .address = event };
    struct callback_register f = { .type = CALLBACKTYPE_failsafe, .address = failsafe };
    struct callback_register s = { .type = CALLBACKTYPE_syscall, .address = syscall };

    register_callback(&e);
    register_callback(&f);
    register_callback(&s);
    return 0;
}

long do_fpu_taskswitch(unsigned long set)
{
    struct vcpu *v = current;

    v->pv.fpu_ts = set != 0;
    if (v->pv.fpu_ts)
        write_cr0(read_cr0() | CR0_TS);
    else
        __asm__ __volatile__("clts");
    return 0;
}

long do_set_segment_base(unsigned long which, unsigned long base)
{
    switch ((unsigned int)which) {
    case SEGBASE_FS:
        if (!canonical(base))
            return -XEN_EINVAL;
        wrmsr(MSR_FS_BASE, base);
        return 0;
    case SEGBASE_GS_USER:
        if (!canonical(base))
            return -XEN_EINVAL;
        wrmsr(MSR_SHADOW_GS_BASE, base);    /* kernel mode: user GS is the inactive one */
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!canonical(base))
            return -XEN_EINVAL;
        wrmsr(MSR_GS_BASE, base);
        return 0;
    case SEGBASE_GS_USER_SEL: {
        /* Load the user %gs selector without touching the kernel GS base:
         * swap, load (a bad selector loads null instead), swap back. */
        unsigned int sel = base & 0xffff;
        sel = (sel & ~3u) ? (sel | 3) : 0;
        __asm__ __volatile__("swapgs\n"
                             "1: movl %k0, %%gs\n2:\n"
                             ".pushsection .text.fixup, \"ax\"\n"
                             "3: xorl %k0, %k0\n jmp 1b\n"
                             ".popsection\n"
                             _ASM_EXTABLE(1b, 3b)
                             "swapgs\n"
                             : "+r"(sel) :: "memory");
        return 0;
    }
    }
    return -XEN_EINVAL;
}

long do_set_debugreg(unsigned long reg, unsigned long value)
{
    return pv_set_debugreg(current, (unsigned int)reg, value);
}

long do_get_debugreg(unsigned long reg)
{
    if (reg > 7)
        return -XEN_ENODEV;      /* Xen 4.17's value (its header promises -EINVAL) */
    return (long)pv_get_debugreg(current, (unsigned int)reg);
}

long do_iret(void)
{
    struct vcpu *v = current;
    struct cpu_regs *regs = guest_regs();
    struct iret_context ic;

    /* The frame is on the guest's stack (the ABI passes no pointer): raw VA. */
    if (copy_from_guest_va(&ic, regs->rsp, sizeof(ic))) {
        domain_crash(v->domain, "iret frame at %#lx is not readable", (unsigned long)regs->rsp);
        return 0;
    }
    if ((ic.cs & 3) == 3) {
        if (!v->mm.guest_table_user) {
            domain_crash(v->domain, "iret to user mode without user page tables");
            return 0;
        }
        toggle_guest_mode(v);
    }
    if (v->domain->vm_assist & (1ul << VMASST_TYPE_architectural_iopl))
        v->pv.iopl = (ic.rflags >> 12) & 3;
    regs->rip = ic.rip;
    regs->cs = ic.cs | 3;
    regs->rflags = (ic.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF;
    regs->rsp = ic.rsp;
    regs->ss = ic.ss | 3;
    if (!(ic.flags & VGCF_in_syscall)) {
        regs->r11 = ic.r11;
        regs->rcx = ic.rcx;
    } else {
        /* returned as by SYSRET: RCX and R11 carry RIP and RFLAGS */
        regs->rcx = regs->rip;
        regs->r11 = regs->rflags;
    }
    /* Re-enable events atomically with the return, from the saved IF. */
    v->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
    regs->rax = ic.rax;
    return (long)ic.rax;
}
