/*
 * The boot layout of a 64-bit PV domain (pure; see pv_layout.h).
 * Every size comes from a kernel image or a config a user wrote: sums are
 * checked for wrap-around and every segment against the domain's pages.
 */
#include <pvisor/pv_layout.h>

#define PG 4096ull
#define VMASK ((1ull << 48) - 1)               /* libxc's vaddr_mask (48 bits) */
#define MAX_OFFSET (1ull << 40)                 /* no boot region is near 1 TiB */

static u64 pages_of(u64 bytes)
{
    return bytes / PG + !!(bytes % PG);
}

/* ---- pvisor's dom0: one mapped region ---- */

/* Page tables needed to map [vstart, vend) with 4 KiB pages. */
static u64 count_tables(u64 vstart, u64 vend)
{
    u64 last = vend - 1;
    return 1 + ((last >> 39) - (vstart >> 39) + 1) + ((last >> 30) - (vstart >> 30) + 1) +
           ((last >> 21) - (vstart >> 21) + 1);
}

/* a + b, false when it wraps */
static bool add_ok(u64 a, u64 b, u64 *r)
{
    return !__builtin_add_overflow(a, b, r);
}

static int layout_dom0(const struct pv_layout_in *in, struct pv_layout *l, const char **err)
{
    u64 v_start = in->virt_base, v_initrd, v_p2m, v_si, v_pt, v_stack, v_end, nr_pt = 1, need, t;

    *err = "the boot region would not fit in the address space";
    if (in->initrd_len > MAX_OFFSET || in->nr_pages > MAX_OFFSET / 8 ||
        in->virt_kend < v_start || in->virt_kend - v_start > MAX_OFFSET)
        return -1;
    if (!add_ok(in->virt_kend, PG - 1, &t))
        return -1;
    v_initrd = t & ~(PG - 1);
    if (!add_ok(v_initrd, in->initrd_len, &t) || !add_ok(t, PG - 1, &t))
        return -1;
    v_p2m = t & ~(PG - 1);
    if (!add_ok(v_p2m, in->nr_pages * 8, &t) || !add_ok(t, PG - 1, &t))
        return -1;
    v_si = t & ~(PG - 1);
    if (!add_ok(v_si, PG, &v_pt))
        return -1;
    for (;;) {
        if (!add_ok(v_pt, nr_pt * PG, &v_stack) ||
            !add_ok(v_stack, PG + (4ull << 20) - 1, &t) || !add_ok(t, 4ull << 20, &t))
            return -1;
        v_end = (v_stack + PG + (4ull << 20) - 1) & ~((4ull << 20) - 1);
        if (v_end - (v_stack + PG) < (512u << 10))
            v_end += 4ull << 20;
        need = count_tables(v_start, v_end);
        if (need <= nr_pt)
            break;
        nr_pt = need;
    }
    l->kernel_pfn = (in->virt_kstart - v_start) / PG;
    l->kernel_pages = (v_initrd - v_start) / PG - l->kernel_pfn;
    l->initrd_pfn = (v_initrd - v_start) / PG;
    l->initrd_pages = pages_of(in->initrd_len);
    l->p2m_pfn = (v_p2m - v_start) / PG;
    l->p2m_pages = pages_of(in->nr_pages * 8);
    l->p2m_seg_pages = l->p2m_pages;
    l->p2m_va = v_p2m;
    l->si_pfn = (v_si - v_start) / PG;
    l->pt_pfn = (v_pt - v_start) / PG;
    l->nr_pt = nr_pt;
    l->stack_pfn = (v_stack - v_start) / PG;
    l->virt_end = v_end;
    l->pages_used = (v_end - v_start) / PG;
    l->nr_maps = 0;              /* dom0_build walks its region itself */
    return 0;
}

/* ---- a domU in libxc's order ---- */

struct alloc {
    u64 total;          /* nr_pages */
    u64 pfn_end;        /* pfn_alloc_end */
    u64 virt_end;       /* virt_alloc_end */
    const char **err;
};

