/*
 * Buddy page allocator over the frame table (pure: links live in the frame
 * descriptors, page contents are never touched, so it is unit-tested on the
 * host). Blocks of 2^order frames, order 0..BUDDY_MAX_ORDER. Not locked:
 * the caller serialises (common/page_alloc.c).
 */
#ifndef PVISOR_BUDDY_H
#define PVISOR_BUDDY_H
#include <pvisor/frame.h>

#define BUDDY_MAX_ORDER 18          /* 1 GiB blocks */
#define BUDDY_NOT_HEAD  0xff        /* order of a free frame inside a block */

struct buddy {
    struct frame *ft;
    u64 nr_frames;
    u32 free_head[BUDDY_MAX_ORDER + 1];
    u64 free_pages;
    u64 nr_free_blocks[BUDDY_MAX_ORDER + 1];
};

void buddy_init(struct buddy *b, struct frame *ft, u64 nr_frames);
/* Hand [mfn, mfn+count) (all FRAME_RESERVED so far) to the allocator. */
void buddy_add_range(struct buddy *b, u64 mfn, u64 count);
/* Returns the first MFN of a 2^order block (state FRAME_HV), or -1. */
s64 buddy_alloc(struct buddy *b, unsigned int order);
/* The same, but the whole block lies below max_mfn. */
s64 buddy_alloc_below(struct buddy *b, unsigned int order, u64 max_mfn);
/* Return a block; the frames must be allocated and unreferenced. */
void buddy_free(struct buddy *b, u64 mfn, unsigned int order);
/* Walk every list and frame; 0 if consistent, else a negative step number. */
int buddy_check(const struct buddy *b);
#endif
