/*
 * pvisor memory safety for 64-bit PV guests: frame ownership, reference and
 * type counts, page-table validation, the page-table hypercalls, descriptor
 * tables and writable-page-table emulation.
 *
 * A pure module (common/mm/): it touches hardware only through struct
 * mm_env_ops, so the same code runs in the hypervisor and in host tests.
 * Every function returns 0 or a negative Xen errno (<xen/errno.h> values).
 *
 * THE RULES (the full text with the reasoning is docs/memory-safety.md)
 *  1. Ownership: a domain references only frames it owns (FRAME_DOMAIN, or
 *     FRAME_HV + FRAMEF_SHARED_XEN with owner = the domain), I/O frames it
 *     has iomem permission for (never refcounted, never tables), and, when
 *     the caller is privileged and names them, another domain's frames
 *     (L1 data mappings only) or DOMID_XEN shared frames.
 *  2. General count: every mapping, table entry, pin, base pointer, GDT/LDT
 *     use, in-flight operation, parked partial state and the allocation
 *     itself hold one reference; 0 frees the frame; overflow is refused.
 *  3. One type at a time (none, writable, L1-L4, seg_desc) with a type count;
 *     a type ref always comes with a general ref; the type changes only at
 *     type count 0.
 *  4. Validation on 0->1 (L1-L4, seg_desc) checks every entry and takes its
 *     references before VALIDATED is set; a bad entry undoes everything.
 *     Devalidation on 1->0 drops every entry's references.
 *  5. Pinning holds one type + one general ref; once per frame (-EINVAL).
 *  6. Allowed flags: P RW US A D AVL NX AVAIL_HIGH everywhere (L1: bit 62
 *     only in grant PTEs, made by the grant code); G and (for
 *     I/O-capable domains) PWT/PCD/PAT in L1 only; no PSE (L2/L3), no G,
 *     PWT, PCD in L2-L4; anything else -EINVAL.
 *  7. Adjustment: USER forced on every present entry, ACCESSED on L4 entries,
 *     GLOBAL stripped from L1 entries (deliberate, see the doc).
 *  8. L1 RW entry -> writable type ref; RO entry -> general ref only;
 *     Lk entry (k>=2) -> L(k-1) type ref on its target.
 *  9. No linear page tables: an entry may not point at a table of its own
 *     level (-EINVAL); a deliberate hardening over Xen's default.
 * 10. L4 slots 256-271 belong to the hypervisor: ignored on validation and
 *     then filled from env (slot 256 = read-only M2P); guest updates there
 *     are -EINVAL. The M2P changes only via MMU_MACHPHYS_UPDATE for frames
 *     the named owner owns.
 * 11. Hence no frame typed L1-L4 or seg_desc is ever writable by a guest;
 *     live entries change only through mod_lN, which validates first.
 * 12. Entry updates are one cmpxchg on the 8-byte entry under the table's
 *     page lock; only hardware A/D bits may change meanwhile.
 * 13. Foreign page and table owners need control of them (-EPERM): the
 *     control domain, or the domain set_target made their device model;
 *     DOMID_IO anyone may name (iomem permission then decides); L2-L4
 *     updates need page owner == table owner. A named domain is held
 *     (env lookup/put) for the whole call.
 * 14. TLB: a type change waits until every CPU that has not flushed since
 *     the frame's stamp has flushed (env->flush_all_since); guest-requested
 *     flushes are never relied on for safety.
 * 15. Descriptors: code/data DPL raised to 3, call gates only to guest code
 *     with DPL forced 0, no other system descriptors; GDT <= 14 frames.
 * 16. Bounded work: L2-L4 (de)validation is iterative and preemptible;
 *     a preempted table is parked PARTIAL and resumed by the next user of
 *     the same type or drained by the vCPU's deferred-put slot. Hypercalls
 *     return -ERESTART with continuation arguments.
 * 17. Batches stop at the first failure and report done; a failed request
 *     leaves no state; a multicall entry that changes the caller's mode or
 *     privilege ends the batch.
 * 18. ptwr: only kernel-mode write faults on RO mappings of the domain's own
 *     L1 tables, only the decoded instruction forms, aligned and in-page;
 *     the new entry is validated like mmu_update and written once with
 *     cmpxchg; anything else bounces the #PF to the guest.
 * 19. Grant PTEs (_PAGE_GNTTAB) are made and removed only by the grant
 *     table (mm_grant_create/replace); the references they hold are the
 *     grant's. Guests may not set the bit (L1), nor write over such an
 *     entry by mmu_update, update_va_mapping or ptwr (-EPERM / bounce).
 *     Devalidating a table drops them like any entry (the domain gave up
 *     its mapping; its later unmap fails, as on Xen).
 *
 * INTEGRATION (for the hypervisor)
 *  - Fill one struct mm_env at boot: frame table and size, and the ops
 *    below. Embed a struct mm_vcpu in every vCPU and a struct mm_domain in
 *    every domain (mm_vcpu_init / set dom, privileged, io_caps, max_vcpus).
 *  - Frames: when the allocator gives a frame to a domain it sets state
 *    FRAME_DOMAIN and owner, then mm_frame_init_allocated(); to take it
 *    back (decrease_reservation) call mm_frame_release(); env->free_frame
 *    is called when the last reference goes. To take a frame exclusively
 *    (exchange) use mm_steal_page(). Shared hypervisor frames:
 *    mm_frame_init_shared().
 *  - Hypercalls: __HYPERVISOR_mmu_update -> mm_do_mmu_update,
 *    mmuext_op -> mm_do_mmuext_op, update_va_mapping(_otherdomain) ->
 *    mm_do_update_va_mapping(_otherdomain), set_gdt -> mm_do_set_gdt,
 *    update_descriptor -> mm_do_update_descriptor, multicall ->
 *    mm_do_multicall with the hypercall table as dispatcher. On -ERESTART
 *    re-issue the same hypercall with cont->args (rewind the guest RIP over
 *    SYSCALL, or let mm_do_multicall rewrite the entry).
 *  - #PF from guest kernel mode: call mm_ptwr_fault() first; MM_PTWR_BOUNCE
 *    means deliver the #PF to the guest as usual.
 *  - LDT shadow #PF: mm_ldt_map_page(); the returned mfn may be mapped RW
 *    in the hypervisor's per-vCPU LDT area.
 *  - Domain teardown: mm_vcpu_teardown() per vCPU, then
 *    mm_frame_teardown() per frame of the domain, then mm_frame_release().
 */
