/*
 * HYPERVISOR_mmu_update: a batch of checked "*ptr = val" requests
 * (rules 10, 11, 13, 16, 17). Same semantics and errnos as Xen 4.17's
 * do_mmu_update for 64-bit PV guests.
 */
#include "mm_internal.h"

static void set_cont(struct mm_cont *cont, u64 a0, unsigned long a1, u64 a2, unsigned long a3)
{
    cont->nargs = 4;
    cont->args[0] = a0;
    cont->args[1] = a1;
    cont->args[2] = a2;
    cont->args[3] = a3;
}

/* One MMU_NORMAL_PT_UPDATE / PRESERVE_AD request. Work left over (an old
 * subtree to drop, a child to undo) always goes to the caller's own
 * deferred slot, also for another domain's tables: only the caller drains
 * it, so no other vCPU can find it occupied. */
/* The table frame a batch last named, with the general reference taken
 * for it (and its owner check) kept until the batch names another frame
 * or ends: a batch usually fills consecutive entries of one L1 (Linux's
 * privcmd 16, its own PTE batches as many), and while the reference is
 * held the frame's owner cannot change (refcount.c). */
struct held_table {
    mfn_t mfn;
    bool held;
};

static void held_table_put(struct mm_env *env, struct held_table *h)
{
    if (h->held)
        mm_put_page(env, h->mfn);
    h->held = false;
}

static bool held_table_get(struct mm_env *env, struct held_table *h, mfn_t table,
                           const struct mm_domain *pt_owner)
{
    if (h->held && h->mfn == table)
        return true;
    held_table_put(env, h);
    if (!mm_get_page(env, table, pt_owner))
        return false;
    h->mfn = table;
    h->held = true;
    return true;
}

static int normal_update(struct mm_env *env, struct mm_vcpu *v, struct held_table *h,
                         const struct mm_domain *pt_owner, const struct mm_domain *pg_owner,
                         u64 ptr, u64 val, bool preserve_ad)
{
    mfn_t table = ptr >> 12;
    unsigned int idx = (unsigned int)(ptr & 0xfff) >> 3;
    int rc = -XEN_EINVAL;

    if (!held_table_get(env, h, table, pt_owner)) {
        mm_log(env, v->dom, "mmu_update", "table frame not the table owner's",
               -XEN_EINVAL, table, val);
        return -XEN_EINVAL;
    }

    if (mm_page_lock(env, table)) {
        unsigned int type = pgt_type(mm_load(&mm_frame(env, table)->type_info));
        u64 old = 0;

        switch (type) {
        case PGT_L1:
            rc = mm_mod_l1(env, v->dom, pt_owner, pg_owner, table, idx, val, preserve_ad);
            break;
        case PGT_L2:
        case PGT_L3:
        case PGT_L4:
            if (pg_owner != pt_owner) {
                mm_log(env, v->dom, "mmu_update", "foreign page owner for an L2-L4 entry",
                       -XEN_EINVAL, table, val);
                break;
            }
            rc = mm_mod_lk(env, v, type, pt_owner, table, idx, val, preserve_ad, &old);
            break;
        case PGT_WRITABLE:
            env->ops->entry_write(env->ctx, table, idx, val);
            rc = 0;
            break;
        default:
            mm_log(env, v->dom, "mmu_update", "frame is a descriptor table",
                   -XEN_EINVAL, table, val);
            break;
        }
        mm_page_unlock(env, table);
        /* The old entry's subtree is dropped outside the lock; if that is
         * preempted, the batch continues after draining the slot. */
        if (old)
            mm_put_old_entry(env, v, old);
    } else if (mm_get_type(env, v, table, PGT_WRITABLE, 0) == 0) {
        /* Not a live table: a plain checked write (typed writable for it). */
        env->ops->entry_write(env->ctx, table, idx, val);
        mm_put_type(env, v, table, 0);
        rc = 0;
    } else {
        mm_log(env, v->dom, "mmu_update", "frame is neither a live table nor writable",
               -XEN_EINVAL, table, val);
    }
    return rc;
}

long mm_do_mmu_update(struct mm_env *env, struct mm_vcpu *v, u64 ureqs,
                      unsigned int count, u64 pdone, unsigned int foreigndom,
                      struct mm_cont *cont)
{
    struct mm_domain *d = v->dom, *pt_owner = d, *pg_owner = NULL;
    unsigned int i = 0, done = 0, pt_dom;
    bool checked_pt = false, checked_pg = false;
    struct held_table table = { 0, false };
    long rc = mm_drain_deferred(env, v);

