/*
 * cons_plat over a Xen-ABI dom0 (Xen or pvisor): libxenevtchn for the
 * event channels (one handle, so one fd, for every console), libxengnttab
 * for grant reference 0 (GNTTAB_RESERVED_CONSOLE, which the domain
 * builder seeds), libxenforeignmemory for the frame when the grant does
 * not map, libxenctrl for the domain list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "cons_plat.h"

struct mapping {
	struct mapping *next;
	void *page;
	bool granted;
};

struct xen_plat {
	struct cons_plat p;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xenforeignmemory_handle *xfm;
	xc_interface *xch;
	struct mapping *maps;
};

static void *xp_map(struct cons_plat *p, uint32_t domid, uint64_t ring_ref)
{
	struct xen_plat *xp = (struct xen_plat *)p;
	struct mapping *m = calloc(1, sizeof(*m));
	int err = 0;

	if (!m)
		return NULL;
	if (xp->xgt) {
		m->page = xengnttab_map_grant_ref(xp->xgt, domid, GNTTAB_RESERVED_CONSOLE,
						  PROT_READ | PROT_WRITE);
		m->granted = m->page != NULL;
		err = errno;
	}
	if (!m->page && xp->xfm) {
		xen_pfn_t pfn = (xen_pfn_t)ring_ref;

		m->page = xenforeignmemory_map(xp->xfm, domid, PROT_READ | PROT_WRITE,
					       1, &pfn, NULL);
		err = errno;
	}
	if (!m->page) {
		free(m);
		errno = err ? err : EINVAL;
		return NULL;
	}
	m->next = xp->maps;
	xp->maps = m;
	return m->page;
}

static void xp_unmap(struct cons_plat *p, void *page)
{
	struct xen_plat *xp = (struct xen_plat *)p;
	struct mapping **pp, *m;

	for (pp = &xp->maps; (m = *pp); pp = &m->next)
		if (m->page == page)
			break;
	if (!m)
		return;
	*pp = m->next;
	if (m->granted)
		xengnttab_unmap(xp->xgt, page, 1);
	else
		xenforeignmemory_unmap(xp->xfm, page, 1);
	free(m);
}

static int xp_bind(struct cons_plat *p, uint32_t domid, uint32_t remote_port)
{
	struct xen_plat *xp = (struct xen_plat *)p;
	xenevtchn_port_or_error_t port;

	port = xenevtchn_bind_interdomain(xp->xce, domid, remote_port);
	return port < 0 ? -(errno ? errno : EINVAL) : (int)port;
}

static void xp_unbind(struct cons_plat *p, int local_port)
{
	xenevtchn_unbind(((struct xen_plat *)p)->xce, (evtchn_port_t)local_port);
}

static void xp_notify(struct cons_plat *p, int local_port)
{
	xenevtchn_notify(((struct xen_plat *)p)->xce, (evtchn_port_t)local_port);
}

static int xp_pending(struct cons_plat *p)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(((struct xen_plat *)p)->xce);

	return port < 0 ? -1 : (int)port;
}

static void xp_unmask(struct cons_plat *p, int local_port)
{
	xenevtchn_unmask(((struct xen_plat *)p)->xce, (evtchn_port_t)local_port);
}

static int xp_list(struct cons_plat *p, struct cons_dominfo *out, int max)
{
	struct xen_plat *xp = (struct xen_plat *)p;
	xc_domaininfo_t info[64];
	uint32_t next = 1;
	int n = 0;

	while (n < max) {
		int got = xc_domain_getinfolist(xp->xch, next, 64, info), i;

		if (got < 0)
			return n ? n : -1;
		if (got == 0)
			break;
		for (i = 0; i < got && n < max; i++) {
			if (info[i].domain == 0)
				continue;
			out[n].domid = info[i].domain;
			out[n].dying = !!(info[i].flags & XEN_DOMINF_dying);
			n++;
		}
		next = info[got - 1].domain + 1;
		if (got < 64)
			break;
	}
	return n;
}

static void xp_close(struct cons_plat *p)
{
	struct xen_plat *xp = (struct xen_plat *)p;

	while (xp->maps)
		xp_unmap(p, xp->maps->page);
	if (xp->xch)
		xc_interface_close(xp->xch);
	if (xp->xfm)
		xenforeignmemory_close(xp->xfm);
	if (xp->xgt)
		xengnttab_close(xp->xgt);
	if (xp->xce)
		xenevtchn_close(xp->xce);
	free(xp);
}

static const struct cons_plat_ops xen_ops = {
	.map = xp_map, .unmap = xp_unmap, .bind = xp_bind, .unbind = xp_unbind,
	.notify = xp_notify, .pending = xp_pending, .unmask = xp_unmask,
	.list = xp_list, .close = xp_close,
};

struct cons_plat *cons_plat_xen_open(void)
{
	struct xen_plat *xp = calloc(1, sizeof(*xp));
	int err;

	if (!xp)
		return NULL;
	xp->p.ops = &xen_ops;
	xp->xce = xenevtchn_open(NULL, 0);
	xp->xch = xc_interface_open(NULL, NULL, 0);
	if (!xp->xce || !xp->xch) {
		err = errno;
		xp_close(&xp->p);
		errno = err ? err : ENODEV;
		return NULL;
	}
	/* either may be missing (no gntdev module, no privcmd): the other serves */
	xp->xgt = xengnttab_open(NULL, 0);
	xp->xfm = xenforeignmemory_open(NULL, 0);
	xp->p.fd = xenevtchn_fd(xp->xce);
	/* pending() is asked until it has nothing: it must not block then */
	fcntl(xp->p.fd, F_SETFL, fcntl(xp->p.fd, F_GETFL) | O_NONBLOCK);
	return &xp->p;
}
