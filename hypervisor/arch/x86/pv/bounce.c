/*
 * Delivering exceptions, events and system calls into a 64-bit PV guest
 * kernel: the bounce frame (Xen's create_bounce_frame), guest user/kernel
 * mode switching, and the exit path that runs before every return to a
 * guest.
 *
 * Frame on the guest kernel stack, lowest address first (what Linux's
 * xen_asm_exc_* stubs pop): RCX, R11, [error code], RIP, CS (bits 32-39:
 * the saved upcall mask), RFLAGS (IF = virtual IF), RSP, SS.
 */
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/event.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/smp.h>
#include <pvisor/softirq.h>
#include <pvisor/uaccess.h>
#include <pvisor/perfc.h>
#include <pvisor/watchdog.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>
#include <xen/xen.h>

void toggle_guest_mode(struct vcpu *v)
{
    /* Linux PV never runs swapgs itself: the hypervisor swaps the kernel
     * and user GS bases on every mode change. */
    __asm__ __volatile__("swapgs" ::: "memory");
    v->mm.kernel_mode = !v->mm.kernel_mode;
    perfc_incr(PERFC_toggle_mode);
    write_cr3(pv_guest_cr3(v));
    tlb_note_flush();
}

static void create_bounce_frame(struct vcpu *v, struct cpu_regs *regs,
                                const struct trap_bounce *tb)
{
    u64 frame[9];
    unsigned int n = 0;
    unsigned long sp, cs = regs->cs, flags;
    u8 mask = v->vcpu_info->evtchn_upcall_mask;

    if (!v->mm.kernel_mode) {
        toggle_guest_mode(v);
        sp = v->pv.kernel_sp;
    } else {
        sp = regs->rsp;
        cs &= ~3ul;                      /* RPL 0 tells the guest: kernel context */
    }
    flags = (regs->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) | (mask ? 0 : X86_EFLAGS_IF);
    if (v->domain->vm_assist & (1ul << VMASST_TYPE_architectural_iopl))
        flags |= (unsigned long)v->pv.iopl << 12;

    /* lowest address first */
    frame[n++] = regs->rcx;
    frame[n++] = regs->r11;
    if (tb->flags & TBF_EXCEPTION_ERRCODE)
        frame[n++] = tb->error_code;
    frame[n++] = regs->rip;
    frame[n++] = (cs & 0xffff) | ((u64)mask << 32);
    frame[n++] = flags;
    frame[n++] = regs->rsp;
    frame[n++] = regs->ss;
    sp = (sp & ~15ul) - n * 8;
    if (!guest_range_ok(sp, n * 8) || raw_copy_to_guest(sp, frame, n * 8)) {
        domain_crash(v->domain, "cannot write a bounce frame at %#lx (RIP %#lx)",
                     sp, (unsigned long)regs->rip);
        return;
    }
    if (tb->flags & TBF_INTERRUPT)
        v->vcpu_info->evtchn_upcall_mask = 1;
    regs->rip = tb->eip;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->rsp = sp;
    regs->rflags = (regs->rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF |
                                     X86_EFLAGS_VM | X86_EFLAGS_AC | X86_EFLAGS_IOPL)) |
                   X86_EFLAGS_IF;
}

void pv_inject_trap(struct vcpu *v, unsigned int vector, bool has_error, u32 error)
{
    const struct trap_info *ti = &v->pv.trap_ctxt[vector & 0xff];
    struct trap_bounce *tb = &v->pv.trap_bounce;

    tb->flags = TBF_EXCEPTION | (has_error ? TBF_EXCEPTION_ERRCODE : 0);
    if (ti->flags & 4)                   /* interrupt gate: mask events on entry */
        tb->flags |= TBF_INTERRUPT;
    tb->error_code = error;
    tb->vector = (u8)vector;
    tb->eip = ti->address;
}

void pv_inject_page_fault(struct vcpu *v, unsigned long cr2, u32 error)
{
    v->pv.cr2 = cr2;
    v->vcpu_info->arch.cr2 = cr2;
    /* The hardware says "user" because the guest kernel runs in ring 3. */
    if (v->mm.kernel_mode)
        error &= ~PFEC_user;
    else
        error |= PFEC_user;
    pv_inject_trap(v, TRAP_page_fault, true, error);
}

