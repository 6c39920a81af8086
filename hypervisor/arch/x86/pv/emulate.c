/*
 * Privileged-instruction emulation for PV guests. A guest kernel runs in
 * ring 3, so rdmsr/wrmsr, moves to and from control and debug registers,
 * clts, wbinvd and port I/O raise #GP(0); the ones the PV ABI allows are
 * decoded here and performed against the vCPU's virtual state, by policy.
 * Anything else is bounced to the guest as the #GP it was.
 */
#include <pvisor/pv_emul.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/printk.h>
#include <pvisor/guest_access.h>
#include <pvisor/perfc.h>
#include <pvisor/xstate.h>
#include <pvisor/ioport.h>
#include <asm/processor.h>
#include <asm/regs.h>
#include <asm/traps.h>
#include <asm/io.h>

struct insn {
    u8 bytes[16];
    unsigned int len;          /* bytes fetched */
    unsigned int pos;          /* decode position */
    bool opsize16, rep, rex_w, rex_r, rex_b;
};

static u64 *gpr(struct cpu_regs *regs, unsigned int n)
{
    switch (n & 15) {
    case 0: return &regs->rax;
    case 1: return &regs->rcx;
    case 2: return &regs->rdx;
    case 3: return &regs->rbx;
    case 4: return &regs->rsp;
    case 5: return &regs->rbp;
    case 6: return &regs->rsi;
    case 7: return &regs->rdi;
    case 8: return &regs->r8;
    case 9: return &regs->r9;
    case 10: return &regs->r10;
    case 11: return &regs->r11;
    case 12: return &regs->r12;
    case 13: return &regs->r13;
    case 14: return &regs->r14;
    default: return &regs->r15;
    }
}

static bool fetch(struct cpu_regs *regs, struct insn *in)
{
    /* The instruction may end near a page boundary: fetch what we can. */
    in->len = 0;
    for (unsigned n = 15; n >= 1; n--) {
        /* Raw VA: the guest's instruction at its RIP, not a hypercall argument. */
        if (!copy_from_guest_va(in->bytes, regs->rip, n)) {
            in->len = n;
            break;
        }
    }
    return in->len > 0;
}

static bool next_byte(struct insn *in, u8 *b)
{
    if (in->pos >= in->len)
        return false;
    *b = in->bytes[in->pos++];
    return true;
}

/* Virtual IOPL check (Xen's iopl_ok): CPL <= IOPL, where the guest kernel
 * counts as ring 1, or as ring 0 (always allowed) once it asked for
 * VMASST_TYPE_architectural_iopl. */
