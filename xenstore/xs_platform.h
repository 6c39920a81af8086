/*
 * Where guests' rings come from. Three providers behind struct
 * xs_platform (xs_core.h):
 *   - Linux dom0: /dev/xen/evtchn for event channels, the guest's store
 *     page through /dev/xen/gntdev (grant GNTTAB_RESERVED_XENSTORE) or a
 *     privcmd foreign mapping of its frame, and dom0's own kernel through
 *     /proc/xen/xsd_kva and /proc/xen/xsd_port (xs_plat_linux.c);
 *   - a simulator for tests: pages are files, event channels datagrams
 *     (xs_plat_sim.c);
 *   - none (-D): XS_INTRODUCE fails with EINVAL, as oxenstored's does
 *     without a hypervisor.
 */
#ifndef XS_PLATFORM_H
#define XS_PLATFORM_H

#include <stdbool.h>

struct xs_core;
struct xs_loop;

int xs_platform_setup(struct xs_core *c, struct xs_loop *l,
		      const char *sim_dir, bool domain_init);
/* Connects dom0's kernel (Linux platform, when /proc/xen offers it). */
void xs_platform_attach_dom0(struct xs_core *c);
void xs_platform_teardown(struct xs_core *c);

#endif
