/*
 * dom0 destroys a domain while it still maps the domain's shared_info
 * (libxc maps it while building; a toolstack may hold it across
 * `xl destroy`), with Xen 4.17's answers (common/domain.c domain_kill,
 * arch/x86/domain.c free_shared_info): destroydomain completes (0); the
 * page keeps what dom0 wrote there while the mapping lasts and free
 * memory has not regained it (it cannot be handed to anyone else: pvisor
 * freed it at once before); once dom0 unmaps it the domain is gone and free
 * memory is back to what it was before the domain was created.
 * (builder.c's destroy-while-mapped covers an ordinary frame.)
 */
#include "destroy_mapped.h"

static long populate(domid_t dom, xen_pfn_t *list, unsigned long n)
{
	struct xen_memory_reservation r = { .nr_extents = n, .domid = dom };
	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
}

/* Free memory back to base (the last pieces go after a grace period). */
static long free_settles(uint64_t base)
{
	uint64_t deadline = xen_system_time() + 2000000000UL, now;

	while ((now = free_pages()) != base && xen_system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return (long)(now - base);
}

void destroy_while_mapped(void)
{
	static struct xen_domctl c;
	struct xen_domctl_getdomaininfo info;
	xen_pfn_t pfns[4] = { 0, 1, 2, 3 };
	const uint64_t marker = 0x6c69666563796c65ULL;
	uint64_t base = free_pages();
	domid_t t;
	long rc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	rc = domctl(&c);
	CHECK_EQ("mapped_si.create", rc, 0);
	if (rc)
		return;
	t = c.domain;
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_mem;
	c.domain = t;
	c.u.max_mem.max_memkb = 64;
	CHECK_EQ("mapped_si.max_mem", domctl(&c), 0);
	CHECK_EQ("mapped_si.populate", populate(t, pfns, 4), 4);
	CHECK_EQ("mapped_si.info", domain_info_exact(t, &info), 0);
	CHECK_EQ("mapped_si.map", map_foreign(0, t, info.shared_info_frame, true), 0);
	shared_info_t *si = window_slot(0);
	/* a field only the toolstack and the guest write */
	volatile uint64_t *fll = (volatile uint64_t *)&si->arch.pfn_to_mfn_frame_list_list;
	*fll = marker;

	CHECK_EQ("mapped_si.destroy", domu_destroy(t), 0);
	CHECK_EQ("mapped_si.marker_kept", *fll == marker, 1);
	CHECK_EQ("mapped_si.page_not_free", free_pages() < base, 1);
	unmap_slot(0);
	CHECK_EQ("mapped_si.gone", domain_wait_gone(t, 2000000000UL), 1);
	CHECK_EQ("mapped_si.free_back", free_settles(base), 0);
}
