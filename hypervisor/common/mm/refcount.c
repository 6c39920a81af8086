/*
 * General reference counts and frame ownership (rules 1 and 2).
 *
 * count_info holds the count, the ALLOCATED bit (the owner's own reference)
 * and the TLB-flush stamp; every change is one cmpxchg so a concurrent
 * reader never sees a count without its stamp.
 */
#include "mm_internal.h"

struct mm_domain mm_dom_io = { .domid = DOMID_IO };
struct mm_domain mm_dom_xen = { .domid = DOMID_XEN };

void mm_log(const struct mm_env *env, const struct mm_domain *d, const char *what,
            const char *why, int rc, u64 a, u64 b)
{
    struct mm_log rec = {
        .domid = d ? d->domid : DOMID_INVALID,
        .what = what, .why = why, .rc = rc, .a = a, .b = b,
    };

    if (env->ops->log)
        env->ops->log(env->ctx, &rec);
}

/* Xen's pv_l1tf_check_pte: mfn 0 and addresses above everything cacheable
 * are safe; PSE in a non-present L2-L4 entry never is (a speculative
 * superpage from frame 0; L4 too, through linear walks). */
bool mm_l1tf_refuse_checked(struct mm_env *env, const struct mm_domain *d, unsigned int level,
                            u64 e)
{
    u64 maddr = e & env->l1tf_addr_mask;

    if (!d->check_l1tf ||
        !((level > 1 && (e & _PAGE_PSE)) || (maddr && maddr < env->l1tf_safe_maddr)))
        return false;
    mm_log(env, d, "l1tf", "non-present entry names memory: crashing the domain",
           -XEN_EPERM, level, e);
    if (env->ops->crash_domain)
        env->ops->crash_domain(env->ctx, d, "L1TF-vulnerable page-table entry");
    return true;
}

void mm_vcpu_init(struct mm_vcpu *v, struct mm_domain *d, u32 vcpu_id)
{
    memset(v, 0, sizeof(*v));
    v->dom = d;
    v->vcpu_id = vcpu_id;
    v->kernel_mode = true;
}

bool mm_get_page(struct mm_env *env, mfn_t mfn, const struct mm_domain *d)
{
    struct frame *f;
    u64 x;

    if (!d || !mm_mfn_valid(env, mfn))
        return false;
    f = mm_frame(env, mfn);
    x = mm_load(&f->count_info);
    do {
        u64 c = pgc_count(x);

        /* Not allocated, or the count would reach the top (the last value
         * is kept for the parked state of a partial table). */
        if (c == 0 || c >= PGC_COUNT_MASK - 1)
            return false;
    } while (!mm_cas(&f->count_info, &x, x + 1));

    if (!mm_frame_owned_by(f, d->domid)) {
        mm_put_page(env, mfn);
        return false;
    }
    return true;
}

/* A reference for a frame we already hold one on (cannot fail). */
void mm_get_page_light(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info);

    do {
        MM_BUG_ON(pgc_count(x) == 0 || pgc_count(x) == PGC_COUNT_MASK);
    } while (!mm_cas(&f->count_info, &x, x + 1));
}

static void put_page_bits(struct mm_env *env, mfn_t mfn, u64 clear)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info), nx;

    do {
        MM_BUG_ON(pgc_count(x) == 0);
        nx = (x & ~clear) - 1;
        if (pgc_count(nx) == 0)
            nx = (nx & ~PGC_STAMP_MASK) | mm_stamp_now(env);
    } while (!mm_cas(&f->count_info, &x, nx));

    if (pgc_count(nx) == 0)
        env->ops->free_frame(env->ctx, mfn);
}

void mm_put_page_slow(struct mm_env *env, mfn_t mfn)
{
    put_page_bits(env, mfn, 0);
}

void mm_frame_release(struct mm_env *env, mfn_t mfn)
{
    struct frame *f;
    u64 x;

    if (!mm_mfn_valid(env, mfn))
        return;
    f = mm_frame(env, mfn);
    x = mm_load(&f->count_info);
    for (;;) {
        if (!(x & PGC_ALLOCATED))
            return;
        /* Clear the bit first, so a racing release cannot drop twice. */
        if (mm_cas(&f->count_info, &x, x & ~PGC_ALLOCATED))
            break;
    }
    mm_put_page(env, mfn);
}

