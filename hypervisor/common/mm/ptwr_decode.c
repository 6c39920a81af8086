/*
 * Decoder for the memory-writing instructions the ptwr emulator accepts
 * (rule 18). Anything not listed is refused; refusing is always safe, the
 * guest then sees its own #PF.
 *
 *   88/89 /r        mov r/m, reg            C6 /0 ib, C7 /0 iz   mov r/m, imm
 *   86/87 /r        xchg r/m, reg           0F B0/B1 /r          cmpxchg r/m, reg
 *   08/09 /r        or r/m, reg             20/21 /r             and r/m, reg
 *   30/31 /r        xor r/m, reg            80/81/83 /1 /4 /6    or/and/xor r/m, imm
 *   0F AB/B3/BB /r  bts/btr/btc r/m, reg    0F BA /5 /6 /7 ib    bts/btr/btc r/m, imm
 *
 * Prefixes: LOCK (not with mov), 66, REX, and the CS/DS/ES/SS overrides
 * that 64-bit mode ignores. Refused: FS/GS overrides (a segment base would
 * take part), 67 (32-bit addressing), F2/F3 (REP, XACQUIRE/XRELEASE).
 * Every ModRM/SIB memory form, RIP-relative included; register operands
 * (mod 3) are not memory writes and are refused.
 */
#include "ptwr.h"

static unsigned int vsize(u8 rex, bool opsz16)
{
    return (rex & 8) ? 8 : opsz16 ? 2 : 4;
}

int mm_insn_decode(const u8 *buf, unsigned int avail, struct mm_insn *in)
{
    unsigned int i = 0, n = avail < 15 ? avail : 15, imm_size = 0;
    bool opsz16 = false, two = false, lock = false;
    u8 rex = 0, opc, modrm, mod, reg, rm;

    memset(in, 0, sizeof(*in));
    for (;; i++) {
        if (i >= n)
            return -1;
        switch (buf[i]) {
        case 0xf0:
            lock = true;
            rex = 0;
            continue;
        case 0x66:
            opsz16 = true;
            rex = 0;
            continue;
        case 0x2e: case 0x36: case 0x3e: case 0x26:
            rex = 0;        /* ignored in 64-bit mode; a REX before it is too */
            continue;
        case 0x64: case 0x65: case 0x67: case 0xf2: case 0xf3:
            return -1;
        default:
            if ((buf[i] & 0xf0) == 0x40) {
                rex = buf[i];
                continue;
            }
            break;
        }
        break;
    }
    opc = buf[i++];
    if (opc == 0x0f) {
        if (i >= n)
            return -1;
        opc = buf[i++];
        two = true;
    }
    if (i >= n)
        return -1;
    modrm = buf[i++];
    mod = modrm >> 6;
    reg = (modrm >> 3) & 7;
    rm = modrm & 7;

    in->src_imm = false;
    if (!two) {
        switch (opc) {
        case 0x88: case 0x89:
            in->op = PTWR_MOV;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0xc6: case 0xc7:
            if (reg != 0)
                return -1;
            in->op = PTWR_MOV;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            in->src_imm = true;
            imm_size = in->size == 8 ? 4 : in->size;
            break;
        case 0x86: case 0x87:
            in->op = PTWR_XCHG;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0x08: case 0x09:
            in->op = PTWR_OR;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0x20: case 0x21:
            in->op = PTWR_AND;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0x30: case 0x31:
            in->op = PTWR_XOR;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0x80: case 0x81: case 0x83:
            if (reg == 1)
                in->op = PTWR_OR;
            else if (reg == 4)
                in->op = PTWR_AND;
            else if (reg == 6)
                in->op = PTWR_XOR;
            else
                return -1;
            in->size = opc == 0x80 ? 1 : vsize(rex, opsz16);
            in->src_imm = true;
            imm_size = opc == 0x81 ? (in->size == 8 ? 4 : in->size) : 1;
            break;
        default:
            return -1;
        }
    } else {
        switch (opc) {
        case 0xb0: case 0xb1:
            in->op = PTWR_CMPXCHG;
            in->size = opc & 1 ? vsize(rex, opsz16) : 1;
            break;
        case 0xab: case 0xb3: case 0xbb:
            in->op = opc == 0xab ? PTWR_BTS : opc == 0xb3 ? PTWR_BTR : PTWR_BTC;
            in->size = vsize(rex, opsz16);
            break;
        case 0xba:
            if (reg == 5)
                in->op = PTWR_BTS;
            else if (reg == 6)
                in->op = PTWR_BTR;
            else if (reg == 7)
                in->op = PTWR_BTC;
            else
                return -1;
            in->size = vsize(rex, opsz16);
            in->src_imm = true;
            imm_size = 1;
            break;
        default:
            return -1;
        }
    }
    if (lock && in->op == PTWR_MOV)
        return -1;      /* #UD on hardware: cannot be what faulted */
    in->lock = lock;

    if (mod == 3)
        return -1;      /* register destination: not a memory write */

    if (!in->src_imm) {
        in->src_reg = reg | ((rex & 4) << 1);
        if (in->size == 1 && !rex && reg >= 4) {
            in->src_reg = reg - 4;      /* AH CH DH BH */
            in->src_high8 = true;
        }
    }

    /* Memory operand. */
    if (rm == 4) {
        u8 sib, index, base;

        if (i >= n)
            return -1;
        sib = buf[i++];
        in->scale = (u8)(1u << (sib >> 6));
        index = ((sib >> 3) & 7) | ((rex & 2) << 2);
        base = (sib & 7) | ((rex & 1) << 3);
        if (index != 4) {
            in->has_index = true;
            in->index = index;
        }
        if ((sib & 7) == 5 && mod == 0) {
            mod = 2;    /* disp32, no base */
        } else {
            in->has_base = true;
            in->base = base;
        }
    } else if (rm == 5 && mod == 0) {
        in->rip_rel = true;
        mod = 2;
    } else {
        in->has_base = true;
        in->base = rm | ((rex & 1) << 3);
    }
    if (mod == 1) {
        if (i + 1 > n)
            return -1;
        in->disp = (s8)buf[i];
        i += 1;
    } else if (mod == 2) {
        u32 d32;

        if (i + 4 > n)
            return -1;
        memcpy(&d32, &buf[i], 4);
        in->disp = (s32)d32;
        i += 4;
    }

    if (imm_size) {
        if (i + imm_size > n)
            return -1;
        if (imm_size == 1)
            in->imm = (u64)(s64)(s8)buf[i];
        else if (imm_size == 2) {
            u16 v16;

            memcpy(&v16, &buf[i], 2);
            in->imm = (u64)(s64)(s16)v16;
        } else {
            u32 v32;

            memcpy(&v32, &buf[i], 4);
            in->imm = (u64)(s64)(s32)v32;
        }
        i += imm_size;
    }
    in->len = (u8)i;
    return 0;
}

u64 mm_insn_ea(const struct mm_insn *in, const struct mm_regs *regs)
{
    u64 ea = (u64)in->disp;

    if (in->rip_rel)
        ea += regs->rip + in->len;
    if (in->has_base)
        ea += regs->gpr[in->base];
    if (in->has_index)
        ea += regs->gpr[in->index] * in->scale;
    return ea;
}
