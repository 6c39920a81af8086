/*
 * pvisor grant tables (v1) for 64-bit PV guests: the shared entries a
 * granter writes, the active entries and pin counts the hypervisor keeps,
 * the mapper's maptrack, and the GNTTABOP_* operations built on them.
 *
 * A pure module (common/gnttab/): caller and target are explicit
 * arguments, guest memory and hypervisor pages are reached only through
 * the environment, frame counts and grant PTEs through the memory-safety
 * module (pvisor/mm.h). The hypervisor's shim (common/grant_table.c) and the
 * host tests each provide an environment: struct gnt_env_ops, whose calls
 * made per batch entry the hypervisor build turns into direct ones
 * (common/gnttab/gnttab_env.h).
 *
 * THE RULES (Xen 4.17's behaviour; docs/grant-tables.md has the reasoning)
 *  G1. A ref is valid below nr_frames * 512 of the granter's table
 *      (GNTST_bad_gntref); a handle below the mapper's maptrack limit and
 *      live (GNTST_bad_handle).
 *  G2. The first pin of an entry needs flags & (type|sub_page) ==
 *      GTF_permit_access and domid == the mapper; a writable pin needs
 *      !GTF_readonly. GTF_reading/GTF_writing are set with a compare-
 *      exchange on the whole 32-bit flags+domid word, at most 5 tries
 *      (GNTST_general_error "unstable" after that); they are cleared with
 *      atomic bit clears when the last (writable) pin goes.
 *  G3. Pin counters are 8 bits per kind (host/device x read/write): an
 *      increment that would set a counter's top bit is refused. A pinned
 *      entry keeps its frame; later pins come from the same domain only.
 *  G4. Every mapping holds frame references in the memory-safety module:
 *      one general reference per host map and per device map, plus a
 *      writable type reference for each writable one. A host-mapped PTE
 *      carries _PAGE_GNTTAB; mmu_update, update_va_mapping and ptwr refuse
 *      to write over such a PTE or to create one (pvisor refuses where Xen
 *      injects #GP after dropping the mapping). Only frames the granter
 *      owns can be granted (no I/O frames).
 *  G5. Unmap (and unmap_and_replace) checks the PTE still maps the grant's
 *      frame with the grant's RW bit and _PAGE_GNTTAB, clears it, and for a
 *      batch flushes the mapper's TLBs before any reference, pin or status
 *      bit is dropped.
 *  G6. Copy: source read-only, dest writable; by frame only for
 *      DOMID_SELF; offset + len <= 4096 per side (GNTST_bad_copy_arg); the
 *      pin, references and status bits last exactly as long as the copy.
 *  G7. Batches report a status per entry and return 0; a fault on the
 *      argument array is -EFAULT; long batches stop at preemption points
 *      and return a continuation (done count) without losing state.
 *  G8. The maptrack holds a reference on the granter's table, so a mapping
 *      outlives its granter's death safely; teardown of a dying mapper
 *      releases every pin it holds, preemptibly.
 *  G9. v2 is refused as Xen does with gnttab=max-ver:1; transfer as Xen
 *      does with gnttab=no-transfer (-EOPNOTSUPP).
 */
#ifndef PVISOR_GNTTAB_H
#define PVISOR_GNTTAB_H

#include <pvisor/types.h>
#include <pvisor/mm.h>
#include <xen/grant_table.h>

#define GNT_ENTRIES_PER_FRAME   (4096 / sizeof(grant_entry_v1_t))
#define GNT_DEFAULT_MAX_FRAMES  64      /* Xen's gnttab_max_frames */
#define GNT_DEFAULT_MAX_MAPTRACK 1024   /* Xen's gnttab_max_maptrack_frames */
#define GNT_HARD_MAX_FRAMES     256     /* what a table can hold at all */
#define GNT_MAPTRACK_PER_PAGE   256
#define GNT_ACTIVE_PER_PAGE     256
#define GNT_HARD_MAX_MAPTRACK   512     /* pages: one page of pointers */
#define GNT_UNMAP_BATCH         16      /* unmaps whose completion waits on one flush */

struct gnt_table;

/* Pin counters (Xen's layout). */
#define GNTPIN_HSTW_INC  (1u << 0)
#define GNTPIN_HSTR_INC  (1u << 8)
#define GNTPIN_DEVW_INC  (1u << 16)
#define GNTPIN_DEVR_INC  (1u << 24)
#define GNTPIN_HSTW_MASK (0xffu << 0)
#define GNTPIN_HSTR_MASK (0xffu << 8)
#define GNTPIN_DEVW_MASK (0xffu << 16)
#define GNTPIN_DEVR_MASK (0xffu << 24)

struct gnt_active {
    u32 pin;
    u16 domid;          /* the mapper that holds the pins */
    u16 pad;
    mfn_t mfn;          /* the frame pinned, fixed while pin != 0 */
};

struct gnt_maptrack {
    struct gnt_table *rt;   /* granter's table (referenced while flags != 0) */
    u32 ref;                /* grant ref, or the next free handle */
    u16 flags;              /* GNTMAP_*; 0 = free */
    u16 busy;               /* an unmap holds it (under the mapper's lock) */
};

