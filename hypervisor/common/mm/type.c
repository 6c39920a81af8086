/*
 * Frame types and type counts (rules 3, 4, 14, 16).
 *
 * States of a table-typed frame (count = type count):
 *   count 0               not validated; its entries hold no references
 *   count >= 1, VALIDATED live: every present entry holds its references
 *   count 1, !VALIDATED   busy: one CPU is (de)validating it; others wait
 *   count 1, PARTIAL      parked: entries [0,nr) hold references; with PSET
 *                         entry nr holds a general reference to a child that
 *                         may itself be PARTIAL; one extra general reference
 *                         keeps the frame alive. The next get_type of the
 *                         same type resumes validation, a partial put
 *                         resumes devalidation.
 * All transitions are cmpxchg on type_info; only the CPU that made a frame
 * busy writes its entries or leaves the busy state.
 */
#include "mm_internal.h"

static bool needs_validation(unsigned int type)
{
    return pgt_is_table(type) || type == PGT_SEG_DESC;
}

static u64 parked(unsigned int type, unsigned int nr, bool pset)
{
    return pgt_make(type) | PGT_PARTIAL | (pset ? PGT_PSET : 0) |
           ((u64)nr << PGT_NR_SHIFT) | 1;
}

/* The busy frame (count 1, ours) finished a validation attempt with rc.
 * prev is what the frame was before (count 0), restored on failure. */
static int finish_validation(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                             unsigned int type, unsigned int flags, int rc,
                             unsigned int nr, bool pset, bool took_partial,
                             u64 prev, bool *left_partial)
{
    struct frame *f = mm_frame(env, mfn);

    if (rc == 0) {
        mm_store(&f->type_info, pgt_make(type) | PGT_VALIDATED | 1);
        if (took_partial)
            mm_put_page(env, mfn);
        return 0;
    }
    if (rc == -XEN_ERESTART) {
        if (!took_partial)
            mm_get_page_light(env, mfn);
        mm_store(&f->type_info, parked(type, nr, pset));
        return rc;
    }

    /* A bad entry: drop what this and earlier attempts took (rule 4). */
    if (nr || pset) {
        int rc2 = mm_devalidate(env, v, mfn, type, flags, &nr, &pset);

        if (rc2 == -XEN_ERESTART) {
            if (!took_partial)
                mm_get_page_light(env, mfn);
            mm_store(&f->type_info, parked(type, nr, pset));
            *left_partial = true;
            return rc;
        }
    }
    /* Nothing of the attempt remains: the frame is back to what it was
     * (its contents were never changed, rule 4). */
    mm_set_stamp(env, mfn);
    mm_store(&f->type_info, took_partial ? pgt_make(type) : prev);
    if (took_partial)
        mm_put_page(env, mfn);
    return rc;
}

int mm_get_type_ex(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                   unsigned int flags, bool *left_partial)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->type_info), nx;
    unsigned int nr = 0;
    bool pset = false, took_partial = false;
    u64 prev = 0;
    int rc;

    *left_partial = false;
    for (;;) {
        u64 cnt = pgt_count(x);

        if (cnt >= PGT_COUNT_MASK - 1)
            return -XEN_EINVAL;     /* type count overflow */

        if (cnt == 0) {
            unsigned int old = pgt_type(x);

            if (old == type && (x & PGT_VALIDATED)) {
                /* writable or seg_desc kept its validity at count 0 */
                if (mm_cas(&f->type_info, &x, x + 1))
                    return 0;
                continue;
            }
            nx = pgt_make(type) | 1;        /* busy */
            if (!mm_cas(&f->type_info, &x, nx))
                continue;
            prev = x;
            /* Rule 14: nothing may still reach the frame through a
             * translation made under its old type. The frame is busy, so
             * no old-type reference can appear and the stamp is final. */
            if (old != type && old != PGT_NONE)
                env->ops->flush_all_since(env->ctx,
                                          pgc_stamp(mm_load(&f->count_info)));
            if (!needs_validation(type)) {
                mm_store(&f->type_info, pgt_make(type) | PGT_VALIDATED | 1);
                return 0;
            }
            break;
        }

        if (pgt_type(x) != type)
            return -XEN_EINVAL;

        if (!(x & PGT_VALIDATED)) {
            if (!(x & PGT_PARTIAL)) {
                /* Another CPU is (de)validating it: wait. */
                if ((flags & MM_PREEMPTIBLE) && mm_preempt(env))
                    return -XEN_ERESTART;
                env->ops->relax(env->ctx);
                x = mm_load(&f->type_info);
                continue;
            }
            /* Resume a parked table: its parked reference becomes ours. */
            nx = pgt_make(type) | 1;
            if (!mm_cas(&f->type_info, &x, nx))
                continue;
            took_partial = true;
            nr = pgt_nr(x);
            pset = x & PGT_PSET;
            break;
        }

        if (mm_cas(&f->type_info, &x, x + 1))
            return 0;
    }

    rc = mm_validate(env, v, mfn, type, flags, &nr, &pset);
    return finish_validation(env, v, mfn, type, flags, rc, nr, pset, took_partial, prev,
                             left_partial);
}

