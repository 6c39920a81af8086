/*
 * The argument rules of XENMEM_acquire_resource for a PV caller, Xen
 * 4.17's, in Xen's order, apart from the domain lookup and the work
 * (common/hc_memory.c), so host tests check each one.
 *
 * Order (each refusal before the next check): pad -> -EINVAL; frame or
 * frame + nr_frames beyond 32 bits -> -EINVAL; the target: -ESRCH,
 * itself -EPERM, not controlled -EPERM; the resource's size 0 (an id or
 * type the target has nothing of) -> -EINVAL; the query form (null
 * frame_list) needs nr_frames 0 and no start extent; otherwise the start
 * extent below nr_frames and nr_frames within a continuation's encoding;
 * then the type's own checks (unknown type -EOPNOTSUPP, frames beyond the
 * resource -EINVAL).
 */
#ifndef PVISOR_RESOURCE_ARGS_H
#define PVISOR_RESOURCE_ARGS_H
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <pvisor/memop_args.h>

#define RESOURCE_CHUNK 32               /* frames per step (Xen's stride) */

/* Before the target is looked up: 0 or -EINVAL. */
long resource_args_early(const struct xen_mem_acquire_resource *x);

/* The resource's size in frames for a PV target whose grant table may
 * grow to max_grant_frames; 0 when it has none of it. An unknown type
 * gives Xen's (unsigned)-EOPNOTSUPP, which its query form reports. */
unsigned int resource_max_frames(unsigned int type, unsigned int id,
                                 unsigned int max_grant_frames);

/* After the size: 0 or -EINVAL; *query when the call only asks the size. */
long resource_args_late(const struct xen_mem_acquire_resource *x, unsigned long start,
                        unsigned int max_frames, bool *query);
#endif
