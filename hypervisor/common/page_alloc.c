/*
 * Memory bring-up and the page allocator. mm_init() turns the boot memory
 * map into: a boot pool (RAM minus everything already in use), the direct
 * map, the frame table (one descriptor per machine frame), and finally the
 * buddy allocator, which then owns all remaining free RAM.
 */
#include <pvisor/page_alloc.h>
#include <pvisor/buddy.h>
#include <pvisor/rangeset.h>
#include <pvisor/printk.h>
#include <pvisor/spinlock.h>
#include <pvisor/claims.h>
#include <string.h>
#include <xen/xen.h>

extern char _start[], _end[];
void paging_init(const struct boot_info *bi, struct rangeset *pool, u64 max_pa);

struct frame *frame_table;
unsigned long max_mfn;
u64 total_ram_pages;

static struct buddy heap;
static DEFINE_SPINLOCK(heap_lock);
static struct rangeset boot_pool;
static u64 outstanding_claims;          /* every domain's claim (heap_lock) */
/* Free frames the idle scrubber has yet to zero (heap_lock; an estimate:
 * frames taken by paths that ignore the flags leave it high until a full
 * pass finds nothing and resets it). */
static unsigned long scrub_dirty, scrub_cursor, scrub_clean_run;

/* Every frame back to the heap: contents unknown (FRAMEF_NOSCRUB off),
 * the idle scrubber's to zero. heap_lock held. */
/* A frame given back holds what its user wrote: the idle loop zeroes it. */
static inline void mark_dirty(struct frame *f)
{
    f->flags = (u16)((f->flags & ~FRAMEF_NOSCRUB) | FRAMEF_SCRUB_IDLE);
}

/* A block whose frames are marked dirty already. */
static void heap_free_marked(u64 mfn, unsigned int order)
{
    scrub_dirty += 1ul << order;
    buddy_free(&heap, mfn, order);
}

static void heap_free(u64 mfn, unsigned int order)
{
    for (u64 i = 0; i < (1ull << order); i++)
        mark_dirty(&frame_table[mfn + i]);
    heap_free_marked(mfn, order);
}

/* A block from the heap unless claims reserve the memory for others
 * (claim: the caller's own, consumed on success). heap_lock held. */
static s64 heap_take(unsigned int order, unsigned long below, u64 *claim)
{
    s64 mfn;

    if (!claim_allows(outstanding_claims, claim, 1ul << order, heap.free_pages))
        return -1;
    mfn = below ? buddy_alloc_below(&heap, order, below) : buddy_alloc(&heap, order);
    if (mfn >= 0 && claim)
        claim_consume(&outstanding_claims, claim, 1ul << order);
    return mfn;
}

int claim_pages_set(u64 *claim, u64 pages, u64 tot_pages, u64 max_pages)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    int rc = claim_set(&outstanding_claims, claim, pages, tot_pages, max_pages,
                       heap.free_pages);

    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}

void get_outstanding_claims(u64 *free_pages, u64 *outstanding)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    *free_pages = heap.free_pages;
    *outstanding = outstanding_claims;
    spin_unlock_irqrestore(&heap_lock, flags);
}

static const char *mem_type_name(u32 t)
{
    switch (t) {
    case BOOT_MEM_RAM: return "RAM";
    case BOOT_MEM_ACPI: return "ACPI data";
    case BOOT_MEM_NVS: return "ACPI NVS";
    case BOOT_MEM_BAD: return "unusable";
    default: return "reserved";
    }
}

static void reserve(u64 start, u64 end)
{
    rangeset_remove(&boot_pool, ROUNDDOWN(start, PAGE_SIZE), ROUNDUP(end, PAGE_SIZE));
}