/* xc_dom_chk_alloc_pages */
static int take(struct alloc *a, u64 pages, const char *what)
{
    if (pages > a->total || a->pfn_end > a->total || pages > a->total - a->pfn_end) {
        *a->err = what;
        return -1;
    }
    a->pfn_end += pages;
    a->virt_end += pages * PG;
    return 0;
}

/* xc_dom_alloc_pad */
static int pad_to(struct alloc *a, u64 boundary, const char *what)
{
    if ((boundary & (PG - 1)) || boundary < a->virt_end) {
        *a->err = "a segment boundary is unaligned or below what is already laid out";
        return -1;
    }
    return take(a, (boundary - a->virt_end) / PG, what);
}

/* libxc count_pgtables: the tables mapping [from, to] with its first pfn
 * at `pfn`, tables from a->pfn_end on, sharing upper tables with the
 * mappings before it. */
static int count_pgtables(struct pv_layout *l, struct alloc *a, u64 from, u64 to, u64 pfn)
{
    struct pv_layout_map *map = &l->map[l->nr_maps];

    if (l->nr_maps == 2) {
        *a->err = "too many mappings";
        return -1;
    }
    if (((to - from) >> 12) >= a->total - pfn || pfn >= a->total) {
        *a->err = "not enough memory for the initial mapping";
        return -1;
    }
    /* compared in 48 bits (libxc compares unmasked with masked, so an
     * INIT_P2M just below VIRT_BASE would overwrite the kernel's L1s) */
    for (unsigned m = 0; m < l->nr_maps; m++)
        if ((from & VMASK) <= l->map[m].to && (to & VMASK) >= l->map[m].from) {
            *a->err = "the p2m mapping overlaps the kernel's";
            return -1;
        }
    *map = (struct pv_layout_map){ .from = from & VMASK, .to = to & VMASK };
    for (int lv = 3; lv >= 0; lv--) {
        map->lvl[lv].pfn = a->pfn_end + map->nr_pt;
        if (lv == 3) {
            if (l->nr_maps == 0) {          /* the L4, in the first mapping only */
                map->lvl[3].from = 0;
                map->lvl[3].to = VMASK;
                map->lvl[3].n = 1;
                map->nr_pt++;
            }
            continue;
        }
        unsigned bits = 12 + (unsigned)(lv + 1) * 9;
        u64 mask = (1ull << bits) - 1;
        map->lvl[lv].from = map->from & ~mask;
        map->lvl[lv].to = map->to | mask;
        for (unsigned m = 0; m < l->nr_maps; m++) {
            const struct pv_layout_map *c = &l->map[m];
            if (c->lvl[lv].from == c->lvl[lv].to)
                continue;
            if (map->lvl[lv].from >= c->lvl[lv].from && map->lvl[lv].to <= c->lvl[lv].to) {
                map->lvl[lv].from = map->lvl[lv].to = 0;   /* covered by the other */
                break;
            }
            if (map->lvl[lv].from >= c->lvl[lv].from && map->lvl[lv].from <= c->lvl[lv].to)
                map->lvl[lv].from = c->lvl[lv].to + 1;
            if (map->lvl[lv].to >= c->lvl[lv].from && map->lvl[lv].to <= c->lvl[lv].to)
                map->lvl[lv].to = c->lvl[lv].from - 1;
        }
        if (map->lvl[lv].from < map->lvl[lv].to)
            map->lvl[lv].n = ((map->lvl[lv].to - map->lvl[lv].from) >> bits) + 1;
        map->nr_pt += map->lvl[lv].n;
    }
    map->pfn = pfn;
    return 0;
}

