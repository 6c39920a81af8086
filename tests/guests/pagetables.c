/*
 * pagetables: a PV kernel building, pinning and switching to its own page
 * tables, writing PTEs in place (ptwr) in every form Linux uses, and the
 * classic attacks on the page-table type system (issue 4).
 *
 * Xen 4.17 (arch/x86/mm.c, pv/ro-page-fault.c), as observed here:
 *  - a frame holds one type at a time; a page-table frame cannot be
 *    mapped writable and a writable-mapped frame cannot become a page
 *    table; pinning validates the whole tree below;
 *  - ptwr: a kernel write fault on a read-only mapping of one of our L1
 *    tables is emulated (any instruction Xen's emulator knows, any size,
 *    merged into the 8-byte entry) after validating the new entry; an
 *    invalid entry turns into a #PF for the guest; L2-L4 are never
 *    emulated;
 *  - linear (recursive) entries are allowed read-only, not writable;
 *  - Xen's L4 slots (256-271) are Xen's: whatever the guest put there is
 *    replaced on validation and updates to them are refused.
 */
#include "guest.h"

#define TESTVA 0x0000008000000000UL     /* L4 slot 1: our own tree */
#define TBL (PTE_P | PTE_RW | PTE_A | PTE_US)
#define DATA (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_US)

static uint64_t *l4, *l3, *l2, *l1;
static char *pages[4];
static uint64_t orig_l4_mfn;

static uint64_t mfn(const void *va)
{
	return va_to_mfn(va);
}

static uint64_t ent(const void *target, uint64_t flags)
{
	return (mfn(target) << 12) | flags;
}

static void invlpg(uint64_t va)
{
	mmuext1(MMUEXT_INVLPG_LOCAL, va, 0);
}

static volatile char *test_page(unsigned int i)
{
	return (volatile char *)(TESTVA + (uint64_t)i * PAGE_SIZE);
}

static void io_policy_checks(void *l1);

