/*
 * Bit layouts the memory-safety module (common/mm/) owns: a frame's
 * count_info and type_info words, and the x86-64 page-table entry bits the
 * module checks. One place defines them; everything else uses the helpers.
 * The rules these bits implement are in docs/memory-safety.md and at the top
 * of <pvisor/mm.h>.
 */
#ifndef PVISOR_MM_FRAME_H
#define PVISOR_MM_FRAME_H

#include <pvisor/types.h>
#include <pvisor/frame.h>

/*
 * count_info
 *   [29:0]  general reference count (PGC_COUNT_MASK)
 *   [30]    PGC_ALLOCATED: the owner's allocation holds one of the references
 *   [31]    reserved, 0
 *   [63:32] TLB-flush timestamp: the env's flush clock when the frame last
 *           stopped being used in its type (type count 1->0) or was freed.
 */
#define PGC_COUNT_MASK      ((1ULL << 30) - 1)
#define PGC_ALLOCATED       (1ULL << 30)
#define PGC_STAMP_SHIFT     32
#define PGC_STAMP_MASK      (0xffffffffULL << PGC_STAMP_SHIFT)

/*
 * type_info
 *   [39:0]  type count (PGT_COUNT_MASK)
 *   [49:40] nr: for a PARTIAL table, entries [0,nr) hold their references
 *   [54]    PGT_LOCKED: a mod_lN update is in flight (also holds one count)
 *   [55]    PGT_PSET: PARTIAL, and entry nr holds a general reference to a
 *           child that may itself be PARTIAL
 *   [56]    PGT_PARTIAL: validation/devalidation preempted, parked
 *   [57]    PGT_PINNED
 *   [58]    PGT_VALIDATED
 *   [63:61] type (PGT_NONE .. PGT_WRITABLE)
 */
#define PGT_COUNT_MASK      ((1ULL << 40) - 1)
#define PGT_NR_SHIFT        40
#define PGT_NR_MASK         (0x3ffULL << PGT_NR_SHIFT)
#define PGT_LOCKED          (1ULL << 54)
#define PGT_PSET            (1ULL << 55)
#define PGT_PARTIAL         (1ULL << 56)
#define PGT_PINNED          (1ULL << 57)
#define PGT_VALIDATED       (1ULL << 58)
#define PGT_TYPE_SHIFT      61
#define PGT_TYPE_MASK       (7ULL << PGT_TYPE_SHIFT)

/* Frame types. L1..L4 are 1..4 so "the type an Lk entry needs" is k-1. */
enum mm_type {
    PGT_NONE = 0,
    PGT_L1 = 1,
    PGT_L2 = 2,
    PGT_L3 = 3,
    PGT_L4 = 4,
    PGT_SEG_DESC = 5,
    PGT_WRITABLE = 6,
};

static inline unsigned int pgt_type(u64 t) { return (unsigned int)(t >> PGT_TYPE_SHIFT); }
static inline u64 pgt_count(u64 t) { return t & PGT_COUNT_MASK; }
static inline unsigned int pgt_nr(u64 t) { return (unsigned int)((t & PGT_NR_MASK) >> PGT_NR_SHIFT); }
static inline u64 pgt_make(unsigned int type) { return (u64)type << PGT_TYPE_SHIFT; }
static inline bool pgt_is_table(unsigned int type) { return type >= PGT_L1 && type <= PGT_L4; }
static inline u64 pgc_count(u64 c) { return c & PGC_COUNT_MASK; }
static inline u32 pgc_stamp(u64 c) { return (u32)(c >> PGC_STAMP_SHIFT); }

/* x86-64 page-table entry bits. */
#define _PAGE_PRESENT       0x001ULL
#define _PAGE_RW            0x002ULL
#define _PAGE_USER          0x004ULL
#define _PAGE_PWT           0x008ULL
#define _PAGE_PCD           0x010ULL
#define _PAGE_ACCESSED      0x020ULL
#define _PAGE_DIRTY         0x040ULL
#define _PAGE_PSE           0x080ULL    /* L2/L3: superpage; L4: reserved */
#define _PAGE_PAT           0x080ULL    /* L1 */
#define _PAGE_GLOBAL        0x100ULL
#define _PAGE_AVAIL         0xe00ULL    /* bits 9-11 */
#define _PAGE_AVAIL_HIGH    (0x7ffULL << 52)
#define _PAGE_NX            (1ULL << 63)
/* A PTE the grant table made (Xen's bit 62): only the grant-table
 * interface may create, rewrite or drop it (rule 19). */
#define _PAGE_GNTTAB        (1ULL << 62)
#define PTE_ADDR_MASK       0x000ffffffffff000ULL   /* bits 12-51 */
#define PTE_FLAGS_MASK      (~PTE_ADDR_MASK)
#define PAGE_CACHE_ATTRS    (_PAGE_PAT | _PAGE_PCD | _PAGE_PWT)

/* Flags any guest entry may carry (Xen's base_disallow_mask complement). */
#define MM_BASE_ALLOWED     (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
                             _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_AVAIL | \
                             _PAGE_AVAIL_HIGH | _PAGE_NX)

#define PT_ENTRIES          512
#define MM_INVALID_MFN      (~0UL)

static inline mfn_t pte_mfn(u64 e) { return (mfn_t)((e & PTE_ADDR_MASK) >> 12); }
static inline u64 pte_flags(u64 e) { return e & PTE_FLAGS_MASK; }
static inline u64 pte_make(mfn_t mfn, u64 flags) { return ((u64)mfn << 12) | flags; }

/* The frame is a domain's, with its allocation reference and no type: the
 * allocator calls this when it hands a frame to a domain (it sets state and
 * owner itself). */
static inline void mm_frame_init_allocated(struct frame *f)
{
    __atomic_store_n(&f->type_info, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&f->count_info, PGC_ALLOCATED | 1, __ATOMIC_RELEASE);
}

/* A hypervisor frame a domain may map (shared_info, grant frames): owned by
 * `domid` for mapping purposes and typed writable (or none, read-only share)
 * forever, so it can never become a page table. The caller sets state
 * FRAME_HV, flags FRAMEF_SHARED_XEN and owner. */
static inline void mm_frame_init_shared(struct frame *f, bool writable)
{
    __atomic_store_n(&f->type_info,
                     pgt_make(writable ? PGT_WRITABLE : PGT_NONE) | PGT_VALIDATED | 1,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&f->count_info, PGC_ALLOCATED | 1, __ATOMIC_RELEASE);
}

/* The flush timestamp a freed frame carries: the allocator must make sure
 * no CPU that has not flushed since this stamp can still reach the frame
 * before handing it to anyone else (rule 14). */
static inline u32 mm_frame_stamp(const struct frame *f)
{
    return pgc_stamp(__atomic_load_n(&f->count_info, __ATOMIC_ACQUIRE));
}

#endif