static int layout_domu(const struct pv_layout_in *in, struct pv_layout *l, const char **err)
{
    struct alloc a = { .total = in->nr_pages, .virt_end = in->virt_base, .err = err };
    u64 p2m_bytes = in->nr_pages * 8, p2m_base = in->p2m_base, initrd_pages;
    const u64 extra = 1 + (512u << 10) / PG;      /* boot stack + 512 KiB slack */

    if ((in->virt_base & (PG - 1)) || in->virt_kstart < in->virt_base ||
        in->virt_kend < in->virt_kstart || in->virt_kend - in->virt_base > MAX_OFFSET ||
        in->nr_pages > MAX_OFFSET / 8 || in->initrd_len > MAX_OFFSET) {
        *err = "the kernel's addresses do not make a boot region";
        return -1;
    }
    p2m_bytes = (p2m_bytes + PG - 1) & ~(PG - 1);
    initrd_pages = pages_of(in->initrd_len);

    /* kernel at its own address, pfns below it padding */
    if (pad_to(&a, in->virt_kstart, "the kernel does not fit in the domain's memory"))
        return -1;
    l->kernel_pfn = a.pfn_end;
    l->kernel_pages = pages_of(in->virt_kend - in->virt_kstart);
    if (take(&a, l->kernel_pages, "the kernel does not fit in the domain's memory"))
        return -1;

    /* a kernel without MOD_START_PFN gets its initrd mapped */
    l->initrd_unmapped = in->mod_start_pfn;
    if (in->initrd_len && !l->initrd_unmapped) {
        l->initrd_pfn = a.pfn_end;
        l->initrd_pages = initrd_pages;
        if (take(&a, initrd_pages, "the initrd does not fit in the domain's memory"))
            return -1;
    }

    /* INIT_P2M only below VIRT_BASE and page aligned (xc_dom_build_image) */
    if (p2m_base >= in->virt_base || (p2m_base & (PG - 1)))
        p2m_base = 0;
    l->p2m_own_mapping = p2m_base != 0;
    l->p2m_pages = p2m_bytes / PG;
    if (!l->p2m_own_mapping) {
        l->p2m_pfn = a.pfn_end;
        l->p2m_va = a.virt_end;
        l->p2m_seg_pages = l->p2m_pages;
        if (take(&a, l->p2m_pages, "the p2m list does not fit in the domain's memory"))
            return -1;
    }

    /* start_info, xenstore, console (alloc_magic_pages_pv) */
    l->si_pfn = a.pfn_end;
    l->store_pfn = a.pfn_end + 1;
    l->console_pfn = a.pfn_end + 2;
    if (take(&a, 3, "the domain's memory is too small for its boot pages"))
        return -1;

    /* initial page tables (alloc_pgtables_pv): the mapping reaches a 4 MiB
     * boundary with room for the tables, the stack and 512 KiB */
    u64 pages = extra, try_end;
    for (;;) {
        /* the initial mapping must not wrap past the top of the address
         * space (what comes after it is unmapped: libxc's counter may wrap) */
        if ((a.pfn_end + pages) * PG + (4ull << 20) > ~in->virt_base) {
            *err = "the kernel's boot region would run past the top of the address space";
            return -1;
        }
        try_end = (a.virt_end + pages * PG) | ((1ull << 22) - 1);
        l->nr_maps = 0;
        if (count_pgtables(l, &a, in->virt_base, try_end, 0))
            return -1;
        pages = l->map[0].nr_pt + extra;
        if (a.virt_end + pages * PG <= try_end + 1)
            break;
    }
    l->map[0].pfn = 0;
    l->nr_maps = 1;
    l->virt_end = try_end + 1;
    l->pt_pfn = a.pfn_end;
    l->nr_pt = l->map[0].nr_pt;
    if (take(&a, l->nr_pt, "the domain's memory is too small for its page tables"))
        return -1;
    l->stack_pfn = a.pfn_end;
    if (take(&a, 1, "the domain's memory is too small for its boot stack") ||
        pad_to(&a, l->virt_end, "the domain's memory is smaller than its initial mapping"))
        return -1;

    /* the initrd, unmapped, by pfn (SIF_MOD_START_PFN) */
    if (in->initrd_len && l->initrd_unmapped) {
        l->initrd_pfn = a.pfn_end;
        l->initrd_pages = initrd_pages;
        if (take(&a, initrd_pages, "the initrd does not fit in the domain's memory"))
            return -1;
    }

    /* the p2m list at INIT_P2M with its own tables (alloc_p2m_list_x86_64) */
    if (l->p2m_own_mapping) {
        if (count_pgtables(l, &a, p2m_base, p2m_base + p2m_bytes - 1, a.pfn_end))
            return -1;
        for (unsigned lv = 0; lv < 4; lv++)
            l->map[1].lvl[lv].pfn += l->p2m_pages;
        l->nr_maps = 2;
        l->p2m_pfn = a.pfn_end;
        l->p2m_va = p2m_base;
        l->p2m_seg_pages = l->p2m_pages + l->map[1].nr_pt;
        if (take(&a, l->p2m_seg_pages, "the p2m list does not fit in the domain's memory"))
            return -1;
    }
    l->pages_used = a.pfn_end;
    return 0;
}

