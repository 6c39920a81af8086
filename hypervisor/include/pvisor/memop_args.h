/*
 * The argument rules of memory_op's extent operations (increase and
 * decrease_reservation, populate_physmap), Xen 4.17's, apart from the
 * domain lookup and the work (common/hc_memory.c), so host tests check
 * each one. A refusal is never an errno: the hypercall answers with the
 * extents done so far, as Xen does.
 */
#ifndef PVISOR_MEMOP_ARGS_H
#define PVISOR_MEMOP_ARGS_H
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/memory.h>

#define MEMOP_SHIFT 6                   /* cmd >> 6: the start extent */

/* Xen's memop-max-order defaults for the calling domain: the control
 * domain 18, one with I/O capabilities (cache flush) 12, any other 9;
 * the hardware domain at least 12. */
unsigned int memop_max_order(bool control, bool hardware, bool io_caps);

/* Nothing to do, before the domain is looked up: too many extents to
 * encode a continuation, or the start extent at or past the end. */
bool memop_nothing_to_do(const struct xen_memory_reservation *r, unsigned long start);

/* Why the flags or order refuse the operation, or NULL. may_name_node:
 * the caller is the control or hardware domain (others may not insist
 * on a node). */
const char *memop_refusal(const struct xen_memory_reservation *r, unsigned int max_order,
                          bool may_name_node);
#endif
