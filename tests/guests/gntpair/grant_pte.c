/*
 * A grant PTE that the mapper rewrites or drops with update_va_mapping or
 * mmu_update instead of GNTTABOP_unmap_grant_ref. Release Xen 4.17 lets
 * the write through (its _PAGE_GNTTAB tag exists only in debug builds):
 * the frame's reference goes with the PTE, the pin stays, and the later
 * unmap fails because the PTE no longer maps the frame (the expected
 * values here). pvisor refuses the write (-EPERM, docs/grant-tables.md
 * "Grant PTEs"), so its unmap works and the status bits go: listed
 * deviations. Done late on refs of their own, because on Xen the entries
 * stay pinned (harmlessly: the frames hold no reference of ours) until
 * the granter is destroyed.
 */
#include "pair.h"

#define REF_P1 24
#define REF_P2 25

void grant_pte_rewrite(struct domu *d, grant_entry_v1_t *dgt)
{
	uint64_t *tgt = alloc_page(), *tgt2 = alloc_page();
	struct gnttab_map_grant_ref m;

	grant(&dgt[REF_P1], 0, d->mfn[d->nr_pages - 5], false);
	m = gmap(d->id, REF_P1, (uint64_t)tgt, GNTMAP_host_map);
	CHECK_EQ("gntpte.uvm.map", m.status, GNTST_okay);
	CHECK_EQ("gntpte.uvm.drop", HYPERVISOR_update_va_mapping((unsigned long)tgt, 0, UVMF_INVLPG), 0);
	CHECK_EQ("gntpte.uvm.unmap", gunmap((uint64_t)tgt, 0, m.handle), GNTST_general_error);
	CHECK_EQ("gntpte.uvm.flags", flags_of(&dgt[REF_P1]), GTF_permit_access | GTF_reading | GTF_writing);
	restore_page(tgt);

	grant(&dgt[REF_P2], 0, d->mfn[d->nr_pages - 6], false);
	uint64_t pa = l1e_maddr(tgt2);
	m = gmap(d->id, REF_P2, pa, GNTMAP_host_map | GNTMAP_contains_pte);
	CHECK_EQ("gntpte.mmu.map", m.status, GNTST_okay);
	uint64_t own = ((uint64_t)va_to_mfn(tgt2) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	CHECK_EQ("gntpte.mmu.rewrite", mmu_update1(pa | MMU_NORMAL_PT_UPDATE, own, DOMID_SELF), 0);
	CHECK_EQ("gntpte.mmu.unmap", gunmap(pa, 0, m.handle), GNTST_general_error);
	CHECK_EQ("gntpte.mmu.flags", flags_of(&dgt[REF_P2]), GTF_permit_access | GTF_reading | GTF_writing);
	restore_page(tgt2);
}
