/*
 * Writable page tables (rule 18): a guest kernel writes to a read-only
 * mapping of one of its own live L1 tables (checked before the instruction
 * is even read: other write faults are the guest's own); we decode it,
 * compute the 8-byte entry it would produce, validate it like
 * MMU_NORMAL_PT_UPDATE and store it with one cmpxchg, so the write happens
 * exactly once with the instruction's width. Like Xen we emulate only L1
 * writes; L2-L4 tables are changed with mmu_update.
 */
#include "mm_internal.h"
#include "ptwr.h"

#define FL_CF 0x001
#define FL_PF 0x004
#define FL_AF 0x010
#define FL_ZF 0x040
#define FL_SF 0x080
#define FL_TF 0x100
#define FL_OF 0x800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

static u64 size_mask(unsigned int size)
{
    return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 size_msb(unsigned int size)
{
    return 1ULL << (size * 8 - 1);
}

static bool parity_even(u64 v)
{
    u8 b = (u8)v;

    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

static u64 result_flags(u64 fl, u64 r, unsigned int size)
{
    if (!r)
        fl |= FL_ZF;
    if (r & size_msb(size))
        fl |= FL_SF;
    if (parity_even(r))
        fl |= FL_PF;
    return fl;
}

/* or/and/xor: CF = OF = 0. */
static u64 logic_flags(u64 rflags, u64 r, unsigned int size)
{
    return result_flags(rflags & ~FL_ARITH, r, size);
}

/* cmp a, b (cmpxchg compares the accumulator with the destination). */
static u64 sub_flags(u64 rflags, u64 a, u64 b, unsigned int size)
{
    u64 m = size_mask(size), r = (a - b) & m, fl = rflags & ~FL_ARITH;

    if (a < b)
        fl |= FL_CF;
    if ((a ^ b) & (a ^ r) & size_msb(size))
        fl |= FL_OF;
    if ((a ^ b ^ r) & 0x10)
        fl |= FL_AF;
    return result_flags(fl, r, size);
}

static u64 reg_read(const struct mm_regs *regs, unsigned int reg, bool high8,
                    unsigned int size)
{
    u64 v = regs->gpr[reg];

    return (high8 ? v >> 8 : v) & size_mask(size);
}

/* x86-64 register writes: 32-bit results zero-extend, 8/16-bit merge. */
static void reg_write(struct mm_regs *regs, unsigned int reg, bool high8, unsigned int size,
                      u64 val)
{
    u64 *r = &regs->gpr[reg];

    switch (size) {
    case 8:
        *r = val;
        break;
    case 4:
        *r = (u32)val;
        break;
    case 2:
        *r = (*r & ~0xffffULL) | (val & 0xffff);
        break;
    default:
        if (high8)
            *r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
        else
            *r = (*r & ~0xffULL) | (val & 0xff);
        break;
    }
}

/* Up to 15 instruction bytes at rip; fewer if the rest is not readable. */
static unsigned int fetch(struct mm_env *env, struct mm_vcpu *v, u64 rip, u8 *buf)
{
    unsigned int n;

    if (!env->ops->copy_from_guest(env->ctx, v, buf, rip, 15))
        return 15;
    for (n = 0; n < 15; n++)
        if (env->ops->copy_from_guest(env->ctx, v, &buf[n], rip + n, 1))
            break;
    return n;
}

/* What the instruction does to one entry: the new entry, and the register
 * and flag results to commit if the store succeeds. */
struct effect {
    u64 new_entry;
    bool write;         /* false: cmpxchg mismatch, nothing stored */
    bool set_reg;       /* xchg / failed cmpxchg load a register */
    unsigned int reg;
    bool high8;
    u64 reg_val;
    u64 rflags;
};

static void compute(const struct mm_insn *in, const struct mm_regs *regs, u64 old,
                    unsigned int off, unsigned int bit, struct effect *fx)
{
    unsigned int size = in->size, shift = off * 8;
    u64 m = size_mask(size);
    u64 cur = (old >> shift) & m, src, res = cur;

    src = in->src_imm ? in->imm & m : reg_read(regs, in->src_reg, in->src_high8, size);
    fx->write = true;
    fx->set_reg = false;
    fx->rflags = regs->rflags;

    switch (in->op) {
    case PTWR_MOV:
        res = src;
        break;
    case PTWR_XCHG:
        res = src;
        fx->set_reg = true;
        fx->reg = in->src_reg;
        fx->high8 = in->src_high8;
        fx->reg_val = cur;
        break;
    case PTWR_CMPXCHG: {
        u64 acc = regs->gpr[0] & m;

        fx->rflags = sub_flags(regs->rflags, acc, cur, size);
        if (acc == cur) {
            res = src;
        } else {
            fx->write = false;
            fx->set_reg = true;
            fx->reg = 0;
            fx->high8 = false;
            fx->reg_val = cur;
        }
        break;
    }
    case PTWR_OR:
        res = cur | src;
        fx->rflags = logic_flags(regs->rflags, res, size);
        break;
    case PTWR_AND:
        res = cur & src;
        fx->rflags = logic_flags(regs->rflags, res, size);
        break;
    case PTWR_XOR:
        res = (cur ^ src) & m;
        fx->rflags = logic_flags(regs->rflags, res, size);
        break;
    case PTWR_BTS:
    case PTWR_BTR:
    case PTWR_BTC:
        fx->rflags = (regs->rflags & ~FL_CF) | ((cur >> bit) & 1 ? FL_CF : 0);
        if (in->op == PTWR_BTS)
            res = cur | (1ULL << bit);
        else if (in->op == PTWR_BTR)
            res = cur & ~(1ULL << bit);
        else
            res = cur ^ (1ULL << bit);
        break;
    }
    fx->new_entry = (old & ~(m << shift)) | ((res & m) << shift);
}

/* A validated L1 with type references (a peek: rechecked under the lock). */
static bool live_l1(struct mm_env *env, mfn_t mfn)
{
    u64 x = mm_load(&mm_frame(env, mfn)->type_info);

    return pgt_type(x) == PGT_L1 && (x & PGT_VALIDATED) && pgt_count(x);
}

enum mm_ptwr_result mm_ptwr_fault(struct mm_env *env, struct mm_vcpu *v,
                                  struct mm_regs *regs, u64 cr2, u32 pfec)
{
    struct mm_domain *d = v->dom;
    enum mm_ptwr_result result = MM_PTWR_BOUNCE;
    struct mm_insn in;
    unsigned int idx, off, bit = 0, tries;
    u8 buf[15];
    mfn_t l1, table;
    u64 pte, ea;

    /* A kernel-mode write to a present page, nothing else. */
    if (!v->kernel_mode ||
        (pfec & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) !=
        (PFEC_PRESENT | PFEC_WRITE))
        return MM_PTWR_BOUNCE;

    /* The entry mapping cr2 must be a read-only mapping of a frame of this
     * domain that is an L1 table, checked before anything else: most such
     * faults are writes to read-only data (copy-on-write after fork) and
     * go straight back to the guest, without a fetch, decode or log line. */
    if (mm_walk_l1(env, v, cr2, &l1, &idx))
        return MM_PTWR_BOUNCE;
    pte = mm_read_entry(env, l1, idx);
    if ((pte & (_PAGE_PRESENT | _PAGE_RW)) != _PAGE_PRESENT)
        return MM_PTWR_BOUNCE;
    table = pte_mfn(pte);
    if (!mm_get_page(env, table, d))
        return MM_PTWR_BOUNCE;
    if (!live_l1(env, table)) {
        mm_put_page(env, table);
        return MM_PTWR_BOUNCE;
    }

    /* The instruction one we emulate, its store aligned in that page. */
    if (mm_insn_decode(buf, fetch(env, v, regs->rip, buf), &in)) {
        mm_log(env, d, "ptwr", "unsupported instruction", 0, regs->rip, buf[0]);
        goto put;
    }
    ea = mm_insn_ea(&in, regs);
    if (!in.src_imm && in.op >= PTWR_BTS) {
        /* bt* with a register offset addresses a bit string from ea. */
        s64 offset = (s64)reg_read(regs, in.src_reg, false, in.size);

        if (in.size == 2)
            offset = (s16)offset;
        else if (in.size == 4)
            offset = (s32)offset;
        ea += (u64)((offset >> (in.size == 8 ? 6 : in.size == 4 ? 5 : 4)) * in.size);
        bit = (unsigned int)offset & (in.size * 8 - 1);
    } else if (in.src_imm && in.op >= PTWR_BTS) {
        bit = (unsigned int)in.imm & (in.size * 8 - 1);
    }
    if (((ea ^ cr2) & PAGE_MASK) || (ea & (in.size - 1))) {
        mm_log(env, d, "ptwr", "store not aligned inside the faulting page", 0, ea, cr2);
        goto put;
    }
    idx = (unsigned int)(ea & (PAGE_SIZE - 1)) >> 3;
    off = (unsigned int)ea & 7;

    /* The type may have changed since the check above: again, locked. */
    if (!mm_page_lock(env, table))
        goto put;
    if (pgt_type(mm_load(&mm_frame(env, table)->type_info)) != PGT_L1)
        goto out;

    /* Only the hardware's A/D bits can change the entry under the lock:
     * if they do, recompute from the new value. */
    for (tries = 0; tries < 4; tries++) {
        u64 old = mm_read_entry(env, table, idx), nl, seen;
        struct effect fx;

        compute(&in, regs, old, off, bit, &fx);
        if (fx.write && fx.new_entry != old && mm_is_grant_pte(old)) {
            mm_log(env, d, "ptwr", "write over a grant PTE", -XEN_EPERM, table, old);
            goto out;
        }
        if (fx.write && fx.new_entry != old) {
            nl = fx.new_entry;
            if (nl & _PAGE_PRESENT) {
                long flip = mm_l1e_get_refs(env, nl, d, d);

                if (flip < 0) {
                    mm_log(env, d, "ptwr", "new entry refused", (int)flip, table, nl);
                    goto out;
                }
                nl = mm_adjust(1, nl ^ (u64)flip);
            } else if (mm_l1tf_refuse(env, d, 1, nl)) {
                goto out;
            }
            seen = env->ops->entry_cmpxchg(env->ctx, table, idx, old, nl);
            if (seen != old) {
                mm_l1e_put_refs(env, nl);
                continue;
            }
            mm_l1e_put_refs(env, old);
        }
        if (fx.set_reg)
            reg_write(regs, fx.reg, fx.high8, in.size, fx.reg_val);
        regs->rflags = fx.rflags;
        regs->rip += in.len;
        result = (regs->rflags & FL_TF) ? MM_PTWR_DONE_SINGLESTEP : MM_PTWR_DONE;
        goto out;
    }
    result = MM_PTWR_RETRY;
out:
    mm_page_unlock(env, table);
put:
    mm_put_page(env, table);
    return result;
}
