/*
 * Exceptions taken while a PV guest runs (CPL 3): decide whether the
 * hypervisor handles them (privileged-instruction emulation, forced CPUID,
 * writable page tables, the virtual FPU switch, software interrupts) or
 * bounces them to the guest kernel's handler.
 */
#include <pvisor/pv.h>
#include <pvisor/pv_emul.h>
#include <pvisor/pv_traps.h>
#include <pvisor/pv_mm.h>
#include <pvisor/printk.h>
#include <pvisor/uaccess.h>
#include <pvisor/perfc.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>

static bool vector_has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

static void bounce(struct vcpu *v, struct cpu_regs *regs, unsigned int vector,
                   bool has_err, u32 err)
{
    pv_inject_trap(v, vector, has_err, err);
    pv_apply_trap_bounce(v, regs);
}

/*
 * `int $n` reaches us as #GP because only vectors 3 and 4 have DPL-3 gates
 * in the real IDT. Decode the instruction rather than trusting the error
 * code (QEMU before 8.0 reports it wrongly in long mode), then apply the
 * guest's own DPL from its trap table: kernel mode needs DPL >= 1, user
 * mode DPL 3.
 */
static bool soft_int(struct vcpu *v, struct cpu_regs *regs)
{
    u8 insn[2];
    unsigned int n, dpl;

    if (copy_from_guest_va(insn, regs->rip, 2) || insn[0] != 0xcd)   /* instruction bytes: raw VA */
        return false;
    n = insn[1];
    dpl = v->pv.trap_ctxt[n].flags & 3;
    if (n == 0x80)
        dpl = 3;       /* as Xen's int80 path: the guest's DPL for 0x80 is not checked */
    if (dpl < (v->mm.kernel_mode ? 1u : 3u) || !v->pv.trap_ctxt[n].address) {
        bounce(v, regs, TRAP_gp_fault, true, (n << 3) | 2);
        return true;
    }
    regs->rip += 2;
    bounce(v, regs, n, false, 0);
    return true;
}

bool pv_handle_guest_trap(struct cpu_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vec = regs->entry_vector;
    u32 err = regs->error_code;

    if (is_idle_vcpu(v))
        return false;
    perfc_incr(PERFC_trap_base + (vec & 31));
    local_irq_enable();
    switch (vec) {
    case TRAP_page_fault: {
        unsigned long cr2 = read_cr2();
        if (pv_mm_page_fault(v, regs, cr2, err))
            return true;
        pv_inject_page_fault(v, cr2, err);
        pv_apply_trap_bounce(v, regs);
        return true;
    }
    case TRAP_gp_fault:
        if (err == 0 && pv_emulate_privileged_op(v, regs))
            return true;
        if (soft_int(v, regs))
            return true;
        bounce(v, regs, vec, true, err);
        return true;
    case TRAP_invalid_op:
        if (pv_emulate_forced_cpuid(v, regs))
            return true;
        bounce(v, regs, vec, false, 0);
        return true;
    case TRAP_no_device:
        /* The guest set TS with fpu_taskswitch: give it the FPU back and
         * let its #NM handler restore the state it wants. */
        __asm__ __volatile__("clts");
        if (v->pv.fpu_ts) {
            v->pv.fpu_ts = false;
            bounce(v, regs, vec, false, 0);
        }
        return true;
    case TRAP_debug: {
        unsigned long dr6;
        __asm__ __volatile__("mov %%db6, %0" : "=r"(dr6));
        v->pv.debugreg[6] = dr6;
        __asm__ __volatile__("mov %0, %%db6" :: "r"(0xffff0ff0ul));
        bounce(v, regs, vec, false, 0);
        return true;
    }
    default:
        bounce(v, regs, vec, vector_has_error_code(vec), err);
        return true;
    }
}
