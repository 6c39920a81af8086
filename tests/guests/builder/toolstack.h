/*
 * A PV domain builder inside a test kernel: what libxc's xc_dom_* PV path
 * and libxl do to create, fill, start, watch and destroy a domU, reduced
 * to the hypercalls (domctl, sysctl, memory_op, mmu_update/mmuext_op with
 * a foreign domid, event channels).  Used by builder.c.
 */
#ifndef BUILDER_TOOLSTACK_H
#define BUILDER_TOOLSTACK_H

#include "guest.h"
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/elfnote.h>

long domctl(struct xen_domctl *d);       /* fills interface_version */
long sysctl(struct xen_sysctl *s);
long getdomaininfo(domid_t dom, struct xen_domctl_getdomaininfo *info);
/* 0 and the domain's info when `dom` exists, else what Xen answered. */
long domain_info_exact(domid_t dom, struct xen_domctl_getdomaininfo *info);
uint64_t free_pages(void);               /* sysctl physinfo */

/* ---- the domU images: a cpio (newc) archive as our initrd ---- */
struct image { char name[32]; const uint8_t *data; size_t len; };
unsigned int pack_images(struct image *out, unsigned int max);

/* What the ELF and its Xen notes say (bounds-checked). */
struct elf_info {
	uint64_t virt_base, paddr_offset, entry, hypercall_page;
	uint64_t pstart, pend;           /* physical span of the PT_LOADs */
	bool has_hypercall_page;
};
long elf_parse(const struct image *img, struct elf_info *ei);

/* ---- foreign mappings through a window of our own pages ---- */
#define WINDOW_PAGES 64
void *window_slot(unsigned int slot);
/* mmu_update of the slot's L1 entry to `mfn` of domain `dom`. */
long map_foreign(unsigned int slot, domid_t dom, unsigned long mfn, bool writable);
void unmap_slot(unsigned int slot);      /* back to our own frame */
void unmap_all(void);

/* ---- one domU ---- */
#define DOMU_MAX_PAGES 4096
struct domu {
	domid_t id;
	const struct image *img;
	struct elf_info elf;
	unsigned long nr_pages;
	unsigned long mfn[DOMU_MAX_PAGES];  /* the p2m, pfn -> mfn */
	unsigned long p2m_pfn, p2m_pages, si_pfn, store_pfn, cons_pfn;
	unsigned long pt_pfn, nr_pt, stack_pfn, mapped_pages;
	evtchn_port_t store_port, cons_port;    /* in the domU's table */
	evtchn_port_t cons_local;               /* our end of the console */
	int cons_slot;                          /* window slot of the ring, or -1 */
	uint64_t shared_info_mfn;
	char cmdline[128];
	bool no_context;                        /* build leaves vCPU 0 uninitialised */
	/* output and outcome */
	char line[200];
	char tag[40];                           /* prefix of its relayed checks */
	unsigned int linelen;
	bool result_seen, shut_down, panicked;
	long passed, failed, reason;
	long relayed_fail;                      /* FAIL lines relayed */
	uint64_t t_create, t_unpause, t_first; /* Xen system time, ns */
};

/* Steps, each returning 0 or the failing hypercall's error. */
long domu_create(struct domu *d, const struct image *img, unsigned long nr_pages,
		 const char *cmdline);      /* createdomain .. populate */
long domu_build(struct domu *d);         /* image, tables, start_info, pin, context */
long domu_unpause(struct domu *d);
void domu_boot_context(struct domu *d, struct vcpu_guest_context *ctx);
long set_vcpu_context(domid_t id, struct vcpu_guest_context *ctx);
long get_vcpu_context(domid_t id, struct vcpu_guest_context *ctx);
void domu_console_drain(struct domu *d); /* copy ring lines to our console */
void domu_console_close(struct domu *d); /* unmap the ring, close our port */
long domu_destroy(domid_t id);           /* destroydomain until done */
/* Wait (polling VIRQ_DOM_EXC and the console) until the domU has shut
 * down, or `timeout_ns` passed.  Returns true when it did. */
bool domu_wait_shutdown(struct domu *d, uint64_t timeout_ns);
bool domus_wait_shutdown(struct domu **ds, unsigned int n, uint64_t timeout_ns);
/* Wait until getdomaininfo no longer finds `id`. */
bool domain_wait_gone(domid_t id, uint64_t timeout_ns);
void toolstack_init(void);
void poll_sleep(uint64_t ns);            /* SCHEDOP_poll on VIRQ_DOM_EXC, ns at most */               /* bind VIRQ_DOM_EXC */
extern evtchn_port_t dom_exc_port;
extern bool quiet_domus;                 /* churn: no ring copies */

#endif
