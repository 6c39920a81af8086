/*
 * memory: HYPERVISOR_memory_op subops a PV kernel meets at boot.
 *
 * Xen 4.17 (common/memory.c, arch/x86/mm.c):
 *  - the subop is cmd & 0x3f, cmd >> 6 is a continuation start extent;
 *    the non-extent subops refuse a nonzero one with -EINVAL;
 *  - current/maximum_reservation and maximum_gpfn read a domid_t and
 *    look it up with rcu_lock_domain_by_any_id(): DOMID_SELF or our own
 *    id work, anything else that is not a live domain is -ESRCH;
 *  - maximum_gpfn for PV is (shared_info.arch.max_pfn ?: 1) - 1, a value
 *    the guest itself writes;
 *  - maximum_ram_page is Xen's max_page; machphys_mapping reports the RO
 *    M2P with max_mfn = max_page - 1;
 *  - memory_map for a PV dom0 has no pseudo-physical map: -ENOSYS;
 *  - machine_memory_map with a NULL buffer only counts; a short buffer
 *    is -EINVAL;
 *  - unknown subops fall through to -ENOSYS.
 */
#include "guest.h"

static long mop(unsigned long cmd, const void *arg)
{
	return HYPERVISOR_memory_op(cmd, arg);
}

static void reservation_checks(void)
{
	domid_t self = DOMID_SELF, zero = 0;
	long cur = mop(XENMEM_current_reservation, &self);
	long max = mop(XENMEM_maximum_reservation, &self);

	CHECK("current_reservation.self", cur > 0 && (unsigned long)cur <= start_info->nr_pages);
	CHECK_EQ("current_reservation.nr_pages", cur, start_info->nr_pages);
	CHECK("maximum_reservation.self", max >= cur);
	CHECK_EQ("current_reservation.dom0", mop(XENMEM_current_reservation, &zero), cur);
	CHECK_EQ("maximum_reservation.dom0", mop(XENMEM_maximum_reservation, &zero), max);

	static const domid_t bad[] = { 1, 5, 0x7fef, DOMID_IO, DOMID_XEN, DOMID_COW,
				       DOMID_INVALID, DOMID_IDLE, 0xffff };
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(checkname("current_reservation.dom%x", bad[i]),
			 mop(XENMEM_current_reservation, &bad[i]), -XEN_ESRCH);
		CHECK_EQ(checkname("maximum_reservation.dom%x", bad[i]),
			 mop(XENMEM_maximum_reservation, &bad[i]), -XEN_ESRCH);
	}
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("current_reservation.badptr.%s", bad_ptrs[i].name),
			 mop(XENMEM_current_reservation, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	/* Read-only is fine: the domid is only read. */
	CHECK_EQ("current_reservation.start_extent", mop(XENMEM_current_reservation | (1 << 6), &self),
		 -XEN_EINVAL);

	/* maximum_gpfn is what the guest put in shared_info.arch.max_pfn. */
	shared_info->arch.max_pfn = 0;
	CHECK_EQ("maximum_gpfn.unset", mop(XENMEM_maximum_gpfn, &self), 0);
	shared_info->arch.max_pfn = start_info->nr_pages;
	CHECK_EQ("maximum_gpfn.nr_pages", mop(XENMEM_maximum_gpfn, &self), start_info->nr_pages - 1);
	shared_info->arch.max_pfn = 0x12345;
	CHECK_EQ("maximum_gpfn.guest_value", mop(XENMEM_maximum_gpfn, &self), 0x12344);
	shared_info->arch.max_pfn = 0;
	CHECK_EQ("maximum_gpfn.dom1", mop(XENMEM_maximum_gpfn, &bad[0]), -XEN_ESRCH);
}

