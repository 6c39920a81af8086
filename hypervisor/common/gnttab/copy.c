/*
 * GNTTABOP_copy (rule G6): copy bytes between two frames named by grant
 * ref or, for the caller's own memory only, by frame number. Each side is
 * pinned (GTF_reading, and GTF_writing for the destination) and referenced
 * while a copy uses it, so a granter that revokes meanwhile (clearing
 * GTF_permit_access) changes nothing until the copy is done, and the frame
 * cannot be freed or retyped under it.
 *
 * Within one batch a side is kept (its table reference, pin, status bits,
 * frame and type references) while consecutive entries name the same
 * domain and the same ref or frame, as Xen 4.17's gnttab_copy keeps its
 * source and destination "bufs": netback splits every destination page
 * into ~3 copies. A side goes when an entry names something else for it,
 * both go when either domain changes or an entry fails, and everything
 * goes before the batch returns (done, preempted or faulted), so the
 * granter's entry is unpinned no later than under Xen. Each entry is still
 * checked in full: by-frame only for DOMID_SELF, a kept ref's table not
 * dying (a ref once in range stays so: tables never shrink), both ranges
 * inside the page.
 */
#include "gnttab_internal.h"

static s16 lock_side(struct gnt_env *env, struct gnt_table *lt, u16 domid, bool by_gref,
                     struct gnt_copy_side *s)
{
    if (domid != DOMID_SELF && !by_gref)
        return GNTST_permission_denied;
    if (domid == DOMID_SELF || domid == lt->domid) {
        gnt_table_get(lt);
        s->t = lt;
    } else {
        s->t = gnt_env_get_table(env, lt, domid);
    }
    s->domid = domid;
    return s->t ? GNTST_okay : GNTST_bad_domain;
}

/* Xen's acquire_grant_for_copy for a v1 entry. */
static s16 acquire(struct gnt_env *env, struct gnt_table *lt, struct gnt_copy_side *s)
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

/* Give back what the side holds for its ref or frame; its table stays. */
static __attribute__((noinline)) void release_held(struct gnt_env *env,
                                                   struct gnt_copy_side *s)
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
    s->pinned = s->have_ref = s->have_type = false;
}

/* Whatever a side holds, it holds a frame reference (pinned and typed
 * come with it): most calls find nothing and cost a test. */
static inline void release(struct gnt_env *env, struct gnt_copy_side *s)
{
    if (s->have_ref)
        release_held(env, s);
}

static inline void unlock_side(struct gnt_env *env, struct gnt_copy_side *s)
{
    release(env, s);
    if (s->t)
        gnt_table_put(env, s->t);
    s->t = NULL;
}

static s16 claim(struct gnt_env *env, struct gnt_table *lt, const struct gnttab_copy_ptr *p,
                 struct gnt_copy_side *s)
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

/* The side already holds what this entry names (Xen's gnttab_copy_buf_valid),
 * and a kept ref's table is not dying (acquire would refuse it now). */
static bool side_kept(const struct gnt_copy_side *s, const struct gnttab_copy_ptr *p, bool by_gref)
{
    if (!s->have_ref || s->by_gref != by_gref)
        return false;
    if (by_gref)
        return s->ref == p->u.ref && !__atomic_load_n(&s->t->dying, __ATOMIC_ACQUIRE);
    return s->mfn == p->u.gmfn;     /* a held frame is below 2^40 */
}

/*
 * The bytes themselves. Distinct ranges move 8 bytes per `movsq`, 32 of
 * them per loop iteration: one instruction per word (an unrolled register
 * loop takes two, `rep movsq` one per iteration but, under emulation,
 * a translated block each), so a 4 KiB copy is ~530 instructions in 16
 * blocks. The tail below 256 bytes goes the same way in runs of 16, 8, 4,
 * 2 and 1 words, then 4, 2 and 1 bytes, one per bit of its length (no
 * computed jump: an indirect branch a guest could steer), where memmove's
 * loop took two instructions per word; netback's entries end anywhere.
 * Overlapping ranges (one frame on both sides) go through memmove.
 */
