/*
 * pitdomu: PIT channel 2 and port 0x61 as a PV domain sees them with a
 * virtual IOPL of 1 (Linux sets it at boot and then runs its TSC
 * calibration, quick_pit_calibrate, against channel 2).
 *
 * Xen 4.17 (pv_pit_handler, arch_domain_create): the domain has a virtual
 * channel 2 counting at 1.193182 MHz when it has XEN_X86_EMU_PIT - dom0
 * always, a domU when its toolstack asked in createdomain (`pit` on our
 * command line, passed by the builder); without it ports 0x42, 0x43 and
 * 0x61 read all ones and writes are dropped, so Linux spins through 50 000
 * iterations of two trapped reads waiting for the MSB to change.
 * Runs as a domU of the builder, once each way.
 */
#include "guest.h"

void test_main(void)
{
	bool vpit = (start_info->flags & SIF_INITDOMAIN) || cmdline_has("pit");
	struct physdev_set_iopl iopl = { .iopl = 1 };
	struct pit2_count pc;

	CHECK_EQ("set_iopl", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	pit2_count_down(5000000, &pc);
	if (vpit) {
		CHECK("vpit.counts_down", pc.last < pc.first);
		/* within a quarter either way: both reads are trapped and emulated */
		CHECK("vpit.rate", pit2_rate_ok(&pc));
		CHECK_EQ("vpit.port61.gate", io_in(0x61) & 0x03, 0x01);
	} else {
		CHECK_EQ("novpit.ch2_first", pc.first, 0xffff);
		CHECK_EQ("novpit.ch2_after_5ms", pc.last, 0xffff);
		CHECK_EQ("novpit.port61", io_in(0x61), 0xff);
		CHECK_EQ("novpit.port43", io_in(0x43), 0xff);
	}
	io_out(0x61, (uint8_t)(io_in(0x61) & ~0x03));
	iopl.iopl = 0;
	CHECK_EQ("iopl_back", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
}
