/*
 * Grant maps across domains, both directions (Xen 4.17 common/grant_table.c
 * map_grant_ref / unmap_common, arch/x86/pv/grant_table.c):
 * - dom0 maps the domU's grants (entries dom0 writes into the domU's
 *   table through a foreign mapping, as libxc seeds refs 0 and 1): host
 *   map by address and by PTE address, read-only, device map, partial
 *   unmaps; dev_bus_addr is the frame on every success; GTF_reading /
 *   GTF_writing exactly while pinned; what dom0 writes through the
 *   mapping is in the domU's frame; an unmap leaves the PTE empty;
 * - the peer domU maps dom0's grants (map_from_dom0) and writes through
 *   them; dom0 checks what arrived once the peer is down (pair.c).
 */
#include "pair.h"

#define REF_A 20

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
	op.arg1.linear_addr = (unsigned long)va;
	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

void map_from_domu(struct domu *d, grant_entry_v1_t *dgt)
{
	unsigned long mfn = d->mfn[d->nr_pages - 1];
	uint64_t *tgt = alloc_page(), *seen;
	struct gnttab_map_grant_ref m;
	const unsigned int s = 40;

	/* what the granter put in its page */
	if (map_foreign(s, d->id, mfn, true)) {
		CHECK("d0map.granter_frame", 0);
		return;
	}
	seen = window_slot(s);
	seen[0] = 0x646f6d552d64ULL;
	seen[1] = 0;
	grant(&dgt[REF_A], 0, mfn, false);

	/* host map by linear address */
	m = gmap(d->id, REF_A, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("d0map.va.status", m.status, GNTST_okay);
	CHECK_EQ("d0map.va.bus", m.dev_bus_addr == (uint64_t)mfn << 12, 1);
	CHECK_EQ("d0map.va.flags", flags_of(&dgt[REF_A]), GTF_permit_access | GTF_reading | GTF_writing);
	invlpg(tgt);
	CHECK_EQ("d0map.va.pte_frame", (l1e_of(tgt) & PTE_ADDR) >> 12 == mfn, 1);
	CHECK_EQ("d0map.va.pte_flags", pte_flags(tgt), PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX);
	CHECK_EQ("d0map.va.read", tgt[0], 0x646f6d552d64ULL);
	tgt[1] = 0x64302d77726974ULL;
	CHECK_EQ("d0map.va.granter_sees_write", seen[1], 0x64302d77726974ULL);
	CHECK_EQ("d0map.va.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("d0map.va.unmapped_pte", l1e_of(tgt), 0);
	CHECK_EQ("d0map.va.flags_after", flags_of(&dgt[REF_A]), GTF_permit_access);
	CHECK_EQ("d0map.va.unmap_again", gunmap((uint64_t)tgt, 0, m.handle), GNTST_bad_handle);
	restore_page(tgt);

	/* read-only */
	m = gmap(d->id, REF_A, (uint64_t)tgt, GNTMAP_host_map | GNTMAP_readonly);
	CHECK_EQ("d0map.ro.status", m.status, GNTST_okay);
	CHECK_EQ("d0map.ro.bus", m.dev_bus_addr == (uint64_t)mfn << 12, 1);
	CHECK_EQ("d0map.ro.flags", flags_of(&dgt[REF_A]), GTF_permit_access | GTF_reading);
	invlpg(tgt);
	CHECK_EQ("d0map.ro.pte_flags", pte_flags(tgt), PTE_P | PTE_US | PTE_A | PTE_D | PTE_NX);
	CHECK_EQ("d0map.ro.read", tgt[1], 0x64302d77726974ULL);
	CHECK_EQ("d0map.ro.write_faults", probe_write64((uint64_t)&tgt[2], 1), 14);
	CHECK_EQ("d0map.ro.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("d0map.ro.flags_after", flags_of(&dgt[REF_A]), GTF_permit_access);
	restore_page(tgt);

	/* by the PTE's machine address */
	uint64_t pa = l1e_maddr(tgt);
	m = gmap(d->id, REF_A, pa, GNTMAP_host_map | GNTMAP_contains_pte);
	CHECK_EQ("d0map.pte.status", m.status, GNTST_okay);
	CHECK_EQ("d0map.pte.bus", m.dev_bus_addr == (uint64_t)mfn << 12, 1);
	invlpg(tgt);
	CHECK_EQ("d0map.pte.pte_frame", (l1e_of(tgt) & PTE_ADDR) >> 12 == mfn, 1);
	CHECK_EQ("d0map.pte.read", tgt[0], 0x646f6d552d64ULL);
	tgt[2] = 0x7074652d77;
	CHECK_EQ("d0map.pte.granter_sees_write", seen[2], 0x7074652d77);
	CHECK_EQ("d0map.pte.unmap_by_va", gunmap((uint64_t)tgt, 0, m.handle), GNTST_general_error);
	CHECK_EQ("d0map.pte.unmap", gunmap(pa, 0, m.handle), GNTST_okay);
	CHECK_EQ("d0map.pte.unmapped_pte", l1e_of(tgt), 0);
	CHECK_EQ("d0map.pte.flags_after", flags_of(&dgt[REF_A]), GTF_permit_access);
	restore_page(tgt);
	/* a PTE address not 8-aligned, and one in a frame that is not ours */
	m = gmap(d->id, REF_A, pa + 4, GNTMAP_host_map | GNTMAP_contains_pte);
	CHECK_EQ("d0map.pte.misaligned", m.status, GNTST_general_error);
	m = gmap(d->id, REF_A, ((uint64_t)mfn << 12) + 8, GNTMAP_host_map | GNTMAP_contains_pte);
	CHECK_EQ("d0map.pte.foreign_frame", m.status, GNTST_general_error);
	CHECK_EQ("d0map.pte.refused_flags", flags_of(&dgt[REF_A]), GTF_permit_access);

	/* device map only: no PTE, the bus address is the frame */
	m = gmap(d->id, REF_A, 0, GNTMAP_device_map);
	CHECK_EQ("d0map.dev.status", m.status, GNTST_okay);
	CHECK_EQ("d0map.dev.bus", m.dev_bus_addr == (uint64_t)mfn << 12, 1);
	CHECK_EQ("d0map.dev.flags", flags_of(&dgt[REF_A]), GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ("d0map.dev.unmap_wrong_bus", gunmap(0, m.dev_bus_addr + 4096, m.handle), GNTST_bad_dev_addr);
	CHECK_EQ("d0map.dev.unmap", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
	CHECK_EQ("d0map.dev.flags_after", flags_of(&dgt[REF_A]), GTF_permit_access);

	/* host and device map, unmapped in two halves (partial unmaps are ABI) */
	m = gmap(d->id, REF_A, (uint64_t)tgt, GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly);
	CHECK_EQ("d0map.both.status", m.status, GNTST_okay);
	CHECK_EQ("d0map.both.flags", flags_of(&dgt[REF_A]), GTF_permit_access | GTF_reading);
	CHECK_EQ("d0map.both.unmap_host", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	CHECK_EQ("d0map.both.flags_device_left", flags_of(&dgt[REF_A]), GTF_permit_access | GTF_reading);
	CHECK_EQ("d0map.both.unmap_device", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
	CHECK_EQ("d0map.both.flags_after", flags_of(&dgt[REF_A]), GTF_permit_access);
	CHECK_EQ("d0map.both.unmap_again", gunmap(0, m.dev_bus_addr, m.handle), GNTST_bad_handle);
	restore_page(tgt);

	/* neither host_map nor device_map */
	m = gmap(d->id, REF_A, (uint64_t)tgt, GNTMAP_readonly);
	CHECK_EQ("d0map.no_kind", m.status, GNTST_bad_gntref);

	/* a batch of two maps of the same ref: each counted, the call 0 */
	struct gnttab_map_grant_ref b[2] = {
		{ .host_addr = (uint64_t)tgt, .flags = GNTMAP_host_map, .ref = REF_A, .dom = d->id },
		{ .host_addr = 0, .flags = GNTMAP_device_map, .ref = 4096, .dom = d->id },
	};
	CHECK_EQ("d0map.batch.rc", gop(GNTTABOP_map_grant_ref, b, 2), 0);
	CHECK_EQ("d0map.batch.0", b[0].status, GNTST_okay);
	CHECK_EQ("d0map.batch.1", b[1].status, GNTST_bad_gntref);
	if (b[0].status == GNTST_okay)
		CHECK_EQ("d0map.batch.unmap", gunmap((uint64_t)tgt, 0, b[0].handle), GNTST_okay);
	restore_page(tgt);

	dgt[REF_A].flags = 0;
	unmap_slot(s);
}

/* ---- the peer maps dom0's grants ---- */

void map_from_dom0(void)
{
	uint64_t *tgt = alloc_page();
	struct gnttab_map_grant_ref m;

	m = gmap(0, REF_RW, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peermap.rw.status", m.status, GNTST_okay);
	invlpg(tgt);
	CHECK_EQ("peermap.rw.bus_is_pte", m.dev_bus_addr == (l1e_of(tgt) & PTE_ADDR), 1);
	CHECK_EQ("peermap.rw.pte_flags", pte_flags(tgt), PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX);
	CHECK_EQ("peermap.rw.read", tgt[0], PATTERN_RW);
	tgt[1] = MARK_PEER;
	CHECK_EQ("peermap.rw.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	restore_page(tgt);

	m = gmap(0, REF_RO, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("peermap.ro_as_rw", m.status, GNTST_general_error);
	m = gmap(0, REF_RO, (uint64_t)tgt, GNTMAP_host_map | GNTMAP_readonly);
	CHECK_EQ("peermap.ro.status", m.status, GNTST_okay);
	invlpg(tgt);
	CHECK_EQ("peermap.ro.bus_is_pte", m.dev_bus_addr == (l1e_of(tgt) & PTE_ADDR), 1);
	CHECK_EQ("peermap.ro.read", tgt[0], PATTERN_RO);
	CHECK_EQ("peermap.ro.write_faults", probe_write64((uint64_t)&tgt[1], 1), 14);
	CHECK_EQ("peermap.ro.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_okay);
	restore_page(tgt);

	uint64_t pa = l1e_maddr(tgt);
	m = gmap(0, REF_RW, pa, GNTMAP_host_map | GNTMAP_contains_pte);
	CHECK_EQ("peermap.pte.status", m.status, GNTST_okay);
	invlpg(tgt);
	CHECK_EQ("peermap.pte.read", tgt[0], PATTERN_RW);
	CHECK_EQ("peermap.pte.sees_own_write", tgt[1], MARK_PEER);
	CHECK_EQ("peermap.pte.unmap", gunmap(pa, 0, m.handle), GNTST_okay);
	restore_page(tgt);

	m = gmap(0, REF_RW, 0, GNTMAP_device_map);
	CHECK_EQ("peermap.dev.status", m.status, GNTST_okay);
	CHECK(checkname("peermap.dev.bus"), m.dev_bus_addr != 0 && !(m.dev_bus_addr & 0xfff));
	CHECK_EQ("peermap.dev.unmap", gunmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
}
