/*
 * The hypervisor's own page tables: the idle L4 with the direct map of all
 * RAM and firmware ranges, the image mapping, the vmap area for MMIO. Built
 * once at boot from the boot allocator; guests later share slots 256-271.
 */
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/rangeset.h>
#include <pvisor/cpu.h>
#include <pvisor/spinlock.h>
#include <asm/processor.h>
#include <string.h>

extern char _start[], _end[];

pte_t *idle_pg_table;
static struct rangeset mapped;         /* physical ranges the direct map covers */
static struct rangeset ram_ranges;     /* what the firmware calls RAM or ACPI */
static struct rangeset *early_pool;    /* boot allocator while building tables */
static DEFINE_SPINLOCK(vmap_lock);
static unsigned long vmap_next = VMAP_VIRT_START;

#define HV_PT_FLAGS  (_PAGE_PRESENT | _PAGE_RW)

/* A zeroed page for a page table: from the boot pool early, the heap later. */
static pte_t *alloc_pt_page(void)
{
    void *p;

    if (early_pool) {
        u64 pa = rangeset_alloc_top(early_pool, PAGE_SIZE, PAGE_SIZE, 1ull << 32);
        if (!pa)
            panic("out of memory for the hypervisor's page tables");
        p = __va(pa);
        memset(p, 0, PAGE_SIZE);
    } else {
        p = alloc_xenheap_page();
        if (!p)
            panic("out of memory for the hypervisor's page tables");
    }
    return p;
}

/* Walk to the table at `level` (1 = L1) for va, creating tables as needed. */
static pte_t *walk_create(pte_t *l4, unsigned long va, int level)
{
    pte_t *t = l4;
    static const int shifts[] = { 0, L1_SHIFT, L2_SHIFT, L3_SHIFT, L4_SHIFT };

    for (int lvl = 4; lvl > level; lvl--) {
        pte_t *e = &t[(va >> shifts[lvl]) & 511];
        if (!(*e & _PAGE_PRESENT))
            *e = __pa(alloc_pt_page()) | HV_PT_FLAGS;
        BUG_ON(*e & _PAGE_PSE);
        t = __va(*e & PADDR_MASK);
    }
    return t;
}

static void map_2m(unsigned long va, u64 pa, u64 flags)
{
    pte_t *l2 = walk_create(idle_pg_table, va, 2);
    l2[l2_index(va)] = pa | flags | _PAGE_PSE;
}

static void map_4k(unsigned long va, u64 pa, u64 flags)
{
    pte_t *l1 = walk_create(idle_pg_table, va, 1);
    l1[l1_index(va)] = pa | flags;
}

bool direct_map_covers(u64 pa, u64 len)
{
    if (pa + len < pa)
        return false;
    if (!idle_pg_table)                 /* boot tables: first 4 GiB */
        return pa + len <= (1ull << 32);
    return rangeset_contains(&mapped, pa, pa + len);
}