int mm_get_type_slow(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                     unsigned int flags)
{
    bool left_partial;

    return mm_get_type_ex(env, v, mfn, type, flags, &left_partial);
}

/* Devalidate a busy table from (nr, pset) down; park it if preempted.
 * `light` says whether the frame's extra parked reference is already held. */
static int finish_devalidation(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                               unsigned int type, unsigned int flags, unsigned int nr,
                               bool pset, bool light)
{
    struct frame *f = mm_frame(env, mfn);
    int rc = mm_devalidate(env, v, mfn, type, flags, &nr, &pset);

    if (rc == -XEN_ERESTART) {
        if (!light)
            mm_get_page_light(env, mfn);
        mm_store(&f->type_info, parked(type, nr, pset));
        return rc;
    }
    MM_BUG_ON(rc);
    mm_set_stamp(env, mfn);
    mm_store(&f->type_info, pgt_make(type));
    if (light)
        mm_put_page(env, mfn);
    return 0;
}

/* Drop one full type reference. -ERESTART: the reference became the
 * frame's parked state (the caller keeps its general reference and must
 * see the partial put through). */
int mm_put_type_slow(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int flags)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->type_info);

    for (;;) {
        u64 cnt = pgt_count(x);
        unsigned int type = pgt_type(x);

        MM_BUG_ON(cnt == 0 || (x & PGT_PARTIAL) || (cnt == 1 && (x & PGT_LOCKED)));

        if (cnt == 1 && pgt_is_table(type)) {
            MM_BUG_ON(!(x & PGT_VALIDATED) || (x & (PGT_LOCKED | PGT_PINNED)));
            if (!mm_cas(&f->type_info, &x, pgt_make(type) | 1))
                continue;
            return finish_devalidation(env, v, mfn, type, flags, PT_ENTRIES, false,
                                       false);
        }
        if (cnt == 2 && (x & PGT_LOCKED)) {
            /* Only the lock would remain, and unlock does no devalidation:
             * wait for the lock holder (Xen does the same). */
            env->ops->relax(env->ctx);
            x = mm_load(&f->type_info);
            continue;
        }
        if (cnt == 1)
            mm_set_stamp(env, mfn);
        if (mm_cas(&f->type_info, &x, x - 1))
            return 0;
    }
}

/* Push a parked frame down to count 0 (the PSET / deferred-slot case).
 * Nothing to do if someone resumed it meanwhile. 0 or -ERESTART. */
int mm_put_type_partial(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int flags)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->type_info);
    unsigned int type;

    for (;;) {
        if (!(x & PGT_PARTIAL))
            return 0;
        if (mm_cas(&f->type_info, &x, pgt_make(pgt_type(x)) | 1))
            break;
    }
    type = pgt_type(x);
    return finish_devalidation(env, v, mfn, type, flags, pgt_nr(x), x & PGT_PSET, true);
}

/* Xen's page_lock: a validated, in-use table, held against devalidation
 * while one entry is updated (mm_internal.h tries the common case inline). */
bool mm_page_lock_slow(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->type_info);

    for (;;) {
        if (x & PGT_LOCKED) {
            env->ops->relax(env->ctx);
            x = mm_load(&f->type_info);
            continue;
        }
        if (!(x & PGT_VALIDATED) || pgt_count(x) == 0 ||
            pgt_count(x) >= PGT_COUNT_MASK - 1)
            return false;
        if (mm_cas(&f->type_info, &x, (x + 1) | PGT_LOCKED))
            return true;
    }
}

void mm_page_unlock_slow(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->type_info);

    do {
        MM_BUG_ON(!(x & PGT_LOCKED) || pgt_count(x) < 2);
    } while (!mm_cas(&f->type_info, &x, (x - 1) & ~PGT_LOCKED));
}