    if (rc) {
        set_cont(cont, ureqs, count, pdone, foreigndom);
        return rc;
    }
    /* A continuation that only carried the final result (see below). */
    if (count == MMU_UPDATE_PREEMPTED && !ureqs)
        return (int)foreigndom;

    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone)
            (void)env->ops->copy_from_guest(env->ctx, v, &done, pdone, sizeof(done));
    }

    pt_dom = foreigndom >> 16;
    if (pt_dom) {
        /* Page tables of another domain (PFD = pt_dom - 1). */
        pt_owner = pt_dom - 1 == d->domid ? d :
                   pt_dom - 1 < DOMID_FIRST_RESERVED ?
                   env->ops->lookup_domain(env->ctx, (u16)(pt_dom - 1)) : NULL;
        if (!pt_owner) {
            mm_log(env, d, "mmu_update", "no such table owner", -XEN_ESRCH, foreigndom, 0);
            return -XEN_ESRCH;
        }
        /* As Xen: a domain without vCPUs has no tables to update yet. */
        if (pt_owner != d && !env->ops->domain_vcpu0(env->ctx, pt_owner)) {
            rc = -XEN_EINVAL;
            goto out;
        }
    }
    pg_owner = mm_get_pg_owner(env, v, foreigndom & 0xffff);
    if (!pg_owner) {
        rc = -XEN_ESRCH;
        mm_log(env, d, "mmu_update", "no such page owner", (int)rc, foreigndom, 0);
        goto out;
    }

    for (i = 0; i < count; i++) {
        struct mmu_update req;
        unsigned int cmd;

        if (v->old_valid || (i && mm_preempt(env))) {
            rc = -XEN_ERESTART;
            break;
        }
        if (env->ops->copy_from_guest(env->ctx, v, &req, ureqs + (u64)i * sizeof(req),
                                      sizeof(req))) {
            rc = -XEN_EFAULT;
            mm_log(env, d, "mmu_update", "unreadable request", (int)rc, ureqs, i);
            break;
        }
        cmd = req.ptr & 7;

        switch (cmd) {
        case MMU_NORMAL_PT_UPDATE:
        case MMU_PT_UPDATE_PRESERVE_AD:
        case MMU_PT_UPDATE_NO_TRANSLATE:
            /* Xen's XSM dummy policy, checked when first needed. */
            if (!checked_pt || !checked_pg) {
                if ((pg_owner != &mm_dom_io && !mm_may_name(env, d, pg_owner)) ||
                    !mm_may_name(env, d, pt_owner)) {
                    rc = -XEN_EPERM;
                    mm_log(env, d, "mmu_update", "foreign domain needs privilege", (int)rc,
                           pg_owner->domid, pt_owner->domid);
                    break;
                }
                checked_pt = checked_pg = true;
            }
            rc = normal_update(env, v, &table, pt_owner, pg_owner, req.ptr - cmd, req.val,
                               cmd == MMU_PT_UPDATE_PRESERVE_AD);
            break;

        case MMU_MACHPHYS_UPDATE: {
            mfn_t mfn = req.ptr >> 12;

            if (pt_owner != d) {
                rc = -XEN_EPERM;
                mm_log(env, d, "machphys", "not for another domain's tables", (int)rc,
                       pt_owner->domid, 0);
                break;
            }
            if (pg_owner != &mm_dom_io && !mm_may_name(env, d, pg_owner)) {
                rc = -XEN_EPERM;
                mm_log(env, d, "machphys", "foreign domain needs privilege", (int)rc,
                       pg_owner->domid, 0);
                break;
            }
            if (!mm_get_page(env, mfn, pg_owner)) {
                rc = -XEN_EINVAL;
                mm_log(env, d, "machphys", "frame not the page owner's", (int)rc, mfn,
                       req.val);
                break;
            }
            env->ops->m2p_set(env->ctx, mfn, req.val);
            mm_put_page(env, mfn);
            rc = 0;
            break;
        }

        default:
            rc = -XEN_ENOSYS;
            mm_log(env, d, "mmu_update", "unknown command", (int)rc, req.ptr, req.val);
            break;
        }
        if (rc)
            break;
    }

    if (rc == -XEN_ERESTART) {
        set_cont(cont, ureqs + (u64)i * sizeof(struct mmu_update),
                 (count - i) | MMU_UPDATE_PREEMPTED, pdone, foreigndom);
    } else if (v->old_valid) {
        /* A failed request left a parked table to undo: finish that first,
         * then hand the guest this result (Xen's encoding). */
        set_cont(cont, 0, MMU_UPDATE_PREEMPTED, 0, (unsigned int)rc);
        rc = -XEN_ERESTART;
    }

out:
    held_table_put(env, &table);
    mm_put_owner(env, v, pg_owner);
    mm_put_owner(env, v, pt_owner);
    if (pdone) {
        done += i;
        (void)env->ops->copy_to_guest(env->ctx, v, pdone, &done, sizeof(done));
    }
    return rc;
}