#ifndef PVISOR_MM_H
#define PVISOR_MM_H

#include <pvisor/types.h>
#include <pvisor/frame.h>
#include <pvisor/mm_frame.h>

#include <xen/xen.h>
#include <xen/errno.h>

/* Xen-internal "restart the hypercall" (never returned to a guest; the
 * public header only defines it for Xen itself). */
#ifndef __XEN__
#define XEN_ERESTART 85
#endif

struct mm_vcpu;

struct mm_domain {
    u16 domid;
    bool privileged;        /* control domain: may name foreign domains */
    bool io_caps;           /* has iomem/ioport caps: cache attributes, FLUSH_CACHE */
    bool dying;
    bool check_l1tf;        /* non-present entries must not name RAM (L1TF) */
    u32 max_vcpus;
};

#define MM_GDT_FRAMES       14      /* FIRST_RESERVED_GDT_PAGE */
#define MM_GDT_MAX_ENTRIES  (MM_GDT_FRAMES * 512)
#define MM_LDT_FRAMES       16      /* 8192 entries */

struct mm_vcpu {
    struct mm_domain *dom;
    u32 vcpu_id;
    bool kernel_mode;       /* the hypervisor keeps this current */
    bool in_multicall;
    mfn_t guest_table;      /* kernel L4 (type + general ref), 0 = none */
    mfn_t guest_table_user; /* user L4, 0 = none */
    /* Deferred put (Xen's old_guest_table): a table whose last type ref was
     * dropped but whose devalidation was preempted. We hold one general
     * ref; `old_partial` says the type ref already became the frame's
     * PARTIAL state. */
    mfn_t old_table;
    bool old_valid, old_partial;
    /* Descriptor tables. */
    mfn_t gdt_frames[MM_GDT_FRAMES];
    u32 gdt_ents;
    u64 ldt_base;
    u32 ldt_ents;
    mfn_t ldt_frames[MM_LDT_FRAMES];    /* 0 = not mapped yet */
    /* The L1 table the grant code last found for a 2 MiB region of this
     * vCPU's kernel tables (mm_walk_l1_cached): valid while guest_table is
     * still l4 and env->pt_gen still gen. Touched only by the vCPU itself. */
    struct {
        u64 tag;            /* (va >> 21) + 1, 0 = empty */
        mfn_t l4, l1;
        u64 gen;
    } l1_cache;
};

