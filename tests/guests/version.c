/*
 * version: HYPERVISOR_xen_version, every subop, bad subops and pointers.
 *
 * Xen 4.17 (common/kernel.c): the string subops copy a fixed-size,
 * NUL-padded array and return 0 (-EFAULT if the copy faults);
 * XENVER_pagesize returns 4096 for a NULL argument and -EINVAL otherwise;
 * get_features only knows submap 0 (-EINVAL for others) and reads the
 * argument first (-EFAULT); build_id with a NULL handle returns the size;
 * unknown subops are -ENOSYS.  The cmd is an int: high bits are ignored.
 */
#include "guest.h"

static long xv(unsigned long cmd, const void *arg)
{
	return HYPERVISOR_xen_version(cmd, arg);
}

static bool nul_terminated(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			return true;
	return false;
}

static void check_string_subop(const char *name, unsigned int cmd, size_t size)
{
	static char buf[1100];

	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(checkname("%s.rc", name), xv(cmd, buf), 0);
	CHECK(checkname("%s.nul_terminated", name), nul_terminated(buf, size));
	/* Exactly `size` bytes are written: the byte after is untouched. */
	CHECK_EQ(checkname("%s.size", name), (uint8_t)buf[size], 0x5a);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("%s.badptr.%s", name, bad_ptrs[i].name),
			 xv(cmd, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	CHECK_EQ(checkname("%s.readonly", name), xv(cmd, readonly_ptr()), -XEN_EFAULT);
	/* A buffer that ends in an unmapped page. */
	char *p = page_before_hole();
	CHECK_EQ(checkname("%s.runs_into_hole", name),
		 xv(cmd, p + PAGE_SIZE - size / 2), -XEN_EFAULT);
}

void test_main(void)
{
	long v = xv(XENVER_version, NULL);
	CHECK_EQ("version", v, 0x40011);
	CHECK_EQ("version.ignores_arg", xv(XENVER_version, (void *)0xdead), 0x40011);
	CHECK_EQ("version.cmd_high_bits", xv((1UL << 32) | XENVER_version, NULL), 0x40011);

	check_string_subop("extraversion", XENVER_extraversion, sizeof(xen_extraversion_t));
	check_string_subop("capabilities", XENVER_capabilities, sizeof(xen_capabilities_info_t));
	check_string_subop("changeset", XENVER_changeset, sizeof(xen_changeset_info_t));
	check_string_subop("commandline", XENVER_commandline, sizeof(xen_commandline_t));

	static xen_capabilities_info_t caps;
	xv(XENVER_capabilities, caps);
	CHECK("capabilities.x86_64", strncmp(caps, "xen-3.0-x86_64", 14) == 0);
	printf("capabilities: %s\n", caps);

	static xen_compile_info_t ci;
	memset(&ci, 0x5a, sizeof(ci));
	CHECK_EQ("compile_info.rc", xv(XENVER_compile_info, &ci), 0);
	CHECK("compile_info.strings", nul_terminated(ci.compiler, sizeof(ci.compiler)) &&
	      nul_terminated(ci.compile_by, sizeof(ci.compile_by)) &&
	      nul_terminated(ci.compile_domain, sizeof(ci.compile_domain)) &&
	      nul_terminated(ci.compile_date, sizeof(ci.compile_date)));
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("compile_info.badptr.%s", bad_ptrs[i].name),
			 xv(XENVER_compile_info, (void *)bad_ptrs[i].addr), -XEN_EFAULT);

	static xen_platform_parameters_t pp;
	CHECK_EQ("platform_parameters.rc", xv(XENVER_platform_parameters, &pp), 0);
	CHECK_EQ("platform_parameters.virt_start", pp.virt_start, HYPERVISOR_VIRT_START);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("platform_parameters.badptr.%s", bad_ptrs[i].name),
			 xv(XENVER_platform_parameters, (void *)bad_ptrs[i].addr), -XEN_EFAULT);

	/* Features of a 64-bit PV dom0: pae_pgdir_above_4gb (vm_assist
	 * pae_extended_cr3), preserve_ad, highmem_assist, avail_bits, dom0,
	 * memory_op_vnode_supported, direct_mapped. */
	static xen_feature_info_t fi;
	fi.submap_idx = 0;
	fi.submap = 0xdeadbeef;
	CHECK_EQ("get_features.0.rc", xv(XENVER_get_features, &fi), 0);
	CHECK_EQ("get_features.0.submap", fi.submap,
		 (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_mmu_pt_update_preserve_ad) |
		 (1u << XENFEAT_highmem_assist) | (1u << XENFEAT_gnttab_map_avail_bits) |
		 (1u << XENFEAT_dom0) | (1u << XENFEAT_memory_op_vnode_supported) |
		 (1u << XENFEAT_direct_mapped));
	fi.submap_idx = 1;
	fi.submap = 0xdeadbeef;
	CHECK_EQ("get_features.1", xv(XENVER_get_features, &fi), -XEN_EINVAL);
	CHECK_EQ("get_features.1.untouched", fi.submap, 0xdeadbeef);
	fi.submap_idx = 0xffffffff;
	CHECK_EQ("get_features.ffffffff", xv(XENVER_get_features, &fi), -XEN_EINVAL);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("get_features.badptr.%s", bad_ptrs[i].name),
			 xv(XENVER_get_features, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	/* Readable but not writable: the read succeeds (submap_idx 0 there),
	 * the write-back faults. */
	CHECK_EQ("get_features.readonly", xv(XENVER_get_features, (const char *)readonly_ptr() + 64),
		 -XEN_EFAULT);
	/* The index is checked before anything is written. */
	CHECK_EQ("get_features.readonly_bad_index", xv(XENVER_get_features, readonly_ptr()), -XEN_EINVAL);

	CHECK_EQ("pagesize", xv(XENVER_pagesize, NULL), 4096);
	CHECK_EQ("pagesize.nonnull", xv(XENVER_pagesize, &fi), -XEN_EINVAL);

	static xen_domain_handle_t h;
	memset(h, 0x5a, sizeof(h));
	CHECK_EQ("guest_handle.rc", xv(XENVER_guest_handle, h), 0);
	bool zero = true;
	for (unsigned int i = 0; i < sizeof(h); i++)
		zero &= h[i] == 0;
	CHECK("guest_handle.dom0_is_zero", zero);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("guest_handle.badptr.%s", bad_ptrs[i].name),
			 xv(XENVER_guest_handle, (void *)bad_ptrs[i].addr), -XEN_EFAULT);

	/* build_id: NULL asks for the size; len 0 is -EINVAL; too small is
	 * -ENOBUFS. */
	long sz = xv(XENVER_build_id, NULL);
	CHECK("build_id.size", sz > 0 && sz <= 64);
	static struct { xen_build_id_t h; unsigned char b[64]; } bid;
	bid.h.len = 0;
	CHECK_EQ("build_id.len0", xv(XENVER_build_id, &bid), -XEN_EINVAL);
	bid.h.len = 1;
	CHECK_EQ("build_id.too_small", xv(XENVER_build_id, &bid), -XEN_ENOBUFS);
	bid.h.len = 64;
	CHECK_EQ("build_id.ok", xv(XENVER_build_id, &bid), sz);
	CHECK_EQ("build_id.badptr", xv(XENVER_build_id, (void *)0x1000), -XEN_EFAULT);

	/* Unknown subops. */
	CHECK_EQ("cmd.11", xv(11, &fi), -XEN_ENOSYS);
	CHECK_EQ("cmd.12", xv(12, &fi), -XEN_ENOSYS);
	CHECK_EQ("cmd.100", xv(100, &fi), -XEN_ENOSYS);
	CHECK_EQ("cmd.-1", xv(0xffffffffUL, &fi), -XEN_ENOSYS);
	CHECK_EQ("cmd.0x80000000", xv(0x80000000UL, &fi), -XEN_ENOSYS);
}