int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *l, const char **err)
{
    static const struct pv_layout zero;

    *l = zero;
    l->virt_base = in->virt_base;
    if (in->flavour == PV_LAYOUT_DOM0)
        return layout_dom0(in, l, err);
    return layout_domu(in, l, err);
}

u64 pv_layout_map_pt_pfn(const struct pv_layout *l, unsigned int m)
{
    return l->map[m].lvl[3].pfn;      /* L4 of map 0; map 1's first L3 */
}

bool pv_layout_is_pt(const struct pv_layout *l, u64 pfn)
{
    if (!l->nr_maps)
        return pfn >= l->pt_pfn && pfn < l->pt_pfn + l->nr_pt;
    for (unsigned m = 0; m < l->nr_maps; m++) {
        u64 s = l->map[m].lvl[3].pfn;          /* as libxc's get_pg_prot */
        if (pfn >= s && pfn < s + l->map[m].nr_pt)
            return true;
    }
    return false;
}

void pv_layout_fill_tables(const struct pv_layout *l, unsigned int m1, const u64 *p2m,
                           u64 *tables)
{
    const struct pv_layout_map *map1 = &l->map[m1];
    u64 base = pv_layout_map_pt_pfn(l, m1);

    for (int lv = 3; lv >= 0; lv--) {
        u64 from = map1->lvl[lv].from, to = map1->lvl[lv].to;
        unsigned shift = 12 + (unsigned)lv * 9;

        if (!map1->lvl[lv].n)
            continue;
        u64 *pg = tables + (map1->lvl[lv].pfn - base) * 512;
        for (unsigned m2 = 0; m2 < l->nr_maps; m2++) {
            const struct pv_layout_map *map2 = &l->map[m2];
            u64 cfrom, cto, cpfn;
            if (lv > 0) {
                if (!map2->lvl[lv - 1].n)
                    continue;
                cfrom = map2->lvl[lv - 1].from;
                cto = map2->lvl[lv - 1].to;
                cpfn = map2->lvl[lv - 1].pfn;
            } else {
                cfrom = map2->from;
                cto = map2->to;
                cpfn = map2->pfn;
            }
            if (cfrom >= to || cto <= from)
                continue;
            u64 lo = cfrom > from ? cfrom : from, hi = cto < to ? cto : to;
            u64 pfn = ((lo - cfrom) >> shift) + cpfn;
            for (u64 p = (lo - from) >> shift; p <= (hi - from) >> shift; p++, pfn++) {
                u64 prot = lv ? PV_PTE_UPPER
                              : pv_layout_is_pt(l, pfn) ? PV_PTE_LEAF & ~2ull : PV_PTE_LEAF;
                pg[p] = (p2m[pfn] << 12) | prot;
            }
        }
    }
}
