/*
 * vmassist: HYPERVISOR_vm_assist(cmd, type).
 *
 * Xen 4.17 (common/domain.c do_vm_assist): the type is checked first
 * against the arch's valid mask (64-bit PV: 0-5 and m2p_strict 32), so an
 * unknown type is -EINVAL whatever the cmd; then enable/disable return 0
 * and any other cmd is -ENOSYS.  Both arguments are unsigned ints.
 *
 * architectural_iopl (Xen 4.17 iopl_ok, iret.c, create_bounce_frame): with
 * it the kernel counts as ring 0 for port I/O (always allowed, whatever
 * the virtual IOPL), the virtual IOPL shows in the RFLAGS of exception
 * frames and the iret hypercall loads it from the frame's RFLAGS; without
 * it the kernel is ring 1 (needs IOPL >= 1), frames show IOPL 0 and iret
 * leaves it alone (only PHYSDEVOP_set_iopl sets it).
 */
#include "guest.h"

static long va(unsigned long cmd, unsigned long type)
{
	return HYPERVISOR_vm_assist(cmd, type);
}

/* ud2 hook: note the frame's IOPL, return with `iret_iopl` in its RFLAGS. */
static uint64_t seen_iopl, iret_iopl;

static bool ud_hook(struct trap_frame *tf)
{
	seen_iopl = tf->rflags & 0x3000;
	tf->rflags = (tf->rflags & ~0x3000UL) | iret_iopl;
	tf->rip += 2;
	return true;
}

static uint64_t ud_frame_iopl(uint64_t set_on_iret)
{
	seen_iopl = ~0UL;
	iret_iopl = set_on_iret;
	asm volatile("ud2" ::: "memory");
	return seen_iopl;
}

static long in_port_trap(void)
{
	uint8_t al = 0;

	expect_trap(TRAP_ANY);
	asm volatile(PROBE("inb %%dx, %%al") : "+a"(al) : "d"(0x3f8));
	long seen = trap_seen();
	expect_trap(-1);
	return seen;
}

static void set_iopl(unsigned int iopl)
{
	struct physdev_set_iopl io = { .iopl = iopl };

	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &io);
}

static void architectural_iopl(void)
{
	set_trap_hook(6, ud_hook);
	va(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
	set_iopl(0);
	CHECK_EQ("aiopl.off.iopl0.in", in_port_trap(), 13);
	set_iopl(1);
	CHECK_EQ("aiopl.off.iopl1.in", in_port_trap(), -1);
	CHECK_EQ("aiopl.off.frame", ud_frame_iopl(0x3000), 0);
	set_iopl(0);
	CHECK_EQ("aiopl.off.iret_ignored", ud_frame_iopl(0x3000), 0);
	CHECK_EQ("aiopl.off.iret_ignored.in", in_port_trap(), 13);

	CHECK_EQ("aiopl.enable", va(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0);
	CHECK_EQ("aiopl.on.iopl0.in", in_port_trap(), -1);
	set_iopl(1);
	CHECK_EQ("aiopl.on.frame.set_iopl1", ud_frame_iopl(0x3000), 0x1000);
	CHECK_EQ("aiopl.on.frame.iret3", ud_frame_iopl(0x2000), 0x3000);
	CHECK_EQ("aiopl.on.frame.iret2", ud_frame_iopl(0), 0x2000);
	CHECK_EQ("aiopl.on.frame.iret0", ud_frame_iopl(0), 0);
	CHECK_EQ("aiopl.on.iopl0.in_again", in_port_trap(), -1);

	/* off again: the IOPL the last iret loaded (0) is what counts */
	va(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl);
	CHECK_EQ("aiopl.off_again.in", in_port_trap(), 13);
	set_iopl(0);
	set_trap_hook(6, NULL);
}

void test_main(void)
{
	architectural_iopl();

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
