/*
 * A domain's grant table: its shared frames (the entries the granter
 * writes, which the hypervisor shares read/write with it), the active
 * entries beside them, its maptrack, and its lifetime. setup_table,
 * query_size and the version operations live here too.
 */
#include <stddef.h>
#include <asm/layout.h>
#include "gnttab_internal.h"

void gnt_log(struct gnt_env *env, const struct gnt_table *t, const char *what,
             const char *why, int rc, u64 a, u64 b)
{
    env->ops->log(env->ctx, t ? t->domid : DOMID_INVALID, what, why, rc, a, b);
}

void gnt_table_get(struct gnt_table *t)
{
    __atomic_fetch_add(&t->refcnt, 1, __ATOMIC_ACQ_REL);
}

static void table_free(struct gnt_env *env, struct gnt_table *t)
{
    void (*fp)(void *, void *) = env->ops->free_page;

    for (unsigned int i = 0; i < t->nr_frames; i++) {
        if (t->shared[i])
            env->ops->free_shared(env->ctx, t->shared[i], t->shared_mfn[i]);
        fp(env->ctx, t->active[2 * i]);
        fp(env->ctx, t->active[2 * i + 1]);
    }
    for (unsigned int i = 0; i < t->mt_limit / GNT_MAPTRACK_PER_PAGE; i++)
        fp(env->ctx, t->maptrack[i]);
    if (t->shared)
        fp(env->ctx, t->shared);
    if (t->shared_mfn)
        fp(env->ctx, t->shared_mfn);
    if (t->active)
        fp(env->ctx, t->active);
    if (t->maptrack)
        fp(env->ctx, t->maptrack);
    fp(env->ctx, t);
}

