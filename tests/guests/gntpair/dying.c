/*
 * A domU dies (destroydomain) while dom0 maps one of its grants, with Xen
 * 4.17's answers: destroydomain completes, the domain lingers dying with
 * the mapped frame; the mapping stays valid and the frame the dead
 * domain's (no one else gets it: free memory stays below the base) until
 * dom0 unmaps it, which succeeds; then the domain is gone and every frame
 * is back. A device mapping beside it goes first, the host one keeps the
 * domain.
 */
#include "pair.h"

#define REF_D 27

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
	op.arg1.linear_addr = (unsigned long)va;
	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

void dying_granter(struct domu *d, grant_entry_v1_t *dgt, uint64_t base)
{
	struct xen_domctl_getdomaininfo info;
	uint64_t *tgt = alloc_page();
	unsigned long mfn = d->mfn[d->nr_pages - 8];
	const uint64_t marker = 0x6479696e67ULL;
	domid_t t = d->id;

	grant(&dgt[REF_D], 0, mfn, false);
	struct gnttab_map_grant_ref m = gmap(t, REF_D, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("dying.map", m.status, GNTST_okay);
	if (m.status != GNTST_okay)
		return;
	invlpg(tgt);                    /* tgt was our page a moment ago */
	struct gnttab_map_grant_ref md = gmap(t, REF_D, 0, GNTMAP_device_map | GNTMAP_readonly);
	CHECK_EQ("dying.map_device", md.status, GNTST_okay);
	tgt[0] = marker;
	unmap_slot(GNTPAIR_TABLE_SLOT);     /* the table goes with the domain */
	domu_console_close(d);

	CHECK_EQ("dying.destroy", domu_destroy(t), 0);
	CHECK_EQ("dying.still_there", domain_info_exact(t, &info), 0);
	CHECK_EQ("dying.dying_flag", info.flags & XEN_DOMINF_dying, XEN_DOMINF_dying);
	CHECK_EQ("dying.tot_pages", info.tot_pages, 1);
	CHECK_EQ("dying.readback", tgt[0], marker);
	tgt[1] = marker + 1;
	CHECK_EQ("dying.write_still", tgt[1], marker + 1);
	CHECK_EQ("dying.not_free", free_pages() < base, 1);
	/* Xen still maps a dying domain's grant whose frame is not freed yet
	 * (pvisor refuses: a listed deviation) */
	struct gnttab_map_grant_ref m2 = gmap(t, REF_D, 0, GNTMAP_device_map);
	CHECK_EQ("dying.new_map", m2.status, GNTST_okay);
	if (m2.status == GNTST_okay)
		gunmap(0, m2.dev_bus_addr, m2.handle);
	CHECK_EQ("dying.destroy_again", domu_destroy(t), 0);
	CHECK_EQ("dying.unmap_device", gunmap(0, md.dev_bus_addr, md.handle), GNTST_okay);
	CHECK_EQ("dying.kept_by_host_map", domain_info_exact(t, &info), 0);
	CHECK_EQ("dying.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("dying.unmap_again", gunmap((uint64_t)tgt, 0, m.handle), GNTST_bad_handle);
	restore_page(tgt);
	CHECK_EQ("dying.gone", domain_wait_gone(t, 2000000000UL), 1);
	evtchn_clear(dom_exc_port);
	CHECK_EQ("dying.free_back", free_settles(base), 0);
}
