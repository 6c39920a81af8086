/*
 * Walking a vCPU's kernel page tables in software, to find the L1 entry
 * that maps a guest address (update_va_mapping, ptwr, LDT shadow faults).
 * The tables are validated, but every step is still bounds-checked.
 */
#include "mm_internal.h"

int mm_walk_l1(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1, unsigned int *idx)
{
    mfn_t t = v->guest_table;
    unsigned int level;

    if (!mm_guest_addr_ok(va) || !t || !mm_mfn_valid(env, t))
        return -XEN_EINVAL;
    for (level = 4; level > 1; level--) {
        u64 e = mm_read_entry(env, t, (unsigned int)(va >> (12 + 9 * (level - 1))) & 511);

        if (!(e & _PAGE_PRESENT) || (level < 4 && (e & _PAGE_PSE)))
            return -XEN_EINVAL;
        t = pte_mfn(e);
        if (!mm_mfn_valid(env, t))
            return -XEN_EINVAL;
    }
    *l1 = t;
    *idx = (unsigned int)(va >> 12) & 511;
    return 0;
}
