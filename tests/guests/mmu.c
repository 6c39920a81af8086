/*
 * mmu: update_va_mapping and mmu_update, the simple cases a small kernel
 * needs, with ownership and writability checks.  (Page-table building,
 * pinning, ptwr and the attacks are in pagetables.c.)
 *
 * Xen 4.17 (arch/x86/mm.c):
 *  - update_va_mapping finds the L1 entry through the current page
 *    tables: a va with no L1, non-canonical or in Xen's range is -EINVAL.
 *    The flush runs afterwards; a vcpumask that cannot be read gives
 *    -EFAULT even though the update was made.
 *  - A present L1 entry gets _PAGE_USER; one the guest gave USER gets
 *    _PAGE_GLOBAL too (USER_MAPPINGS_ARE_GLOBAL), one without gets Xen's
 *    kernel tag, bit 52.  Bits 52-62 are software bits and allowed (dom0
 *    may also use PAT/PCD/PWT).  Mapping a page-table page writable, or
 *    any frame of Xen's, is -EBUSY; a non-RAM frame outside dom0's iomem
 *    caps is -EPERM.
 *  - mmu_update: the low 3 bits of ptr are the command (4-7: -ENOSYS); a
 *    ptr into an ordinary page of ours is a plain write; it does not
 *    flush TLBs; MMU_MACHPHYS_UPDATE sets the M2P of a page we own;
 *    `foreigndom` naming ourselves by id (0) is -ESRCH, as is an unknown
 *    domain; *done counts the requests done before an error; only the
 *    start of the request list is range-checked.
 */
#include "guest.h"

static long uvm(const void *va, uint64_t pte, unsigned long flags)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, flags);
}

static uint64_t pte_of(const void *target, uint64_t flags)
{
	return ((uint64_t)va_to_mfn(target) << 12) | flags;
}

#define RW (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_US)
#define RO (PTE_P | PTE_A | PTE_US)

