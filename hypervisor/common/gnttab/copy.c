/*
 * GNTTABOP_copy (rule G6): copy bytes between two frames named by grant
 * ref or, for the caller's own memory only, by frame number. Each side is
 * pinned (GTF_reading, and GTF_writing for the destination) and referenced
 * for exactly the duration of the copy, so a granter that revokes meanwhile
 * (clearing GTF_permit_access) changes nothing until the copy is done, and
 * the frame cannot be freed or retyped under it.
 */
#include "gnttab_internal.h"

struct side {
    struct gnt_table *t;
    u32 ref;
    bool by_gref, ro, pinned, have_ref, have_type;
    mfn_t mfn;
};

static s16 lock_side(struct gnt_env *env, struct gnt_table *lt, u16 domid, bool by_gref,
                     struct side *s)
{
    if (domid != DOMID_SELF && !by_gref)
        return GNTST_permission_denied;
    if (domid == DOMID_SELF || domid == lt->domid) {
        gnt_table_get(lt);
        s->t = lt;
    } else {
        s->t = gnt_env_get_table(env, lt, domid);
    }
    return s->t ? GNTST_okay : GNTST_bad_domain;
}

/* Xen's acquire_grant_for_copy for a v1 entry. */
static s16 acquire(struct gnt_env *env, struct gnt_table *lt, struct side *s)
{
    unsigned int incr = s->ro ? GNTPIN_HSTR_INC : GNTPIN_HSTW_INC;
    struct gnt_table *t = s->t;
    struct gnt_active *act;
    s16 st;

    gnt_lock(env, t);
    if (s->ref >= gnt_nr_entries(t) || t->dying) {
        gnt_unlock(t);
        gnt_log(env, t, "copy", "bad ref", GNTST_bad_gntref, s->ref, lt->domid);
        return GNTST_bad_gntref;
    }
    act = gnt_act(t, s->ref);
    if (act->pin && (act->domid != lt->domid || gnt_pin_would_overflow(act->pin, incr))) {
        gnt_unlock(t);
        gnt_log(env, t, "copy", "pinned by another domain or pin count full",
                GNTST_general_error, s->ref, act->pin);
        return GNTST_general_error;
    }
    if (!act->pin || (!s->ro && !(act->pin & (GNTPIN_HSTW_MASK | GNTPIN_DEVW_MASK)))) {
        st = gnt_set_status(env, t, s->ref, act, s->ro, false, lt->domid);
        if (st) {
            gnt_unlock(t);
            return st;
        }
        if (!act->pin) {
            act->domid = lt->domid;
            act->mfn = __atomic_load_n(&gnt_shared(t, s->ref)->frame, __ATOMIC_ACQUIRE);
        }
    }
    if (!t->md || !mm_get_page(env->mm, act->mfn, t->md)) {
        /* as Xen: the first pin looks the frame up in the granter's
         * memory (GNTST_bad_page); a pinned entry's frame gone is
         * general_error */
        st = act->pin ? GNTST_general_error : GNTST_bad_page;
        gnt_reduce_status(t, s->ref, act, s->ro);
        gnt_unlock(t);
        gnt_log(env, t, "copy", "frame not the granter's", st, s->ref, act->mfn);
        return st;
    }
    act->pin += incr;
    s->mfn = act->mfn;
    s->pinned = s->have_ref = true;
    gnt_unlock(t);
    return GNTST_okay;
}

static void release(struct gnt_env *env, struct side *s)
{
    if (s->have_type)
        mm_put_type(env->mm, NULL, s->mfn, 0);
    if (s->have_ref)
        mm_put_page(env->mm, s->mfn);
    if (s->pinned) {
        struct gnt_active *act;

        gnt_lock(env, s->t);
        act = gnt_act(s->t, s->ref);
        act->pin -= s->ro ? GNTPIN_HSTR_INC : GNTPIN_HSTW_INC;
        gnt_reduce_status(s->t, s->ref, act, s->ro);
        gnt_unlock(s->t);
    }
    if (s->t)
        gnt_table_put(env, s->t);
}

static s16 claim(struct gnt_env *env, struct gnt_table *lt, const struct gnttab_copy_ptr *p,
                 struct side *s)
{
    s16 st;

    if (s->by_gref) {
        s->ref = p->u.ref;
        st = acquire(env, lt, s);
        if (st)
            return st;
    } else {
        /* By frame: the caller's own (PV: frame numbers are machine frames). */
        if (p->u.gmfn >= (1ULL << 40) || !lt->md ||
            !mm_get_page(env->mm, (mfn_t)p->u.gmfn, lt->md)) {
            gnt_log(env, lt, "copy", "frame not the caller's", GNTST_bad_page, p->u.gmfn, 0);
            return GNTST_bad_page;
        }
        s->mfn = (mfn_t)p->u.gmfn;
        s->have_ref = true;
    }
    if (!s->ro) {
        if (mm_get_type(env->mm, NULL, s->mfn, PGT_WRITABLE, 0)) {
            gnt_log(env, s->t, "copy", "destination not writable", GNTST_general_error,
                    s->mfn, 0);
            return GNTST_general_error;
        }
        s->have_type = true;
    }
    return GNTST_okay;
}

/*
 * The bytes themselves. Distinct ranges move 8 bytes per `movsq`, 32 of
 * them per loop iteration: one instruction per word (an unrolled register
 * loop takes two, `rep movsq` one per iteration but, under emulation,
 * a translated block each), so a 4 KiB copy is ~530 instructions in 16
 * blocks. Overlapping ranges (one frame on both sides) and the tail go
 * through memmove.
 */
static void move_bytes(u8 *d, const u8 *s, unsigned int len)
{
#if defined(__x86_64__)
    if (d + len <= s || s + len <= d) {
        unsigned int blocks = len / 256;

        for (; blocks; blocks--)
            __asm__ __volatile__(
                ".rept 32\n\tmovsq\n\t.endr"
                : "+D"(d), "+S"(s) : : "memory");
        len %= 256;
    }
#endif
    if (len)        /* a whole number of blocks: no call for nothing */
        __builtin_memmove(d, s, len);
}

s16 gnt_copy(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
             const struct gnttab_copy *op)
{
    struct side src = { .by_gref = op->flags & GNTCOPY_source_gref, .ro = true };
    struct side dst = { .by_gref = op->flags & GNTCOPY_dest_gref, .ro = false };
    s16 st;

    (void)v;
    st = lock_side(env, lt, op->source.domid, src.by_gref, &src);
    if (!st)
        st = lock_side(env, lt, op->dest.domid, dst.by_gref, &dst);
    if (!st)
        st = claim(env, lt, &op->source, &src);
    if (!st)
        st = claim(env, lt, &op->dest, &dst);
    if (!st && ((unsigned int)op->source.offset + op->len > 4096 ||
                (unsigned int)op->dest.offset + op->len > 4096)) {
        gnt_log(env, lt, "copy", "beyond the page", GNTST_bad_copy_arg, op->source.offset,
                op->dest.offset);
        st = GNTST_bad_copy_arg;
    }
    if (!st && op->len) {
        u8 *d = gnt_env_map_data(env, dst.mfn);
        const u8 *s = gnt_env_map_data(env, src.mfn);

        move_bytes(d + op->dest.offset, s + op->source.offset, op->len);
    }
    release(env, &dst);
    release(env, &src);
    return st;
}