/* One line per refused request: the env formats it. */
struct mm_log {
    u16 domid;
    const char *what;       /* "mmu_update", "pin", ... */
    const char *why;        /* a short reason */
    int rc;
    u64 a, b;               /* context values (mfn, entry, ...) */
};

/* Guest-requested TLB flushes (env->flush_guest). */
#define MM_FLUSH_TLB        1       /* whole TLB */
#define MM_FLUSH_INVLPG     2       /* one address (va) */
#define MM_FLUSH_LOCAL      0x00    /* this vCPU */
#define MM_FLUSH_MASK       0x10    /* vCPUs in vcpu_mask */
#define MM_FLUSH_ALL        0x20    /* all vCPUs of the domain */

struct mm_env_ops {
    /* Frame contents. map_frame returns the frame's 512 entries, readable
     * for the rest of the call; all writes go through the calls below
     * (atomic, 8 bytes). */
    const u64 *(*map_frame)(void *ctx, mfn_t mfn);
    u64 (*entry_cmpxchg)(void *ctx, mfn_t mfn, unsigned int idx, u64 old, u64 val);
    void (*entry_write)(void *ctx, mfn_t mfn, unsigned int idx, u64 val);
    void (*frame_clear)(void *ctx, mfn_t mfn);
    void (*frame_copy)(void *ctx, mfn_t dst, mfn_t src);
    /* Memory of the calling vCPU's guest: 0 or -EFAULT; must refuse
     * hypervisor addresses (like Xen's __addr_ok) and never fault. */
    int (*copy_from_guest)(void *ctx, struct mm_vcpu *v, void *dst, u64 gva, size_t len);
    int (*copy_to_guest)(void *ctx, struct mm_vcpu *v, u64 gva, const void *src, size_t len);
    /* A domain by id (not DOMID_*), or NULL, with a reference that keeps
     * it (and its frames' owner) valid until put_domain. */
    struct mm_domain *(*lookup_domain)(void *ctx, u16 domid);
    void (*put_domain)(void *ctx, struct mm_domain *d);
    /* Xen's default policy (XSM_TARGET): may src act on target's memory?
     * Itself, the domain it is the device model of (set_target), or any
     * domain if src is the control domain. */
    bool (*controls)(void *ctx, const struct mm_domain *src, const struct mm_domain *target);
    /* vCPU 0 of a domain (for mmu_update on another domain's tables). */
    struct mm_vcpu *(*domain_vcpu0)(void *ctx, struct mm_domain *d);
    /* The 16 hypervisor entries for L4 slots 256-271 of table l4mfn. */
    void (*l4_hv_slots)(void *ctx, const struct mm_domain *d, mfn_t l4mfn, u64 slots[16]);
    void (*m2p_set)(void *ctx, mfn_t mfn, u64 pfn);
    /* How domain d may map machine frame mfn as I/O (outside the frame
     * table or FRAME_RESERVED): MM_IO_NONE for hypervisor and firmware
     * memory and the hypervisor's own devices; MM_IO_RO forces writable
     * mappings read-only (Xen's mmio_ro_ranges). */
    unsigned int (*iomem_access)(void *ctx, const struct mm_domain *d, mfn_t mfn);
    /* TLB safety (rule 14): the flush clock, and "make sure no CPU still
     * holds translations older than stamp" (synchronous, all CPUs). */
    u32 (*tlbflush_clock)(void *ctx);
    void (*flush_all_since)(void *ctx, u32 stamp);
    /* Guest-requested flushes: kind = MM_FLUSH_TLB|INVLPG | LOCAL|MASK|ALL. */
    void (*flush_guest)(void *ctx, struct mm_vcpu *v, unsigned int kind,
                        const u64 *vcpu_mask, u64 va);
    void (*flush_cache)(void *ctx, bool global);
    /* v->guest_table changed: reload CR3 now if v runs in kernel mode. Called
     * before the old table's reference is dropped. */
    void (*cr3_changed)(void *ctx, struct mm_vcpu *v);
    /* v->gdt_frames changed: remap the per-vCPU GDT area (cannot fail). */
    void (*gdt_changed)(void *ctx, struct mm_vcpu *v);
    /* LDT base/size changed or its shadow frames dropped: unmap the shadow
     * mappings (before the call returns) and reload LDTR if current. */
    void (*ldt_changed)(void *ctx, struct mm_vcpu *v);
    /* The general count of mfn reached 0: give it back to the allocator. */
    void (*free_frame)(void *ctx, mfn_t mfn);
    bool (*preempt_check)(void *ctx);
    void (*relax)(void *ctx);
    void (*log)(void *ctx, const struct mm_log *rec);
    /* The domain broke a rule that ends it (an L1TF-unsafe entry, as Xen). */
    void (*crash_domain)(void *ctx, const struct mm_domain *d, const char *why);
};

