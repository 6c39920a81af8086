/*
 * Cross-domain probes of the builder (dom0 acting on two domUs at once),
 * with Xen 4.17's answers (arch/x86/mm.c get_page_from_l1e, do_mmu_update,
 * do_mmuext_op; common/memory.c; common/page_alloc.c claims):
 * - a frame of domU B named as domU A's: mapping it (-EBUSY), installing
 *   it in A's page table as A's (-EBUSY) and as B's (0: the control
 *   domain may link them), pinning it as A's table (-EINVAL), giving it
 *   back as A's (0 extents, B keeps it);
 * - privcmd's MMAPBATCH_V2 batch with a bad frame in the middle: -EBUSY
 *   with *done the frames before it, the rest mapped on resubmission;
 * - dom0 giving back a domU's frame that the domU's own tables still map
 *   (decrease_reservation, foreign): only the allocation's reference
 *   goes, the frame stays the domU's until its tables go with it;
 * - claims for a new domain: beyond free memory -ENOMEM, a second claim
 *   -EINVAL, the claim in getdomaininfo.outstanding_pages shrinking as
 *   the domain is populated, 0 cancelling it, a domain's claim gone with
 *   the domain.
 */
#include "cross_domain.h"

static struct domu dom_x, dom_y;

static long mmu_batch(struct mmu_update *u, unsigned int n, unsigned int *done, unsigned int dom)
{
	*done = 77;
	return HYPERVISOR_mmu_update(u, n, done, dom);
}

static long populate(domid_t dom, xen_pfn_t *list, unsigned long n)
{
	struct xen_memory_reservation r = { .nr_extents = n, .domid = dom };
	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
}

static long claim(domid_t dom, unsigned long pages)
{
	struct xen_memory_reservation r = { .nr_extents = pages, .domid = dom };
	return HYPERVISOR_memory_op(XENMEM_claim_pages, &r);
}

