/*
 * GNTTABOP_cache_flush as Xen 4.17 on x86: arguments checked, the frame
 * must be the caller's or granted to it and mapped (pinned by it); CLEAN
 * writes caches back, INVAL alone is -EOPNOTSUPP (x86 cannot discard
 * without writing back).
 */
#include "gnttab_internal.h"

/* Is mfn pinned by `domid` in one of t's active entries? */
static bool pinned_by(struct gnt_env *env, struct gnt_table *t, mfn_t mfn, u16 domid)
{
    bool found = false;

    gnt_lock(env, t);
    for (u32 ref = 0; ref < gnt_nr_entries(t) && !found; ref++) {
        const struct gnt_active *act = gnt_act(t, ref);

        found = act->pin && act->domid == domid && act->mfn == mfn;
    }
    gnt_unlock(t);
    return found;
}

long gnt_cache_flush(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                     const struct gnttab_cache_flush *op)
{
    mfn_t mfn = (mfn_t)(op->a.dev_bus_addr >> 12);
    struct gnt_table *owner = NULL;
    const struct frame *f;
    int err = 0;
    long rc = 0;

    (void)v;
    if (op->offset >= 4096 || op->length > 4096 || op->offset + op->length > 4096 ||
        (op->op & ~(GNTTAB_CACHE_INVAL | GNTTAB_CACHE_CLEAN)))
        return -XEN_EINVAL;
    if (!op->length || !op->op)
        return 0;
    if (op->a.dev_bus_addr >> 52 || mfn >= env->mm->nr_frames)
        return -XEN_EINVAL;
    f = &env->mm->frames[mfn];
    if (lt->md && mm_get_page(env->mm, mfn, lt->md)) {
        /* the caller's own frame */
    } else {
        u32 o = __atomic_load_n(&f->owner, __ATOMIC_ACQUIRE);

        owner = o < DOMID_FIRST_RESERVED ? env->ops->get_table(env->ctx, lt, (u16)o, false, &err)
                                         : NULL;
        if (!owner || !owner->md || !mm_get_page(env->mm, mfn, owner->md)) {
            if (owner)
                gnt_table_put(env, owner);
            return -XEN_EPERM;
        }
        if (!pinned_by(env, owner, mfn, lt->domid)) {
            mm_put_page(env->mm, mfn);
            gnt_table_put(env, owner);
            return -XEN_EINVAL;
        }
    }
    if (op->op & GNTTAB_CACHE_CLEAN)
        env->ops->flush_cache_range(env->ctx, mfn, op->offset, op->length);
    else
        rc = -XEN_EOPNOTSUPP;
    mm_put_page(env->mm, mfn);
    if (owner)
        gnt_table_put(env, owner);
    return rc;
}
