/*
 * PIT channel 2 and port 0x61 the way Linux's TSC calibration
 * (quick_pit_calibrate) uses them: the gate on with the speaker off,
 * channel 2 in mode 0 counting down from 0xffff, read LSB then MSB.
 * Needs a virtual IOPL of 1 or more.
 */
#include "guest.h"

unsigned int pit2_read(void)
{
	unsigned int lo = io_in(0x42);
	return lo | (unsigned int)io_in(0x42) << 8;
}

static unsigned long pit2_ticks(uint64_t ns)
{
	return ns * 1193182 / 1000000000;
}

/* Start channel 2 and read it twice, ns of system time apart. */
void pit2_count_down(uint64_t ns, struct pit2_count *c)
{
	io_out(0x61, (uint8_t)((io_in(0x61) & ~0x02) | 0x01));     /* gate on, speaker off */
	io_out(0x43, 0xb0);                                      /* ch2, LSB+MSB, mode 0 */
	io_out(0x42, 0xff);
	io_out(0x42, 0xff);
	uint64_t t0 = xen_system_time();
	c->first = pit2_read();
	uint64_t t1 = xen_system_time();
	while (xen_system_time() - t1 < ns)
		;
	uint64_t t2 = xen_system_time();
	c->last = pit2_read();
	uint64_t t3 = xen_system_time();
	c->want_lo = pit2_ticks(t2 - t1);
	c->want_hi = pit2_ticks(t3 - t0);
	c->got = (c->first - c->last) & 0xffff;
}

bool pit2_rate_ok(const struct pit2_count *c)
{
	return c->got * 4 > c->want_lo * 3 && c->got * 4 < c->want_hi * 5;
}