void mm_init(const struct boot_info *bi)
{
    u64 max_pa = 0, cap = (u64)CONFIG_MAX_RAM_GB << 30;
    u64 ft_bytes, ft_pa;

    printk("Physical memory map (%s):\n", bi->protocol == 2 ? "multiboot2" : "multiboot1");
    rangeset_init(&boot_pool);
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct boot_mem_range *r = &bi->mem[i];
        printk(" %016llx - %016llx (%s)\n", (unsigned long long)r->start,
               (unsigned long long)r->end, mem_type_name(r->type));
        if (r->type != BOOT_MEM_RAM)
            continue;
        u64 s = ROUNDUP(r->start, PAGE_SIZE), e = ROUNDDOWN(r->end, PAGE_SIZE);
        if (e > cap) {
            printk(LOG_WARN "RAM above %u GiB ignored (CONFIG_MAX_RAM_GB)\n", CONFIG_MAX_RAM_GB);
            e = cap;
        }
        if (s >= e)
            continue;
        rangeset_add(&boot_pool, s, e);
        if (e > max_pa)
            max_pa = e;
    }
    total_ram_pages = rangeset_total(&boot_pool) >> PAGE_SHIFT;
    if (total_ram_pages < 4096)
        panic("only %llu KiB of RAM: pvisor needs at least 16 MiB",
              (unsigned long long)total_ram_pages * 4);

    /* Never hand out: real-mode area and BIOS, the image, what the loader gave us. */
    reserve(0, 1 << 20);
    reserve(__pa(_start), __pa(_end));
    reserve(bi->info_start, bi->info_end);
    for (unsigned i = 0; i < bi->nr_mods; i++)
        reserve(bi->mods[i].start, bi->mods[i].end);

    paging_init(bi, &boot_pool, max_pa);

    max_mfn = max_pa >> PAGE_SHIFT;
    ft_bytes = ROUNDUP((u64)max_mfn * sizeof(struct frame), PAGE_SIZE);
    ft_pa = rangeset_alloc_top(&boot_pool, ft_bytes, SUPERPAGE_SIZE, max_pa);
    if (!ft_pa)
        ft_pa = rangeset_alloc_top(&boot_pool, ft_bytes, PAGE_SIZE, max_pa);
    if (!ft_pa)
        panic("no room for the frame table (%llu KiB)", (unsigned long long)ft_bytes >> 10);
    frame_table = __va(ft_pa);
    memset(frame_table, 0, ft_bytes);          /* all FRAME_RESERVED */
    for (unsigned long m = 0; m < max_mfn; m++) {
        frame_table[m].owner = DOMID_XEN;
        frame_table[m].next = frame_table[m].prev = FRAME_NIL;
    }

    buddy_init(&heap, frame_table, max_mfn);
    for (unsigned i = 0; i < boot_pool.n; i++)
        buddy_add_range(&heap, boot_pool.r[i].start >> PAGE_SHIFT,
                        (boot_pool.r[i].end - boot_pool.r[i].start) >> PAGE_SHIFT);
    printk("Memory: %llu MiB RAM, %llu MiB free, frame table %llu KiB for %lu frames\n",
           (unsigned long long)(total_ram_pages >> 8), (unsigned long long)(heap.free_pages >> 8),
           (unsigned long long)(ft_bytes >> 10), max_mfn);
}

void *alloc_xenheap_pages(unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    s64 mfn = heap_take(order, 0, NULL);
    spin_unlock_irqrestore(&heap_lock, flags);

    if (mfn < 0)
        return NULL;
    void *va = mfn_to_virt(mfn);
    memset(va, 0, PAGE_SIZE << order);
    return va;
}

void free_xenheap_pages(void *va, unsigned int order)
{
    unsigned long flags;

    if (!va)
        return;
    flags = spin_lock_irqsave(&heap_lock);
    heap_free(virt_to_mfn(va), order);
    spin_unlock_irqrestore(&heap_lock, flags);
}

long alloc_domheap_pages_claimed(unsigned int order, u32 domid, unsigned int address_bits,
                                 u64 *claim)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    s64 mfn;

    if (address_bits && address_bits < 64 && address_bits <= PAGE_SHIFT)
        mfn = -1;                       /* no frame lies below one page */
    else
        mfn = heap_take(order, address_bits && address_bits < 64 ?
                               1ul << (address_bits - PAGE_SHIFT) : 0, claim);
    if (mfn >= 0 && scrub_dirty)        /* none: the idle loop has caught up */
        for (u64 i = 0; i < (1ull << order); i++)
            if ((frame_table[mfn + i].flags & (FRAMEF_NOSCRUB | FRAMEF_SCRUB_IDLE)) ==
                FRAMEF_SCRUB_IDLE && scrub_dirty)
                scrub_dirty--;
    spin_unlock_irqrestore(&heap_lock, flags);

    if (mfn < 0)
        return -1;
    /* Never leak a previous owner's data to the next one: zero what the
     * idle scrubber has not (the frames are ours now, off the heap). */
    for (u64 i = 0; i < (1ull << order); i++) {
        struct frame *f = &frame_table[mfn + i];
        if (!(f->flags & FRAMEF_NOSCRUB))
            memset(mfn_to_virt(mfn + i), 0, PAGE_SIZE);
        f->flags &= (u16)~(FRAMEF_NOSCRUB | FRAMEF_SCRUB_IDLE);
        f->state = FRAME_DOMAIN;
        f->owner = domid;
        f->count_info = 0;
        f->type_info = 0;
    }
    return mfn;
}

