/* Internal interfaces of the memory-safety module (not for other code). */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <string.h>
#include <pvisor/mm.h>
#include <pvisor/compiler.h>
#include <asm/layout.h>

/* An invariant the module relies on is broken: stop before it spreads. */
#define MM_BUG_ON(c) do { if (unlikely(c)) __builtin_trap(); } while (0)

#define MM_A_D  (_PAGE_ACCESSED | _PAGE_DIRTY)
/* Bits a guest may change in a live entry without re-taking references. */
#define MM_FASTPATH_FLAGS (_PAGE_NX | _PAGE_AVAIL_HIGH | _PAGE_AVAIL | \
                           _PAGE_GLOBAL | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER)

#define MMU_UPDATE_PREEMPTED 0x80000000u   /* Xen's flag in the count argument */

/* The special page owners a caller may name. */
extern struct mm_domain mm_dom_io, mm_dom_xen;

static inline struct frame *mm_frame(const struct mm_env *env, mfn_t mfn)
{
    return &env->frames[mfn];
}

static inline bool mm_mfn_valid(const struct mm_env *env, mfn_t mfn)
{
    return mfn < env->nr_frames;
}

static inline u64 mm_load(const u64 *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void mm_store(u64 *p, u64 v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* cmpxchg that refreshes *old on failure. */
static inline bool mm_cas(u64 *p, u64 *old, u64 val)
{
    return __atomic_compare_exchange_n(p, old, val, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_ACQUIRE);
}

static inline u64 mm_read_entry(const struct mm_env *env, mfn_t mfn, unsigned int idx)
{
    const u64 *t = env->direct_map ? (const u64 *)(env->direct_map + ((u64)mfn << 12))
                                   : env->ops->map_frame(env->ctx, mfn);

    return __atomic_load_n(&t[idx], __ATOMIC_ACQUIRE);
}

/* The flush clock as a frame's stamp field (rule 14). */
static inline u64 mm_stamp_now(const struct mm_env *env)
{
    u32 c = env->tlb_clock ? __atomic_load_n(env->tlb_clock, __ATOMIC_SEQ_CST)
                           : env->ops->tlbflush_clock(env->ctx);

    return (u64)c << PGC_STAMP_SHIFT;
}

static inline bool mm_preempt(const struct mm_env *env)
{
    return env->ops->preempt_check(env->ctx);
}

/* L4 slots the hypervisor owns (rule 10). */
static inline bool mm_hv_l4_slot(unsigned int idx)
{
    return idx >= HV_L4_FIRST_SLOT && idx <= HV_L4_LAST_SLOT;
}

/* Xen's __addr_ok for 64-bit PV: below the canonical hole or above the
 * hypervisor's slots. */
static inline bool mm_guest_addr_ok(u64 va)
{
    return va < (1ULL << 47) || va >= DIRECTMAP_VIRT_END;
}

static inline bool mm_canonical(u64 va)
{
    return va < (1ULL << 47) || va >= 0xffff800000000000ULL;
}

/* A live PTE the grant table owns (rule 19). */
static inline bool mm_is_grant_pte(u64 e)
{
    return (e & (_PAGE_PRESENT | _PAGE_GNTTAB)) == (_PAGE_PRESENT | _PAGE_GNTTAB);
}

/* Is mfn I/O space (no reference counting, never a table)? */
static inline bool mm_is_io(const struct mm_env *env, mfn_t mfn)
{
    return !mm_mfn_valid(env, mfn) ||
           __atomic_load_n(&mm_frame(env, mfn)->state, __ATOMIC_ACQUIRE) == FRAME_RESERVED;
}

void mm_log(const struct mm_env *env, const struct mm_domain *d, const char *what,
            const char *why, int rc, u64 a, u64 b);
/* A non-present level-`level` entry e that d may not write: logged, the
 * domain crashed, true (the caller refuses the write). Inline for the
 * common answer (validation asks for every empty entry of a table). */
bool mm_l1tf_refuse_checked(struct mm_env *env, const struct mm_domain *d, unsigned int level,
                            u64 e);
static inline bool mm_l1tf_refuse(struct mm_env *env, const struct mm_domain *d,
                                  unsigned int level, u64 e)
{
    return d->check_l1tf && e && mm_l1tf_refuse_checked(env, d, level, e);
}

/* refcount.c */
/* Owner check against the frame's allocation state: only the owner's own
 * frames and the hypervisor frames shared with it are its to reference.
 * Stable only while f is held (a reference, or a type count under the
 * page lock). */
static inline bool mm_frame_owned_by(const struct frame *f, u16 domid)
{
    u8 state = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);

    if (state == FRAME_DOMAIN)
        return f->owner == domid;
    if (state == FRAME_HV && (f->flags & FRAMEF_SHARED_XEN))
        return f->owner == domid;
    return false;
}

void mm_get_page_light(struct mm_env *env, mfn_t mfn);
void mm_set_stamp(struct mm_env *env, mfn_t mfn);
struct mm_domain *mm_frame_owner(struct mm_env *env, mfn_t mfn);
struct mm_domain *mm_get_pg_owner(struct mm_env *env, struct mm_vcpu *v, unsigned int domid);
/* Drop what mm_get_pg_owner / mm_frame_owner / lookup_domain took. */
void mm_put_owner(struct mm_env *env, struct mm_vcpu *v, struct mm_domain *d);
bool mm_may_name(const struct mm_env *env, const struct mm_domain *caller,
                 const struct mm_domain *target);
void mm_defer(struct mm_vcpu *v, mfn_t mfn, bool partial);

/* type.c */
int mm_get_type_ex(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                   unsigned int flags, bool *left_partial);
int mm_put_type_partial(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int flags);
bool mm_page_lock_slow(struct mm_env *env, mfn_t mfn);
void mm_page_unlock_slow(struct mm_env *env, mfn_t mfn);

/* The page lock's uncontended case inline (a grant map and its unmap each
 * take one); waiting, refusing and anything unusual go the whole way. */
static inline bool mm_page_lock(struct mm_env *env, mfn_t mfn)
{
    u64 *p = &mm_frame(env, mfn)->type_info, x = mm_load(p);

    if (likely(!(x & PGT_LOCKED) && (x & PGT_VALIDATED) && pgt_count(x) != 0 &&
               pgt_count(x) < PGT_COUNT_MASK - 1) &&
        mm_cas(p, &x, (x + 1) | PGT_LOCKED))
        return true;
    return mm_page_lock_slow(env, mfn);
}

static inline void mm_page_unlock(struct mm_env *env, mfn_t mfn)
{
    u64 *p = &mm_frame(env, mfn)->type_info, x = mm_load(p);

    if (likely((x & PGT_LOCKED) && pgt_count(x) >= 2) &&
        mm_cas(p, &x, (x - 1) & ~PGT_LOCKED))
        return;
    mm_page_unlock_slow(env, mfn);
}

/* table.c */
u64 mm_disallowed(unsigned int level, const struct mm_domain *d);
u64 mm_adjust(unsigned int level, u64 e);
long mm_l1e_get_refs_caller(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                            const struct mm_domain *pg_owner, const struct mm_domain *caller);
bool mm_entry_update(struct mm_env *env, mfn_t mfn, unsigned int idx, u64 old, u64 val,
                     bool preserve_ad);
int mm_lk_get_refs(struct mm_env *env, struct mm_vcpu *v, unsigned int level, u64 e,
                   const struct mm_domain *d, bool pset, bool *child_partial);
int mm_lk_put_refs(struct mm_env *env, struct mm_vcpu *v, unsigned int level, u64 e,
                   bool pset);
int mm_validate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                unsigned int flags, unsigned int *nr, bool *pset);
int mm_devalidate(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                  unsigned int flags, unsigned int *nr, bool *pset);

