/*
 * map_grant_ref and unmap_grant_ref / unmap_and_replace (Xen 4.17's
 * map_grant_ref, unmap_common, unmap_common_complete). A mapping is: a pin
 * on the granter's active entry, frame references in the memory-safety
 * module (rule G4), a grant PTE for a host map, and a maptrack entry in the
 * mapper's table that holds a reference on the granter's table (rule G8).
 */
#include "gnttab_internal.h"

/* ---- maptrack --------------------------------------------------------- */

/* One more page of free handles, within the limit: 0 or -ENOMEM. The
 * caller holds lt's lock and the free list is empty. */
u32 gnt_mt_grow_locked(struct gnt_env *env, struct gnt_table *lt)
{
    struct gnt_maptrack *p;
    u32 base = lt->mt_limit;

    if (base / GNT_MAPTRACK_PER_PAGE >= lt->max_maptrack)
        return (u32)-XEN_ENOMEM;
    p = env->ops->alloc_page(env->ctx);
    if (!p)
        return (u32)-XEN_ENOMEM;
    for (u32 i = 0; i < GNT_MAPTRACK_PER_PAGE; i++)
        p[i].ref = i + 1 < GNT_MAPTRACK_PER_PAGE ? base + i + 1 : GNT_NO_HANDLE;
    lt->maptrack[base / GNT_MAPTRACK_PER_PAGE] = p;
    lt->mt_free = base;
    __atomic_store_n(&lt->mt_limit, base + GNT_MAPTRACK_PER_PAGE, __ATOMIC_RELEASE);
    return 0;
}

/* A reserved handle (busy, no flags), or GNT_NO_HANDLE at the limit. */
static u32 mt_alloc(struct gnt_env *env, struct gnt_table *lt)
{
    u32 h = GNT_NO_HANDLE;

    gnt_lock(env, lt);
    if (lt->mt_free == GNT_NO_HANDLE && !lt->dying)
        gnt_mt_grow_locked(env, lt);
    if (lt->mt_free != GNT_NO_HANDLE && !lt->dying) {
        struct gnt_maptrack *mt;

        h = lt->mt_free;
        mt = gnt_mt(lt, h);
        lt->mt_free = mt->ref;
        mt->flags = 0;
        mt->busy = 1;
        lt->mt_used++;
    }
    gnt_unlock(lt);
    return h;
}

/* Give a handle back; the caller holds lt's lock. */
void gnt_mt_free_locked(struct gnt_table *lt, u32 h)
{
    struct gnt_maptrack *mt = gnt_mt(lt, h);

    mt->flags = 0;
    mt->busy = 0;
    mt->rt = NULL;
    mt->ref = lt->mt_free;
    lt->mt_free = h;
    lt->mt_used--;
}

static void mt_free(struct gnt_env *env, struct gnt_table *lt, u32 h)
{
    gnt_lock(env, lt);
    gnt_mt_free_locked(lt, h);
    gnt_unlock(lt);
}

/* ---- frame references (rule G4) ---------------------------------------- */

static void put_refs(struct gnt_env *env, mfn_t mfn, bool writable)
{
    if (writable)
        mm_put_type(env->mm, NULL, mfn, 0);
    mm_put_page(env->mm, mfn);
}

/* One general reference, and a writable type reference unless read-only,
 * on a frame the granter still owns: GNTST_okay, GNTST_bad_page when the
 * granter does not own it, GNTST_general_error when it has another type. */