static void build_checks(void)
{
	uint64_t *cur = mfn_to_va_table(orig_l4_mfn);

	l4 = alloc_page();
	l3 = alloc_page();
	l2 = alloc_page();
	l1 = alloc_page();
	for (int i = 0; i < 4; i++) {
		pages[i] = alloc_page();
		snprintf(pages[i], 32, "test page %d", i);
	}
	l4[511] = cur[511];
	l4[1] = ent(l3, TBL);
	l4[260] = 0x1234567067UL;       /* garbage in a Xen slot */
	l3[0] = ent(l2, TBL);
	l2[0] = ent(l1, TBL);
	for (int i = 0; i < 4; i++)
		l1[i] = ent(pages[i], DATA);

	/* A table still mapped writable cannot be pinned. */
	CHECK_EQ("pin.l1_while_writable", pin_table(1, mfn(l1)), -XEN_EINVAL);
	page_set_ro(l1);
	CHECK_EQ("pin.l1", pin_table(1, mfn(l1)), 0);
	CHECK_EQ("pin.l1_again", pin_table(1, mfn(l1)), -XEN_EINVAL);
	/* ... and a pinned one cannot be mapped writable. */
	char *alias = alloc_page();
	CHECK_EQ("uvm.l1_writable", HYPERVISOR_update_va_mapping((unsigned long)alias,
		 ent(l1, DATA), UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("uvm.l1_remap_rw_in_place", HYPERVISOR_update_va_mapping((unsigned long)l1,
		 ent(l1, DATA), UVMF_INVLPG), -XEN_EBUSY);
	/* Two types at once: an L1 cannot be pinned as an L2. */
	CHECK_EQ("pin.l1_as_l2", pin_table(2, mfn(l1)), -XEN_EINVAL);

	page_set_ro(l2);
	page_set_ro(l3);
	page_set_ro(l4);
	CHECK_EQ("pin.l4", pin_table(4, mfn(l4)), 0);
	CHECK("l4.xen_slot_replaced", l4[260] != 0x1234567067UL);
	CHECK_EQ("l4.guest_entry_user", l4[1] & (PTE_P | PTE_US), PTE_P | PTE_US);
	CHECK_EQ("pin.l2", pin_table(2, mfn(l2)), 0);
	CHECK_EQ("pin.l3", pin_table(3, mfn(l3)), 0);
	CHECK_EQ("pin.l3_as_l4", pin_table(4, mfn(l3)), -XEN_EINVAL);
	CHECK_EQ("unpin.l2", unpin_table(mfn(l2)), 0);
	CHECK_EQ("unpin.l3", unpin_table(mfn(l3)), 0);
	CHECK_EQ("unpin.l1", unpin_table(mfn(l1)), 0);
	CHECK_EQ("unpin.l1_again", unpin_table(mfn(l1)), -XEN_EINVAL);
	CHECK_EQ("unpin.data_page", unpin_table(mfn(pages[0])), -XEN_EINVAL);
	/* Typed through the pinned L4, the L1 still refuses a writable map. */
	CHECK_EQ("uvm.l1_writable_in_tree", HYPERVISOR_update_va_mapping((unsigned long)alias,
		 ent(l1, DATA), UVMF_INVLPG), -XEN_EBUSY);
	CHECK_EQ("pin.l2_as_l1", pin_table(1, mfn(l2)), -XEN_EINVAL);
	CHECK_EQ("pin.bad_mfn", pin_table(1, 0xfffffff), -XEN_EINVAL);
	CHECK_EQ("pin.xen_frame", pin_table(1, xen_owned_mfn()), -XEN_EINVAL);

	CHECK_EQ("new_baseptr", mmuext1(MMUEXT_NEW_BASEPTR, mfn(l4), 0), 0);
	extern uint64_t cur_l4_mfn;
	cur_l4_mfn = mfn(l4);
	CHECK("new_baseptr.cr3", read_cr3() == mfn(l4) << 12);
	CHECK_STR("new_baseptr.reads", (const char *)test_page(2), "test page 2");
	test_page(3)[0] = 'T';
	CHECK_EQ("new_baseptr.writes", pages[3][0], 'T');
	CHECK_EQ("unpin.l4_in_use", unpin_table(mfn(l4)), 0);
	CHECK_EQ("pin.l4_in_use_again", pin_table(4, mfn(l4)), 0);
	CHECK_EQ("new_baseptr.data_page", mmuext1(MMUEXT_NEW_BASEPTR, mfn(pages[0]), 0), -XEN_EINVAL);
	CHECK_EQ("new_user_baseptr", mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn(l4), 0), 0);
	CHECK_EQ("new_user_baseptr.l2", mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn(l2), 0), -XEN_EINVAL);
	CHECK_EQ("new_user_baseptr.data_page", mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn(pages[0]), 0),
		 -XEN_EINVAL);
	CHECK_EQ("new_user_baseptr.clear", mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
	CHECK_EQ("new_baseptr.l1", mmuext1(MMUEXT_NEW_BASEPTR, mfn(l1), 0), -XEN_EINVAL);
}

/* ---- ptwr: in-place writes to the read-only, pinned L1 ---- */

static long ptwr_trap;

static void ptwr_begin(void)
{
	expect_trap(TRAP_ANY);
}

static void ptwr_end(void)
{
	ptwr_trap = trap_seen();
	expect_trap(-1);
}

