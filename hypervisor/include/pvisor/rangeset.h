/*
 * A small sorted set of disjoint [start, end) ranges: the boot allocator's
 * free memory and its reserved list. Pure, fixed capacity, unit-tested.
 */
#ifndef PVISOR_RANGESET_H
#define PVISOR_RANGESET_H
#include <pvisor/types.h>

#define RANGESET_MAX 256

struct range { u64 start, end; };

struct rangeset {
    struct range r[RANGESET_MAX];
    unsigned int n;
};

void rangeset_init(struct rangeset *rs);
/* Both return false if the set would exceed its capacity (set unchanged). */
bool rangeset_add(struct rangeset *rs, u64 start, u64 end);
bool rangeset_remove(struct rangeset *rs, u64 start, u64 end);
bool rangeset_contains(const struct rangeset *rs, u64 start, u64 end);
bool rangeset_overlaps(const struct rangeset *rs, u64 start, u64 end);
u64 rangeset_total(const struct rangeset *rs);

/* Take `size` bytes aligned to `align` (a power of two) from the highest
 * free address below `limit`; returns the start, or 0 if nothing fits
 * (address 0 is never allocatable: the first 1 MiB is always reserved). */
u64 rangeset_alloc_top(struct rangeset *rs, u64 size, u64 align, u64 limit);
#endif