static void two_domains(void)
{
	struct domu *a = &dom_x, *b = &dom_y;
	struct xen_domctl_getdomaininfo info;
	unsigned int done;

	domid_t ta = a->id, tb = b->id;
	unsigned long b_data = b->mfn[b->nr_pages - 1], a_data = a->mfn[a->nr_pages - 1];
	unsigned long a_data2 = a->mfn[a->nr_pages - 2];
	unsigned long a_l1 = a->mfn[a->pt_pfn + 3];
	uint64_t a_l1e = ((uint64_t)a_l1 << 12) | (511 * 8) | MMU_NORMAL_PT_UPDATE;
	struct mmu_update u;

	CHECK_EQ("cross.map_other_domus_frame", map_foreign(0, ta, b_data, false), -XEN_EBUSY);
	CHECK_EQ("cross.map_other_domus_frame_rw", map_foreign(0, ta, b_data, true), -XEN_EBUSY);
	u.ptr = a_l1e;
	u.val = ((uint64_t)b_data << 12) | PTE_P;
	CHECK_EQ("cross.a_table_b_frame_as_a", mmu_batch(&u, 1, &done, ta | ((ta + 1u) << 16)),
		 -XEN_EBUSY);
	CHECK_EQ("cross.a_table_b_frame_as_a.done", done, 0);
	CHECK_EQ("cross.a_table_b_frame_as_b", HYPERVISOR_mmu_update(&u, 1, NULL, tb | ((ta + 1u) << 16)), 0);
	u.val = 0;
	CHECK_EQ("cross.a_table_cleared", HYPERVISOR_mmu_update(&u, 1, NULL, ta | ((ta + 1u) << 16)), 0);
	struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE };
	pin.arg1.mfn = b_data;
	CHECK_EQ("cross.pin_b_frame_for_a", HYPERVISOR_mmuext_op(&pin, 1, NULL, ta), -XEN_EINVAL);
	xen_pfn_t give = b_data;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = ta };
	set_xen_guest_handle(r.extent_start, &give);
	CHECK_EQ("cross.decrease_b_frame_as_a", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
	domain_info_exact(tb, &info);
	CHECK_EQ("cross.b_kept_it", info.tot_pages, b->nr_pages);
	CHECK_EQ("cross.b_frame_still_maps", map_foreign(0, tb, b_data, false), 0);
	unmap_slot(0);

	/* privcmd's batch: A's frame, B's, A's again */
	struct mmu_update batch[3];
	unsigned long frames[3] = { a_data, b_data, a_data2 };
	for (unsigned int i = 0; i < 3; i++) {
		batch[i].ptr = l1e_maddr(window_slot(i)) | MMU_NORMAL_PT_UPDATE;
		batch[i].val = ((uint64_t)frames[i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D | 0x200;
	}
	CHECK_EQ("cross.batch", mmu_batch(batch, 3, &done, ta), -XEN_EBUSY);
	CHECK_EQ("cross.batch.done", done, 1);
	CHECK_EQ("cross.batch.rest", mmu_batch(&batch[2], 1, &done, ta), 0);
	CHECK_EQ("cross.batch.rest.done", done, 1);
	CHECK_EQ("cross.batch.first_mapped", (l1e_of(window_slot(0)) >> 12 & 0xfffffffffUL) == a_data, 1);
	CHECK_EQ("cross.batch.third_mapped", (l1e_of(window_slot(2)) >> 12 & 0xfffffffffUL) == a_data2, 1);
	for (unsigned int i = 0; i < 3; i++)
		unmap_slot(i);

	/* dom0 takes a frame back from A: only the allocation's reference
	 * goes; A's own tables still map it, so it stays A's (tot_pages
	 * too) until they let go, and giving it back again is a no-op */
	give = a_data;
	CHECK_EQ("cross.decrease_a_frame", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
	domain_info_exact(ta, &info);
	CHECK_EQ("cross.a_tot_pages", info.tot_pages, a->nr_pages);
	CHECK_EQ("cross.a_frame_still_as", map_foreign(0, ta, a_data, false), 0);
	unmap_slot(0);
	CHECK_EQ("cross.decrease_again", HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
}

/* Free memory back to base (the last pieces go after a grace period). */
static long free_settles(uint64_t base)
{
	uint64_t deadline = xen_system_time() + 2000000000UL, now;

	while ((now = free_pages()) != base && xen_system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return (long)(now - base);
}

/* A paused, empty PV domain whose max_mem is beyond free memory. */
static long new_domain(domid_t *t)
{
	static struct xen_domctl c;
	long rc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	if ((rc = domctl(&c)))
		return rc;
	*t = c.domain;
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_mem;
	c.domain = *t;
	c.u.max_mem.max_memkb = (free_pages() + 1024) * 4;
	return domctl(&c);
}

static void claims(uint64_t base)
{
	struct xen_domctl_getdomaininfo info;
	xen_pfn_t pfns[8];
	domid_t t, t2;
	long rc = new_domain(&t);

	CHECK_EQ("claim.create", rc, 0);
	if (rc)
		return;
	uint64_t free0 = free_pages();

	CHECK_EQ("claim.beyond_free", claim(t, free0 + 512), -XEN_ENOMEM);
	CHECK_EQ("claim.ok", claim(t, 64), 0);
	CHECK_EQ("claim.second", claim(t, 32), -XEN_EINVAL);
	domain_info_exact(t, &info);
	CHECK_EQ("claim.outstanding", info.outstanding_pages, 64);
	for (unsigned int i = 0; i < 8; i++)
		pfns[i] = i;
	CHECK_EQ("claim.populate", populate(t, pfns, 8), 8);
	domain_info_exact(t, &info);
	CHECK_EQ("claim.outstanding_after_populate", info.outstanding_pages, 56);
	CHECK_EQ("claim.cancel", claim(t, 0), 0);
	domain_info_exact(t, &info);
	CHECK_EQ("claim.cancelled", info.outstanding_pages, 0);
	CHECK_EQ("claim.below_tot", claim(t, 8), -XEN_EINVAL);
	CHECK_EQ("claim.again", claim(t, 40), 0);
	CHECK_EQ("claim.destroy", domu_destroy(t), 0);
	CHECK_EQ("claim.gone", domain_wait_gone(t, 2000000000UL), 1);
	CHECK_EQ("claim.free_back", free_settles(base), 0);
	/* the dead domain's claim went with it: nearly all free memory is
	 * claimable again (then cancelled at once) */
	rc = new_domain(&t2);
	CHECK_EQ("claim.create2", rc, 0);
	if (!rc) {
		CHECK_EQ("claim.dead_claim_gone", claim(t2, free_pages() - 8), 0);
		CHECK_EQ("claim.cancel2", claim(t2, 0), 0);
		CHECK_EQ("claim.destroy2", domu_destroy(t2), 0);
		CHECK_EQ("claim.gone2", domain_wait_gone(t2, 2000000000UL), 1);
	}
}

void cross_domain_probes(const struct image *img)
{
	uint64_t base = free_pages();
	long ra, rb;

	if (!img) {
		CHECK("cross.have_image", 0);
		return;
	}
	dom_x.no_context = dom_y.no_context = true;
	ra = domu_create(&dom_x, img, 1024, "");
	rb = domu_create(&dom_y, img, 1024, "");
	CHECK_EQ("cross.create", ra || rb, 0);
	if (!ra && !rb) {
		dom_x.no_context = dom_y.no_context = true;
		CHECK_EQ("cross.build", domu_build(&dom_x) || domu_build(&dom_y), 0);
		two_domains();
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct domu *d = i ? &dom_y : &dom_x;
		if ((i ? rb : ra) == 0) {
			domu_console_close(d);
			CHECK_EQ(checkname("cross.destroy.%u", i), domu_destroy(d->id), 0);
			CHECK_EQ(checkname("cross.gone.%u", i), domain_wait_gone(d->id, 2000000000UL), 1);
		}
	}
	CHECK_EQ("cross.free_back", free_settles(base), 0);
	claims(base);
	CHECK_EQ("claim.free_back_end", free_settles(base), 0);
}
