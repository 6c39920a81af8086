/*
 * The frame table: one descriptor per machine frame of RAM, indexed by MFN.
 *
 * The allocator owns `state`, `order`, `next`/`prev`; the memory-safety
 * module (common/mm/) owns `count_info` and `type_info` and documents their
 * bit layout and rules at the top of its source. 32 bytes, so the table for
 * 24 GiB of RAM is 192 MiB... sized from the memory map at boot.
 */
#ifndef PVISOR_FRAME_H
#define PVISOR_FRAME_H

#include <pvisor/types.h>

#define FRAME_NIL 0xffffffffu   /* end of a frame list */

enum frame_state {
    FRAME_RESERVED = 0,   /* firmware, MMIO hole, hypervisor image: never allocated */
    FRAME_FREE,           /* in the buddy allocator */
    FRAME_HV,             /* allocated to the hypervisor itself */
    FRAME_DOMAIN,         /* allocated to a domain (owner = its domid) */
};

struct frame {
    u64 count_info;       /* mm: general reference count + PGC_ flags */
    u64 type_info;        /* mm: type, type count, validated/pinned flags */
    u32 owner;            /* domid of the owner (FRAME_DOMAIN), else DOMID_XEN */
    u32 next, prev;       /* list links by MFN: the buddy's free lists */
    u8  state;            /* enum frame_state */
    u8  order;            /* buddy order of a free block head */
    u16 flags;            /* FRAMEF_ below */
};
_Static_assert(sizeof(struct frame) == 32, "frame descriptor is 32 bytes");

#define FRAMEF_SHARED_XEN  0x0001  /* hypervisor frame a guest may map (shared_info, grant frames) */
#define FRAMEF_NOSCRUB     0x0002  /* free and its contents already zero */
#define FRAMEF_SCRUB_IDLE  0x0004  /* freed at run time: the idle loop zeroes it */

#endif
