/*
 * Grant PTEs (rule 19): the grant table installs and removes them here;
 * nothing else may. Xen 4.17's create_grant_pv_mapping and
 * replace_grant_pv_mapping: the L1 entry is found by machine address
 * (GNTMAP_contains_pte) or by walking the vCPU's tables, and written with
 * one cmpxchg under the table's page lock.
 */
#include "mm_internal.h"

/* The L1 table and slot addr names, locked. The page lock is the only
 * hold we take: a locked table keeps its type (put_type waits for the
 * lock, rule 12), and a typed frame keeps the general reference that came
 * with its type (rule 3), so it can be neither freed nor given to another
 * owner while we hold the lock; whose it is we check under it. */
static int lock_l1(struct mm_env *env, struct mm_vcpu *v, u64 addr, bool contains_pte,
                   mfn_t *l1, unsigned int *idx)
{
    struct mm_domain *d = v->dom;

    if (contains_pte) {
        if (addr & 7) {
            mm_log(env, d, "grant", "misaligned PTE address", -XEN_EINVAL, addr, 0);
            return -XEN_EINVAL;
        }
        *l1 = (mfn_t)(addr >> 12);
        *idx = (unsigned int)(addr & 0xfff) >> 3;
    } else if (mm_walk_l1_cached(env, v, addr, l1, idx)) {
        mm_log(env, d, "grant", "no L1 table maps this address", -XEN_EINVAL, addr, 0);
        return -XEN_EINVAL;
    }
    if (!mm_mfn_valid(env, *l1) || !mm_page_lock(env, *l1)) {
        mm_log(env, d, "grant", "PTE frame not a live table", -XEN_EINVAL, addr, *l1);
        return -XEN_EINVAL;
    }
    if (!mm_frame_owned_by(mm_frame(env, *l1), d->domid)) {
        mm_page_unlock(env, *l1);
        mm_log(env, d, "grant", "PTE frame not the caller's", -XEN_EINVAL, addr, *l1);
        return -XEN_EINVAL;
    }
    if (pgt_type(mm_load(&mm_frame(env, *l1)->type_info)) != PGT_L1) {
        mm_page_unlock(env, *l1);
        mm_log(env, d, "grant", "PTE frame not an L1 table", -XEN_EINVAL, addr, *l1);
        return -XEN_EINVAL;
    }
    return 0;
}

static void unlock_l1(struct mm_env *env, mfn_t l1)
{
    mm_page_unlock(env, l1);
}

int mm_grant_create(struct mm_env *env, struct mm_vcpu *v, u64 addr, bool contains_pte,
                    u64 pte)
{
    unsigned int idx;
    mfn_t l1;
    u64 ol;
    int rc;

    MM_BUG_ON(!mm_is_grant_pte(pte));
    rc = lock_l1(env, v, addr, contains_pte, &l1, &idx);
    if (rc)
        return rc;
    ol = mm_read_entry(env, l1, idx);
    if (mm_is_grant_pte(ol)) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "a grant PTE is already there", rc, addr, ol);
    } else if (!mm_entry_update(env, l1, idx, ol, mm_adjust(1, pte), false)) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "PTE changed under us", rc, addr, ol);
    }
    unlock_l1(env, l1);
    if (!rc)
        mm_l1e_put_refs(env, ol);
    return rc;
}

/* unmap_and_replace: take the (ordinary) entry mapping va out of the
 * tables; its references move with it. */
static int steal(struct mm_env *env, struct mm_vcpu *v, u64 va, u64 *out)
{
    unsigned int idx;
    mfn_t l1;
    u64 ol;
    int rc = lock_l1(env, v, va, false, &l1, &idx);

    if (rc)
        return rc;
    ol = mm_read_entry(env, l1, idx);
    if (mm_is_grant_pte(ol)) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "replacement address holds a grant PTE", rc, va, ol);
    } else if (!mm_entry_update(env, l1, idx, ol, 0, false)) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "PTE changed under us", rc, va, ol);
    } else {
        *out = (ol & _PAGE_PRESENT) ? ol : 0;
    }
    unlock_l1(env, l1);
    return rc;
}

int mm_grant_replace(struct mm_env *env, struct mm_vcpu *v, u64 addr, bool contains_pte,
                     mfn_t mfn, bool rw, u64 new_addr)
{
    unsigned int idx;
    mfn_t l1;
    u64 ol, nl = 0;
    int rc;

    if (new_addr && contains_pte)
        return -XEN_EINVAL;
    if (new_addr && steal(env, v, new_addr, &nl))
        return -XEN_EINVAL;
    rc = lock_l1(env, v, addr, contains_pte, &l1, &idx);
    if (rc)
        goto out;
    ol = mm_read_entry(env, l1, idx);
    if (!mm_is_grant_pte(ol) || pte_mfn(ol) != mfn || !(ol & _PAGE_RW) != !rw) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "PTE does not match the grant", rc, addr, ol);
    } else if (!mm_entry_update(env, l1, idx, ol, nl, false)) {
        rc = -XEN_EINVAL;
        mm_log(env, v->dom, "grant", "PTE changed under us", rc, addr, ol);
    }
    unlock_l1(env, l1);
out:
    /* A stolen entry that found no home: its references go with it. */
    if (rc)
        mm_l1e_put_refs(env, nl);
    return rc;
}