/* A frame given back by its owner is mostly held by nothing else: then
 * the caller's reference and the allocation's go in one compare-exchange,
 * stamped as a last put, and the frame is freed. Anything more (a mapping,
 * a pin, a grant, a type user) leaves the frame as it was. */
bool mm_frame_release_held(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info), nx;

    do {
        /* A type user holds a general reference too, so with only these
         * two none can come; the type count is checked all the same. */
        if ((x & (PGC_ALLOCATED | PGC_COUNT_MASK)) != (PGC_ALLOCATED | 2) ||
            pgt_count(mm_load(&f->type_info)))
            return false;
        nx = (x & ~(PGC_ALLOCATED | PGC_COUNT_MASK | PGC_STAMP_MASK)) | mm_stamp_now(env);
    } while (!mm_cas(&f->count_info, &x, nx));
    env->ops->free_frame(env->ctx, mfn);
    return true;
}

/* The core of a reap, for a frame of d's as far as an unlocked look
 * tells: a reference first, only if the allocation's is the one there is
 * (while it is held the owner cannot change under the checks), then both
 * dropped and stamped as a last put in one compare-exchange. The caller
 * frees the frame. */
static inline bool reap_alone(struct mm_env *env, struct frame *f, mfn_t mfn, u16 domid)
{
    u64 x = mm_load(&f->count_info);

    if ((x & (PGC_ALLOCATED | PGC_COUNT_MASK)) != (PGC_ALLOCATED | 1) ||
        !mm_cas(&f->count_info, &x, x + 1))
        return false;
    x++;
    /* mm_frame_owned_by for an ordinary frame, the only kind reaped. A
     * type user holds a general reference too, so with only these two
     * none can come; checked all the same. A reference taken meanwhile
     * fails the exchange: the long way then. */
    if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == FRAME_DOMAIN && f->owner == domid &&
        !pgt_count(mm_load(&f->type_info)) &&
        mm_cas(&f->count_info, &x,
               (x & ~(PGC_ALLOCATED | PGC_COUNT_MASK | PGC_STAMP_MASK)) | mm_stamp_now(env)))
        return true;
    mm_put_page(env, mfn);
    return false;
}

bool mm_frame_reap(struct mm_env *env, mfn_t mfn, const struct mm_domain *d)
{
    if (!mm_mfn_valid(env, mfn) || !reap_alone(env, mm_frame(env, mfn), mfn, d->domid))
        return false;
    env->ops->free_frame(env->ctx, mfn);
    return true;
}

unsigned long mm_frames_reap(struct mm_env *env, mfn_t mfn, unsigned long n,
                             const struct mm_domain *d, mfn_t *out, unsigned int *nout,
                             unsigned int room)
{
    struct frame *frames = env->frames;
    u16 domid = d->domid;
    unsigned int k = *nout;
    unsigned long i;

    if (mfn >= env->nr_frames)
        return n;                       /* nobody's frames: nothing to give back */
    if (n > env->nr_frames - mfn)
        n = env->nr_frames - mfn;
    for (i = 0; i < n && k < room; i++) {
        struct frame *f = &frames[mfn + i];

        /* Not d's (another domain's, free, the hypervisor's): skipped,
         * as the long way's owner check would. */
        if (__atomic_load_n(&f->owner, __ATOMIC_RELAXED) != domid ||
            __atomic_load_n(&f->state, __ATOMIC_RELAXED) != FRAME_DOMAIN)
            continue;
        if (!reap_alone(env, f, mfn + i, domid))
            break;                      /* held by more: the caller's long way */
        out[k++] = mfn + i;
    }
    *nout = k;
    return i;
}

bool mm_steal_page(struct mm_env *env, mfn_t mfn, const struct mm_domain *d)
{
    struct frame *f;
    u64 x;

    if (!d || !mm_mfn_valid(env, mfn))
        return false;
    f = mm_frame(env, mfn);
    if (!mm_frame_owned_by(f, d->domid) ||
        __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != FRAME_DOMAIN)
        return false;
    x = mm_load(&f->count_info);
    do {
        /* Any other reference (a mapping, a pin, a parked table, a grant)
         * means someone still uses the frame. A type count without a
         * general reference cannot exist, so none is in use either. */
        if ((x & (PGC_ALLOCATED | PGC_COUNT_MASK)) != (PGC_ALLOCATED | 1) ||
            pgt_count(mm_load(&f->type_info)))
            return false;
    } while (!mm_cas(&f->count_info, &x, x & ~(PGC_ALLOCATED | PGC_COUNT_MASK)));
    return true;
}

