/*
 * Memory claims (XENMEM_claim_pages), Xen's semantics: a toolstack stakes
 * a claim for a domain it is about to populate, so that memory cannot go
 * to anyone else meanwhile. The arithmetic only; the allocator keeps the
 * books under its lock (page_alloc.c), host tests check it directly.
 *
 *  - A domain holds one claim at a time: pages is the size it will reach,
 *    so the claim is pages - tot_pages; 0 cancels it. Refused (-EINVAL)
 *    when another claim is outstanding, pages <= tot_pages or pages >
 *    max_pages; -ENOMEM when it does not fit in the free memory not
 *    already claimed.
 *  - Claimed memory is unavailable to every allocation except the
 *    claimant's own, up to its claim; the claimant's allocations consume
 *    the claim as they succeed.
 */
#ifndef PVISOR_CLAIMS_H
#define PVISOR_CLAIMS_H
#include <pvisor/types.h>
#include <xen/errno.h>

/* *outstanding: all domains' claims; *claim: this domain's. */
static inline int claim_set(u64 *outstanding, u64 *claim, u64 pages, u64 tot_pages,
                            u64 max_pages, u64 free_pages)
{
    u64 avail;

    if (pages == 0) {
        *outstanding -= *claim;
        *claim = 0;
        return 0;
    }
    if (*claim)
        return -XEN_EINVAL;
    if (pages <= tot_pages || pages > max_pages)
        return -XEN_EINVAL;
    avail = free_pages > *outstanding ? free_pages - *outstanding : 0;
    if (pages - tot_pages > avail)
        return -XEN_ENOMEM;
    *claim = pages - tot_pages;
    *outstanding += *claim;
    return 0;
}

/* May n free pages go to an allocation that holds `claim` (NULL: none)? */
static inline bool claim_allows(u64 outstanding, const u64 *claim, u64 n, u64 free_pages)
{
    if (n <= free_pages && outstanding <= free_pages - n)
        return true;
    return claim && *claim >= n && n <= free_pages;
}

/* n pages went to the claimant: its claim shrinks by as much (not below 0). */
static inline void claim_consume(u64 *outstanding, u64 *claim, u64 n)
{
    u64 used = n < *claim ? n : *claim;

    *claim -= used;
    *outstanding -= used;
}
#endif
