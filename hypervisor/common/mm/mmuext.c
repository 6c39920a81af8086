/*
 * HYPERVISOR_mmuext_op: pin/unpin, base pointers, TLB and cache flushes,
 * LDT, page clear/copy (rules 5, 13, 14, 16, 17). Semantics and errnos of
 * Xen 4.17's do_mmuext_op for 64-bit PV guests.
 */
#include "mm_internal.h"

int mm_read_vcpumask(struct mm_env *env, struct mm_vcpu *v, u64 gva, u64 *mask,
                     unsigned int words)
{
    unsigned int n = (v->dom->max_vcpus + 63) / 64, i;

    memset(mask, 0, words * sizeof(*mask));
    if (n > words)
        n = words;
    for (i = 0; i < n; i++)
        if (env->ops->copy_from_guest(env->ctx, v, &mask[i], gva + i * 8ULL, 8)) {
            memset(mask, 0, words * sizeof(*mask));
            return -XEN_EFAULT;
        }
    /* Bits past the last vCPU mean nothing. */
    if (v->dom->max_vcpus % 64 && n == (v->dom->max_vcpus + 63) / 64)
        mask[n - 1] &= (1ULL << (v->dom->max_vcpus % 64)) - 1;
    return 0;
}

static int pin(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *pg_owner,
               mfn_t mfn, unsigned int type)
{
    struct frame *f;
    bool left_partial;
    u64 x;
    int rc;

    if (!mm_get_page(env, mfn, pg_owner)) {
        mm_log(env, v->dom, "pin", "frame not the owner's", -XEN_EINVAL, mfn, type);
        return -XEN_EINVAL;
    }
    rc = mm_get_type_ex(env, v, mfn, type, MM_PREEMPTIBLE, &left_partial);
    if (rc) {
        if (rc != -XEN_ERESTART)
            mm_log(env, v->dom, "pin", "cannot take the table type", rc, mfn, type);
        if (left_partial)
            mm_defer(v, mfn, true);     /* our general ref waits for the undo */
        else
            mm_put_page(env, mfn);
        return rc;
    }
    f = mm_frame(env, mfn);
    x = mm_load(&f->type_info);
    do {
        if (x & PGT_PINNED) {
            mm_log(env, v->dom, "pin", "already pinned", -XEN_EINVAL, mfn, type);
            mm_put_type(env, v, mfn, 0);    /* the pin holds another: O(1) */
            mm_put_page(env, mfn);
            return -XEN_EINVAL;
        }
    } while (!mm_cas(&f->type_info, &x, x | PGT_PINNED));

    /* Pinning for a dying domain would leak: undo at once (Xen does). */
    if (pg_owner != v->dom && pg_owner->dying) {
        x = mm_load(&f->type_info);
        while (!mm_cas(&f->type_info, &x, x & ~PGT_PINNED))
            ;
        if (mm_put_type(env, v, mfn, MM_PREEMPTIBLE) == -XEN_ERESTART)
            mm_defer(v, mfn, true);
        else
            mm_put_page(env, mfn);
    }
    return 0;
}