struct mm_env {
    const struct mm_env_ops *ops;
    void *ctx;
    struct frame *frames;
    unsigned long nr_frames;
    /* Every frame mapped at direct_map + (mfn << 12), or NULL: entries are
     * read through ops->map_frame (a page-table walk reads three) and
     * compare-exchanged through ops->entry_cmpxchg (mm_entry_update). */
    const u8 *direct_map;
    /* The flush clock itself, or NULL: read through ops->tlbflush_clock
     * (every last put reads it; a dying domain's relinquish, for each of
     * its frames and each entry of its L1s). */
    const u32 *tlb_clock;
    /* L1TF: a non-present entry whose address bits (under l1tf_addr_mask)
     * are nonzero and below l1tf_safe_maddr could leak that memory through
     * the L1 cache on affected CPUs; domains with check_l1tf are crashed
     * for writing one (Xen's pv-l1tf). */
    u64 l1tf_addr_mask, l1tf_safe_maddr;
    /* Bumped after any L2-L4 entry of any domain changes (mod_lk,
     * validation, devalidation): the vCPUs' l1_cache entries made before
     * are stale. The module's own counter (start at 0). */
    u64 pt_gen;
};

/* iomem_access answers */
#define MM_IO_NONE 0
#define MM_IO_RO   1
#define MM_IO_RW   2

/* Continuation: on -ERESTART, re-issue the hypercall with these arguments. */
struct mm_cont {
    unsigned int nargs;
    unsigned long args[6];
};

/* ---- Frames and counts ---------------------------------------------- */
void mm_vcpu_init(struct mm_vcpu *v, struct mm_domain *d, u32 vcpu_id);
/* Take a general ref on mfn if the domain owns it (rule 1). */
bool mm_get_page(struct mm_env *env, mfn_t mfn, const struct mm_domain *d);
void mm_put_page_slow(struct mm_env *env, mfn_t mfn);
/* A reference that is not the last goes inline (a grant copy drops two,
 * a map + unmap one); the last one stamps and frees the frame. */