long alloc_domheap_pages_below(unsigned int order, u32 domid, unsigned int address_bits)
{
    return alloc_domheap_pages_claimed(order, domid, address_bits, NULL);
}

long alloc_domheap_pages(unsigned int order, u32 domid)
{
    return alloc_domheap_pages_below(order, domid, 0);
}

/* Frames for dom0's initial memory: no scrub. Boot-time leftovers are not
 * another domain's data, and dom0 is the trusted control domain; every
 * later allocation for a domain is scrubbed. */
long alloc_domheap_pages_noscrub(unsigned int order, u32 domid)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    s64 mfn = buddy_alloc(&heap, order);
    spin_unlock_irqrestore(&heap_lock, flags);

    if (mfn < 0)
        return -1;
    for (u64 i = 0; i < (1ull << order); i++) {
        struct frame *f = &frame_table[mfn + i];
        f->state = FRAME_DOMAIN;
        f->owner = domid;
    }
    return mfn;
}

void free_domheap_pages(unsigned long mfn, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    for (u64 i = 0; i < (1ull << order); i++) {
        struct frame *f = &frame_table[mfn + i];
        f->owner = DOMID_XEN;
        f->count_info = 0;
        f->type_info = 0;
    }
    heap_free(mfn, order);
    spin_unlock_irqrestore(&heap_lock, flags);
}

/* The largest order of a naturally aligned block of consecutive frames
 * starting at mfn[0], n frames at most. */
static unsigned int run_order(const unsigned long *mfn, unsigned int n)
{
    unsigned int order = 0;

    while (order < BUDDY_MAX_ORDER && !(mfn[0] & ((2ul << order) - 1)) && (2u << order) <= n) {
        /* the upper half of the next block follows on */
        for (unsigned int i = 1u << order; i < (2u << order); i++)
            if (mfn[i] != mfn[0] + i)
                return order;
        order++;
    }
    return order;
}

