/*
 * What pvconsoled needs from the hypervisor: map a guest's console page,
 * event channels, and the list of domains. Implemented over Linux's
 * /dev/xen through Xen's libraries (cons_plat_xen.c) and by a simulator
 * for host tests (cons_plat_sim.c: pages are files, no hypervisor).
 */
#ifndef CONS_PLAT_H
#define CONS_PLAT_H

#include <stdbool.h>
#include <stdint.h>

struct cons_dominfo {
	uint32_t domid;
	bool dying;
};

struct cons_plat {
	const struct cons_plat_ops *ops;
	int fd;             /* readable when ports are pending */
	int rescan_ms;      /* >0: list domains this often (no watch fires) */
};

struct cons_plat_ops {
	/* The guest's console page: grant reference 0 first, else the frame
	 * ring_ref by foreign mapping. NULL with errno when neither works. */
	void *(*map)(struct cons_plat *p, uint32_t domid, uint64_t ring_ref);
	void (*unmap)(struct cons_plat *p, void *page);
	/* Binds to the guest's port: our local port, or -errno. */
	int (*bind)(struct cons_plat *p, uint32_t domid, uint32_t remote_port);
	void (*unbind)(struct cons_plat *p, int local_port);
	void (*notify)(struct cons_plat *p, int local_port);
	/* Next pending local port (left masked), or -1 when none. */
	int (*pending)(struct cons_plat *p);
	void (*unmask)(struct cons_plat *p, int local_port);
	/* Domains other than dom0, at most max: the count, or -1. */
	int (*list)(struct cons_plat *p, struct cons_dominfo *out, int max);
	void (*close)(struct cons_plat *p);
};

struct cons_plat *cons_plat_xen_open(void);
struct cons_plat *cons_plat_sim_open(const char *dir);

#endif
