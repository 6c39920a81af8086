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
 *  - exchange (memory_exchange()): the input frames must be the caller's
 *    and referenced by nothing but their allocation (steal_page), else the
 *    chunk is -EINVAL with nothing changed; sizes must match (-EINVAL);
 *    nr_exchanged > nr_extents is -EINVAL; orders above 9 need I/O caps;
 *    no frame below address_bits is -ENOMEM; nr_exchanged on entry skips
 *    that many input extents and on return counts the exchanged ones; the
 *    new frames get the asked-for PFNs in the M2P, their MFNs come back in
 *    out.extent_start, and they are naturally aligned and zeroed.
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

/* Exchange helpers: frames at the top of our memory are unmapped (beyond
 * the boot region), so nothing but their allocation references them. */
static xen_pfn_t ex_in[8], ex_out[8];

static long exchange(unsigned long nr_in, unsigned int in_order, unsigned long nr_out,
		     unsigned int out_order, unsigned int address_bits, xen_ulong_t *nr_done)
{
	struct xen_memory_exchange x = {
		.in = { .nr_extents = nr_in, .extent_order = in_order, .domid = DOMID_SELF },
		.out = { .nr_extents = nr_out, .extent_order = out_order, .domid = DOMID_SELF,
			 .mem_flags = address_bits },
		.nr_exchanged = nr_done ? *nr_done : 0,
	};
	set_xen_guest_handle(x.in.extent_start, ex_in);
	set_xen_guest_handle(x.out.extent_start, ex_out);
	long rc = mop(XENMEM_exchange, &x);
	if (nr_done)
		*nr_done = x.nr_exchanged;
	return rc;
}

