/*
 * Walking a vCPU's kernel page tables in software, to find the L1 entry
 * that maps a guest address (update_va_mapping, ptwr, LDT shadow faults).
 * The tables are validated, but every step is still bounds-checked.
 */
#include "mm_internal.h"

/* One level down: the next table's frame, or false when the entry is not
 * present, is a superpage (below L4), or names no frame we have. The tests
 * combine without branches (under emulation every branch costs a block). */
static inline bool walk_step(struct mm_env *env, mfn_t *t, unsigned int level, u64 va)
{
    u64 e = mm_read_entry(env, *t, (unsigned int)(va >> (12 + 9 * (level - 1))) & 511);
    mfn_t next = pte_mfn(e);
    unsigned int ok = (unsigned int)(e & _PAGE_PRESENT);

    ok &= (level == 4) | !(e & _PAGE_PSE);
    ok &= mm_mfn_valid(env, next);
    *t = next;
    return ok;
}

int mm_walk_l1(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1, unsigned int *idx)
{
    mfn_t t = v->guest_table;
    unsigned int ok = mm_guest_addr_ok(va);

    ok &= t != 0;
    ok &= mm_mfn_valid(env, t);
    if (!ok)
        return -XEN_EINVAL;
    if (!walk_step(env, &t, 4, va) || !walk_step(env, &t, 3, va) || !walk_step(env, &t, 2, va))
        return -XEN_EINVAL;
    *l1 = t;
    *idx = (unsigned int)(va >> 12) & 511;
    return 0;
}
