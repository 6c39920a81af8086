/*
 * Hostile grant references between two domains, with Xen 4.17's answers
 * (common/grant_table.c map_grant_ref, _set_status_v1, unmap_common):
 * refs beyond the table, entries not permitted, permitted to someone
 * else, sub-page and transitive in a v1 table, read-only grants mapped
 * writable, unknown domains, double unmaps and wrong handles, and a
 * granter that clears GTF_permit_access while mapped (the hypervisor's
 * status bits stay set; the pinned entry keeps working for the mapper).
 * After each refusal the entry's flags are exactly what they were.
 * The grant PTE that mmu_update / update_va_mapping rewrite is in
 * grant_pte.c (a listed deviation).
 */
#include "pair.h"

#define REF_H 23

static uint16_t before;

/* A refused map: the status, and the entry's flags unchanged. */
static void refused(const char *name, grant_entry_v1_t *e, struct gnttab_map_grant_ref m, int16_t want)
{
	CHECK_EQ(name, m.status, want);
	CHECK_EQ(checkname("%s.flags_same", name), flags_of(e), before);
}

void hostile_from_domu(struct domu *d, grant_entry_v1_t *dgt)
{
	unsigned long mfn = d->mfn[d->nr_pages - 4];
	uint64_t *tgt = alloc_page(), *tgt2 = alloc_page();
	grant_entry_v1_t *e = &dgt[REF_H];
	domid_t t = d->id;
	struct gnttab_map_grant_ref m, m2;

	e->flags = 0;
	before = 0;
	refused("d0hostile.not_permitted", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	refused("d0hostile.ref_512", e, gmap(t, 512, (uint64_t)tgt, GNTMAP_host_map), GNTST_bad_gntref);
	refused("d0hostile.ref_huge", e, gmap(t, 0xffffffffu, (uint64_t)tgt, GNTMAP_host_map), GNTST_bad_gntref);
	refused("d0hostile.no_domain", e, gmap(0x7000, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_bad_domain);
	refused("d0hostile.domid_io", e, gmap(DOMID_IO, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_bad_domain);

	grant(e, t, mfn, false);            /* to the domU itself, not to us */
	before = flags_of(e);
	refused("d0hostile.other_domain", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	grant(e, 0x7000, mfn, false);
	refused("d0hostile.absent_domain", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	grant(e, 0, mfn, true);
	before = flags_of(e);
	refused("d0hostile.ro_as_rw", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	refused("d0hostile.ro_as_rw_dev", e, gmap(t, REF_H, 0, GNTMAP_device_map), GNTST_general_error);
	e->flags = GTF_permit_access | GTF_sub_page;
	before = flags_of(e);
	refused("d0hostile.sub_page", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	e->flags = GTF_transitive;
	before = flags_of(e);
	refused("d0hostile.transitive", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	e->flags = GTF_accept_transfer;
	before = flags_of(e);
	refused("d0hostile.accept_transfer", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	/* a frame the granter does not own (ours) */
	grant(e, 0, va_to_mfn(tgt2), false);
	before = flags_of(e);
	refused("d0hostile.frame_not_granters", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_bad_page);
	restore_page(tgt);

	/* handles */
	grant(e, 0, mfn, false);
	m = gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("d0hostile.map", m.status, GNTST_okay);
	CHECK_EQ("d0hostile.handle_unused", gunmap((uint64_t)tgt, 0, m.handle + 1), GNTST_bad_handle);
	CHECK_EQ("d0hostile.handle_huge", gunmap((uint64_t)tgt, 0, 0xffffffffu), GNTST_bad_handle);
	CHECK_EQ("d0hostile.wrong_addr", gunmap((uint64_t)tgt2, 0, m.handle), GNTST_general_error);
	CHECK_EQ("d0hostile.bus_of_host_map", gunmap(0, (uint64_t)mfn << 12, m.handle), GNTST_okay);
	CHECK_EQ("d0hostile.still_mapped", flags_of(e), GTF_permit_access | GTF_reading | GTF_writing);

	/* the granter revokes while we map: Linux's cmpxchg refuses, a
	 * hostile granter clears permit_access anyway */
	CHECK_EQ("d0hostile.revoke_refused", revoke(e), GTF_permit_access | GTF_reading | GTF_writing);
	__atomic_and_fetch(&e->flags, (uint16_t)~GTF_permit_access, __ATOMIC_SEQ_CST);
	CHECK_EQ("d0hostile.cleared.status_bits_stay", flags_of(e), GTF_reading | GTF_writing);
	tgt[0] = 0x7265766f6b6564ULL;
	CHECK_EQ("d0hostile.cleared.mapping_works", tgt[0], 0x7265766f6b6564ULL);
	/* a second pin of a pinned entry looks at the active entry only */
	m2 = gmap(t, REF_H, (uint64_t)tgt2, GNTMAP_host_map | GNTMAP_readonly);
	CHECK_EQ("d0hostile.cleared.second_pin", m2.status, GNTST_okay);
	CHECK_EQ("d0hostile.cleared.second_reads", tgt2[0], 0x7265766f6b6564ULL);
	CHECK_EQ("d0hostile.cleared.unmap_first", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("d0hostile.cleared.writing_gone", flags_of(e), GTF_reading);
	CHECK_EQ("d0hostile.cleared.unmap_second", gunmap((uint64_t)tgt2, 0, m2.handle), GNTST_okay);
	CHECK_EQ("d0hostile.cleared.all_gone", flags_of(e), 0);
	CHECK_EQ("d0hostile.double_unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_bad_handle);
	before = 0;
	refused("d0hostile.cleared.new_map", e, gmap(t, REF_H, (uint64_t)tgt, GNTMAP_host_map), GNTST_general_error);
	restore_page(tgt);
	restore_page(tgt2);
	e->flags = 0;
}

/* ---- the peer as a hostile mapper of dom0's grants ---- */

void hostile_from_dom0(void)
{
	uint64_t *tgt = alloc_page();
	struct gnttab_map_grant_ref m;

	m = gmap(0, REF_NONE, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peerhostile.not_permitted", m.status, GNTST_general_error);
	m = gmap(0, REF_OTHER, (uint64_t)tgt, GNTMAP_host_map | GNTMAP_readonly);
	CHECK_EQ("peerhostile.other_domain", m.status, GNTST_general_error);
	m = gmap(0, 0x100000, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peerhostile.ref_beyond", m.status, GNTST_bad_gntref);
	m = gmap(0x7000, REF_RW, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peerhostile.no_domain", m.status, GNTST_bad_domain);
	CHECK_EQ("peerhostile.unmap_never_mapped", gunmap((uint64_t)tgt, 0, 0), GNTST_bad_handle);
	m = gmap(0, REF_RW, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peerhostile.map", m.status, GNTST_okay);
	CHECK_EQ("peerhostile.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("peerhostile.double_unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_bad_handle);
	restore_page(tgt);
	/* someone else's table, by setup_table and query_size */
	xen_pfn_t f;
	struct gnttab_setup_table st = { .dom = 0, .nr_frames = 1 };
	set_xen_guest_handle(st.frame_list, &f);
	long rc = gop(GNTTABOP_setup_table, &st, 1);
	CHECK_EQ("peerhostile.setup_dom0", rc ? rc : st.status, GNTST_permission_denied);
}