void free_domheap_frames(const unsigned long *mfn, unsigned int n)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    for (unsigned int i = 0; i < n;) {
        unsigned int order = run_order(mfn + i, n - i);
        struct frame *block = &frame_table[mfn[i]];

        for (u64 k = 0; k < (1ull << order); k++) {
            struct frame *f = &block[k];
            f->owner = DOMID_XEN;
            f->count_info = 0;
            f->type_info = 0;
            mark_dirty(f);
        }
        heap_free_marked(mfn[i], order);
        i += 1u << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

u64 free_pages_count(void)
{
    return heap.free_pages;
}

void *alloc_cpu_stack(void)
{
    return alloc_xenheap_pages(STACK_ORDER);
}

bool scrub_pending(void)
{
    return __atomic_load_n(&scrub_dirty, __ATOMIC_RELAXED) != 0;
}

/* Up to 16 frames zeroed or 4096 looked at, under heap_lock (a frame the
 * heap holds cannot be taken meanwhile; 64 KiB of zeroing bounds the
 * time interrupts wait). Only frames freed at run time: boot memory is
 * zeroed when first allocated, as before. */
void scrub_free_pages(void)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    unsigned int zeroed = 0;

    for (unsigned int n = 0; n < 4096 && zeroed < 16 && scrub_dirty; n++) {
        if (++scrub_cursor >= max_mfn)
            scrub_cursor = 0;
        struct frame *f = &frame_table[scrub_cursor];
        if (f->state != FRAME_FREE || (f->flags & (FRAMEF_NOSCRUB | FRAMEF_SCRUB_IDLE)) != FRAMEF_SCRUB_IDLE) {
            /* a whole pass with nothing to do: the estimate was high */
            if (++scrub_clean_run >= max_mfn)
                scrub_dirty = scrub_clean_run = 0;
            continue;
        }
        memset(mfn_to_virt(scrub_cursor), 0, PAGE_SIZE);
        f->flags = (u16)((f->flags & ~FRAMEF_SCRUB_IDLE) | FRAMEF_NOSCRUB);
        scrub_dirty--;
        scrub_clean_run = 0;
        zeroed++;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

/* Allocate and free a spread of orders and check the allocator's books. */
int page_alloc_selftest(void)
{
    void *blocks[32];
    unsigned orders[32];
    u64 before = heap.free_pages;
    int rc;

    for (unsigned i = 0; i < 32; i++) {
        orders[i] = (i * 7) % 10;
        blocks[i] = alloc_xenheap_pages(orders[i]);
        if (!blocks[i])
            return -100;
        /* blocks are naturally aligned and zeroed */
        if (virt_to_mfn(blocks[i]) & ((1ul << orders[i]) - 1))
            return -101;
        if (((u64 *)blocks[i])[0] || ((u64 *)blocks[i])[(PAGE_SIZE << orders[i]) / 8 - 1])
            return -102;
        memset(blocks[i], 0xa5, PAGE_SIZE << orders[i]);
    }
    for (unsigned i = 0; i < 32; i += 2)
        free_xenheap_pages(blocks[i], orders[i]);
    for (unsigned i = 1; i < 32; i += 2)
        free_xenheap_pages(blocks[i], orders[i]);
    if (heap.free_pages != before)
        return -103;
    /* the idle scrubber zeroes what was freed (0xa5 above), and a domain
     * frame it zeroed comes back zero without being zeroed again */
    for (unsigned int n = 0; scrub_pending() && n < 1000000; n++)
        scrub_free_pages();
    if (scrub_pending())
        return -104;
    for (unsigned i = 0; i < 32; i++) {
        unsigned long m = virt_to_mfn(blocks[i]);
        const struct frame *f = &frame_table[m];
        if (f->state == FRAME_FREE && (f->flags & FRAMEF_NOSCRUB) && ((u64 *)blocks[i])[0])
            return -105;
    }
    long dm = alloc_domheap_pages(3, DOMID_XEN);
    if (dm < 0)
        return -106;
    for (unsigned long w = 0; w < (PAGE_SIZE << 3) / 8; w++)
        if (((u64 *)mfn_to_virt(dm))[w])
            return -107;
    for (unsigned i = 0; i < 8; i++)
        if (frame_table[dm + i].flags & (FRAMEF_NOSCRUB | FRAMEF_SCRUB_IDLE))
            return -108;
    free_domheap_pages(dm, 3);
    /* a batch of frames in any order: aligned runs as blocks, the rest
     * one by one, all of it back */
    u64 before_batch = heap.free_pages;
    long bm = alloc_domheap_pages(4, DOMID_XEN);
    if (bm < 0)
        return -109;
    static const unsigned char order_in_batch[16] = { 8, 9, 10, 11, 12, 13, 14, 15, 3, 2, 0, 1, 4, 5, 6, 7 };
    unsigned long batch[16];
    for (unsigned i = 0; i < 16; i++)
        batch[i] = (unsigned long)bm + order_in_batch[i];
    free_domheap_frames(batch, 16);
    if (heap.free_pages != before_batch)
        return -110;
    for (unsigned i = 0; i < 16; i++)
        if (frame_table[bm + i].state != FRAME_FREE || frame_table[bm + i].owner != DOMID_XEN)
            return -111;
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    rc = buddy_check(&heap);
    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}

void *alloc_xenheap_contig(unsigned long npages)
{
    unsigned int order = 0;
    unsigned long flags;
    s64 mfn;

    while ((1ul << order) < npages)
        order++;
    if (order > BUDDY_MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    mfn = buddy_alloc(&heap, order);
    if (mfn >= 0) {
        /* give back the tail beyond npages, largest aligned pieces first */
        unsigned long m = mfn + npages, end = mfn + (1ul << order);
        while (m < end) {
            unsigned int o = 0;
            while (o < BUDDY_MAX_ORDER && !(m & (1ul << o)) && m + (2ul << o) <= end)
                o++;
            for (u64 i = 0; i < (1ull << o); i++)
                frame_table[m + i].order = 0;
            frame_table[m].order = (u8)o;
            heap_free(m, o);
            m += 1ul << o;
        }
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return mfn < 0 ? NULL : mfn_to_virt(mfn);
}

void free_xenheap_contig(void *va, unsigned long npages)
{
    unsigned long mfn = virt_to_mfn(va), end = mfn + npages;
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    while (mfn < end) {
        unsigned int o = 0;
        while (o < BUDDY_MAX_ORDER && !(mfn & (1ul << o)) && mfn + (2ul << o) <= end)
            o++;
        heap_free(mfn, o);
        mfn += 1ul << o;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}