static bool iopl_ok(const struct vcpu *v)
{
    unsigned int cpl = 3;

    if (v->mm.kernel_mode)
        cpl = (v->domain->vm_assist & (1ul << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
    return v->pv.iopl >= cpl;
}

static bool io_bitmap_ok(struct vcpu *v, unsigned int port, unsigned int bytes)
{
    u8 b[2];
    u16 bits;

    if (guest_handle_is_null(v->pv.iobmp) || port + bytes > v->pv.iobmp_limit)
        return false;
    if (copy_from_guest_offset(b, v->pv.iobmp, port >> 3, 2))
        return false;
    bits = (u16)(b[0] | (b[1] << 8));
    return !((bits >> (port & 7)) & ((1u << bytes) - 1));
}

static bool port_io(struct vcpu *v, struct cpu_regs *regs, u8 op, struct insn *in)
{
    unsigned int bytes = (op & 1) ? (in->opsize16 ? 2 : 4) : 1;
    unsigned int port;
    u8 imm;
    bool is_in = !(op & 2);

    if (op == 0xe4 || op == 0xe5 || op == 0xe6 || op == 0xe7) {
        if (!next_byte(in, &imm))
            return false;
        port = imm;
    } else {
        port = regs->rdx & 0xffff;
    }
    if (!iopl_ok(v) && !io_bitmap_ok(v, port, bytes))
        return false;
    perfc_port(port);
    if (is_in) {
        u32 val = ioport_guest_read(v->domain, port, bytes);
        u64 mask = bytes == 4 ? 0xffffffffull : (1ull << (bytes * 8)) - 1;
        if (bytes == 4)
            regs->rax = val;                       /* 32-bit writes zero-extend */
        else
            regs->rax = (regs->rax & ~mask) | (val & mask);
    } else {
        ioport_guest_write(v->domain, port, bytes, (u32)regs->rax);
    }
    return true;
}

static bool read_cr(struct vcpu *v, unsigned int cr, u64 *val)
{
    switch (cr) {
    case 0:
        *val = (read_cr0() & ~(unsigned long)CR0_TS) | CR0_AM | (v->pv.fpu_ts ? CR0_TS : 0);
        return true;
    case 2:
        *val = v->pv.cr2;
        return true;
    case 3:
        *val = pv_guest_cr3(v);
        return true;
    case 4:
        *val = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (v->pv.cr4_osxsave ? CR4_OSXSAVE : 0);
        return true;
    }
    return false;
}

static bool write_cr(struct vcpu *v, unsigned int cr, u64 val)
{
    u64 cur;

    switch (cr) {
    case 0:
        /* Only TS may change (the virtual fpu_taskswitch). */
        read_cr(v, 0, &cur);
        if ((val ^ cur) & ~(u64)CR0_TS)
            return false;
        v->pv.fpu_ts = !!(val & CR0_TS);
        if (v->pv.fpu_ts)
            write_cr0(read_cr0() | CR0_TS);
        else
            __asm__ __volatile__("clts");
        return true;
    case 2:
        v->pv.cr2 = val;
        return true;
    case 3:
        /* Reloading the current base pointer flushes the TLB; switching
         * tables goes through MMUEXT_NEW_BASEPTR. */
        read_cr(v, 3, &cur);
        if (val != cur)
            return false;
        write_cr3(read_cr3());
        tlb_note_flush();
        return true;
    case 4:
        /* only OSXSAVE may change (Linux turns it on before XSETBV) */
        read_cr(v, 4, &cur);
        if ((val ^ cur) & ~(u64)CR4_OSXSAVE)
            return false;
        if ((val & CR4_OSXSAVE) && !xstate_guest_mask)
            return false;
        v->pv.cr4_osxsave = !!(val & CR4_OSXSAVE);
        return true;
    }
    return false;
}

bool pv_emulate_privileged_op(struct vcpu *v, struct cpu_regs *regs)
{
    struct insn in = { 0 };
    u8 op, b, modrm;
    u64 val;

    if (!fetch(regs, &in))
        return false;
    for (;;) {
        if (!next_byte(&in, &op))
            return false;
        if (op == 0x66) { in.opsize16 = true; continue; }
        if (op == 0xf3 || op == 0xf2) { in.rep = true; continue; }
        if (op == 0x2e || op == 0x36 || op == 0x3e || op == 0x26 || op == 0x64 || op == 0x65)
            continue;
        break;
    }
    if ((op & 0xf0) == 0x40) {                      /* REX */
        in.rex_w = op & 8;
        in.rex_r = op & 4;
        in.rex_b = op & 1;
        if (!next_byte(&in, &op))
            return false;
    }
    switch (op) {
    case 0xe4: case 0xe5: case 0xec: case 0xed:
    case 0xe6: case 0xe7: case 0xee: case 0xef:
        if (in.rep || !port_io(v, regs, op, &in))
            return false;
        goto done;
    case 0xfa:                                      /* cli */
    case 0xfb:                                      /* sti */
        /* with a virtual IOPL Xen treats these as no-ops (events are
         * masked through vcpu_info, never through EFLAGS.IF) */
        if (!iopl_ok(v))
            return false;
        goto done;
    case 0x0f:
        break;
    default:
        return false;
    }
    if (!next_byte(&in, &b))
        return false;
    /* Everything below is for the guest kernel only. */
    if (!v->mm.kernel_mode)
        return false;
    switch (b) {
    case 0x01:                                      /* 0f 01 d1: xsetbv */
        if (!next_byte(&in, &modrm) || modrm != 0xd1)
            return false;
        if (!v->pv.cr4_osxsave) {
            /* as the hardware: XSETBV with CR4.OSXSAVE clear is #UD */
            pv_inject_trap(v, TRAP_invalid_op, false, 0);
            pv_apply_trap_bounce(v, regs);
            return true;
        }
        if (xstate_set_xcr0(v, (u32)regs->rcx, ((regs->rdx & 0xffffffff) << 32) | (regs->rax & 0xffffffff)))
            return false;
        goto done;
    case 0x06:                                      /* clts */
        v->pv.fpu_ts = false;
        __asm__ __volatile__("clts");
        goto done;
    case 0x09:                                      /* wbinvd */
        if (v->domain->is_privileged)
            wbinvd();
        goto done;
    case 0x30:                                      /* wrmsr */
        if (pv_wrmsr(v, (u32)regs->rcx, ((regs->rdx & 0xffffffff) << 32) | (regs->rax & 0xffffffff)))
            return false;
        goto done;
    case 0x32:                                      /* rdmsr */
        if (pv_rdmsr(v, (u32)regs->rcx, &val))
            return false;
        regs->rax = (u32)val;
        regs->rdx = val >> 32;
        goto done;
    case 0x20: case 0x22: case 0x21: case 0x23: {   /* mov to/from cr/dr */
        unsigned int reg, nr;
        if (!next_byte(&in, &modrm) || (modrm >> 6) != 3)
            return false;
        nr = ((modrm >> 3) & 7) | (in.rex_r ? 8 : 0);
        reg = (modrm & 7) | (in.rex_b ? 8 : 0);
        if (b == 0x20) {
            if (!read_cr(v, nr, gpr(regs, reg)))
                return false;
        } else if (b == 0x22) {
            if (!write_cr(v, nr, *gpr(regs, reg)))
                return false;
        } else if (b == 0x21) {
            if (nr > 7)
                return false;
            *gpr(regs, reg) = pv_get_debugreg(v, nr);
        } else {
            if (nr > 7 || pv_set_debugreg(v, nr, *gpr(regs, reg)))
                return false;
        }
        goto done;
    }
    default:
        return false;
    }
done:
    perfc_incr(PERFC_privop);
    regs->rip += in.pos;
    if (regs->rflags & X86_EFLAGS_TF) {
        pv_inject_trap(v, TRAP_debug, false, 0);
        pv_apply_trap_bounce(v, regs);
    }
    return true;
}

bool pv_emulate_forced_cpuid(struct vcpu *v, struct cpu_regs *regs)
{
    static const u8 sig[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
    u8 bytes[sizeof(sig)];
    u32 out[4];

    if (copy_from_guest_va(bytes, regs->rip, sizeof(bytes)))   /* instruction bytes: raw VA */
        return false;
    for (unsigned i = 0; i < sizeof(sig); i++)
        if (bytes[i] != sig[i])
            return false;
    pv_cpuid(v, (u32)regs->rax, (u32)regs->rcx, out);
    regs->rax = out[0];
    regs->rbx = out[1];
    regs->rcx = out[2];
    regs->rdx = out[3];
    regs->rip += sizeof(sig);
    return true;
}