static void ptwr_checks(void)
{
	volatile uint64_t *e5 = &l1[5];
	uint64_t v;

	/* mov: 8-byte store. */
	ptwr_begin();
	asm volatile(PROBE("movq %1, (%0)") : : "r"(e5), "r"(ent(pages[1], DATA)) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.mov.trap", ptwr_trap, -1);
	invlpg(TESTVA + 5 * PAGE_SIZE);
	CHECK_STR("ptwr.mov.maps", (const char *)test_page(5), "test page 1");
	CHECK_EQ("ptwr.mov.readback", *e5 & ~PTE_ADDR, DATA | PTE_G);

	/* xchg: returns the old entry. */
	v = ent(pages[2], DATA);
	ptwr_begin();
	asm volatile(PROBE("xchgq %0, (%1)") : "+r"(v) : "r"(e5) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.xchg.trap", ptwr_trap, -1);
	CHECK("ptwr.xchg.old", (v & PTE_ADDR) == ent(pages[1], 0));
	invlpg(TESTVA + 5 * PAGE_SIZE);
	CHECK_STR("ptwr.xchg.maps", (const char *)test_page(5), "test page 2");

	/* lock cmpxchg: a match swaps, a mismatch leaves it. */
	uint64_t expect = *e5, nv = ent(pages[3], DATA);
	uint8_t ok;
	ptwr_begin();
	asm volatile(PROBE("lock cmpxchgq %3, (%2)") "setz %1"
		     : "+a"(expect), "=q"(ok) : "r"(e5), "r"(nv) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.cmpxchg.trap", ptwr_trap, -1);
	CHECK_EQ("ptwr.cmpxchg.swapped", ok, 1);
	expect = 0x1234;
	ptwr_begin();
	asm volatile(PROBE("lock cmpxchgq %3, (%2)") "setz %1"
		     : "+a"(expect), "=q"(ok) : "r"(e5), "r"(nv) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.cmpxchg_fail.swapped", ok, 0);
	CHECK("ptwr.cmpxchg_fail.current", (expect & PTE_ADDR) == ent(pages[3], 0));
	invlpg(TESTVA + 5 * PAGE_SIZE);
	CHECK_STR("ptwr.cmpxchg.maps", (const char *)test_page(5), "Test page 3");

	/* lock btr $5 (clear Accessed, ptep_test_and_clear_young), bts. */
	ptwr_begin();
	asm volatile(PROBE("lock btrq $5, (%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.btr.trap", ptwr_trap, -1);
	CHECK_EQ("ptwr.btr.cleared", *e5 & PTE_A, 0);
	ptwr_begin();
	asm volatile(PROBE("lock btsq $5, (%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.bts.set", *e5 & PTE_A, PTE_A);

	/* lock andb $0xfd (ptep_set_wrprotect), lock orb back. */
	ptwr_begin();
	asm volatile(PROBE("lock andb $0xfd, (%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.andb.trap", ptwr_trap, -1);
	CHECK_EQ("ptwr.andb.ro", *e5 & PTE_RW, 0);
	invlpg(TESTVA + 5 * PAGE_SIZE);
	CHECK_EQ("ptwr.andb.write_faults", probe_write8(TESTVA + 5 * PAGE_SIZE, 1), 14);
	ptwr_begin();
	asm volatile(PROBE("lock orb $0x2, (%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.orb.rw", *e5 & PTE_RW, PTE_RW);
	invlpg(TESTVA + 5 * PAGE_SIZE);
	CHECK_EQ("ptwr.orb.write_ok", probe_write8(TESTVA + 5 * PAGE_SIZE + 100, 1), -1);

	/* 1-byte operands at other offsets: NX is bit 7 of byte 7. */
	ptwr_begin();
	asm volatile(PROBE("lock orb $0x80, 7(%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.orb7.trap", ptwr_trap, -1);
	CHECK_EQ("ptwr.orb7.nx", *e5 >> 63, 1);
	ptwr_begin();
	asm volatile(PROBE("andb $0x7f, 7(%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.andb7.nx_clear", *e5 >> 63, 0);
	/* Software bits 9-11 through byte 1, 16- and 32-bit stores. */
	ptwr_begin();
	asm volatile(PROBE("orb $0x0e, 1(%0)") : : "r"(e5) : "memory", "cc");
	ptwr_end();
	CHECK_EQ("ptwr.orb1.avail", (*e5 >> 9) & 7, 7);
	uint32_t lo = (uint32_t)*e5 & ~0xe00u;
	ptwr_begin();
	asm volatile(PROBE("movl %1, (%0)") : : "r"(e5), "r"(lo) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.movl.trap", ptwr_trap, -1);
	CHECK_EQ("ptwr.movl.avail_clear", (*e5 >> 9) & 7, 0);
	uint16_t w = (uint16_t)*e5 | 0x200;
	ptwr_begin();
	asm volatile(PROBE("movw %1, (%0)") : : "r"(e5), "r"(w) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.movw.avail", (*e5 >> 9) & 7, 1);
	/* Non-present values are written unchecked. */
	ptwr_begin();
	asm volatile(PROBE("movq %1, (%0)") : : "r"(&l1[7]), "r"(0xdead000UL) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.not_present", l1[7], 0xdead000);
	ptwr_begin();
	asm volatile(PROBE("movq %1, (%0)") : : "r"(&l1[7]), "r"(0UL) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.clear", l1[7], 0);

	/* Refused entries become a #PF for the guest: the L1 mapping itself
	 * writable, a Xen frame, an L4 writable. */
	static const struct { const char *name; uint64_t val; } bad[] = {
		{ "self_writable", 0 }, { "l4_writable", 1 }, { "xen_frame", 2 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t val = i == 0 ? ent(l1, DATA) : i == 1 ? ent(l4, DATA) : (xen_owned_mfn() << 12) | DATA;
		uint64_t before = l1[8];
		ptwr_begin();
		asm volatile(PROBE("movq %1, (%0)") : : "r"(&l1[8]), "r"(val) : "memory");
		ptwr_end();
		CHECK_EQ(checkname("ptwr.refused.%s.trap", bad[i].name), ptwr_trap, 14);
		CHECK_EQ(checkname("ptwr.refused.%s.error_code", bad[i].name), last_trap.error_code, 3);
		CHECK(checkname("ptwr.refused.%s.cr2", bad[i].name), last_trap.cr2 == (uint64_t)&l1[8]);
		CHECK_EQ(checkname("ptwr.refused.%s.unchanged", bad[i].name), l1[8], before);
	}
	/* Upper levels are never emulated. */
	ptwr_begin();
	asm volatile(PROBE("movq %1, (%0)") : : "r"(&l2[5]), "r"(ent(l1, TBL)) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.l2.trap", ptwr_trap, 14);
	ptwr_begin();
	asm volatile(PROBE("movq %1, (%0)") : : "r"(&l4[2]), "r"(ent(l3, TBL)) : "memory");
	ptwr_end();
	CHECK_EQ("ptwr.l4.trap", ptwr_trap, 14);
}

/* ---- attacks through mmu_update on the upper levels ---- */

static void upper_level_checks(void)
{
	uint64_t pl2 = (mfn(l2) << 12), pl3 = (mfn(l3) << 12), pl4 = (mfn(l4) << 12);

	/* A second L1 under the L2, then the tree maps itself. */
	uint64_t *l1b = alloc_page();
	l1b[0] = ent(pages[0], DATA);
	page_set_ro(l1b);
	CHECK_EQ("l2.add_l1", mmu_update1(pl2 + 1 * 8, ent(l1b, TBL), DOMID_SELF), 0);
	invlpg(TESTVA + 512 * PAGE_SIZE);
	CHECK_STR("l2.add_l1.maps", (const char *)test_page(512), "test page 0");

	/* One level down, writable: an L1 whose entry maps the L2 RW. */
	uint64_t *l1c = alloc_page();
	l1c[0] = ent(l2, DATA);
	page_set_ro(l1c);
	CHECK_EQ("attack.l1_maps_l2_rw", mmu_update1(pl2 + 2 * 8, ent(l1c, TBL), DOMID_SELF), -XEN_EBUSY);
	CHECK_EQ("attack.l1_maps_l2_rw.pin", pin_table(1, mfn(l1c)), -XEN_EBUSY);
	/* The same read-only is fine. */
	page_set_rw(l1c);
	l1c[0] = ent(l2, PTE_P | PTE_A | PTE_US);
	page_set_ro(l1c);
	CHECK_EQ("l1_maps_l2_ro", mmu_update1(pl2 + 2 * 8, ent(l1c, TBL), DOMID_SELF), 0);

	/* Wrong levels: an L1 in an L3 slot, an L3 in an L2 slot. */
	CHECK_EQ("attack.l1_in_l3", mmu_update1(pl3 + 1 * 8, ent(l1b, TBL), DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("attack.l3_in_l2", mmu_update1(pl2 + 3 * 8, ent(l3, TBL), DOMID_SELF), -XEN_EINVAL);
	/* A data page of ours that is mapped writable, as an L2. */
	CHECK_EQ("attack.writable_page_as_l1", mmu_update1(pl2 + 3 * 8, ent(pages[0], TBL), DOMID_SELF),
		 -XEN_EINVAL);

	/* Linear (recursive) entries: read-only allowed, writable not. */
	CHECK_EQ("linear.l4_ro", mmu_update1(pl4 + 2 * 8, ent(l4, PTE_P | PTE_A | PTE_US), DOMID_SELF), 0);
	CHECK_EQ("linear.l4_rw", mmu_update1(pl4 + 3 * 8, ent(l4, TBL), DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("linear.l2_ro", mmu_update1(pl2 + 4 * 8, ent(l2, PTE_P | PTE_A | PTE_US), DOMID_SELF), 0);
	CHECK_EQ("linear.l2_rw", mmu_update1(pl2 + 5 * 8, ent(l2, TBL), DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("linear.l4_ro.clear", mmu_update1(pl4 + 2 * 8, 0, DOMID_SELF), 0);
	CHECK_EQ("linear.l2_ro.clear", mmu_update1(pl2 + 4 * 8, 0, DOMID_SELF), 0);

	/* Superpages are not for PV guests. */
	CHECK_EQ("attack.l2_pse", mmu_update1(pl2 + 6 * 8, (0x200UL << 12) | TBL | PTE_PSE, DOMID_SELF),
		 -XEN_EINVAL);
	CHECK_EQ("attack.l3_pse", mmu_update1(pl3 + 2 * 8, (0x40000UL << 12) | TBL | PTE_PSE, DOMID_SELF),
		 -XEN_EINVAL);

	/* Xen's L4 slots. */
	for (unsigned int slot = 256; slot < 272; slot += 5)
		CHECK_EQ(checkname("attack.l4_xen_slot%u", slot),
			 mmu_update1(pl4 + slot * 8, ent(l3, TBL), DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("attack.l4_xen_slot_clear", mmu_update1(pl4 + 256 * 8, 0, DOMID_SELF), -XEN_EINVAL);
	/* Entries pointing at Xen's memory. */
	uint64_t xf = xen_owned_mfn() << 12;
	CHECK_EQ("attack.l3_xen_frame", mmu_update1(pl3 + 3 * 8, xf | TBL, DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("attack.l2_xen_frame", mmu_update1(pl2 + 3 * 8, xf | TBL, DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("attack.l1_xen_frame", mmu_update1((mfn(l1) << 12) + 9 * 8, xf | DATA, DOMID_SELF),
		 -XEN_EBUSY);
	CHECK_EQ("attack.l1_xen_frame_ro", mmu_update1((mfn(l1) << 12) + 9 * 8, xf | PTE_P | PTE_US,
		 DOMID_SELF), -XEN_EBUSY);
	/* mfn 0 is not Xen's but DOMID_IO's (low memory): dom0 may map it. */
	CHECK_EQ("l1_io_frame_mfn0", mmu_update1((mfn(l1) << 12) + 9 * 8, 0 | DATA, DOMID_SELF), 0);
	CHECK_EQ("l1_io_frame_mfn0.clear", mmu_update1((mfn(l1) << 12) + 9 * 8, 0, DOMID_SELF), 0);
	io_policy_checks(l1);

	/* Clearing entries drops the references again. */
	CHECK_EQ("l2.clear_l1b", mmu_update1(pl2 + 1 * 8, 0, DOMID_SELF), 0);
	CHECK_EQ("l2.clear_l1c", mmu_update1(pl2 + 2 * 8, 0, DOMID_SELF), 0);
	page_set_rw(l1c);       /* no longer a page table */
	CHECK_EQ("l1c.writable_again", l1e_of(l1c) & PTE_RW, PTE_RW);
}

/*
 * dom0's I/O policy: never the local APIC or the MSI window (INIT/SIPI to
 * the hypervisor's CPUs), the IO-APIC and HPET only read-only whatever the
 * entry asks (Xen's mmio_ro_ranges), other device memory as asked. Low RAM
 * is writable on Xen and read-only on pvisor (a listed deviation). QEMU's
 * pc machine puts the IO-APIC at 0xfec00000 and the HPET at 0xfed00000.
 */
static void io_policy_checks(void *l1)
{
	static const struct {
		const char *name;
		uint64_t mfn;
		long rc;
		uint64_t rw;
	} io[] = {
		{ "lapic", 0xfee00, -XEN_EPERM, 0 },
		{ "msi_window", 0xfee80, -XEN_EPERM, 0 },
		{ "ioapic", 0xfec00, 0, 0 },
		{ "hpet", 0xfed00, 0, 0 },
		{ "vga", 0xb8, 0, PTE_RW },
		{ "pci_hole", 0xfebf0, 0, PTE_RW },
		{ "low_ram", 0x10, 0, PTE_RW },
	};
	uint64_t slot = (mfn(l1) << 12) + 9 * 8;

	for (unsigned int i = 0; i < sizeof(io) / sizeof(io[0]); i++) {
		CHECK_EQ(checkname("iomem.%s", io[i].name),
			 mmu_update1(slot, io[i].mfn << 12 | DATA | PTE_PCD, DOMID_SELF), io[i].rc);
		if (io[i].rc)
			continue;
		CHECK_EQ(checkname("iomem.%s.rw", io[i].name),
			 ((volatile uint64_t *)l1)[9] & PTE_RW, io[i].rw);
		/* asking again for RW on the same entry changes nothing */
		mmu_update1(slot, io[i].mfn << 12 | DATA | PTE_PCD, DOMID_SELF);
		CHECK_EQ(checkname("iomem.%s.rw_again", io[i].name),
			 ((volatile uint64_t *)l1)[9] & PTE_RW, io[i].rw);
		CHECK_EQ(checkname("iomem.%s.clear", io[i].name), mmu_update1(slot, 0, DOMID_SELF), 0);
	}
}

/* ---- mmuext_op odds and ends ---- */

static void mmuext_checks(void)
{
	static unsigned long mask = 1;
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	CHECK_EQ("mmuext.tlb_flush_local", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_TLB_FLUSH_ALL;
	CHECK_EQ("mmuext.tlb_flush_all", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_INVLPG_ALL;
	op.arg1.linear_addr = TESTVA;
	CHECK_EQ("mmuext.invlpg_all", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_INVLPG_LOCAL;
	op.arg1.linear_addr = 0x8000000000000000UL;
	CHECK_EQ("mmuext.invlpg_noncanonical", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_TLB_FLUSH_MULTI;
	set_xen_guest_handle(op.arg2.vcpumask, &mask);
	CHECK_EQ("mmuext.tlb_flush_multi", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	set_xen_guest_handle(op.arg2.vcpumask, (void *)0x1000);
	/* An unreadable vcpumask is -EINVAL here (-EFAULT in update_va_mapping). */
	CHECK_EQ("mmuext.tlb_flush_multi.badmask", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.cmd = MMUEXT_INVLPG_MULTI;
	CHECK_EQ("mmuext.invlpg_multi.badmask", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.cmd = MMUEXT_FLUSH_CACHE;
	CHECK_EQ("mmuext.flush_cache", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_FLUSH_CACHE_GLOBAL;
	CHECK_EQ("mmuext.flush_cache_global", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.cmd = MMUEXT_MARK_SUPER;
	op.arg1.mfn = mfn(pages[0]);
	CHECK_EQ("mmuext.mark_super", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EOPNOTSUPP);
	op.cmd = 14;
	CHECK_EQ("mmuext.cmd14", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_ENOSYS);
	op.cmd = 99;
	CHECK_EQ("mmuext.cmd99", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_ENOSYS);

	/* clear_page / copy_page need a writable-typeable frame of ours. */
	char *p = alloc_page();
	memset(p, 0x77, PAGE_SIZE);
	op.cmd = MMUEXT_CLEAR_PAGE;
	op.arg1.mfn = mfn(p);
	CHECK_EQ("mmuext.clear_page", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	CHECK_EQ("mmuext.clear_page.zero", p[100], 0);
	op.arg1.mfn = mfn(l1);
	CHECK_EQ("mmuext.clear_page.l1", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.arg1.mfn = xen_owned_mfn();
	CHECK_EQ("mmuext.clear_page.xen", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.cmd = MMUEXT_COPY_PAGE;
	op.arg1.mfn = mfn(p);
	op.arg2.src_mfn = mfn(pages[2]);
	CHECK_EQ("mmuext.copy_page", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	CHECK_STR("mmuext.copy_page.copied", p, "test page 2");
	op.arg2.src_mfn = mfn(l1);
	CHECK_EQ("mmuext.copy_page.from_l1", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
	op.arg1.mfn = mfn(l2);
	op.arg2.src_mfn = mfn(pages[0]);
	CHECK_EQ("mmuext.copy_page.to_l2", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
	op.arg1.mfn = mfn(p);
	op.arg2.src_mfn = xen_owned_mfn();
	CHECK_EQ("mmuext.copy_page.from_xen", HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);

	/* Batches: done and the first error. */
	struct mmuext_op b[3] = {
		{ .cmd = MMUEXT_TLB_FLUSH_LOCAL },
		{ .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn(pages[1]) },
		{ .cmd = MMUEXT_TLB_FLUSH_LOCAL },
	};
	unsigned int done = 99;
	CHECK_EQ("mmuext.batch.error", HYPERVISOR_mmuext_op(b, 3, &done, DOMID_SELF), -XEN_EINVAL);
	CHECK_EQ("mmuext.batch.done", done, 1);
	CHECK_EQ("mmuext.foreign.own_id", HYPERVISOR_mmuext_op(b, 1, NULL, 0), -XEN_ESRCH);
	CHECK_EQ("mmuext.foreign.dom3", HYPERVISOR_mmuext_op(b, 1, NULL, 3), -XEN_ESRCH);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("mmuext.badptr.%s", bad_ptrs[i].name),
			 HYPERVISOR_mmuext_op((void *)bad_ptrs[i].addr, 1, NULL, DOMID_SELF), -XEN_EFAULT);
}

static void teardown_checks(void)
{
	extern uint64_t cur_l4_mfn;

	CHECK_EQ("new_baseptr.back", mmuext1(MMUEXT_NEW_BASEPTR, orig_l4_mfn, 0), 0);
	cur_l4_mfn = orig_l4_mfn;
	uint64_t v;
	CHECK_EQ("back.testva_unmapped", probe_read64(TESTVA, &v), 14);
	CHECK_EQ("unpin.l4", unpin_table(mfn(l4)), 0);
	/* Unpinned and unused, the tables are plain pages again. */
	page_set_rw(l4);
	page_set_rw(l1);
	CHECK_EQ("teardown.l1_writable", l1e_of(l1) & PTE_RW, PTE_RW);
	l1[0] = 0;
	CHECK_EQ("teardown.l1_plain_write", l1[0], 0);
}

void test_main(void)
{
	extern uint64_t cur_l4_mfn;

	orig_l4_mfn = cur_l4_mfn;
	build_checks();
	ptwr_checks();
	upper_level_checks();
	mmuext_checks();
	teardown_checks();
}
