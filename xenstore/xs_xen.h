/*
 * The few things pvstored needs from Xen to serve guests: map a guest's
 * store page, event channels, dom0's kernel ring and domain states.
 * Implemented over Linux's /dev/xen (xs_xen_linux.c) and by a simulator
 * for tests (xs_xen_sim.c); xs_ring_plat.c builds ring connections on top.
 */
#ifndef XS_XEN_H
#define XS_XEN_H

#include <stdint.h>

enum xs_dom_state { XS_DOM_RUNNING, XS_DOM_SHUTDOWN, XS_DOM_DYING, XS_DOM_GONE };

struct xs_xen {
	const struct xs_xen_ops *ops;
	int fd;                     /* readable when event channels are pending */
	int virq_port;              /* VIRQ_DOM_EXC's local port, -1 if none */
};

struct xs_xen_ops {
	/* The guest's store page (4096 bytes) or NULL with errno. */
	void *(*map)(struct xs_xen *x, uint32_t domid, uint64_t mfn);
	void (*unmap)(struct xs_xen *x, uint32_t domid, void *page);
	/* Binds to the guest's port: our local port, or -errno. */
	int (*bind)(struct xs_xen *x, uint32_t domid, uint32_t remote_port);
	void (*unbind)(struct xs_xen *x, int local_port);
	void (*notify)(struct xs_xen *x, int local_port);
	/* Next pending local port (unmasked again), or -1 if none. */
	int (*pending)(struct xs_xen *x);
	/* dom0's own kernel ring (/proc/xen/xsd_kva, xsd_port): the page and
	 * the port, or NULL when this dom0 has none. */
	void *(*map_dom0)(struct xs_xen *x, uint32_t *remote_port);
	enum xs_dom_state (*domain_state)(struct xs_xen *x, uint32_t domid);
	void (*close)(struct xs_xen *x);
};

struct xs_xen *xs_xen_linux_open(int *err);
struct xs_xen *xs_xen_sim_open(const char *dir, int *err);

#endif