void mm_unsteal_page(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info);

    do {
        MM_BUG_ON(x & (PGC_ALLOCATED | PGC_COUNT_MASK));
    } while (!mm_cas(&f->count_info, &x, x | PGC_ALLOCATED | 1));
}

/* Freed like a frame whose last reference just went: stamped, then handed
 * to env->free_frame. The count stays 0 throughout, so no racing
 * mm_get_page can catch the frame on its way out. */
void mm_free_stolen(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info), nx;

    do {
        MM_BUG_ON(x & (PGC_ALLOCATED | PGC_COUNT_MASK));
        nx = (x & ~PGC_STAMP_MASK) | mm_stamp_now(env);
    } while (!mm_cas(&f->count_info, &x, nx));
    env->ops->free_frame(env->ctx, mfn);
}

/* The frame stops being used in its current type now (rule 14). The clock
 * is read after each load of the count, so a stamp never goes back: a
 * clock read before a racing stamper's (newer) CAS would otherwise
 * overwrite it when the retry succeeds, and a CPU that flushed between
 * the two readings would be taken as clean. */
void mm_set_stamp(struct mm_env *env, mfn_t mfn)
{
    struct frame *f = mm_frame(env, mfn);
    u64 x = mm_load(&f->count_info);

    while (!mm_cas(&f->count_info, &x, (x & ~PGC_STAMP_MASK) | mm_stamp_now(env)))
        ;
}

/* The domain owning a frame, for validating its entries (held: the
 * caller drops it with mm_put_owner). */
struct mm_domain *mm_frame_owner(struct mm_env *env, mfn_t mfn)
{
    const struct frame *f = mm_frame(env, mfn);

    return env->ops->lookup_domain(env->ctx, (u16)f->owner);
}

void mm_put_owner(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *d)
{
    if (d && d != &mm_dom_io && d != &mm_dom_xen && (!v || d != v->dom))
        env->ops->put_domain(env->ctx, d);
}

/* Xen's get_pg_owner: DOMID_SELF is the caller; naming yourself by number
 * is refused; DOMID_IO/DOMID_XEN are the special owners. */
struct mm_domain *mm_get_pg_owner(struct mm_env *env, struct mm_vcpu *v, unsigned int domid)
{
    struct mm_domain *d = v->dom;

    if (domid == DOMID_SELF)
        return d;
    if (domid == d->domid)
        return NULL;
    if (domid == DOMID_IO)
        return &mm_dom_io;
    if (domid == DOMID_XEN)
        return &mm_dom_xen;
    if (domid >= DOMID_FIRST_RESERVED)
        return NULL;
    return env->ops->lookup_domain(env->ctx, (u16)domid);
}

/* Xen's dummy XSM "target" policy, decided by the hypervisor's one
 * helper (the same that guards every hypercall naming a domain). */
bool mm_may_name(const struct mm_env *env, const struct mm_domain *caller,
                 const struct mm_domain *target)
{
    return target == caller || env->ops->controls(env->ctx, caller, target);
}

void mm_defer(struct mm_vcpu *v, mfn_t mfn, bool partial)
{
    MM_BUG_ON(v->old_valid);
    v->old_table = mfn;
    v->old_partial = partial;
    v->old_valid = true;
}

/* Finish the vCPU's deferred put (Xen's put_old_guest_table). */
int mm_drain_deferred(struct mm_env *env, struct mm_vcpu *v)
{
    int rc;

    if (!v->old_valid)
        return 0;
    if (v->old_partial)
        rc = mm_put_type_partial(env, v, v->old_table, MM_PREEMPTIBLE);
    else
        rc = mm_put_type(env, v, v->old_table, MM_PREEMPTIBLE);
    if (rc == -XEN_ERESTART) {
        v->old_partial = true;
        return rc;
    }
    MM_BUG_ON(rc);
    v->old_valid = false;
    mm_put_page(env, v->old_table);
    return 0;
}