static void uvm_checks(void)
{
	static char data[PAGE_SIZE] ALIGNED(4096) = "original data";
	char *alias = alloc_page();

	CHECK_EQ("uvm.alias", uvm(alias, pte_of(data, RW), UVMF_INVLPG), 0);
	CHECK_STR("uvm.alias.reads", alias, "original data");
	alias[0] = 'O';
	CHECK_EQ("uvm.alias.writes", data[0], 'O');
	CHECK_EQ("uvm.alias.ro", uvm(alias, pte_of(data, RO), UVMF_INVLPG), 0);
	CHECK_EQ("uvm.alias.ro.write_faults", probe_write8((uint64_t)alias, 1), 14);
	CHECK_EQ("uvm.unmap", uvm(alias, 0, UVMF_INVLPG), 0);
	uint64_t v;
	CHECK_EQ("uvm.unmap.read_faults", probe_read64((uint64_t)alias, &v), 14);
	CHECK_EQ("uvm.unmap.error_code", last_trap.error_code, 0);

	/* shared_info mapped a second time, read/write. */
	char *si2 = alloc_page();
	CHECK_EQ("uvm.shared_info_again", uvm(si2, start_info->shared_info | RW, UVMF_INVLPG), 0);
	CHECK("uvm.shared_info_same", ((shared_info_t *)si2)->wc_sec == shared_info->wc_sec);

	/* Flags as written back by Xen: USER forced, plus Xen's kernel tag
	 * (bit 52) when the guest did not ask for USER. */
	uvm(alias, pte_of(data, PTE_P | PTE_RW | PTE_A | PTE_D), UVMF_INVLPG);
	CHECK_EQ("uvm.flags.kernel_pte", l1e_of(alias) & ~PTE_ADDR, 0x10000000000067UL);
	uvm(alias, pte_of(data, RW), UVMF_INVLPG);
	/* USER_MAPPINGS_ARE_GLOBAL: a user mapping gets _PAGE_GLOBAL. */
	CHECK_EQ("uvm.flags.user_pte", l1e_of(alias) & ~PTE_ADDR, 0x167);
	uvm(alias, pte_of(data, RW | PTE_NX | (7UL << 9)), UVMF_INVLPG);
	CHECK_EQ("uvm.flags.nx_avail", l1e_of(alias) & ~PTE_ADDR, 0x8000000000000f67UL);
	CHECK_EQ("uvm.flags.global", uvm(alias, pte_of(data, RW | PTE_G), UVMF_INVLPG), 0);
	CHECK_EQ("uvm.flags.global.kept", l1e_of(alias) & ~PTE_ADDR, 0x167);
	CHECK_EQ("uvm.flags.pat_pcd_pwt", uvm(alias, pte_of(data, RW | PTE_PSE | PTE_PCD | PTE_PWT), UVMF_INVLPG), 0);
	/* PTE bits 52-62 are software-available on x86-64 and allowed; bit 52
	 * with USER is taken as Xen's kernel tag (no GLOBAL added). */
	for (int bit = 52; bit <= 62; bit += 2)
		CHECK_EQ(checkname("uvm.flags.bit%d", bit),
			 uvm(alias, pte_of(data, RW | (1UL << bit)), UVMF_INVLPG), 0);
	uvm(alias, pte_of(data, RW | (1UL << 52)), UVMF_INVLPG);
	CHECK_EQ("uvm.flags.bit52.readback", l1e_of(alias) & ~PTE_ADDR, 0x10000000000067UL);
	uvm(alias, pte_of(data, RW | (1UL << 62)), UVMF_INVLPG);
	CHECK_EQ("uvm.flags.bit62.readback", l1e_of(alias) & ~PTE_ADDR, 0x4000000000000167UL);
	CHECK_EQ("uvm.flags.bit62_not_present", uvm(alias, 1UL << 62, UVMF_INVLPG), 0);

	/* Addresses that have no L1 entry. */
	CHECK_EQ("uvm.va.low_no_l1", uvm((void *)0x1000, 0, UVMF_INVLPG), -XEN_EINVAL);
	CHECK_EQ("uvm.va.noncanonical", uvm((void *)0x0000800000000000UL, 0, UVMF_INVLPG), -XEN_EINVAL);
	CHECK_EQ("uvm.va.xen", uvm((void *)0xffff830000000000UL, 0, UVMF_INVLPG), -XEN_EINVAL);
	CHECK_EQ("uvm.va.m2p", uvm((void *)MACH2PHYS_VIRT_START, 0, UVMF_INVLPG), -XEN_EINVAL);
	CHECK_EQ("uvm.va.below_image", uvm((void *)0xffffffff7ffff000UL, 0, UVMF_INVLPG), -XEN_EINVAL);
	CHECK_EQ("uvm.va.unaligned", uvm(alias + 5, pte_of(data, RW), UVMF_INVLPG), 0);
	CHECK("uvm.va.unaligned.maps", (l1e_of(alias) & PTE_ADDR) == pte_of(data, 0));

	/* Page tables may be mapped read-only, never writable (the writable
	 * type reference fails: -EBUSY). */
	void *l4 = (void *)start_info->pt_base;
	CHECK_EQ("uvm.l4_rw", uvm(alias, pte_of(l4, RW), UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("uvm.l4_ro", uvm(alias, pte_of(l4, RO), UVMF_INVLPG), 0);
	void *l1 = mfn_to_va_table(l1e_maddr(data) >> 12);
	CHECK_EQ("uvm.l1_rw", uvm(alias, pte_of(l1, RW), UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("uvm.l1_ro", uvm(alias, pte_of(l1, RO), UVMF_INVLPG), 0);
	/* Remapping the page-table page itself writable in place. */
	CHECK_EQ("uvm.l4_inplace_rw", uvm(l4, pte_of(l4, RW), UVMF_INVLPG), -XEN_EBUSY);

	/* Xen's own frames (the M2P's) cannot be mapped through an L1 at all:
	 * owned by DOMID_XEN, they fail get_page_from_l1e with -EBUSY. */
	static xen_pfn_t m2p_mfns[4];
	struct xen_machphys_mfn_list ml = { .max_extents = 4 };
	set_xen_guest_handle(ml.extent_start, m2p_mfns);
	CHECK_EQ("machphys_mfn_list", HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml), 0);
	CHECK("machphys_mfn_list.n", ml.max_extents >= 1);
	CHECK_EQ("uvm.xen_frame_ro", uvm(alias, (m2p_mfns[0] << 12) | RO, UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("uvm.xen_frame_rw", uvm(alias, (m2p_mfns[0] << 12) | RW, UVMF_INVLPG), -XEN_EBUSY);
	/* A frame beyond RAM is MMIO, and outside dom0's iomem caps: -EPERM. */
	CHECK_EQ("uvm.mfn_huge", uvm(alias, (0xffffffffUL << 12) | RW, UVMF_INVLPG), -XEN_EPERM);

	/* Flush flags: the vcpumask copy decides the return code. */
	unsigned long mask = 1;
	uvm(alias, 0, UVMF_INVLPG);
	CHECK_EQ("uvm.flush.none", uvm(alias, pte_of(data, RW), UVMF_NONE), 0);
	CHECK_EQ("uvm.flush.tlb_local", uvm(alias, pte_of(data, RW), UVMF_TLB_FLUSH | UVMF_LOCAL), 0);
	CHECK_EQ("uvm.flush.tlb_all", uvm(alias, pte_of(data, RW), UVMF_TLB_FLUSH | UVMF_ALL), 0);
	CHECK_EQ("uvm.flush.invlpg_all", uvm(alias, pte_of(data, RW), UVMF_INVLPG | UVMF_ALL), 0);
	CHECK_EQ("uvm.flush.mask", uvm(alias, pte_of(data, RW), UVMF_TLB_FLUSH | (unsigned long)&mask), 0);
	CHECK_EQ("uvm.flush.invlpg_mask", uvm(alias, pte_of(data, RW), UVMF_INVLPG | (unsigned long)&mask), 0);
	uvm(alias, 0, UVMF_INVLPG);
	CHECK_EQ("uvm.flush.bad_mask", uvm(alias, pte_of(data, RW), UVMF_TLB_FLUSH | 0x1000UL), -XEN_EFAULT);
	CHECK("uvm.flush.bad_mask.updated", (l1e_of(alias) & PTE_ADDR) == pte_of(data, 0));
	CHECK_EQ("uvm.flush.mask_keeps_error",
		 uvm((void *)0x1000, 0, UVMF_TLB_FLUSH | (unsigned long)&mask), -XEN_EINVAL);
	CHECK_EQ("uvm.flush.type3", uvm(alias, pte_of(data, RW), 3), 0);

	/* update_va_mapping_otherdomain */
	CHECK_EQ("uvm_other.self", HYPERVISOR_update_va_mapping_otherdomain((unsigned long)alias,
		 pte_of(data, RW), UVMF_INVLPG, DOMID_SELF), 0);
	CHECK_EQ("uvm_other.own_id", HYPERVISOR_update_va_mapping_otherdomain((unsigned long)alias,
		 pte_of(data, RW), UVMF_INVLPG, 0), -XEN_ESRCH);
	CHECK_EQ("uvm_other.dom7", HYPERVISOR_update_va_mapping_otherdomain((unsigned long)alias,
		 pte_of(data, RW), UVMF_INVLPG, 7), -XEN_ESRCH);
}

static long mmu1(uint64_t ptr, uint64_t val, unsigned int dom)
{
	struct mmu_update u = { .ptr = ptr, .val = val };
	return HYPERVISOR_mmu_update(&u, 1, NULL, dom);
}

static void mmu_update_checks(void)
{
	static char data[PAGE_SIZE] ALIGNED(4096) = "mmu data";
	static uint64_t scratch[PAGE_SIZE / 8] PAGE_ALIGNED;
	char *alias = alloc_page();
	uint64_t pte = l1e_maddr(alias);

	/* mmu_update does not flush: the guest does (as Linux). */
	CHECK_EQ("mmu.normal", mmu1(pte, pte_of(data, RW), DOMID_SELF), 0);
	mmuext1(MMUEXT_INVLPG_LOCAL, (unsigned long)alias, 0);
	CHECK_STR("mmu.normal.maps", alias, "mmu data");
	CHECK_EQ("mmu.preserve_ad", mmu1(pte | MMU_PT_UPDATE_PRESERVE_AD, pte_of(data, RO), DOMID_SELF), 0);
	CHECK_EQ("mmu.preserve_ad.ro", l1e_of(alias) & PTE_RW, 0);
	CHECK_EQ("mmu.no_translate", mmu1(pte | MMU_PT_UPDATE_NO_TRANSLATE, pte_of(data, RW), DOMID_SELF), 0);
	for (unsigned int cmd = 4; cmd < 8; cmd++)
		CHECK_EQ(checkname("mmu.cmd%u", cmd), mmu1(pte | cmd, pte_of(data, RW), DOMID_SELF), -XEN_ENOSYS);

	/* A ptr into an ordinary page of ours is a plain write. */
	uint64_t sp = ((uint64_t)va_to_mfn(scratch) << 12) + 16;
	CHECK_EQ("mmu.data_page", mmu1(sp, 0x1122334455667788UL, DOMID_SELF), 0);
	CHECK_EQ("mmu.data_page.written", scratch[2], 0x1122334455667788UL);
	/* ... but not into a page that is not ours (the M2P's). */
	static xen_pfn_t m2p_mfns[1];
	struct xen_machphys_mfn_list ml = { .max_extents = 1 };
	set_xen_guest_handle(ml.extent_start, m2p_mfns);
	HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &ml);
	CHECK_EQ("mmu.xen_page", mmu1(m2p_mfns[0] << 12, 0, DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("mmu.bad_mfn", mmu1(0xfffffff000UL, 0, DOMID_SELF), -XEN_EINVAL);

	/* Machine-to-phys updates of our own frames. */
	unsigned long mfn = va_to_mfn(data), pfn = va_to_pfn(data);
	CHECK_EQ("mmu.machphys", mmu1((mfn << 12) | MMU_MACHPHYS_UPDATE, 0x12345, DOMID_SELF), 0);
	CHECK_EQ("mmu.machphys.m2p", mfn_to_pfn(mfn), 0x12345);
	CHECK_EQ("mmu.machphys.restore", mmu1((mfn << 12) | MMU_MACHPHYS_UPDATE, pfn, DOMID_SELF), 0);
	CHECK_EQ("mmu.machphys.restored", mfn_to_pfn(mfn) == pfn, 1);
	CHECK_EQ("mmu.machphys.xen_frame", mmu1((m2p_mfns[0] << 12) | MMU_MACHPHYS_UPDATE, 1, DOMID_SELF),
		 -XEN_EINVAL);
	CHECK_EQ("mmu.machphys.bad_mfn", mmu1(0xfffffff000UL | MMU_MACHPHYS_UPDATE, 1, DOMID_SELF),
		 -XEN_EINVAL);

	/* foreigndom */
	CHECK_EQ("mmu.foreign.own_id", mmu1(pte, pte_of(data, RW), 0), -XEN_ESRCH);
	CHECK_EQ("mmu.foreign.dom5", mmu1(pte, pte_of(data, RW), 5), -XEN_ESRCH);
	CHECK_EQ("mmu.foreign.invalid", mmu1(pte, pte_of(data, RW), DOMID_INVALID), -XEN_ESRCH);
	CHECK_EQ("mmu.foreign.pt_dom", mmu1(pte, pte_of(data, RW), DOMID_SELF | (5u << 16)), -XEN_ESRCH);
	CHECK_EQ("mmu.foreign.pt_self", mmu1(pte, pte_of(data, RW), DOMID_SELF | (1u << 16)), 0);
	/* DOMID_IO as the page owner still lets dom0 map its own RAM. */
	CHECK_EQ("mmu.foreign.io_ram", mmu1(pte, pte_of(data, RW), DOMID_IO), 0);

	/* Batches: done counts the requests before the first error. */
	struct mmu_update b[3] = {
		{ .ptr = pte, .val = pte_of(data, RW) },
		{ .ptr = pte | 4, .val = pte_of(data, RW) },
		{ .ptr = pte, .val = 0 },
	};
	unsigned int done = 99;
	CHECK_EQ("mmu.batch.error", HYPERVISOR_mmu_update(b, 3, &done, DOMID_SELF), -XEN_ENOSYS);
	CHECK_EQ("mmu.batch.done", done, 1);
	CHECK("mmu.batch.third_not_done", l1e_of(alias) & PTE_P);
	b[1].ptr = pte;
	b[1].val = pte_of(data, RO);
	done = 99;
	CHECK_EQ("mmu.batch.ok", HYPERVISOR_mmu_update(b, 3, &done, DOMID_SELF), 0);
	CHECK_EQ("mmu.batch.ok.done", done, 3);
	CHECK_EQ("mmu.batch.bad_done_ptr", HYPERVISOR_mmu_update(b, 1, (void *)0x1000, DOMID_SELF), 0);
	CHECK_EQ("mmu.batch.count0", HYPERVISOR_mmu_update(b, 0, &done, DOMID_SELF), 0);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("mmu.badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_mmu_update((void *)bad_ptrs[i].addr, 1, NULL, DOMID_SELF), -XEN_EFAULT);
	/* Only the start of the list is range-checked (64-bit access_ok):
	 * a huge count runs until a request cannot be read. */
	struct mmu_update *end = (struct mmu_update *)((char *)page_before_hole() + PAGE_SIZE) - 1;
	*end = (struct mmu_update){ .ptr = pte, .val = pte_of(data, RW) };
	done = 99;
	CHECK_EQ("mmu.huge_count", HYPERVISOR_mmu_update(end, 0x7fffffffU, &done, DOMID_SELF), -XEN_EFAULT);
	CHECK_EQ("mmu.huge_count.done", done, 1);
	/* The continuation flag in the count, with no done pointer. */
	CHECK_EQ("mmu.preempted_flag", HYPERVISOR_mmu_update(b, 0x80000001U, NULL, DOMID_SELF), 0);
}

void test_main(void)
{
	uvm_checks();
	mmu_update_checks();
}