void paging_init(const struct boot_info *bi, struct rangeset *pool, u64 max_pa)
{
    u64 nx = cpu_has_nx ? _PAGE_NX : 0;
    u64 g = cpu_has_pge ? _PAGE_GLOBAL : 0;
    u64 img_start = ROUNDDOWN(__pa(_start), SUPERPAGE_SIZE);
    u64 img_end = ROUNDUP(__pa(_end), SUPERPAGE_SIZE);

    early_pool = pool;
    idle_pg_table = alloc_pt_page();

    /* The image: 2 MiB pages, executable. */
    for (u64 pa = img_start; pa < img_end; pa += SUPERPAGE_SIZE)
        map_2m(PVISOR_VIRT_BASE + pa, pa, HV_PT_FLAGS | _PAGE_ACCESSED | _PAGE_DIRTY | g);

    /* The direct map: every range the firmware lists, rounded out to 2 MiB;
     * RAM and ACPI ranges cached, other reserved ranges uncached. */
    rangeset_init(&mapped);
    rangeset_init(&ram_ranges);
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct boot_mem_range *r = &bi->mem[i];
        u64 s = ROUNDDOWN(r->start, SUPERPAGE_SIZE);
        u64 e = ROUNDUP(r->end, SUPERPAGE_SIZE);
        bool wb = r->type != BOOT_MEM_RESERVED;

        if (s >= max_pa)
            continue;
        if (e > max_pa)
            e = ROUNDUP(max_pa, SUPERPAGE_SIZE);
        for (u64 pa = s; pa < e; pa += SUPERPAGE_SIZE) {
            pte_t *l2 = walk_create(idle_pg_table, DIRECTMAP_VIRT_START + pa, 2);
            pte_t *pe = &l2[l2_index(DIRECTMAP_VIRT_START + pa)];
            u64 cache = wb ? 0 : (_PAGE_PCD | _PAGE_PWT);
            /* a 2 MiB page shared with RAM stays cached */
            if ((*pe & _PAGE_PRESENT) && !(*pe & _PAGE_PCD))
                cache = 0;
            *pe = pa | HV_PT_FLAGS | _PAGE_PSE | _PAGE_ACCESSED | _PAGE_DIRTY | g | nx | cache;
        }
        rangeset_add(&mapped, s, e);
        if (r->type != BOOT_MEM_RESERVED)
            rangeset_add(&ram_ranges, r->start, r->end);
    }
    /* Legacy VGA text memory for console=vga. */
    if (!rangeset_contains(&mapped, 0xb8000, 0xc0000)) {
        map_2m(DIRECTMAP_VIRT_START, 0, HV_PT_FLAGS | _PAGE_PCD | _PAGE_PWT | g | nx);
        rangeset_add(&mapped, 0, SUPERPAGE_SIZE);
    }

    write_cr3(__pa(idle_pg_table));
    early_pool = NULL;
}

void *ioremap(u64 pa, size_t len)
{
    u64 off = pa & (PAGE_SIZE - 1);
    u64 base = pa - off;
    size_t pages = (off + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
    unsigned long va;
    unsigned long flags = spin_lock_irqsave(&vmap_lock);

    va = vmap_next;
    vmap_next += (pages + 1) << PAGE_SHIFT;     /* one guard page */
    BUG_ON(vmap_next > VMAP_VIRT_END);
    for (size_t i = 0; i < pages; i++)
        map_4k(va + (i << PAGE_SHIFT), base + (i << PAGE_SHIFT),
               HV_PT_FLAGS | _PAGE_PCD | _PAGE_PWT | _PAGE_ACCESSED | _PAGE_DIRTY |
               (cpu_has_nx ? _PAGE_NX : 0));
    spin_unlock_irqrestore(&vmap_lock, flags);
    return (void *)(va + off);
}

/* A read-only mapping that guest code (ring 3) may read: the M2P. */
void map_user_readonly(unsigned long va, u64 pa, u64 bytes)
{
    static const int shifts[] = { 0, L1_SHIFT, L2_SHIFT, L3_SHIFT, L4_SHIFT };
    u64 nx = cpu_has_nx ? _PAGE_NX : 0;

    for (u64 off = 0; off < bytes; off += PAGE_SIZE) {
        unsigned long a = va + off;
        pte_t *t = idle_pg_table;
        for (int lvl = 4; lvl > 1; lvl--) {
            pte_t *e = &t[(a >> shifts[lvl]) & 511];
            if (!(*e & _PAGE_PRESENT))
                *e = __pa(alloc_pt_page()) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
            t = __va(*e & PADDR_MASK);
        }
        t[l1_index(a)] = (pa + off) | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | nx;
    }
}

bool mfn_is_ram(unsigned long mfn)
{
    return rangeset_contains(&ram_ranges, (u64)mfn << PAGE_SHIFT, ((u64)mfn + 1) << PAGE_SHIFT);
}
