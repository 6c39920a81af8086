/*
 * Hypervisor memory: the frame table, the page allocator (buddy over the
 * frame table), the direct map of RAM and the idle page table whose upper
 * half (L4 slots 256-271) every guest L4 shares.
 */
#ifndef PVISOR_PAGE_ALLOC_H
#define PVISOR_PAGE_ALLOC_H
#include <pvisor/frame.h>
#include <pvisor/bootinfo.h>
#include <asm/page.h>

extern struct frame *frame_table;
extern unsigned long max_mfn;          /* frame table covers [0, max_mfn) */
extern u64 total_ram_pages;
extern pte_t *idle_pg_table;           /* L4 of the hypervisor's own address space */

static inline struct frame *mfn_to_frame(unsigned long mfn) { return &frame_table[mfn]; }
static inline unsigned long frame_to_mfn(const struct frame *f) { return f - frame_table; }
static inline bool mfn_valid(unsigned long mfn) { return mfn < max_mfn; }

void mm_init(const struct boot_info *bi);

/* True if [pa, pa+len) is inside the direct map (RAM or firmware tables). */
bool direct_map_covers(u64 pa, u64 len);

/* Hypervisor heap: zeroed pages, virtual addresses in the direct map. */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);
static inline void *alloc_xenheap_page(void) { return alloc_xenheap_pages(0); }
static inline void free_xenheap_page(void *va) { free_xenheap_pages(va, 0); }

/* Frames for domains (contents scrubbed), by MFN; -1 when out of memory. */
long alloc_domheap_pages(unsigned int order, u32 domid);
/* The same, every frame below 2^address_bits bytes (0: anywhere), as XENMEMF_address_bits. */
long alloc_domheap_pages_below(unsigned int order, u32 domid, unsigned int address_bits);
/* The same for a domain holding a memory claim (pvisor/claims.h): claimed
 * memory is its to take, and what it takes comes off *claim. */
long alloc_domheap_pages_claimed(unsigned int order, u32 domid, unsigned int address_bits,
                                 u64 *claim);
void free_domheap_pages(unsigned long mfn, unsigned int order);
/* Frames back under one hold of the heap's lock (a domain's relinquish
 * frees them in batches): each naturally aligned run of consecutive
 * frames goes back as one block. */
void free_domheap_frames(const unsigned long *mfn, unsigned int n);
/* XENMEM_claim_pages on one domain's claim *claim (0 cancels): 0, -EINVAL, -ENOMEM. */
int claim_pages_set(u64 *claim, u64 pages, u64 tot_pages, u64 max_pages);
/* Free pages and the claims outstanding on them (physinfo, getdomaininfo). */
void get_outstanding_claims(u64 *free_pages, u64 *outstanding);
long alloc_domheap_pages_noscrub(unsigned int order, u32 domid);

u64 free_pages_count(void);
int page_alloc_selftest(void);
/* The idle loop's share of allocation: frames domains gave back are zeroed
 * while a CPU has nothing else to do (as Xen scrubs in idle), so a later
 * populate_physmap finds them clean instead of zeroing them itself. */
bool scrub_pending(void);
void scrub_free_pages(void);     /* one bounded chunk; interrupts on */

/* Frames inside a firmware RAM/ACPI range (whether or not allocatable). */
bool mfn_is_ram(unsigned long mfn);
void map_user_readonly(unsigned long va, u64 pa, u64 bytes);
/* npages physically contiguous pages (the tail of the power-of-two block
 * goes back to the heap); NULL if there is no such run. */
void *alloc_xenheap_contig(unsigned long npages);
void free_xenheap_contig(void *va, unsigned long npages);
/* Map MMIO uncached into the vmap area. */
void *ioremap(u64 pa, size_t len);

/* Stacks for secondary CPUs: a naturally aligned STACK_SIZE block. */
void *alloc_cpu_stack(void);
#endif
