/* Internal interfaces of the grant-table module (not for other code). */
#ifndef GNTTAB_INTERNAL_H
#define GNTTAB_INTERNAL_H

#include <pvisor/gnttab.h>
#include <pvisor/compiler.h>
#include "gnttab_env.h"

#define GNT_BUG_ON(c) do { if (unlikely(c)) __builtin_trap(); } while (0)
#define GNT_NO_HANDLE (~0u)

/* One lock per table: active entries, shared-entry flag updates, growth and
 * the maptrack. Never two tables' locks at once (no lock order to get
 * wrong); a table's lock may be held while the memory-safety module takes
 * page locks, never the other way round. */
static inline void gnt_lock(struct gnt_env *env, struct gnt_table *t)
{
    while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&t->lock, __ATOMIC_RELAXED))
            gnt_env_relax(env);
}

static inline void gnt_unlock(struct gnt_table *t)
{
    __atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
}

static inline grant_entry_v1_t *gnt_shared(struct gnt_table *t, u32 ref)
{
    return &t->shared[ref / GNT_ENTRIES_PER_FRAME][ref % GNT_ENTRIES_PER_FRAME];
}

static inline struct gnt_active *gnt_act(struct gnt_table *t, u32 ref)
{
    return &t->active[ref / GNT_ACTIVE_PER_PAGE][ref % GNT_ACTIVE_PER_PAGE];
}

static inline struct gnt_maptrack *gnt_mt(struct gnt_table *t, u32 handle)
{
    return &t->maptrack[handle / GNT_MAPTRACK_PER_PAGE][handle % GNT_MAPTRACK_PER_PAGE];
}

void gnt_log(struct gnt_env *env, const struct gnt_table *t, const char *what,
             const char *why, int rc, u64 a, u64 b);

/* pin.c: the shared entry's flags (rule G2). */
s16 gnt_set_status(struct gnt_env *env, struct gnt_table *rt, u32 ref,
                   struct gnt_active *act, bool readonly, bool mapflag, u16 ldomid);
void gnt_reduce_status(struct gnt_table *rt, u32 ref, struct gnt_active *act,
                       bool readonly);
bool gnt_pin_would_overflow(u32 pin, u32 incr);

/* table.c */
int gnt_grow(struct gnt_env *env, struct gnt_table *t, unsigned int nr);
long gnt_setup_table(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                     unsigned int count);
long gnt_query_size(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u64 uop,
                    unsigned int count);
long gnt_version_op(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                    unsigned int cmd, u64 uop, unsigned int count);

/* map.c */
void gnt_mt_free_locked(struct gnt_table *lt, u32 h);
u32 gnt_mt_grow_locked(struct gnt_env *env, struct gnt_table *lt);   /* 0 or (u32)-errno */
/* map.c: take a pinned frame's references for a mapping kind. */
unsigned int gnt_map_pin_incr(unsigned int flags);

/* copy.c: what a batch keeps of its last entry's source and destination. */
struct gnt_copy_side {
    struct gnt_table *t;    /* the table named by domid, referenced */
    u16 domid;              /* as the entries name it (DOMID_SELF stays so) */
    bool by_gref, ro, pinned, have_ref, have_type;
    u32 ref;
    mfn_t mfn;              /* by frame: the entry's gmfn (PV: machine frames) */
};
struct gnt_copy_state {
    struct gnt_copy_side src, dst;
};
/* Empty: no table, nothing held (the rest is written before it is read). */
static inline void gnt_copy_begin(struct gnt_copy_state *cs)
{
    cs->src.t = cs->dst.t = NULL;
    cs->src.have_ref = cs->dst.have_ref = false;
    cs->src.pinned = cs->dst.pinned = false;
    cs->src.have_type = cs->dst.have_type = false;
}
/* One entry (after gnt_copy_begin); gnt_copy_end gives back all the state
 * holds and must run before the batch returns. */
s16 gnt_copy_one(struct gnt_env *env, struct gnt_table *lt, const struct gnttab_copy *op,
                 struct gnt_copy_state *cs);
void gnt_copy_end(struct gnt_env *env, struct gnt_copy_state *cs);

/* cache_flush.c */
long gnt_cache_flush(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
                     const struct gnttab_cache_flush *op);

#endif