static void exchange_checks(void)
{
	domid_t self = DOMID_SELF;
	unsigned long top = start_info->nr_pages, base = (top - 16) & ~3UL;
	long pages = mop(XENMEM_current_reservation, &self);
	xen_ulong_t done;

	/* Four single frames for one naturally aligned run of four below 4 GiB. */
	for (unsigned int i = 0; i < 4; i++)
		ex_in[i] = p2m[base + i];
	ex_out[0] = base;
	done = 0;
	CHECK_EQ("exchange.4x0_to_1x2.rc", exchange(4, 0, 1, 2, 32, &done), 0);
	CHECK_EQ("exchange.4x0_to_1x2.nr_exchanged", done, 4);
	unsigned long run = ex_out[0];
	CHECK_EQ("exchange.4x0_to_1x2.aligned", run & 3, 0);
	CHECK("exchange.4x0_to_1x2.below_4g", run + 4 <= (1UL << 20));
	bool m2p_ok = true, fresh = true;
	for (unsigned int i = 0; i < 4; i++) {
		m2p_ok &= mfn_to_pfn(run + i) == base + i;
		fresh &= run + i != ex_in[0] && run + i != ex_in[1] && run + i != ex_in[2] && run + i != ex_in[3];
		p2m[base + i] = run + i;
	}
	CHECK("exchange.4x0_to_1x2.m2p", m2p_ok);
	CHECK("exchange.4x0_to_1x2.new_frames", fresh);
	CHECK_EQ("exchange.4x0_to_1x2.reservation", mop(XENMEM_current_reservation, &self), pages);

	/* The new frames are ours and zeroed: map one and look. */
	static char window[4096] PAGE_ALIGNED;
	uint64_t old = l1e_of(window);
	CHECK_EQ("exchange.map_new", HYPERVISOR_update_va_mapping((unsigned long)window,
		 ((run + 1) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	bool zero = true;
	for (unsigned int i = 0; i < 4096; i++)
		zero &= window[i] == 0;
	CHECK("exchange.new_zeroed", zero);
	window[0] = 1;
	CHECK_EQ("exchange.unmap_new", HYPERVISOR_update_va_mapping((unsigned long)window, old, UVMF_INVLPG), 0);

	/* And back: the run of four for four single frames. */
	ex_in[0] = run;
	for (unsigned int i = 0; i < 4; i++)
		ex_out[i] = base + i;
	done = 0;
	CHECK_EQ("exchange.1x2_to_4x0.rc", exchange(1, 2, 4, 0, 0, &done), 0);
	CHECK_EQ("exchange.1x2_to_4x0.nr_exchanged", done, 1);
	m2p_ok = true;
	for (unsigned int i = 0; i < 4; i++) {
		m2p_ok &= mfn_to_pfn(ex_out[i]) == base + i;
		p2m[base + i] = ex_out[i];
	}
	CHECK("exchange.1x2_to_4x0.m2p", m2p_ok);
	/* nr_exchanged on entry skips input extents: only the last two go. */
	for (unsigned int i = 0; i < 4; i++)
		ex_in[i] = p2m[base + i], ex_out[i] = base + i;
	done = 2;
	CHECK_EQ("exchange.resume.rc", exchange(4, 0, 4, 0, 0, &done), 0);
	CHECK_EQ("exchange.resume.nr_exchanged", done, 4);
	CHECK("exchange.resume.first_kept", mfn_to_pfn(ex_in[0]) == base && mfn_to_pfn(ex_in[1]) == base + 1);
	m2p_ok = true;
	for (unsigned int i = 2; i < 4; i++) {
		m2p_ok &= ex_out[i] != ex_in[i] && mfn_to_pfn(ex_out[i]) == base + i;
		p2m[base + i] = ex_out[i];
	}
	CHECK("exchange.resume.m2p", m2p_ok);
	CHECK_EQ("exchange.reservation_after", mop(XENMEM_current_reservation, &self), pages);

	/* Hostile inputs: each refused, nothing lost. */
	ex_in[0] = p2m[base];
	ex_in[1] = va_to_mfn(window);            /* mapped: more than its allocation holds it */
	ex_out[0] = base;
	done = 0;
	CHECK_EQ("exchange.mapped_frame", exchange(2, 0, 1, 1, 0, &done), -XEN_EINVAL);
	CHECK_EQ("exchange.mapped_frame.nr_exchanged", done, 0);
	ex_in[1] = ex_in[0];                     /* the same frame twice */
	CHECK_EQ("exchange.duplicate", exchange(2, 0, 1, 1, 0, &done), -XEN_EINVAL);
	ex_in[1] = xen_owned_mfn();              /* not ours */
	CHECK_EQ("exchange.foreign_frame", exchange(2, 0, 1, 1, 0, &done), -XEN_EINVAL);
	ex_in[1] = p2m[base + 1];
	CHECK_EQ("exchange.size_mismatch", exchange(3, 0, 1, 1, 0, &done), -XEN_EINVAL);
	CHECK_EQ("exchange.no_low_frames", exchange(2, 0, 1, 1, 12, &done), -XEN_ENOMEM);
	CHECK_EQ("exchange.no_low_frames.nr_exchanged", done, 0);
	done = 3;
	CHECK_EQ("exchange.nr_exchanged_beyond", exchange(2, 0, 2, 0, 0, &done), -XEN_EINVAL);
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .domid = 0 },
	};
	set_xen_guest_handle(x.in.extent_start, ex_in);
	set_xen_guest_handle(x.out.extent_start, ex_out);
	CHECK_EQ("exchange.domid_mismatch", mop(XENMEM_exchange, &x), -XEN_EINVAL);
	x.in.domid = x.out.domid = 5;            /* no such domain */
	CHECK_EQ("exchange.other_domain", mop(XENMEM_exchange, &x), -XEN_ESRCH);
	x.in.domid = DOMID_SELF;
	x.out.domid = DOMID_SELF;
	set_xen_guest_handle(x.in.extent_start, (xen_pfn_t *)0x1000);
	CHECK_EQ("exchange.bad_in_list", mop(XENMEM_exchange, &x), -XEN_EFAULT);
	CHECK_EQ("exchange.bad_in_list.nr_exchanged", x.nr_exchanged, 0);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("exchange.badptr.%s", bad_ptrs[i].name),
			 mop(XENMEM_exchange, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	/* Give one frame back, then ask for it again with address_bits: none
	 * fits below 4 KiB; one comes below 4 GiB. */
	xen_pfn_t one = p2m[base - 1];
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, &one);
	CHECK_EQ("reservation.decrease", mop(XENMEM_decrease_reservation, &r), 1);
	r.mem_flags = 12;
	CHECK_EQ("reservation.increase.no_low_frame", mop(XENMEM_increase_reservation, &r), 0);
	r.mem_flags = 32;
	CHECK_EQ("reservation.increase.below_4g", mop(XENMEM_increase_reservation, &r), 1);
	CHECK("reservation.increase.below_4g.mfn", one < (1UL << 20));
	p2m[base - 1] = one;
	bool kept = true;
	for (unsigned int i = 0; i < 4; i++)
		kept &= mfn_to_pfn(p2m[base + i]) == base + i;
	CHECK("exchange.refused_kept_frames", kept);
	CHECK_EQ("exchange.reservation_end", mop(XENMEM_current_reservation, &self), pages);
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
	exchange_checks();
	unknown_checks();
}