void pv_apply_trap_bounce(struct vcpu *v, struct cpu_regs *regs)
{
    struct trap_bounce *tb = &v->pv.trap_bounce;

    if (!tb->flags)
        return;
    if (!tb->eip) {
        domain_crash(v->domain, "exception %u with no handler in the trap table "
                     "(error %#x, RIP %#lx, CR2 %#lx)", tb->vector, tb->error_code,
                     (unsigned long)regs->rip, v->pv.cr2);
        tb->flags = 0;
        return;
    }
    create_bounce_frame(v, regs, tb);
    tb->flags = 0;
}

/* SYSCALL entry: a hypercall in guest-kernel mode, the guest's own system
 * call in guest-user mode. */
void pv_syscall(struct cpu_regs *regs)
{
    struct vcpu *v = current;

    if (v->mm.kernel_mode) {
        local_irq_enable();
        do_hypercall(regs);
        return;
    }
    unsigned long cb = regs->cs == FLAT_RING3_CS32 ? v->pv.syscall32_callback_eip
                                                    : v->pv.syscall_callback_eip;
    if (!cb) {
        /* No callback: as on hardware with SYSCALL disabled, #UD. */
        regs->rip -= 2;
        pv_inject_trap(v, TRAP_invalid_op, false, 0);
        pv_apply_trap_bounce(v, regs);
        return;
    }
    struct trap_bounce tb = {
        .flags = v->pv.syscall_disables_events ? TBF_INTERRUPT : 0,
        .eip = cb,
    };
    create_bounce_frame(v, regs, &tb);
    regs->rflags &= ~X86_EFLAGS_DF;       /* the handler runs with DF clear (virtual SFMASK) */
    perfc_incr(PERFC_syscall_bounce);
}

/* Everything that must happen before returning to a guest. Returns with
 * interrupts disabled, or not at all (a vCPU switch). */
void pv_exit_to_guest(struct cpu_regs *regs)
{
    for (;;) {
        unsigned int cpu;
        struct vcpu *v;

        local_irq_disable();
        cpu = smp_processor_id();
        v = current;
        /* The common case, nothing to do, in one test (no branch per
         * condition: under TCG each would end a translated block). */
        if (!(softirq_pending(cpu) | (v->pause_flags != 0) | v->pv.nmi_pending |
              (v->vcpu_info->evtchn_upcall_pending & !v->vcpu_info->evtchn_upcall_mask))) {
            watchdog_progress(cpu);
            return;
        }
        if (softirq_pending(cpu)) {
            local_irq_enable();
            do_softirq();
            continue;
        }
        if (v->pause_flags) {
            /* blocked, paused or shut down: must not run */
            raise_softirq(SCHEDULE_SOFTIRQ);
            continue;
        }
        if (v->pv.nmi_pending) {
            /* VCPUOP_send_nmi: through the guest's NMI trap, events masked */
            v->pv.nmi_pending = false;
            if (v->pv.trap_ctxt[TRAP_nmi].address) {
                struct trap_bounce tb = { .flags = TBF_EXCEPTION | TBF_INTERRUPT,
                                          .vector = TRAP_nmi,
                                          .eip = v->pv.trap_ctxt[TRAP_nmi].address };
                create_bounce_frame(v, regs, &tb);
            }
            continue;
        }
        if (v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask &&
            v->pv.event_callback_eip) {
            struct trap_bounce tb = { .flags = TBF_INTERRUPT, .eip = v->pv.event_callback_eip };
            perfc_incr(PERFC_event_upcall);
            create_bounce_frame(v, regs, &tb);
            continue;                    /* the mask is now set: re-check the rest */
        }
        return;
    }
}

/* iretq to the guest faulted on the frame it gave us. */
void pv_iret_fault(struct cpu_regs *regs)
{
    struct vcpu *v = current;

    gprintk(LOG_DEBUG "d%u: bad return frame %04lx:%016lx, delivering #GP\n",
            v->domain->domain_id, (unsigned long)regs->cs & 0xffff, (unsigned long)regs->rip);
    /* the error code the CPU gave for the refused frame (e.g. the SS selector) */
    pv_inject_trap(v, TRAP_gp_fault, true, (u32)get_cpu_info()->spare[1]);
    pv_apply_trap_bounce(v, regs);
}
