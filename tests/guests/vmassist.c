/*
 * vmassist: HYPERVISOR_vm_assist(cmd, type).
 *
 * Xen 4.17 (common/domain.c do_vm_assist): the type is checked first
 * against the arch's valid mask (64-bit PV: 0-5 and m2p_strict 32), so an
 * unknown type is -EINVAL whatever the cmd; then enable/disable return 0
 * and any other cmd is -ENOSYS.  Both arguments are unsigned ints.
 */
#include "guest.h"

static long va(unsigned long cmd, unsigned long type)
{
	return HYPERVISOR_vm_assist(cmd, type);
}

void test_main(void)
{
	static const unsigned int valid[] = {
		VMASST_TYPE_4gb_segments, VMASST_TYPE_4gb_segments_notify,
		VMASST_TYPE_writable_pagetables, VMASST_TYPE_pae_extended_cr3,
		VMASST_TYPE_architectural_iopl, VMASST_TYPE_runstate_update_flag,
		VMASST_TYPE_m2p_strict,
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(valid); i++) {
		CHECK_EQ(checkname("enable.%u", valid[i]), va(VMASST_CMD_enable, valid[i]), 0);
		CHECK_EQ(checkname("enable_again.%u", valid[i]), va(VMASST_CMD_enable, valid[i]), 0);
		CHECK_EQ(checkname("disable.%u", valid[i]), va(VMASST_CMD_disable, valid[i]), 0);
		CHECK_EQ(checkname("badcmd.%u", valid[i]), va(2, valid[i]), -XEN_ENOSYS);
	}
	static const unsigned long invalid[] = { 6, 7, 31, 33, 63, 64, 65, 0xffffffffUL };
	for (unsigned int i = 0; i < ARRAY_SIZE(invalid); i++) {
		CHECK_EQ(checkname("type.%lu.enable", invalid[i]), va(VMASST_CMD_enable, invalid[i]), -XEN_EINVAL);
		CHECK_EQ(checkname("type.%lu.badcmd", invalid[i]), va(7, invalid[i]), -XEN_EINVAL);
	}
	/* Upper halves of the registers are not part of the arguments. */
	CHECK_EQ("type.high_bits", va(VMASST_CMD_enable, (1UL << 32) | VMASST_TYPE_writable_pagetables), 0);
	CHECK_EQ("cmd.high_bits", va((1UL << 32) | VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
	CHECK_EQ("cmd.ffffffff", va(0xffffffffUL, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS);

	/* What Linux does at boot, results ignored there. */
	CHECK_EQ("linux.4gb_segments", va(VMASST_CMD_enable, VMASST_TYPE_4gb_segments), 0);
	CHECK_EQ("linux.writable_pagetables", va(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
	CHECK_EQ("linux.pae_extended_cr3", va(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3), 0);
	CHECK_EQ("linux.runstate_update_flag", va(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);

	/* pae_extended_cr3 shows in XENVER_get_features (pae_pgdir_above_4gb). */
	xen_feature_info_t fi = { .submap_idx = 0 };
	va(VMASST_CMD_disable, VMASST_TYPE_pae_extended_cr3);
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK_EQ("pae_extended_cr3.off.feature", (fi.submap >> XENFEAT_pae_pgdir_above_4gb) & 1, 0);
	va(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3);
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	CHECK_EQ("pae_extended_cr3.on.feature", (fi.submap >> XENFEAT_pae_pgdir_above_4gb) & 1, 1);
}