#define MOVS(n, insn) __asm__ __volatile__(".rept " #n "\n\t" insn "\n\t.endr" \
                                           : "+D"(d), "+S"(s) : : "memory")

static void move_bytes(u8 *d, const u8 *s, unsigned int len)
{
#if defined(__x86_64__)
    if (d + len <= s || s + len <= d) {
        for (unsigned int blocks = len / 256; blocks; blocks--)
            MOVS(32, "movsq");
        if (!(len & 255))
            return;     /* whole blocks (a full page): no tail to test */
        if (len & 128)
            MOVS(16, "movsq");
        if (len & 64)
            MOVS(8, "movsq");
        if (len & 32)
            MOVS(4, "movsq");
        if (len & 16)
            MOVS(2, "movsq");
        if (len & 8)
            MOVS(1, "movsq");
        if (len & 4)
            MOVS(1, "movsl");
        if (len & 2)
            MOVS(1, "movsw");
        if (len & 1)
            MOVS(1, "movsb");
        return;
    }
#endif
    if (len)
        __builtin_memmove(d, s, len);
}

void gnt_copy_end(struct gnt_env *env, struct gnt_copy_state *cs)
{
    unlock_side(env, &cs->dst);
    unlock_side(env, &cs->src);
}

s16 gnt_copy_one(struct gnt_env *env, struct gnt_table *lt, const struct gnttab_copy *op,
                 struct gnt_copy_state *cs)
{
    bool sgref = op->flags & GNTCOPY_source_gref, dgref = op->flags & GNTCOPY_dest_gref;
    struct gnt_copy_side *src = &cs->src, *dst = &cs->dst;
    s16 st;

    if (!src->t || op->source.domid != src->domid || !dst->t ||
        op->dest.domid != dst->domid) {
        if (src->t || dst->t)
            gnt_copy_end(env, cs);
        st = lock_side(env, lt, op->source.domid, sgref, src);
        if (!st)
            st = lock_side(env, lt, op->dest.domid, dgref, dst);
        if (st) {
            gnt_copy_end(env, cs);
            return st;
        }
    } else if ((!sgref && src->domid != DOMID_SELF) || (!dgref && dst->domid != DOMID_SELF)) {
        /* By frame only for DOMID_SELF, for every entry, also when the
         * domains are kept (Xen 4.17 answers the same: gntpair's
         * peercopy.batch_dom0_gmfn). */
        st = GNTST_permission_denied;
        goto fail;
    }
    if (!side_kept(src, &op->source, sgref)) {
        release(env, src);
        src->by_gref = sgref;
        src->ro = true;
        st = claim(env, lt, &op->source, src);
        if (st)
            goto fail;
    }
    if (!side_kept(dst, &op->dest, dgref)) {
        release(env, dst);
        dst->by_gref = dgref;
        dst->ro = false;
        st = claim(env, lt, &op->dest, dst);
        if (st)
            goto fail;
    }
    if ((unsigned int)op->source.offset + op->len > 4096 ||
        (unsigned int)op->dest.offset + op->len > 4096) {
        gnt_log(env, lt, "copy", "beyond the page", GNTST_bad_copy_arg, op->source.offset,
                op->dest.offset);
        st = GNTST_bad_copy_arg;
        goto fail;
    }
    if (op->len) {
        u8 *d = gnt_env_map_data(env, dst->mfn);
        const u8 *s = gnt_env_map_data(env, src->mfn);

        move_bytes(d + op->dest.offset, s + op->source.offset, op->len);
    }
    return GNTST_okay;

fail:
    /* as Xen: a failed entry keeps neither side (the tables may stay) */
    release(env, dst);
    release(env, src);
    return st;
}
