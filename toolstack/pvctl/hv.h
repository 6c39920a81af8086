/*
 * pvctl's hypercalls, through Linux's /dev/xen/privcmd with Debian's small
 * libraries: libxencall (domctl, sysctl, memory_op, event channels,
 * mmuext_op, grant_table_op) and libxenforeignmemory (the domU's frames).
 * Every call returns 0 (or a count) or -1 with errno set, as libxc does.
 */
#ifndef PVCTL_HV_H
#define PVCTL_HV_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/memory.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>

int hv_open(void);                  /* -1: no privcmd (not in dom0?) */
void hv_close(void);
/* In a forked child: drop the parent's handles without closing them. */
void hv_forget_after_fork(void);

/* Hypercall-safe memory (locked, not moved): arguments that a hypercall
 * reads or writes through a pointer must live here. */
void *hv_buf(size_t size);
void hv_buf_free(void *p, size_t size);

int hv_domctl(struct xen_domctl *d);      /* d copied in and out */
int hv_sysctl(struct xen_sysctl *s);
long hv_memory_op(unsigned int cmd, void *arg);   /* arg: a hv_buf */
int hv_evtchn_op(unsigned int cmd, void *arg, size_t size);
int hv_mmuext_op(struct mmuext_op *op, unsigned int count, domid_t dom);
int hv_grant_table_op(unsigned int cmd, void *arg, unsigned int count);
long hv_xen_version(unsigned int cmd, void *arg);
/* Whether memory populate_physmap hands out is always zero: pvisor's
 * guarantee (it zeroes every frame before an owner gets it). Xen zeroes
 * only what a dying domain or the boot left; a frame a live domain gave
 * back (a balloon) comes to the next one as it was. */
bool hv_allocations_zeroed(void);

/* getdomaininfo of exactly `dom` (Xen answers for the next one up):
 * 0, or -1 with errno ESRCH when it does not exist. */
int hv_domain_info(domid_t dom, struct xen_domctl_getdomaininfo *info);

/* Foreign mappings of machine frames of `dom` (PV: gfn == mfn). */
void *hv_map(domid_t dom, int prot, const xen_pfn_t *mfns, size_t n);
int hv_unmap(void *p, size_t n);
/* The domain's grant frame 0, writable (acquire_resource, else
 * GNTTABOP_setup_table + foreign map as libxc); hv_unmap_grant after. */
void *hv_map_grant_frame0(domid_t dom);
void hv_unmap_grant(void *p);
#endif
