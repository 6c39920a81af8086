/*
 * Where a 64-bit PV domain's boot pieces go: kernel, initrd, p2m list,
 * start_info, xenstore and console pages, initial page tables and boot
 * stack, as pfns of the new domain and virtual addresses from VIRT_BASE.
 *
 * Pure (only <pvisor/types.h>): compiled into the hypervisor's dom0
 * builder, into pvctl (the dom0 toolstack) and into host unit tests, so
 * both builders lay a domain out by the same rules.
 *
 * Two flavours:
 *  - PV_LAYOUT_DOM0: pvisor's dom0, everything in one mapped region:
 *      kernel | initrd | p2m | start_info | page tables | stack | pad
 *  - PV_LAYOUT_DOMU: Xen's libxc order for a domU (xg_dom_core.c
 *    xc_dom_build_image, xg_dom_x86.c), mapped from VIRT_BASE:
 *      pad | kernel | [initrd if mapped] | [p2m if no INIT_P2M] |
 *      start_info | xenstore | console | page tables | stack | pad
 *    then, unmapped, the initrd (SIF_MOD_START_PFN kernels) and the p2m
 *    list followed by the tables of its own mapping at INIT_P2M.
 */
#ifndef PVISOR_PV_LAYOUT_H
#define PVISOR_PV_LAYOUT_H
#include <pvisor/types.h>

enum pv_layout_flavour { PV_LAYOUT_DOM0, PV_LAYOUT_DOMU };

struct pv_layout_in {
    enum pv_layout_flavour flavour;
    u64 virt_base;                  /* XEN_ELFNOTE_VIRT_BASE */
    u64 virt_kstart, virt_kend;     /* the kernel's loaded span (virtual) */
    u64 nr_pages;                   /* the domain's memory = p2m entries */
    u64 initrd_len;                 /* bytes, 0 = none */
    u64 p2m_base;                   /* XEN_ELFNOTE_INIT_P2M, 0 = none (domU only) */
    bool mod_start_pfn;             /* XEN_ELFNOTE_MOD_START_PFN (domU only) */
};

/* Page tables of one virtual range, per level (0 = L1 .. 3 = L4):
 * lvl[l].n tables from pfn lvl[l].pfn covering [lvl[l].from, lvl[l].to]
 * (48-bit addresses, inclusive ends), as libxc's xc_dom_x86_mapping. */
struct pv_layout_map {
    u64 from, to;                   /* the mapped range (inclusive) */
    u64 pfn;                        /* pfn mapped at `from` */
    u64 nr_pt;                      /* tables of all levels */
    struct { u64 from, to, pfn, n; } lvl[4];
};

struct pv_layout {
    u64 virt_base;
    u64 kernel_pfn, kernel_pages;
    u64 initrd_pfn, initrd_pages;   /* pages 0 when there is none */
    bool initrd_unmapped;           /* start_info.mod_start is a pfn (SIF_MOD_START_PFN) */
    u64 p2m_pfn, p2m_pages;         /* the list itself */
    u64 p2m_va;                     /* start_info.mfn_list */
    bool p2m_own_mapping;           /* at INIT_P2M, with tables of its own */
    u64 p2m_seg_pages;              /* list + its tables (start_info.nr_p2m_frames) */
    u64 si_pfn, store_pfn, console_pfn;   /* store/console: domU only */
    u64 pt_pfn, nr_pt;              /* tables of the initial mapping (pt_base, nr_pt_frames) */
    u64 stack_pfn;
    u64 virt_end;                   /* end of the initial mapping (exclusive) */
    u64 pages_used;                 /* pfns [0, pages_used) are taken */
    unsigned int nr_maps;           /* 1, or 2 with the p2m's own mapping */
    struct pv_layout_map map[2];
};

/* 0, or -1 with *err naming what does not fit (one line). */
int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *l, const char **err);

/* Virtual address of a pfn of the initial mapping. */
static inline u64 pv_layout_va(const struct pv_layout *l, u64 pfn)
{
    return l->virt_base + (pfn << 12);
}

/* Is pfn a page-table frame of either mapping (mapped read-only)? */
bool pv_layout_is_pt(const struct pv_layout *l, u64 pfn);

/* The entries of every page-table frame of a DOMU layout, as libxc's
 * setup_pgtables_pv writes them: tables[i * 512 + k] is entry k of the
 * i-th table frame of map m (pfn map[m].lvl[3].pfn for m = 0, the first
 * table pfn for m = 1, in level order L4, L3, L2, L1), with machine frames
 * from p2m[pfn]. `tables` holds map[m].nr_pt * 512 entries, zeroed by the
 * caller. */
void pv_layout_fill_tables(const struct pv_layout *l, unsigned int m, const u64 *p2m,
                           u64 *tables);

/* First pfn of map m's table frames (they are consecutive). */
u64 pv_layout_map_pt_pfn(const struct pv_layout *l, unsigned int m);

#define PV_PTE_UPPER 0x67ull        /* P RW U A D: L4, L3, L2 entries */
#define PV_PTE_LEAF  0x23ull        /* P RW A: L1 entries (Xen adds U) */
#endif
