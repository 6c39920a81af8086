/* Guests' ring connections over an xs_xen provider (see xs_ring_plat.c). */
#ifndef XS_RING_PLAT_H
#define XS_RING_PLAT_H

#include <stdint.h>

struct xs_core;
struct xs_loop;
struct xs_xen;

/* "mfn" of dom0's kernel ring, which comes from /proc/xen/xsd_kva. */
#define XS_MFN_KERNEL UINT64_MAX

int xs_ring_plat_start(struct xs_core *c, struct xs_loop *l, struct xs_xen *x);
void xs_ring_plat_attach_dom0(struct xs_core *c);
void xs_ring_plat_stop(struct xs_core *c);

#endif
