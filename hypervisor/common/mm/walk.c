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

/*
 * A grant map and its unmap each need the L1 of one address, usually in a
 * region mapped a moment before. Xen reads it through its linear page
 * table; we remember the last walk's answer per vCPU. It stays right while
 * the vCPU's kernel L4 is the same frame and no L2-L4 entry anywhere has
 * changed since (env->pt_gen): the path from that L4 to the L1 runs only
 * through validated tables, whose entries change only by mod_lk, and a
 * table whose type went (and whose memory may then change) is revalidated
 * before any table can point to it again; all three bump the generation.
 * A stale answer could only name a wrong L1 of the vCPU's own domain,
 * and the caller still checks type, owner and lock.
 */
int mm_walk_l1_fill(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1,
                    unsigned int *idx)
{
    u64 gen = __atomic_load_n(&env->pt_gen, __ATOMIC_ACQUIRE);
    int rc = mm_walk_l1(env, v, va, l1, idx);

    if (!rc) {
        v->l1_cache.tag = (va >> 21) + 1;
        v->l1_cache.gen = gen;
        v->l1_cache.l4 = v->guest_table;
        v->l1_cache.l1 = *l1;
    }
    return rc;
}