void gnt_table_put(struct gnt_env *env, struct gnt_table *t)
{
    if (__atomic_sub_fetch(&t->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
        table_free(env, t);
}

/* Frames once added stay until the table is freed, so entries below a
 * size a reader saw stay valid without the lock. */
int gnt_grow(struct gnt_env *env, struct gnt_table *t, unsigned int nr)
{
    int rc = 0;

    if (nr > t->max_frames)
        return -XEN_EINVAL;
    gnt_lock(env, t);
    while (t->nr_frames < nr && !t->dying) {
        unsigned int i = t->nr_frames;
        void *a0 = env->ops->alloc_page(env->ctx);
        void *a1 = env->ops->alloc_page(env->ctx);
        void *s = a0 && a1 ? env->ops->alloc_shared(env->ctx, t->md, &t->shared_mfn[i]) : NULL;

        if (!s) {
            if (a0)
                env->ops->free_page(env->ctx, a0);
            if (a1)
                env->ops->free_page(env->ctx, a1);
            rc = -XEN_ENOMEM;
            break;
        }
        t->active[2 * i] = a0;
        t->active[2 * i + 1] = a1;
        t->shared[i] = s;
        __atomic_store_n(&t->nr_frames, i + 1, __ATOMIC_RELEASE);
    }
    if (t->nr_frames < nr && !rc)
        rc = -XEN_EINVAL;       /* dying */
    gnt_unlock(t);
    return rc;
}

struct gnt_table *gnt_table_create(struct gnt_env *env, struct mm_domain *md, u16 domid,
                                   unsigned int max_frames, unsigned int max_maptrack)
{
    struct gnt_table *t;

    BUILD_BUG_ON(sizeof(*t) > 4096);
    BUILD_BUG_ON(GNT_HARD_MAX_FRAMES * sizeof(void *) > 4096);
    BUILD_BUG_ON(GNT_HARD_MAX_FRAMES * 2 * sizeof(void *) > 4096);
    BUILD_BUG_ON(GNT_HARD_MAX_MAPTRACK * sizeof(void *) > 4096);
    BUILD_BUG_ON(GNT_ACTIVE_PER_PAGE * 2 != GNT_ENTRIES_PER_FRAME);
    BUILD_BUG_ON(GNT_ACTIVE_PER_PAGE * sizeof(struct gnt_active) > 4096);
    BUILD_BUG_ON(GNT_MAPTRACK_PER_PAGE * sizeof(struct gnt_maptrack) > 4096);

    t = env->ops->alloc_page(env->ctx);
    if (!t)
        return NULL;
    t->refcnt = 1;
    t->md = md;
    t->domid = domid;
    t->max_frames = max_frames ? max_frames : GNT_DEFAULT_MAX_FRAMES;
    if (t->max_frames > GNT_HARD_MAX_FRAMES)
        t->max_frames = GNT_HARD_MAX_FRAMES;
    t->max_maptrack = max_maptrack ? max_maptrack : GNT_DEFAULT_MAX_MAPTRACK;
    if (t->max_maptrack > GNT_HARD_MAX_MAPTRACK)
        t->max_maptrack = GNT_HARD_MAX_MAPTRACK;
    t->mt_free = GNT_NO_HANDLE;
    t->shared = env->ops->alloc_page(env->ctx);
    t->shared_mfn = env->ops->alloc_page(env->ctx);
    t->active = env->ops->alloc_page(env->ctx);
    t->maptrack = env->ops->alloc_page(env->ctx);
    /* Xen starts every table with one frame. A first page of handles now,
     * so that a refused map leaves no trace. */
    if (!t->shared || !t->shared_mfn || !t->active || !t->maptrack || gnt_grow(env, t, 1) ||
        gnt_mt_grow_locked(env, t)) {
        table_free(env, t);
        return NULL;
    }
    return t;
}

void gnt_table_set_limits(struct gnt_env *env, struct gnt_table *t, unsigned int max_frames,
                          unsigned int max_maptrack)
{
    gnt_lock(env, t);
    max_frames = max_frames ? max_frames : GNT_DEFAULT_MAX_FRAMES;
    max_maptrack = max_maptrack ? max_maptrack : GNT_DEFAULT_MAX_MAPTRACK;
    /* Never below what the table already holds. */
    t->max_frames = max_frames > GNT_HARD_MAX_FRAMES ? GNT_HARD_MAX_FRAMES
                  : max_frames < t->nr_frames ? t->nr_frames : max_frames;
    t->max_maptrack = max_maptrack > GNT_HARD_MAX_MAPTRACK ? GNT_HARD_MAX_MAPTRACK
                    : max_maptrack < t->mt_limit / GNT_MAPTRACK_PER_PAGE
                      ? t->mt_limit / GNT_MAPTRACK_PER_PAGE : max_maptrack;
    gnt_unlock(t);
}

/* Rule G8: give back every pin the dying domain holds on others' grants.
 * Host mappings' references belong to its PTEs, which its page-table
 * teardown drops (as on Xen for PV); device mappings' are dropped here. */
int gnt_table_teardown(struct gnt_env *env, struct gnt_table *t)
{
    unsigned int n = 0;

    __atomic_store_n(&t->dying, true, __ATOMIC_SEQ_CST);
    for (; t->teardown_pos < __atomic_load_n(&t->mt_limit, __ATOMIC_ACQUIRE); t->teardown_pos++) {
        struct gnt_maptrack *mt, m;
        struct gnt_active *act;

        if (++n % 64 == 0 && gnt_env_preempt(env))
            return -XEN_ERESTART;
        gnt_lock(env, t);
        mt = gnt_mt(t, t->teardown_pos);
        m = *mt;
        if (m.flags && !m.busy)
            gnt_mt_free_locked(t, t->teardown_pos);
        gnt_unlock(t);
        if (!m.flags || m.busy)
            continue;

        gnt_lock(env, m.rt);
        act = gnt_act(m.rt, m.ref);
        if (m.flags & GNTMAP_device_map) {
            act->pin -= (m.flags & GNTMAP_readonly) ? GNTPIN_DEVR_INC : GNTPIN_DEVW_INC;
            if (!(m.flags & GNTMAP_readonly))
                mm_put_type(env->mm, NULL, act->mfn, 0);
            mm_put_page(env->mm, act->mfn);
        }
        if (m.flags & GNTMAP_host_map)
            act->pin -= (m.flags & GNTMAP_readonly) ? GNTPIN_HSTR_INC : GNTPIN_HSTW_INC;
        gnt_reduce_status(m.rt, m.ref, act, m.flags & GNTMAP_readonly);
        gnt_unlock(m.rt);
        gnt_table_put(env, m.rt);
    }
    return 0;
}

/* The domain is gone: its shared frames go now (a reused domid must not
 * find them); active entries stay until no maptrack refers to them. */
void gnt_table_release(struct gnt_env *env, struct gnt_table *t)
{
    gnt_lock(env, t);
    t->dying = true;
    for (unsigned int i = 0; i < t->nr_frames; i++) {
        env->ops->free_shared(env->ctx, t->shared[i], t->shared_mfn[i]);
        t->shared[i] = NULL;
    }
    t->md = NULL;
    gnt_unlock(t);
    gnt_table_put(env, t);
}

/* Xen's array_access_ok for a 64-bit PV guest. */
static bool range_ok(u64 p, u64 n, u64 size)
{
    u64 end;

    if (n >= ~0ULL / size)
        return false;
    end = p + n * size;
    if (end < p)
        return false;
    return (p < (1ULL << 47) && end <= (1ULL << 47)) || p >= DIRECTMAP_VIRT_END;
}

static struct gnt_table *lookup_any(struct gnt_env *env, struct gnt_table *lt, u16 domid,
                                    int *err)
{
    if (domid == DOMID_SELF || domid == lt->domid) {
        gnt_table_get(lt);
        return lt;
    }
    return env->ops->get_table(env->ctx, lt, domid, true, err);
}

static s16 lookup_status(int err)
{
    return err == -XEN_EPERM ? GNTST_permission_denied : GNTST_bad_domain;
}

long gnt_setup_table(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                     unsigned int count)
{
    struct gnttab_setup_table op;
    struct gnt_table *t;
    int err = 0;

    if (count != 1)
        return -XEN_EINVAL;
    if (env->ops->copy_from_guest(env->ctx, v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    if (!range_ok((u64)(unsigned long)op.frame_list.p, op.nr_frames, sizeof(xen_pfn_t)))
        return -XEN_EFAULT;
    op.status = GNTST_okay;
    t = lookup_any(env, lt, op.dom, &err);
    if (!t) {
        op.status = lookup_status(err);
    } else {
        if (op.nr_frames > t->max_frames) {
            gnt_log(env, t, "setup_table", "more frames than the limit", GNTST_general_error,
                    op.nr_frames, t->max_frames);
            op.status = GNTST_general_error;
        } else if (op.nr_frames > gnt_nr_entries(t) / GNT_ENTRIES_PER_FRAME &&
                   gnt_grow(env, t, op.nr_frames)) {
            op.status = GNTST_general_error;
        } else {
            for (unsigned int i = 0; i < op.nr_frames; i++) {
                xen_pfn_t mfn = t->shared_mfn[i];

                if (env->ops->copy_to_guest(env->ctx, v,
                                            (u64)(unsigned long)op.frame_list.p + i * sizeof(mfn),
                                            &mfn, sizeof(mfn)))
                    op.status = GNTST_bad_virt_addr;
            }
        }
        gnt_table_put(env, t);
    }
    if (env->ops->copy_to_guest(env->ctx, v, uop + offsetof(struct gnttab_setup_table, status),
                                &op.status, sizeof(op.status)))
        return -XEN_EFAULT;
    return 0;
}

long gnt_query_size(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                    unsigned int count)
{
    struct gnttab_query_size op;
    struct gnt_table *t;
    int err = 0;

    if (count != 1)
        return -XEN_EINVAL;
    if (env->ops->copy_from_guest(env->ctx, v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    t = lookup_any(env, lt, op.dom, &err);
    if (!t) {
        op.status = lookup_status(err);
    } else {
        op.nr_frames = gnt_nr_entries(t) / GNT_ENTRIES_PER_FRAME;
        op.max_nr_frames = t->max_frames;
        op.status = GNTST_okay;
        gnt_table_put(env, t);
    }
    return env->ops->copy_to_guest(env->ctx, v, uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* Rule G9: only v1, as Xen 4.17 booted with gnttab=max-ver:1. */
long gnt_version_op(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                    unsigned int cmd, u64 uop, unsigned int count)
{
    switch (cmd) {
    case GNTTABOP_set_version: {
        struct gnttab_set_version op;
        long rc = 0;

        if (env->ops->copy_from_guest(env->ctx, v, &op, uop, sizeof(op)))
            return -XEN_EFAULT;
        if (op.version != 1 && op.version != 2)
            rc = -XEN_EINVAL;
        else if (op.version == 2)
            rc = -XEN_ENOSYS;
        op.version = 1;
        return env->ops->copy_to_guest(env->ctx, v, uop, &op, sizeof(op)) ? -XEN_EFAULT : rc;
    }
    case GNTTABOP_get_version: {
        struct gnttab_get_version op;
        struct gnt_table *t;
        int err = 0;

        if (env->ops->copy_from_guest(env->ctx, v, &op, uop, sizeof(op)))
            return -XEN_EFAULT;
        t = lookup_any(env, lt, op.dom, &err);
        if (!t)
            return err == -XEN_EPERM ? -XEN_EPERM : -XEN_ESRCH;
        gnt_table_put(env, t);
        op.version = 1;
        return env->ops->copy_to_guest(env->ctx, v,
                                       uop + offsetof(struct gnttab_get_version, version),
                                       &op.version, sizeof(op.version)) ? -XEN_EFAULT : 0;
    }
    case GNTTABOP_get_status_frames: {
        struct gnttab_get_status_frames op;
        struct gnt_table *t;
        int err = 0;

        if (count != 1)
            return -XEN_EINVAL;
        if (env->ops->copy_from_guest(env->ctx, v, &op, uop, sizeof(op)))
            return -XEN_EFAULT;
        if (!range_ok((u64)(unsigned long)op.frame_list.p, op.nr_frames, sizeof(u64)))
            return -XEN_EFAULT;
        t = lookup_any(env, lt, op.dom, &err);
        if (!t) {
            op.status = lookup_status(err);
        } else {
            /* A v1 table has no status frames. */
            op.status = op.nr_frames ? GNTST_general_error : GNTST_okay;
            gnt_table_put(env, t);
        }
        return env->ops->copy_to_guest(env->ctx, v,
                                       uop + offsetof(struct gnttab_get_status_frames, status),
                                       &op.status, sizeof(op.status)) ? -XEN_EFAULT : 0;
    }
    }
    return -XEN_ENOSYS;
}
