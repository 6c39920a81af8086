#ifndef PVISOR_XENCTL_BITMAP_H
#define PVISOR_XENCTL_BITMAP_H
/*
 * A xenctl_bitmap filled as Xen fills one (cpumask_to_xenctl_bitmap): the
 * bytes both sides have, then zeros for the rest of the caller's bitmap
 * ((nr_bits + 7) / 8 in 32 bits, as Xen), a page at a time.
 */
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/domctl.h>

long xenctl_bitmap_to_guest(const struct xenctl_bitmap *b, const u8 *bytes,
                            unsigned int nr_bytes);

#endif
