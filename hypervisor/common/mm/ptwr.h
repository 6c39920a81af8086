/* The ptwr instruction decoder (ptwr_decode.c), shared with its tests. */
#ifndef MM_PTWR_H
#define MM_PTWR_H

#include <string.h>
#include <pvisor/mm.h>

enum mm_ptwr_op {
    PTWR_MOV, PTWR_XCHG, PTWR_CMPXCHG, PTWR_OR, PTWR_AND, PTWR_XOR,
    PTWR_BTS, PTWR_BTR, PTWR_BTC,
};

struct mm_insn {
    u8 len;             /* bytes, prefixes and immediate included */
    u8 op;              /* enum mm_ptwr_op */
    u8 size;            /* operand size: 1, 2, 4, 8 */
    bool lock;
    bool src_imm;       /* source is imm, else register src_reg */
    u8 src_reg;
    bool src_high8;     /* AH, CH, DH, BH */
    u64 imm;            /* sign-extended */
    /* memory operand: [base + index*scale + disp] or [rip + len + disp] */
    bool has_base, has_index, rip_rel;
    u8 base, index, scale;
    s64 disp;
};

/* 0, or -1 if the bytes are not one of the accepted forms (or too short). */
int mm_insn_decode(const u8 *buf, unsigned int avail, struct mm_insn *in);
u64 mm_insn_ea(const struct mm_insn *in, const struct mm_regs *regs);

#endif