struct gnt_env_ops {
    /* Memory of the calling vCPU's guest: 0 or -EFAULT, never faults. */
    int (*copy_from_guest)(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len);
    int (*copy_to_guest)(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len);
    /* The table of a live domain by id (a real id, not DOMID_SELF) with a
     * reference, or NULL. `controlled`: only if the caller may control it
     * (Xen's default policy; *err = -ESRCH or -EPERM). */
    struct gnt_table *(*get_table)(void *ctx, struct gnt_table *caller, u16 domid,
                                   bool controlled, int *err);
    void (*put_table)(void *ctx, struct gnt_table *t);
    /* Hypervisor pages: zeroed, 4 KiB. A shared frame is also given to
     * `owner` so it can map it; *mfn is what setup_table reports. */
    void *(*alloc_page)(void *ctx);
    void (*free_page)(void *ctx, void *p);
    void *(*alloc_shared)(void *ctx, const struct mm_domain *owner, mfn_t *mfn);
    void (*free_shared)(void *ctx, void *p, mfn_t mfn);
    /* A frame's 4 KiB for copying, valid until the call returns. */
    void *(*map_data)(void *ctx, mfn_t mfn);
    /* No CPU may hold a translation of v's domain from before this call. */
    void (*flush_domain)(void *ctx, struct mm_vcpu *v);
    /* Write back caches for the bytes (cache_flush CLEAN). */
    void (*flush_cache_range)(void *ctx, mfn_t mfn, unsigned int off, unsigned int len);
    bool (*preempt_check)(void *ctx);
    void (*relax)(void *ctx);
    void (*log)(void *ctx, u16 domid, const char *what, const char *why, int rc,
                u64 a, u64 b);
};

struct gnt_env {
    const struct gnt_env_ops *ops;
    void *ctx;
    struct mm_env *mm;
};

/* Per-domain table. The shim embeds a pointer in struct domain. */
struct gnt_table {
    volatile u32 lock;
    u32 refcnt;             /* domain + one per live maptrack entry elsewhere */
    struct mm_domain *md;   /* owner (NULL once the domain is gone) */
    u16 domid;
    bool dying;
    unsigned int max_frames, max_maptrack;
    unsigned int nr_frames;             /* shared frames */
    /* Each array is one page of pointers (GNT_HARD_MAX_* fit). */
    grant_entry_v1_t **shared;          /* [nr_frames] */
    mfn_t *shared_mfn;                  /* [nr_frames] */
    struct gnt_active **active;         /* [nr_frames * 2] */
    /* maptrack: handles [0, mt_limit), free list from mt_free (~0 = none) */
    unsigned int mt_limit, mt_free, mt_used;
    u32 teardown_pos;
    struct gnt_maptrack **maptrack;     /* [mt_limit / GNT_MAPTRACK_PER_PAGE] */
};

/* Continuation of a preempted batch: re-issue with these arguments. */
struct gnt_cont {
    unsigned long cmd, uop, count;
};

/* ---- Lifecycle ------------------------------------------------------- */
/* A table for domain md, or NULL (no memory). Limits are createdomain's
 * max_grant_frames / max_maptrack_frames (0 = Xen's defaults). */
struct gnt_table *gnt_table_create(struct gnt_env *env, struct mm_domain *md, u16 domid,
                                   unsigned int max_frames, unsigned int max_maptrack);
/* createdomain's limits for a table made with the defaults (0 = default;
 * never below what it already holds). */
void gnt_table_set_limits(struct gnt_env *env, struct gnt_table *t, unsigned int max_frames,
                          unsigned int max_maptrack);
/* The domain is dying: release every mapping it holds (maptrack),
 * preemptibly: 0 when done or -ERESTART (call again). Afterwards no map
 * can be made by or of it. */
int gnt_table_teardown(struct gnt_env *env, struct gnt_table *t);
/* The domain lets go of its table (after teardown): it is freed once no
 * other domain's maptrack refers to it. */
void gnt_table_release(struct gnt_env *env, struct gnt_table *t);
void gnt_table_get(struct gnt_table *t);
void gnt_table_put(struct gnt_env *env, struct gnt_table *t);

/* ---- Hypercall ------------------------------------------------------- */
/* GNTTABOP_* for vCPU v of the domain owning table lt. Returns 0, a
 * negative Xen errno, or -ERESTART with *cont filled. */
long gnt_do_op(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
               unsigned int cmd, u64 uop, unsigned int count, struct gnt_cont *cont);

/* ---- Single operations (also what the batches run) -------------------- */
void gnt_map(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt,
             struct gnttab_map_grant_ref *op);
/* Unmap in two phases: unmap clears the mapping and records what to
 * release in *done; complete releases it after the caller flushed. */
struct gnt_unmap_done {
    struct gnt_table *rt;
    u32 ref;
    u16 flags;      /* GNTMAP_host_map|device_map released, + readonly */
    mfn_t mfn;
};
void gnt_unmap(struct gnt_env *env, struct mm_vcpu *v, struct gnt_table *lt, u32 handle,
               u64 host_addr, u64 dev_bus_addr, u64 new_addr, s16 *status,
               struct gnt_unmap_done *done);
void gnt_unmap_complete(struct gnt_env *env, struct mm_vcpu *v, struct gnt_unmap_done *done);
/* (copy: gnt_copy_one in the module, one batch's state held across entries) */
s16 gnt_swap(struct gnt_env *env, struct gnt_table *lt, u32 ref_a, u32 ref_b);

/* ---- XENMEM_acquire_resource ----------------------------------------- */
/* The most frames t may grow to (the resource's size). */
unsigned int gnt_max_frames(const struct gnt_table *t);
/* MFNs of shared frames [frame, frame + nr) in mfns[], growing t up to its
 * limit: nr, or -EINVAL (nr 0, the status id or another, beyond the limit,
 * no memory to grow, a table its domain let go of). */
int gnt_resource_frames(struct gnt_env *env, struct gnt_table *t, unsigned int id,
                        unsigned int frame, unsigned int nr, xen_pfn_t *mfns);

/* Entries this table holds now. */
static inline unsigned int gnt_nr_entries(const struct gnt_table *t)
{
    return __atomic_load_n(&t->nr_frames, __ATOMIC_ACQUIRE) * GNT_ENTRIES_PER_FRAME;
}

#endif
