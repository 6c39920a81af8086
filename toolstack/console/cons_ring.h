/*
 * A guest's console ring (struct xencons_interface) seen from dom0: we
 * consume `out` and produce `in`. The page is shared with the guest, so
 * every index is read once and treated as hostile: an impossible
 * producer/consumer distance makes the ring "bad" (nothing is copied),
 * and copies always go through the mask, never outside the arrays.
 */
#ifndef CONS_RING_H
#define CONS_RING_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

#define CONS_RING_BAD (-1)

/* Copies at most max bytes the guest produced into dst and consumes them:
 * the count, or CONS_RING_BAD when out_prod - out_cons > sizeof(out). */
int cons_ring_read_out(struct xencons_interface *intf, void *dst, size_t max);

/* Free bytes in the guest's input ring (0 when its indexes are bad). */
size_t cons_ring_in_space(const struct xencons_interface *intf);

/* Appends at most len bytes to the input ring: the count written, or
 * CONS_RING_BAD when in_prod - in_cons > sizeof(in). */
int cons_ring_write_in(struct xencons_interface *intf, const void *src, size_t len);

#endif
