/*
 * Updating one entry of a live (validated) table: validate the new entry,
 * take its references, write it with one cmpxchg, then drop the old
 * entry's references (rules 11, 12). The caller holds the table's page lock.
 */
#include "mm_internal.h"

/* Nothing but bits a guest may flip freely changed: no new references. */
static bool fastpath(u64 ol, u64 nl)
{
    return (ol & _PAGE_PRESENT) && !((ol ^ nl) & ~MM_FASTPATH_FLAGS);
}

int mm_mod_l1(struct mm_env *env, const struct mm_domain *caller,
              const struct mm_domain *pt_owner, const struct mm_domain *pg_owner,
              mfn_t table, unsigned int idx, u64 nl, bool preserve_ad)
{
    u64 ol = mm_read_entry(env, table, idx);

    if (mm_is_grant_pte(ol)) {
        mm_log(env, caller, "mod_l1", "grant PTE: unmap it with GNTTABOP_unmap_grant_ref",
               -XEN_EPERM, table, ol);
        return -XEN_EPERM;
    }
    if (nl & _PAGE_PRESENT) {
        u64 bad = pte_flags(nl) & mm_disallowed(1, pt_owner);
        long rc;

        if (bad) {
            mm_log(env, caller, "mod_l1", "bad L1 flags", -XEN_EINVAL, bad, nl);
            return -XEN_EINVAL;
        }
        if (fastpath(ol, nl)) {
            nl = mm_adjust(1, nl);
            return mm_entry_update(env, table, idx, ol, nl, preserve_ad) ? 0 : -XEN_EBUSY;
        }
        rc = mm_l1e_get_refs_caller(env, nl, pt_owner, pg_owner, caller);
        if (rc < 0)
            return (int)rc;
        nl = mm_adjust(1, nl ^ (u64)rc);
        if (!mm_entry_update(env, table, idx, ol, nl, preserve_ad)) {
            mm_l1e_put_refs(env, nl);
            mm_log(env, caller, "mod_l1", "entry changed under us", -XEN_EBUSY, table, idx);
            return -XEN_EBUSY;
        }
    } else if (mm_l1tf_refuse(env, pt_owner, 1, nl)) {
        return -XEN_EPERM;
    } else if (!mm_entry_update(env, table, idx, ol, nl, preserve_ad)) {
        mm_log(env, caller, "mod_l1", "entry changed under us", -XEN_EBUSY, table, idx);
        return -XEN_EBUSY;
    }
    mm_l1e_put_refs(env, ol);
    return 0;
}

/* L2-L4. The old entry's references are handed back in *old_out: dropping
 * them can devalidate a whole subtree, which must happen preemptibly and
 * outside the page lock (mm_put_old_entry). Errnos are Xen's: -EBUSY for
 * a lost race at L2, -EFAULT at L3/L4. */
int mm_mod_lk(struct mm_env *env, struct mm_vcpu *v, unsigned int level,
              const struct mm_domain *d, mfn_t table, unsigned int idx, u64 nl,
              bool preserve_ad, u64 *old_out)
{
    int lost = level == 2 ? -XEN_EBUSY : -XEN_EFAULT;
    u64 ol;

    *old_out = 0;
    if (level == 4 && mm_hv_l4_slot(idx)) {
        mm_log(env, d, "mod_l4", "update of a hypervisor L4 slot", -XEN_EINVAL, table, idx);
        return -XEN_EINVAL;
    }
    ol = mm_read_entry(env, table, idx);

    if (nl & _PAGE_PRESENT) {
        u64 bad = pte_flags(nl) & mm_disallowed(level, d);
        bool child_partial;
        int rc;

        if (bad) {
            mm_log(env, d, "mod_lk", "bad flags", -XEN_EINVAL, bad, nl);
            return -XEN_EINVAL;
        }
        if (fastpath(ol, nl)) {
            nl = mm_adjust(level, nl);
            if (!mm_entry_update(env, table, idx, ol, nl, preserve_ad))
                return lost;
            mm_pt_changed(env);
            return 0;
        }
        rc = mm_lk_get_refs(env, v, level, nl, d, false, &child_partial);
        if (rc == -XEN_ERESTART) {
            /* The child is parked and will be resumed when the request is
             * re-issued; its parked state keeps it alive. */
            mm_put_page(env, pte_mfn(nl));
            return rc;
        }
        if (rc) {
            if (child_partial)
                mm_defer(v, pte_mfn(nl), true);
            return rc;
        }
        nl = mm_adjust(level, nl);
        if (!mm_entry_update(env, table, idx, ol, nl, preserve_ad)) {
            mm_defer(v, pte_mfn(nl), false);
            mm_log(env, d, "mod_lk", "entry changed under us", lost, table, idx);
            return lost;
        }
    } else if (mm_l1tf_refuse(env, d, level, nl)) {
        return -XEN_EPERM;
    } else if (!mm_entry_update(env, table, idx, ol, nl, preserve_ad)) {
        mm_log(env, d, "mod_lk", "entry changed under us", lost, table, idx);
        return lost;
    }
    mm_pt_changed(env);
    if (ol & _PAGE_PRESENT)
        *old_out = ol;
    return 0;
}

/* Drop an old L2-L4 entry's references through the deferred slot:
 * 0, or -ERESTART with the rest left in the slot. */
int mm_put_old_entry(struct mm_env *env, struct mm_vcpu *v, u64 old)
{
    mm_defer(v, pte_mfn(old), false);
    return mm_drain_deferred(env, v);
}
