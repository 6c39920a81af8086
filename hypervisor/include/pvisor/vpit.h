/*
 * The virtual PIT channel 2 and port 0x61 Xen gives a PV hardware domain
 * and a domU created with XEN_X86_EMU_PIT (its pv_pit_handler; libxl asks
 * for none for PV domUs): the real PIT belongs to the hypervisor, but
 * Linux's TSC calibration (quick_pit_calibrate, pit_calibrate_tsc) and the
 * PC-speaker gate expect channel 2 to count. Without it every read of
 * port 0x42 returns 0xff and Linux spins through its 50 000-iteration
 * wait for the MSB to change, each read a trapped instruction.
 *
 * Pure: time comes in as nanoseconds, so host tests can drive it.
 */
#ifndef PVISOR_VPIT_H
#define PVISOR_VPIT_H
#include <pvisor/types.h>

#define VPIT_HZ 1193182u

struct vpit2 {
    u64 start_ns;       /* when the counter last (re)started from `count` */
    u32 count;          /* initial count, 1..65536 */
    u16 frozen;         /* value while the gate is low */
    u16 latch;          /* latched value */
    u8 mode;            /* 0..5 */
    u8 rw;              /* 1 LSB, 2 MSB, 3 LSB then MSB */
    u8 gate;            /* port 0x61 bit 0 */
    u8 speaker;         /* port 0x61 bit 1 */
    u8 latched;         /* bytes of the latch still to read (0, 1 or 2) */
    u8 read_msb;        /* LSB-then-MSB flip-flops */
    u8 write_msb;
    u8 write_lsb;       /* LSB written, waiting for the MSB */
    u8 loaded;          /* a count has been written since the last mode set */
};

void vpit2_init(struct vpit2 *p);
/* Ports 0x42, 0x43 and 0x61 (1-byte accesses); false for any other port. */
bool vpit2_read(struct vpit2 *p, unsigned int port, u64 now_ns, u8 *val);
bool vpit2_write(struct vpit2 *p, unsigned int port, u64 now_ns, u8 val);
#endif