static inline void mm_put_page(struct mm_env *env, mfn_t mfn)
{
    u64 *p = &env->frames[mfn].count_info, x = __atomic_load_n(p, __ATOMIC_ACQUIRE);

    if (pgc_count(x) > 1 &&
        __atomic_compare_exchange_n(p, &x, x - 1, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
        return;
    mm_put_page_slow(env, mfn);
}
/* Type refs. flags: MM_PREEMPTIBLE. Returns 0, -ERESTART, -EINVAL... */
#define MM_PREEMPTIBLE 1
int mm_get_type_slow(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int type,
                     unsigned int flags);
int mm_put_type_slow(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn, unsigned int flags);

/* The common cases inline (every grant map and copy takes and drops a
 * writable type on a frame that already has it): one more reference of a
 * type the frame has, validated, far from overflow; one fewer when it is
 * not the last and no lock holder would be left alone with the table.
 * Anything else goes the whole way. */
static inline int mm_get_type(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                              unsigned int type, unsigned int flags)
{
    u64 *p = &env->frames[mfn].type_info, x = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    u64 c = pgt_count(x);

    if (c != 0) {
        if (c < PGT_COUNT_MASK - 1 && pgt_type(x) == type && (x & PGT_VALIDATED) &&
            __atomic_compare_exchange_n(p, &x, x + 1, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return 0;
    } else if (type == PGT_WRITABLE) {
        /* The first writable reference to a frame never typed (a new
         * domain's image mapped by its toolstack) or writable before:
         * type.c's answer in one step - no validation, and no flush from
         * none or writable, so no busy state for others to wait on. */
        u64 nx = pgt_type(x) == PGT_NONE ? pgt_make(PGT_WRITABLE) | PGT_VALIDATED | 1 :
                 pgt_type(x) == PGT_WRITABLE && (x & PGT_VALIDATED) ? x + 1 : 0;

        if (nx && __atomic_compare_exchange_n(p, &x, nx, false, __ATOMIC_SEQ_CST,
                                              __ATOMIC_ACQUIRE))
            return 0;
    }
    return mm_get_type_slow(env, v, mfn, type, flags);
}

static inline int mm_put_type(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn,
                              unsigned int flags)
{
    u64 *p = &env->frames[mfn].type_info, x = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    u64 c = pgt_count(x);

    if ((c > 2 || (c == 2 && !(x & PGT_LOCKED))) && !(x & PGT_PARTIAL) &&
        __atomic_compare_exchange_n(p, &x, x - 1, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
        return 0;
    return mm_put_type_slow(env, v, mfn, flags);
}
/* Drop the owner's allocation reference (decrease_reservation). */
void mm_frame_release(struct mm_env *env, mfn_t mfn);
/* The caller holds a reference on an allocated frame: if it and the
 * allocation's are the only ones, drop both and free the frame (true);
 * otherwise change nothing (false). */
bool mm_frame_release_held(struct mm_env *env, mfn_t mfn);
/* A dying domain's frame that nothing but its allocation holds: freed at
 * once (true). Anything else - another holder, a type user, not d's
 * ordinary frame - changes nothing (false: the caller takes the long
 * way, a reference and mm_frame_release). */
bool mm_frame_reap(struct mm_env *env, mfn_t mfn, const struct mm_domain *d);
/* mm_frame_reap over the frames [mfn, mfn + n), without a call per frame:
 * each frame d alone holds is reaped into out[*nout] (at most room in
 * all), stamped and with count 0 - the caller frees them as
 * env->free_frame would. Frames not d's are passed over. Returns how many
 * frames were looked at: fewer than n when out is full or at a frame of
 * d's that something else holds (the caller takes that one the long way). */
unsigned long mm_frames_reap(struct mm_env *env, mfn_t mfn, unsigned long n,
                             const struct mm_domain *d, mfn_t *out, unsigned int *nout,
                             unsigned int room);
/* Take a frame from its owner for good (XENMEM_exchange), atomically: only
 * when d owns it and its allocation holds the one reference. Afterwards its
 * count is 0, so no mapping, pin or grant can take it meanwhile. The caller
 * then either gives it back (mm_unsteal_page) or frees it (mm_free_stolen). */
bool mm_steal_page(struct mm_env *env, mfn_t mfn, const struct mm_domain *d);
void mm_unsteal_page(struct mm_env *env, mfn_t mfn);
void mm_free_stolen(struct mm_env *env, mfn_t mfn);
/* Finish the vCPU's deferred put; 0 or -ERESTART. */
int mm_drain_deferred(struct mm_env *env, struct mm_vcpu *v);

/* ---- L1 entry references (also for the grant-table module) ------------ */
/* Validate a present L1 entry for table owner l1_owner mapping pg_owner's
 * frame and take its references. Returns <0 errno, or >=0: flag bits to
 * flip in the entry before installing it (cache attributes of I/O). */
long mm_l1e_get_refs(struct mm_env *env, u64 l1e, const struct mm_domain *l1_owner,
                     const struct mm_domain *pg_owner);
void mm_l1e_put_refs(struct mm_env *env, u64 l1e);
u64 mm_adjust_l1e(u64 l1e);

/* ---- Grant PTEs (rule 19, for the grant-table module) ----------------- */
/* Install pte (present, _PAGE_GNTTAB, references already held by the
 * caller) in v's domain: at machine address addr of an L1 entry when
 * contains_pte, else for linear address addr in v's kernel tables. The old
 * entry's references are dropped; an old grant PTE is refused. 0 or
 * -EINVAL. */
int mm_grant_create(struct mm_env *env, struct mm_vcpu *v, u64 addr, bool contains_pte,
                    u64 pte);
/* Clear the grant PTE at addr, which must still map mfn with the grant's RW
 * bit and _PAGE_GNTTAB; with new_addr (linear, !contains_pte) the entry
 * mapping new_addr moves there instead (unmap_and_replace). The grant's
 * references are the caller's to drop. 0 or -EINVAL. */
int mm_grant_replace(struct mm_env *env, struct mm_vcpu *v, u64 addr, bool contains_pte,
                     mfn_t mfn, bool rw, u64 new_addr);

/* ---- Hypercalls ------------------------------------------------------ */
long mm_do_mmu_update(struct mm_env *env, struct mm_vcpu *v, u64 ureqs,
                      unsigned int count, u64 pdone, unsigned int foreigndom,
                      struct mm_cont *cont);
long mm_do_mmuext_op(struct mm_env *env, struct mm_vcpu *v, u64 uops,
                     unsigned int count, u64 pdone, unsigned int foreigndom,
                     struct mm_cont *cont);
long mm_do_update_va_mapping(struct mm_env *env, struct mm_vcpu *v, u64 va,
                             u64 val, u64 flags, struct mm_cont *cont);
long mm_do_update_va_mapping_otherdomain(struct mm_env *env, struct mm_vcpu *v,
                                         u64 va, u64 val, u64 flags, u16 domid,
                                         struct mm_cont *cont);
long mm_do_set_gdt(struct mm_env *env, struct mm_vcpu *v, u64 frame_list,
                   unsigned int entries);
/* The same with the frame list already in hypervisor memory (a checked
 * vCPU context): what was checked is what gets installed. */
long mm_set_gdt_frames(struct mm_env *env, struct mm_vcpu *v, const u64 *frames,
                       unsigned int entries);
long mm_do_update_descriptor(struct mm_env *env, struct mm_vcpu *v, u64 maddr,
                             u64 desc);

/* Multicall: dispatch runs one hypercall for the batch (never multicall
 * itself; mm_do_multicall refuses nesting) and returns its result; on
 * -ERESTART it fills *cont with the sub-call's continuation. */
typedef long (*mm_mc_dispatch_t)(void *ctx, struct mm_vcpu *v, unsigned long op,
                                 const unsigned long args[6], struct mm_cont *cont);
long mm_do_multicall(struct mm_env *env, struct mm_vcpu *v, u64 call_list,
                     unsigned int nr_calls, mm_mc_dispatch_t dispatch,
                     struct mm_cont *cont);

/* ---- Descriptor tables ----------------------------------------------- */
/* Xen's check_descriptor: true if safe; *desc is fixed up (DPL...). */
bool mm_check_descriptor(u64 *desc);
/* LDT shadow fault: type the LDT page covering byte `offset` of the LDT and
 * return its mfn; 0 or -EINVAL (bounce the fault). */
int mm_ldt_map_page(struct mm_env *env, struct mm_vcpu *v, unsigned int offset,
                    mfn_t *mfn);
/* Drop the LDT shadow frames; returns true if any were mapped. */
bool mm_ldt_destroy(struct mm_env *env, struct mm_vcpu *v);

/* ---- Writable page tables -------------------------------------------- */
/* Registers in x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8-r15. */
struct mm_regs {
    u64 gpr[16];
    u64 rip;
    u64 rflags;
};
enum mm_ptwr_result {
    MM_PTWR_BOUNCE = 0,     /* not ours / refused: deliver the #PF */
    MM_PTWR_DONE,           /* emulated: regs updated, resume the guest */
    MM_PTWR_DONE_SINGLESTEP,/* emulated, and TF was set: inject #DB */
    MM_PTWR_RETRY,          /* raced: resume without advancing RIP */
};
#define PFEC_PRESENT 0x01
#define PFEC_WRITE   0x02
#define PFEC_USER    0x04
#define PFEC_RSVD    0x08
#define PFEC_INSN    0x10
enum mm_ptwr_result mm_ptwr_fault(struct mm_env *env, struct mm_vcpu *v,
                                  struct mm_regs *regs, u64 cr2, u32 pfec);

/* ---- Teardown -------------------------------------------------------- */
/* Drop everything a vCPU holds (tables, GDT, LDT, deferred put): 0 or -ERESTART. */
int mm_vcpu_teardown(struct mm_env *env, struct mm_vcpu *v);
/* For a dying domain's frame: unpin, and push a PARTIAL state down. */
int mm_frame_teardown(struct mm_env *env, struct mm_vcpu *v, mfn_t mfn);

#endif
