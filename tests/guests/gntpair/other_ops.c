/*
 * The rest of the v1 interface between two domains, as Xen 4.17 answers
 * it: unmap_and_replace (the mapping's PTE takes over new_addr's, which
 * is emptied), swap_grant_ref (own entries; GNTST_eagain while pinned),
 * cache_flush (x86: CLEAN of a frame we own or map; INVAL alone
 * -EOPNOTSUPP) and transfer.
 */
#include "pair.h"

#define REF_R  26
#define REF_SA 30
#define REF_SB 31

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
	op.arg1.linear_addr = (unsigned long)va;
	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static long flush1(uint64_t addr_or_ref, uint16_t off, uint16_t len, uint32_t op)
{
	struct gnttab_cache_flush c = { .offset = off, .length = len, .op = op };
	c.a.dev_bus_addr = addr_or_ref;
	return gop(GNTTABOP_cache_flush, &c, 1);
}

void other_ops(struct domu *d, grant_entry_v1_t *dgt)
{
	unsigned long mfn = d->mfn[d->nr_pages - 7];
	uint64_t *tgt = alloc_page(), *spare = alloc_page();
	unsigned long spare_mfn = va_to_mfn(spare);
	grant_entry_v1_t *own = own_table();
	struct gnttab_map_grant_ref m;
	domid_t t = d->id;

	/* unmap_and_replace */
	grant(&dgt[REF_R], 0, mfn, false);
	m = gmap(t, REF_R, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("replace.map", m.status, GNTST_okay);
	struct gnttab_unmap_and_replace r = { .host_addr = (uint64_t)tgt, .new_addr = (uint64_t)spare,
					      .handle = m.handle, .status = 0x7777 };
	CHECK_EQ("replace.rc", gop(GNTTABOP_unmap_and_replace, &r, 1), 0);
	CHECK_EQ("replace.status", r.status, GNTST_okay);
	invlpg(tgt);
	CHECK_EQ("replace.pte_took_new", (l1e_of(tgt) & PTE_ADDR) >> 12 == spare_mfn, 1);
	CHECK_EQ("replace.new_addr_empty", l1e_of(spare), 0);
	CHECK_EQ("replace.flags_after", flags_of(&dgt[REF_R]), GTF_permit_access);
	CHECK_EQ("replace.again", ({ r.status = 0x7777; gop(GNTTABOP_unmap_and_replace, &r, 1) ?: r.status; }),
		 GNTST_bad_handle);
	restore_page(tgt);
	restore_page(spare);
	m = gmap(t, REF_R, (uint64_t)tgt, GNTMAP_host_map);
	r = (struct gnttab_unmap_and_replace){ .host_addr = (uint64_t)tgt, .new_addr = 0,
					       .handle = m.handle, .status = 0x7777 };
	/* no new address: a plain unmap */
	CHECK_EQ("replace.no_new_addr", ({ gop(GNTTABOP_unmap_and_replace, &r, 1) ?: r.status; }), GNTST_okay);
	CHECK_EQ("replace.no_new_addr.pte_empty", l1e_of(tgt), 0);
	CHECK_EQ("replace.no_new_addr.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_bad_handle);
	restore_page(tgt);
	m = gmap(t, REF_R, 0, GNTMAP_device_map);
	r = (struct gnttab_unmap_and_replace){ .host_addr = (uint64_t)tgt, .new_addr = (uint64_t)spare,
					       .handle = m.handle, .status = 0x7777 };
	/* a device mapping has no host half to replace: nothing done, okay */
	CHECK_EQ("replace.device_map", ({ gop(GNTTABOP_unmap_and_replace, &r, 1) ?: r.status; }), GNTST_okay);
	CHECK_EQ("replace.device_map.unmap", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
	dgt[REF_R].flags = 0;

	/* swap_grant_ref on our own table */
	uint64_t *pa = alloc_page(), *pb = alloc_page();
	grant(&own[REF_SA], t, va_to_mfn(pa), false);
	grant(&own[REF_SB], 0, va_to_mfn(pb), true);
	struct gnttab_swap_grant_ref s = { .ref_a = REF_SA, .ref_b = REF_SB, .status = 0x7777 };
	CHECK_EQ("swap.rc", gop(GNTTABOP_swap_grant_ref, &s, 1), 0);
	CHECK_EQ("swap.status", s.status, GNTST_okay);
	CHECK_EQ("swap.a", own[REF_SA].domid == 0 && own[REF_SA].frame == va_to_mfn(pb) &&
		 own[REF_SA].flags == (GTF_permit_access | GTF_readonly), 1);
	CHECK_EQ("swap.b", own[REF_SB].domid == t && own[REF_SB].frame == va_to_mfn(pa) &&
		 own[REF_SB].flags == GTF_permit_access, 1);
	s = (struct gnttab_swap_grant_ref){ .ref_a = REF_SA, .ref_b = 1u << 20, .status = 0x7777 };
	CHECK_EQ("swap.beyond", ({ gop(GNTTABOP_swap_grant_ref, &s, 1) ?: s.status; }), GNTST_bad_gntref);
	/* pinned (our own grant, mapped by us: by our id, DOMID_SELF is
	 * GNTST_bad_domain) */
	CHECK_EQ("swap.self_map_domid_self", gmap(DOMID_SELF, REF_SA, 0, GNTMAP_device_map | GNTMAP_readonly).status,
		 GNTST_bad_domain);
	m = gmap(0, REF_SA, 0, GNTMAP_device_map | GNTMAP_readonly);
	CHECK_EQ("swap.self_map", m.status, GNTST_okay);
	s = (struct gnttab_swap_grant_ref){ .ref_a = REF_SA, .ref_b = REF_SB, .status = 0x7777 };
	CHECK_EQ("swap.pinned", ({ gop(GNTTABOP_swap_grant_ref, &s, 1) ?: s.status; }), GNTST_eagain);
	CHECK_EQ("swap.pinned.unchanged", own[REF_SA].frame == va_to_mfn(pb), 1);
	CHECK_EQ("swap.self_unmap", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
	CHECK_EQ("swap.after_unmap", ({ gop(GNTTABOP_swap_grant_ref, &s, 1) ?: s.status; }), GNTST_okay);
	own[REF_SA].flags = own[REF_SB].flags = 0;

	/* cache_flush */
	uint64_t own_bus = (uint64_t)va_to_mfn(pa) << 12;
	CHECK_EQ("flush.own_clean", flush1(own_bus, 0, 64, GNTTAB_CACHE_CLEAN), 0);
	CHECK_EQ("flush.own_inval", flush1(own_bus, 0, 64, GNTTAB_CACHE_INVAL), -XEN_EOPNOTSUPP);
	CHECK_EQ("flush.own_both", flush1(own_bus, 0, 64, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL), 0);
	CHECK_EQ("flush.no_op", flush1(own_bus, 0, 64, 0), 0);
	CHECK_EQ("flush.bad_op", flush1(own_bus, 0, 64, 1u << 5), -XEN_EINVAL);
	CHECK_EQ("flush.too_long", flush1(own_bus, 4000, 200, GNTTAB_CACHE_CLEAN), -XEN_EINVAL);
	CHECK_EQ("flush.foreign_frame", flush1((uint64_t)mfn << 12, 0, 64, GNTTAB_CACHE_CLEAN), -XEN_EINVAL);
	grant(&dgt[REF_R], 0, mfn, false);
	CHECK_EQ("flush.gref_unmapped", flush1(REF_R, 0, 64, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_SOURCE_GREF), -XEN_EINVAL);
	m = gmap(t, REF_R, 0, GNTMAP_device_map);
	CHECK_EQ("flush.foreign_mapped", flush1((uint64_t)mfn << 12, 0, 64, GNTTAB_CACHE_CLEAN), 0);
	gunmap(0, m.dev_bus_addr, m.handle);
	CHECK_EQ("flush.count_2", ({ struct gnttab_cache_flush c2[2] = {
		{ .a.dev_bus_addr = own_bus, .length = 8, .op = GNTTAB_CACHE_CLEAN },
		{ .a.dev_bus_addr = own_bus, .length = 8, .op = GNTTAB_CACHE_CLEAN } };
		gop(GNTTABOP_cache_flush, c2, 2); }), 0);
	dgt[REF_R].flags = 0;

	/* transfer: a page we still map, to a ref that accepts transfers */
	dgt[REF_R].domid = 0;
	dgt[REF_R].frame = 0;
	dgt[REF_R].flags = GTF_accept_transfer;
	struct gnttab_transfer x = { .mfn = va_to_mfn(pb), .domid = t, .ref = REF_R, .status = 0x7777 };
	long rc = gop(GNTTABOP_transfer, &x, 1);
	CHECK_EQ("transfer.rc", rc, 0);
	CHECK_EQ("transfer.mapped_page", x.status, GNTST_bad_page);
	CHECK_EQ("transfer.entry_unchanged", flags_of(&dgt[REF_R]), GTF_accept_transfer);
	dgt[REF_R].flags = 0;
}