static void machphys_checks(void)
{
	long max_page = mop(XENMEM_maximum_ram_page, NULL);
	CHECK("maximum_ram_page", max_page > (long)start_info->nr_pages);
	CHECK_EQ("maximum_ram_page.start_extent", mop(XENMEM_maximum_ram_page | (1 << 6), NULL),
		 -XEN_EINVAL);
	CHECK("maximum_ram_page.ignores_arg", mop(XENMEM_maximum_ram_page, (void *)1) == max_page);

	static struct xen_machphys_mapping m;
	CHECK_EQ("machphys_mapping.rc", mop(XENMEM_machphys_mapping, &m), 0);
	CHECK_EQ("machphys_mapping.v_start", m.v_start, MACH2PHYS_VIRT_START);
	CHECK_EQ("machphys_mapping.v_end", m.v_end, MACH2PHYS_VIRT_END);
	CHECK("machphys_mapping.max_mfn", m.max_mfn == (unsigned long)max_page - 1);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("machphys_mapping.badptr.%s", bad_ptrs[i].name),
			 mop(XENMEM_machphys_mapping, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	CHECK_EQ("machphys_mapping.readonly", mop(XENMEM_machphys_mapping, readonly_ptr()), -XEN_EFAULT);

	/* The M2P is readable and agrees with the p2m. */
	bool ok = true;
	for (unsigned long pfn = 0; pfn < start_info->nr_pages; pfn++)
		ok &= mfn_to_pfn(p2m[pfn]) == pfn;
	CHECK("m2p.matches_p2m", ok);
}

static void memory_map_checks(void)
{
	static struct e820entry { uint64_t addr, size; uint32_t type; } __attribute__((packed)) map[128];
	struct xen_memory_map mm = { .nr_entries = 128 };
	set_xen_guest_handle(mm.buffer, map);
	CHECK_EQ("memory_map.dom0", mop(XENMEM_memory_map, &mm), -XEN_ENOSYS);

	/* machine_memory_map: a NULL buffer counts the entries. */
	struct xen_memory_map count = { .nr_entries = 0 };
	set_xen_guest_handle(count.buffer, NULL);
	CHECK_EQ("machine_memory_map.count.rc", mop(XENMEM_machine_memory_map, &count), 0);
	CHECK("machine_memory_map.count", count.nr_entries >= 1 && count.nr_entries < 128);
	mm.nr_entries = 128;
	CHECK_EQ("machine_memory_map.rc", mop(XENMEM_machine_memory_map, &mm), 0);
	CHECK_EQ("machine_memory_map.nr", mm.nr_entries, count.nr_entries);
	bool ram = false;
	for (unsigned int i = 0; i < mm.nr_entries; i++)
		ram |= map[i].type == 1 && map[i].size > 0;
	CHECK("machine_memory_map.has_ram", ram);
	mm.nr_entries = 0;
	CHECK_EQ("machine_memory_map.too_small", mop(XENMEM_machine_memory_map, &mm), -XEN_EINVAL);
	mm.nr_entries = 128;
	set_xen_guest_handle(mm.buffer, (void *)0x1000);
	CHECK_EQ("machine_memory_map.bad_buffer", mop(XENMEM_machine_memory_map, &mm), -XEN_EFAULT);
	set_xen_guest_handle(mm.buffer, (void *)0xffff830000000000UL);
	CHECK_EQ("machine_memory_map.xen_buffer", mop(XENMEM_machine_memory_map, &mm), -XEN_EFAULT);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("machine_memory_map.badptr.%s", bad_ptrs[i].name),
			 mop(XENMEM_machine_memory_map, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
}

static void unknown_checks(void)
{
	static const unsigned int ops[] = { 8, 29, 30, 40, 63 };
	char buf[64] = { 0 };
	for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++)
		CHECK_EQ(checkname("subop.%u", ops[i]), mop(ops[i], buf), -XEN_ENOSYS);
	/* Bits above the subop are a start extent, not a new subop. */
	CHECK_EQ("subop.masked", mop(0x40 | XENMEM_maximum_ram_page, NULL), -XEN_EINVAL);
}

void test_main(void)
{
	reservation_checks();
	machphys_checks();
	memory_map_checks();
	unknown_checks();
}