static s16 get_refs(struct gnt_env *env, struct gnt_table *rt, mfn_t mfn, bool writable)
{
    if (!rt->md || !mm_get_page(env->mm, mfn, rt->md))
        return GNTST_bad_page;
    if (writable && mm_get_type(env->mm, NULL, mfn, PGT_WRITABLE, 0)) {
        mm_put_page(env->mm, mfn);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

unsigned int gnt_map_pin_incr(unsigned int flags)
{
    bool ro = flags & GNTMAP_readonly;
    unsigned int incr = 0;

    if (flags & GNTMAP_device_map)
        incr += ro ? GNTPIN_DEVR_INC : GNTPIN_DEVW_INC;
    if (flags & GNTMAP_host_map)
        incr += ro ? GNTPIN_HSTR_INC : GNTPIN_HSTW_INC;
    return incr;
}

/* Xen's grant_to_pte_flags for a RAM frame. */
static u64 grant_pte(mfn_t mfn, unsigned int flags)
{
    u64 pte = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GNTTAB | _PAGE_NX;

    if (flags & GNTMAP_application_map)
        pte |= _PAGE_USER;
    if (!(flags & GNTMAP_readonly))
        pte |= _PAGE_RW;
    pte |= ((u64)(flags >> _GNTMAP_guest_avail0) << 9) & _PAGE_AVAIL;
    return pte_make(mfn, pte);
}

/* Undo a pin of `incr` on (rt, ref) (lock not held). */
static void unpin(struct gnt_env *env, struct gnt_table *rt, u32 ref, unsigned int incr,
                  bool ro)
{
    struct gnt_active *act;

    gnt_lock(env, rt);
    act = gnt_act(rt, ref);
    act->pin -= incr;
    gnt_reduce_status(rt, ref, act, ro);
    gnt_unlock(rt);
}

/* ---- map ---------------------------------------------------------------- */

void gnt_map(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
             struct gnttab_map_grant_ref *op)
{
    bool ro = op->flags & GNTMAP_readonly, dev = op->flags & GNTMAP_device_map;
    bool host = op->flags & GNTMAP_host_map, first;
    unsigned int incr = gnt_map_pin_incr(op->flags), nrefs = 0;
    struct gnt_table *rt;
    struct gnt_active *act;
    struct gnt_maptrack *mt;
    s16 st = GNTST_okay;
    mfn_t mfn;
    u32 h;

    if (!incr) {
        gnt_log(env, lt, "map", "neither host nor device map", GNTST_bad_gntref, op->flags, 0);
        op->status = GNTST_bad_gntref;
        return;
    }
    rt = gnt_env_get_table(env, lt, op->dom);
    if (!rt) {
        gnt_log(env, lt, "map", "no such domain", GNTST_bad_domain, op->dom, 0);
        op->status = GNTST_bad_domain;
        return;
    }
    h = mt_alloc(env, lt);
    if (h == GNT_NO_HANDLE) {
        gnt_log(env, lt, "map", "maptrack full", GNTST_no_space, lt->mt_limit, 0);
        gnt_table_put(env, rt);
        op->status = GNTST_no_space;
        return;
    }

    gnt_lock(env, rt);
    if (op->ref >= gnt_nr_entries(rt) || rt->dying) {
        gnt_unlock(rt);
        gnt_log(env, rt, "map", "bad ref", GNTST_bad_gntref, op->ref, lt->domid);
        st = GNTST_bad_gntref;
        goto out_handle;
    }
    act = gnt_act(rt, op->ref);
    if (act->pin && (act->domid != lt->domid || gnt_pin_would_overflow(act->pin, incr))) {
        gnt_unlock(rt);
        gnt_log(env, rt, "map", "pinned by another domain or pin count full",
                GNTST_general_error, op->ref, act->pin);
        st = GNTST_general_error;
        goto out_handle;
    }
    if (!act->pin || (!ro && !(act->pin & (GNTPIN_HSTW_MASK | GNTPIN_DEVW_MASK)))) {
        st = gnt_set_status(env, rt, op->ref, act, ro, true, lt->domid);
        if (st) {
            gnt_unlock(rt);
            goto out_handle;
        }
        if (!act->pin) {
            act->domid = lt->domid;
            act->mfn = __atomic_load_n(&gnt_shared(rt, op->ref)->frame, __ATOMIC_ACQUIRE);
        }
    }
    first = !act->pin;
    act->pin += incr;
    mfn = act->mfn;
    /* References while the granter still owns the frame (checked by
     * the memory-safety module against the granter's id). */
    st = GNTST_okay;
    if (dev && !(st = get_refs(env, rt, mfn, !ro)))
        nrefs++;
    if (host && !st && !(st = get_refs(env, rt, mfn, !ro)))
        nrefs++;
    if (st) {
        while (nrefs--)
            put_refs(env, mfn, !ro);
        act->pin -= incr;
        gnt_reduce_status(rt, op->ref, act, ro);
        gnt_unlock(rt);
        /* Xen looks the frame up in the granter's memory at the first
         * pin (get_paged_frame: GNTST_bad_page); a later pin or a type
         * that does not fit fails as general_error. */
        if (st == GNTST_bad_page && !first)
            st = GNTST_general_error;
        gnt_log(env, rt, "map", st == GNTST_bad_page ? "frame not the granter's" :
                "frame not the granter's or typed otherwise", st, op->ref, mfn);
        goto out_handle;
    }
    gnt_unlock(rt);

    if (host && mm_grant_create(env->mm, v, op->host_addr, op->flags & GNTMAP_contains_pte,
                                grant_pte(mfn, op->flags))) {
        while (nrefs--)
            put_refs(env, mfn, !ro);
        unpin(env, rt, op->ref, incr, ro);
        st = GNTST_general_error;
        goto out_handle;
    }

    gnt_lock(env, lt);
    mt = gnt_mt(lt, h);
    mt->rt = rt;                /* the maptrack keeps our table reference */
    mt->ref = op->ref;
    mt->flags = (u16)op->flags;
    mt->busy = 0;
    gnt_unlock(lt);
    op->dev_bus_addr = (u64)mfn << 12;
    op->handle = h;
    op->status = GNTST_okay;
    return;

out_handle:
    mt_free(env, lt, h);
    gnt_table_put(env, rt);
    op->status = st;
}

/* ---- unmap ---------------------------------------------------------------- */

void gnt_unmap(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u32 handle,
               u64 host_addr, u64 dev_bus_addr, u64 new_addr, s16 *status,
               struct gnt_unmap_done *done)
{
    struct gnt_maptrack *mt, m;
    u16 did = 0;
    bool freed = false;
    mfn_t mfn;

    done->flags = 0;
    done->rt = NULL;
    gnt_lock(env, lt);
    if (handle >= lt->mt_limit || !gnt_mt(lt, handle)->flags || gnt_mt(lt, handle)->busy) {
        gnt_unlock(lt);
        gnt_log(env, lt, "unmap", "bad handle", GNTST_bad_handle, handle, 0);
        *status = GNTST_bad_handle;
        return;
    }
    mt = gnt_mt(lt, handle);
    mt->busy = 1;               /* ours until we let go */
    m = *mt;
    gnt_unlock(lt);

    /* Pinned by this mapping: the frame cannot change under us (only the
     * first pin sets it, only the last clears it), so no lock to read it. */
    mfn = __atomic_load_n(&gnt_act(m.rt, m.ref)->mfn, __ATOMIC_RELAXED);

    *status = GNTST_okay;
    if (dev_bus_addr && (m.flags & GNTMAP_device_map) && dev_bus_addr != (u64)mfn << 12) {
        gnt_log(env, lt, "unmap", "bus address does not match", GNTST_bad_dev_addr,
                dev_bus_addr, mfn);
        *status = GNTST_bad_dev_addr;
    } else if (host_addr && (m.flags & GNTMAP_host_map)) {
        if (mm_grant_replace(env->mm, v, host_addr, m.flags & GNTMAP_contains_pte, mfn,
                             !(m.flags & GNTMAP_readonly), new_addr))
            *status = GNTST_general_error;
        else
            did |= GNTMAP_host_map;
    }
    if (!*status && dev_bus_addr && (m.flags & GNTMAP_device_map))
        did |= GNTMAP_device_map;

    gnt_lock(env, lt);
    mt->flags &= (u16)~did;
    mt->busy = 0;
    if (!(mt->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
        gnt_mt_free_locked(lt, handle);
        freed = true;
    }
    gnt_unlock(lt);

    if (!did) {
        if (freed)
            gnt_table_put(env, m.rt);
        return;
    }
    if (!freed)
        gnt_table_get(m.rt);    /* completion holds its own */
    done->rt = m.rt;
    done->ref = m.ref;
    done->mfn = mfn;
    done->flags = did | (m.flags & GNTMAP_readonly);
}

/* After the mapper's TLBs were flushed (rule G5). */
void gnt_unmap_complete(struct gnt_env *env, struct mm_vcpu *v, struct gnt_unmap_done *done)
{
    bool ro = done->flags & GNTMAP_readonly;
    struct gnt_active *act;

    (void)v;
    if (!done->flags)
        return;
    if (done->flags & GNTMAP_device_map)
        put_refs(env, done->mfn, !ro);
    if (done->flags & GNTMAP_host_map)
        put_refs(env, done->mfn, !ro);
    gnt_lock(env, done->rt);
    act = gnt_act(done->rt, done->ref);
    if (done->flags & GNTMAP_device_map)
        act->pin -= ro ? GNTPIN_DEVR_INC : GNTPIN_DEVW_INC;
    if (done->flags & GNTMAP_host_map)
        act->pin -= ro ? GNTPIN_HSTR_INC : GNTPIN_HSTW_INC;
    gnt_reduce_status(done->rt, done->ref, act, ro);
    gnt_unlock(done->rt);
    gnt_table_put(env, done->rt);
    done->flags = 0;
    done->rt = NULL;
}
