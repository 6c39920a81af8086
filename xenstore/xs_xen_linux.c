/*
 * xs_xen over Linux dom0's Xen devices, through Xen's own small libraries:
 *   event channels     libxenevtchn (/dev/xen/evtchn), plus VIRQ_DOM_EXC
 *   a guest's page     libxengnttab (/dev/xen/gntdev): the reserved grant
 *                      GNTTAB_RESERVED_XENSTORE, as C xenstored maps it;
 *                      else libxenforeignmemory (privcmd) on its frame
 *   dom0's kernel      /proc/xen/xsd_kva (mmap) and /proc/xen/xsd_port
 *   domain states      libxenctrl's getdomaininfo
 * None of this can run without a hypervisor; it is kept to these calls so
 * it can be exercised inside dom0 later, while everything above it is
 * tested with the simulator.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#include "xs_log.h"
#include "xs_xen.h"

struct mapping {
	struct mapping *next;
	void *page;
	bool granted;          /* gntdev mapping, else foreign */
};

struct linux_xen {
	struct xs_xen x;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xenforeignmemory_handle *xfm;
	xc_interface *xch;
	struct mapping *maps;
	void *kva;
	uint32_t kport;
};

static void *lx_map(struct xs_xen *x, uint32_t domid, uint64_t mfn)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	struct mapping *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (lx->xgt) {
		m->page = xengnttab_map_grant_ref(lx->xgt, domid,
						  GNTTAB_RESERVED_XENSTORE,
						  PROT_READ | PROT_WRITE);
		m->granted = m->page != NULL;
	}
	if (!m->page && lx->xfm) {
		xen_pfn_t pfn = (xen_pfn_t)mfn;
		m->page = xenforeignmemory_map(lx->xfm, domid,
					       PROT_READ | PROT_WRITE, 1, &pfn,
					       NULL);
	}
	if (!m->page) {
		int err = errno;
		free(m);
		errno = err ? err : EINVAL;
		return NULL;
	}
	m->next = lx->maps;
	lx->maps = m;
	return m->page;
}

static void lx_unmap(struct xs_xen *x, uint32_t domid, void *page)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	struct mapping **pp, *m;

	(void)domid;
	for (pp = &lx->maps; (m = *pp); pp = &m->next)
		if (m->page == page)
			break;
	if (!m)
		return;
	*pp = m->next;
	if (m->granted)
		xengnttab_unmap(lx->xgt, page, 1);
	else
		xenforeignmemory_unmap(lx->xfm, page, 1);
	free(m);
}

static int lx_bind(struct xs_xen *x, uint32_t domid, uint32_t remote_port)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	xenevtchn_port_or_error_t p;

	p = xenevtchn_bind_interdomain(lx->xce, domid, remote_port);
	return p < 0 ? -(errno ? errno : EINVAL) : (int)p;
}

static void lx_unbind(struct xs_xen *x, int local_port)
{
	struct linux_xen *lx = (struct linux_xen *)x;

	xenevtchn_unbind(lx->xce, local_port);
}

static void lx_notify(struct xs_xen *x, int local_port)
{
	struct linux_xen *lx = (struct linux_xen *)x;

	xenevtchn_notify(lx->xce, local_port);
}

static int lx_pending(struct xs_xen *x)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	xenevtchn_port_or_error_t p = xenevtchn_pending(lx->xce);

	if (p < 0)
		return -1;
	xenevtchn_unmask(lx->xce, p);
	return (int)p;
}

static void *lx_map_dom0(struct xs_xen *x, uint32_t *remote_port)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	char buf[32];
	ssize_t n;
	int fd;

	if (lx->kva) {
		*remote_port = lx->kport;
		return lx->kva;
	}
	fd = open("/proc/xen/xsd_port", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	lx->kport = strtoul(buf, NULL, 10);
	fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	lx->kva = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);
	close(fd);
	if (lx->kva == MAP_FAILED) {
		lx->kva = NULL;
		return NULL;
	}
	*remote_port = lx->kport;
	return lx->kva;
}

static enum xs_dom_state lx_domain_state(struct xs_xen *x, uint32_t domid)
{
	struct linux_xen *lx = (struct linux_xen *)x;
	xc_domaininfo_t info;

	if (!lx->xch)
		return XS_DOM_RUNNING;
	if (xc_domain_getinfolist(lx->xch, domid, 1, &info) != 1 ||
	    info.domain != domid)
		return XS_DOM_GONE;
	if (info.flags & XEN_DOMINF_dying)
		return XS_DOM_DYING;
	if (info.flags & XEN_DOMINF_shutdown)
		return XS_DOM_SHUTDOWN;
	return XS_DOM_RUNNING;
}

static void lx_close(struct xs_xen *x)
{
	struct linux_xen *lx = (struct linux_xen *)x;

	while (lx->maps)
		lx_unmap(x, 0, lx->maps->page);
	if (lx->kva)
		munmap(lx->kva, getpagesize());
	if (lx->xch)
		xc_interface_close(lx->xch);
	if (lx->xfm)
		xenforeignmemory_close(lx->xfm);
	if (lx->xgt)
		xengnttab_close(lx->xgt);
	if (lx->xce)
		xenevtchn_close(lx->xce);
	free(lx);
}

static const struct xs_xen_ops linux_ops = {
	lx_map, lx_unmap, lx_bind, lx_unbind, lx_notify, lx_pending,
	lx_map_dom0, lx_domain_state, lx_close,
};

struct xs_xen *xs_xen_linux_open(int *err)
{
	struct linux_xen *lx;
	xenevtchn_port_or_error_t virq;

	/* Without the device there is no Xen here: say so quietly. */
	if (access("/dev/xen/evtchn", R_OK | W_OK)) {
		*err = errno;
		return NULL;
	}
	lx = calloc(1, sizeof(*lx));
	if (!lx) {
		*err = ENOMEM;
		return NULL;
	}
	lx->x.ops = &linux_ops;
	lx->x.virq_port = -1;
	lx->xce = xenevtchn_open(NULL, 0);
	if (!lx->xce) {
		*err = errno;
		free(lx);
		return NULL;
	}
	lx->xgt = xengnttab_open(NULL, 0);
	lx->xfm = xenforeignmemory_open(NULL, 0);
	lx->xch = xc_interface_open(NULL, NULL, 0);
	if (!lx->xgt && !lx->xfm)
		xs_warn("neither gntdev nor privcmd opened: guests cannot connect");
	virq = xenevtchn_bind_virq(lx->xce, VIRQ_DOM_EXC);
	if (virq >= 0)
		lx->x.virq_port = virq;
	else
		xs_warn("cannot bind VIRQ_DOM_EXC: domain deaths go unnoticed");
	lx->x.fd = xenevtchn_fd(lx->xce);
	/* We drain pending ports until none is left: reads must not block. */
	fcntl(lx->x.fd, F_SETFL, fcntl(lx->x.fd, F_GETFL) | O_NONBLOCK);
	return &lx->x;
}