static int unpin(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *pg_owner, mfn_t mfn)
{
    struct frame *f;
    u64 x;

    if (!mm_get_page(env, mfn, pg_owner)) {
        mm_log(env, v->dom, "unpin", "frame not the owner's", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    f = mm_frame(env, mfn);
    x = mm_load(&f->type_info);
    do {
        if (!(x & PGT_PINNED)) {
            mm_put_page(env, mfn);
            mm_log(env, v->dom, "unpin", "not pinned", -XEN_EINVAL, mfn, 0);
            return -XEN_EINVAL;
        }
    } while (!mm_cas(&f->type_info, &x, x & ~PGT_PINNED));

    /* Drop the pin's type and general refs; a long devalidation continues
     * from the deferred slot, which then owns the pin's general ref. */
    if (mm_put_type(env, v, mfn, MM_PREEMPTIBLE) == -XEN_ERESTART)
        mm_defer(v, mfn, true);
    else
        mm_put_page(env, mfn);
    mm_put_page(env, mfn);
    return 0;
}

/* MMUEXT_NEW_BASEPTR (Xen's new_guest_cr3). */
static int new_baseptr(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn)
{
    mfn_t old = v->guest_table;
    bool left_partial;
    int rc = mm_drain_deferred(env, v);

    if (rc)
        return rc;
    if (old == mfn) {
        /* Also how a preempted switch completes when re-issued. */
        env->ops->cr3_changed(env->ctx, v);
        return 0;
    }
    if (!mm_get_page(env, mfn, v->dom)) {
        mm_log(env, v->dom, "new_baseptr", "frame not the domain's", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    rc = mm_get_type_ex(env, v, mfn, PGT_L4, MM_PREEMPTIBLE, &left_partial);
    if (rc) {
        if (rc != -XEN_ERESTART)
            mm_log(env, v->dom, "new_baseptr", "not a valid L4", rc, mfn, 0);
        if (left_partial)
            mm_defer(v, mfn, true);
        else
            mm_put_page(env, mfn);
        return rc;
    }
    /* LDT pages were found through the old tables. */
    mm_ldt_destroy(env, v);
    v->guest_table = mfn;
    env->ops->cr3_changed(env->ctx, v);
    if (old) {
        if (mm_put_type(env, v, old, MM_PREEMPTIBLE) == -XEN_ERESTART) {
            mm_defer(v, old, true);
            return -XEN_ERESTART;
        }
        mm_put_page(env, old);
    }
    return 0;
}

static int new_user_baseptr(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn)
{
    mfn_t old = v->guest_table_user;
    bool left_partial;
    int rc;

    if (old == mfn)
        return 0;
    if (mfn) {
        if (!mm_get_page(env, mfn, v->dom)) {
            mm_log(env, v->dom, "new_user_baseptr", "frame not the domain's",
                   -XEN_EINVAL, mfn, 0);
            return -XEN_EINVAL;
        }
        rc = mm_get_type_ex(env, v, mfn, PGT_L4, MM_PREEMPTIBLE, &left_partial);
        if (rc) {
            if (rc != -XEN_ERESTART)
                mm_log(env, v->dom, "new_user_baseptr", "not a valid L4", rc, mfn, 0);
            if (left_partial)
                mm_defer(v, mfn, true);
            else
                mm_put_page(env, mfn);
            return rc;
        }
    }
    v->guest_table_user = mfn;
    if (old) {
        if (mm_put_type(env, v, old, MM_PREEMPTIBLE) == -XEN_ERESTART) {
            mm_defer(v, old, true);
            return -XEN_ERESTART;
        }
        mm_put_page(env, old);
    }
    return 0;
}

static int set_ldt(struct mm_env *env, struct mm_vcpu *v, u64 linear, unsigned int ents)
{
    u64 ptr = ents ? linear : 0;

    if ((ptr & (PAGE_SIZE - 1)) || !mm_guest_addr_ok(ptr) || ents > 8192) {
        mm_log(env, v->dom, "set_ldt", "bad base or size", -XEN_EINVAL, ptr, ents);
        return -XEN_EINVAL;
    }
    if (v->ldt_ents != ents || v->ldt_base != ptr) {
        if (mm_ldt_destroy(env, v))
            env->ops->flush_guest(env->ctx, v, MM_FLUSH_TLB | MM_FLUSH_LOCAL, NULL, 0);
        v->ldt_base = ptr;
        v->ldt_ents = ents;
        env->ops->ldt_changed(env->ctx, v);
    }
    return 0;
}

static int clear_page(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *pg_owner,
                      mfn_t mfn)
{
    if (!mm_get_page(env, mfn, pg_owner)) {
        mm_log(env, v->dom, "clear_page", "frame not the owner's", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    if (mm_get_type(env, v, mfn, PGT_WRITABLE, 0)) {
        mm_put_page(env, mfn);
        mm_log(env, v->dom, "clear_page", "frame is typed read-only", -XEN_EINVAL, mfn, 0);
        return -XEN_EINVAL;
    }
    env->ops->frame_clear(env->ctx, mfn);
    mm_put_type(env, v, mfn, 0);
    mm_put_page(env, mfn);
    return 0;
}

static int copy_page(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *pg_owner,
                     mfn_t dst, mfn_t src)
{
    if (!mm_get_page(env, src, pg_owner)) {
        mm_log(env, v->dom, "copy_page", "source not the owner's", -XEN_EINVAL, src, 0);
        return -XEN_EINVAL;
    }
    if (!mm_get_page(env, dst, pg_owner)) {
        mm_put_page(env, src);
        mm_log(env, v->dom, "copy_page", "destination not the owner's", -XEN_EINVAL, dst, 0);
        return -XEN_EINVAL;
    }
    if (mm_get_type(env, v, dst, PGT_WRITABLE, 0)) {
        mm_put_page(env, dst);
        mm_put_page(env, src);
        mm_log(env, v->dom, "copy_page", "destination typed read-only", -XEN_EINVAL, dst, 0);
        return -XEN_EINVAL;
    }
    env->ops->frame_copy(env->ctx, dst, src);
    mm_put_type(env, v, dst, 0);
    mm_put_page(env, dst);
    mm_put_page(env, src);
    return 0;
}

static int flush_multi(struct mm_env *env, struct mm_vcpu *v, const struct mmuext_op *op)
{
    u64 mask[MM_MASK_WORDS];
    u64 va = op->arg1.linear_addr;

    if (mm_read_vcpumask(env, v, (u64)(unsigned long)op->arg2.vcpumask.p, mask,
                         MM_MASK_WORDS))
        return -XEN_EFAULT;
    if (op->cmd == MMUEXT_TLB_FLUSH_MULTI)
        env->ops->flush_guest(env->ctx, v, MM_FLUSH_TLB | MM_FLUSH_MASK, mask, 0);
    else if (mm_guest_addr_ok(va))
        env->ops->flush_guest(env->ctx, v, MM_FLUSH_INVLPG | MM_FLUSH_MASK, mask, va);
    return 0;
}

static int refuse(struct mm_env *env, struct mm_vcpu *v, const struct mmuext_op *op,
                  const char *why, int rc)
{
    mm_log(env, v->dom, "mmuext_op", why, rc, op->cmd, op->arg1.mfn);
    return rc;
}

static int one_op(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *pg_owner,
                  const struct mmuext_op *op)
{
    struct mm_domain *d = v->dom;
    bool self = pg_owner == d;

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pin(env, v, pg_owner, op->arg1.mfn, op->cmd - MMUEXT_PIN_L1_TABLE + PGT_L1);
    case MMUEXT_UNPIN_TABLE:
        return unpin(env, v, pg_owner, op->arg1.mfn);
    case MMUEXT_CLEAR_PAGE:
        return clear_page(env, v, pg_owner, op->arg1.mfn);
    case MMUEXT_COPY_PAGE:
        return copy_page(env, v, pg_owner, op->arg1.mfn, op->arg2.src_mfn);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return refuse(env, v, op, "superpages are not supported", -XEN_EOPNOTSUPP);
    case MMUEXT_NEW_BASEPTR:
    case MMUEXT_NEW_USER_BASEPTR:
    case MMUEXT_TLB_FLUSH_LOCAL:
    case MMUEXT_INVLPG_LOCAL:
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
    case MMUEXT_TLB_FLUSH_ALL:
    case MMUEXT_INVLPG_ALL:
    case MMUEXT_FLUSH_CACHE:
    case MMUEXT_FLUSH_CACHE_GLOBAL:
    case MMUEXT_SET_LDT:
        /* These act on the caller's own vCPU and domain. */
        if (!self)
            return refuse(env, v, op, "operation on a foreign domain", -XEN_EPERM);
        break;
    default:
        return refuse(env, v, op, "unknown command", -XEN_ENOSYS);
    }

    switch (op->cmd) {
    case MMUEXT_NEW_BASEPTR:
        return new_baseptr(env, v, op->arg1.mfn);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_user_baseptr(env, v, op->arg1.mfn);
    case MMUEXT_TLB_FLUSH_LOCAL:
        env->ops->flush_guest(env->ctx, v, MM_FLUSH_TLB | MM_FLUSH_LOCAL, NULL, 0);
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        if (mm_canonical(op->arg1.linear_addr))
            env->ops->flush_guest(env->ctx, v, MM_FLUSH_INVLPG | MM_FLUSH_LOCAL, NULL,
                                  op->arg1.linear_addr);
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
    case MMUEXT_INVLPG_MULTI:
        if (flush_multi(env, v, op))
            return refuse(env, v, op, "unreadable vCPU mask", -XEN_EINVAL);
        return 0;
    case MMUEXT_TLB_FLUSH_ALL:
        env->ops->flush_guest(env->ctx, v, MM_FLUSH_TLB | MM_FLUSH_ALL, NULL, 0);
        return 0;
    case MMUEXT_INVLPG_ALL:
        if (mm_guest_addr_ok(op->arg1.linear_addr))
            env->ops->flush_guest(env->ctx, v, MM_FLUSH_INVLPG | MM_FLUSH_ALL, NULL,
                                  op->arg1.linear_addr);
        return 0;
    case MMUEXT_FLUSH_CACHE:
        if (!d->io_caps)
            return refuse(env, v, op, "cache flush needs I/O capabilities", -XEN_EACCES);
        env->ops->flush_cache(env->ctx, false);
        return 0;
    case MMUEXT_FLUSH_CACHE_GLOBAL:
        if (!d->io_caps)
            return refuse(env, v, op, "cache flush needs I/O capabilities", -XEN_EINVAL);
        env->ops->flush_cache(env->ctx, true);
        return 0;
    default:    /* MMUEXT_SET_LDT */
        return set_ldt(env, v, op->arg1.linear_addr, op->arg2.nr_ents);
    }
}

static void set_cont(struct mm_cont *cont, u64 a0, unsigned long a1, u64 a2, unsigned long a3)
{
    cont->nargs = 4;
    cont->args[0] = a0;
    cont->args[1] = a1;
    cont->args[2] = a2;
    cont->args[3] = a3;
}

long mm_do_mmuext_op(struct mm_env *env, struct mm_vcpu *v, u64 uops,
                     unsigned int count, u64 pdone, unsigned int foreigndom,
                     struct mm_cont *cont)
{
    struct mm_domain *pg_owner;
    unsigned int i, done = 0;
    long rc = mm_drain_deferred(env, v);

    if (rc) {
        set_cont(cont, uops, count, pdone, foreigndom);
        return rc;
    }
    if (count == MMU_UPDATE_PREEMPTED && !uops)
        return (int)foreigndom;
    if (count & MMU_UPDATE_PREEMPTED) {
        count &= ~MMU_UPDATE_PREEMPTED;
        if (pdone)
            (void)env->ops->copy_from_guest(env->ctx, v, &done, pdone, sizeof(done));
    }

    pg_owner = mm_get_pg_owner(env, v, foreigndom & 0xffff);
    if (!pg_owner) {
        mm_log(env, v->dom, "mmuext_op", "no such domain", -XEN_ESRCH, foreigndom, 0);
        return -XEN_ESRCH;
    }
    if (!mm_may_name(env, v->dom, pg_owner)) {
        mm_log(env, v->dom, "mmuext_op", "foreign domain needs privilege", -XEN_EPERM,
               foreigndom, 0);
        mm_put_owner(env, v, pg_owner);
        return -XEN_EPERM;
    }

    for (i = 0; i < count; i++) {
        struct mmuext_op op;

        if (v->old_valid || (i && mm_preempt(env))) {
            rc = -XEN_ERESTART;
            break;
        }
        if (env->ops->copy_from_guest(env->ctx, v, &op, uops + (u64)i * sizeof(op),
                                      sizeof(op))) {
            rc = -XEN_EFAULT;
            mm_log(env, v->dom, "mmuext_op", "unreadable request", (int)rc, uops, i);
            break;
        }
        rc = one_op(env, v, pg_owner, &op);
        if (rc)
            break;
    }

    if (rc == -XEN_ERESTART) {
        set_cont(cont, uops + (u64)i * sizeof(struct mmuext_op),
                 (count - i) | MMU_UPDATE_PREEMPTED, pdone, foreigndom);
    } else if (v->old_valid) {
        set_cont(cont, 0, MMU_UPDATE_PREEMPTED, 0, (unsigned int)rc);
        rc = -XEN_ERESTART;
    }
    mm_put_owner(env, v, pg_owner);
    if (pdone) {
        done += i;
        (void)env->ops->copy_to_guest(env->ctx, v, pdone, &done, sizeof(done));
    }
    return rc;
}
