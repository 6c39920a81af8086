/* Page-table entry bits and physical <-> virtual conversions. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H
#include <asm/layout.h>

#define PADDR_MASK     0x000ffffffffff000UL

#define L1_SHIFT 12
#define L2_SHIFT 21
#define L3_SHIFT 30
#define L4_SHIFT 39
#define PT_ENTRIES 512
#define l1_index(va) (((va) >> L1_SHIFT) & 511)
#define l2_index(va) (((va) >> L2_SHIFT) & 511)
#define l3_index(va) (((va) >> L3_SHIFT) & 511)
#define l4_index(va) (((va) >> L4_SHIFT) & 511)

#define SUPERPAGE_SIZE (1UL << L2_SHIFT)

#ifndef __ASSEMBLER__
#include <pvisor/types.h>
#include <pvisor/mm_frame.h>     /* the page-table entry bits */

typedef u64 pte_t;

static inline void *__va(paddr_t pa)
{
    return (void *)(pa + DIRECTMAP_VIRT_START);
}

static inline paddr_t __pa(const void *va)
{
    unsigned long v = (unsigned long)va;

    if (v >= PVISOR_VIRT_BASE && v < PVISOR_VIRT_BASE + PVISOR_IMAGE_MAX)
        return v - PVISOR_VIRT_BASE;
    return v - DIRECTMAP_VIRT_START;
}

static inline void *mfn_to_virt(unsigned long mfn) { return __va((paddr_t)mfn << PAGE_SHIFT); }
static inline unsigned long virt_to_mfn(const void *va) { return __pa(va) >> PAGE_SHIFT; }
#endif
#endif