/* entry.c */
int mm_mod_l1(struct mm_env *env, const struct mm_domain *caller,
              const struct mm_domain *pt_owner, const struct mm_domain *pg_owner,
              mfn_t table, unsigned int idx, u64 nl, bool preserve_ad);
int mm_mod_lk(struct mm_env *env, struct mm_vcpu *v, unsigned int level,
              const struct mm_domain *d, mfn_t table, unsigned int idx, u64 nl,
              bool preserve_ad, u64 *old_out);
int mm_put_old_entry(struct mm_env *env, struct mm_vcpu *v, u64 old);

/* walk.c */
int mm_walk_l1(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1, unsigned int *idx);
/* The same through v's one-entry cache (walk.c says why it stays right);
 * only for v's own hypercalls. The hit is inline, the walk that refills
 * it is not. */
int mm_walk_l1_fill(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1,
                    unsigned int *idx);
static inline int mm_walk_l1_cached(struct mm_env *env, struct mm_vcpu *v, u64 va, mfn_t *l1,
                                    unsigned int *idx)
{
    if (likely(v->l1_cache.tag == (va >> 21) + 1 &&
               v->l1_cache.gen == __atomic_load_n(&env->pt_gen, __ATOMIC_ACQUIRE) &&
               v->l1_cache.l4 == v->guest_table && v->guest_table)) {
        *l1 = v->l1_cache.l1;
        *idx = (unsigned int)(va >> 12) & 511;
        return 0;
    }
    return mm_walk_l1_fill(env, v, va, l1, idx);
}

/* An L2-L4 entry changed, after the change is visible (walk.c's cache). */
static inline void mm_pt_changed(struct mm_env *env)
{
    __atomic_add_fetch(&env->pt_gen, 1, __ATOMIC_SEQ_CST);
}

/* flush helpers */
int mm_read_vcpumask(struct mm_env *env, struct mm_vcpu *v, u64 gva, u64 *mask,
                     unsigned int words);
#define MM_MASK_WORDS 64    /* up to 4096 vCPUs */

#endif
