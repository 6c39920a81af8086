/* Unit tests: dom0's virtual PIT channel 2 (arch/x86/pv/vpit.c), driven
 * the way Linux's TSC calibration and speaker code drive it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pvisor/vpit.h>

#define US(n) ((uint64_t)(n) * 1000u)
#define MS(n) ((uint64_t)(n) * 1000000u)

static uint8_t rd(struct vpit2 *p, unsigned port, uint64_t now)
{
    uint8_t v = 0;
    assert_true(vpit2_read(p, port, now, &v));
    return v;
}

static void wr(struct vpit2 *p, unsigned port, uint64_t now, uint8_t v)
{
    assert_true(vpit2_write(p, port, now, v));
}

static unsigned rd16(struct vpit2 *p, uint64_t now)
{
    unsigned lo = rd(p, 0x42, now);
    return lo | (unsigned)rd(p, 0x42, now) << 8;
}

/* quick_pit_calibrate's setup: gate high, speaker off, mode 0, 0xffff. */
static void setup_mode0(struct vpit2 *p, uint64_t t0)
{
    vpit2_init(p);
    wr(p, 0x61, t0, (uint8_t)((rd(p, 0x61, t0) & ~0x02) | 0x01));
    wr(p, 0x43, t0, 0xb0);
    wr(p, 0x42, t0, 0xff);
    wr(p, 0x42, t0, 0xff);
}

static void test_mode0_counts_down_at_pit_rate(void **state)
{
    struct vpit2 p;
    uint64_t t0 = 123456789;
    (void)state;
    setup_mode0(&p, t0);
    assert_int_equal(rd16(&p, t0), 0xffff);
    /* 10 ms is 11931.82 ticks */
    assert_int_equal(rd16(&p, t0 + MS(10)), 0xffff - 11931);
    /* the MSB steps down about every 214.5 us, as Linux's loop expects */
    unsigned msb0 = rd16(&p, t0 + US(100)) >> 8, msb1 = rd16(&p, t0 + US(400)) >> 8;
    assert_int_equal(msb0, 0xff);
    assert_int_equal(msb1, 0xfe);
    /* OUT (port 0x61 bit 5) is low while counting, high at terminal count */
    assert_int_equal(rd(&p, 0x61, t0 + MS(1)) & 0x21, 0x01);
    assert_int_equal(rd(&p, 0x61, t0 + MS(60)) & 0x20, 0x20);
}

static void test_latch_freezes_the_value(void **state)
{
    struct vpit2 p;
    (void)state;
    setup_mode0(&p, 0);
    wr(&p, 0x43, MS(1), 0x80);                  /* latch channel 2 */
    unsigned v = rd16(&p, MS(5));
    assert_int_equal(v, 0xffff - 1193);
    assert_int_equal(rd16(&p, MS(5)), 0xffff - 5965);   /* latch consumed */
}

static void test_gate_low_pauses_mode0(void **state)
{
    struct vpit2 p;
    (void)state;
    setup_mode0(&p, 0);
    wr(&p, 0x61, MS(1), 0x00);                  /* gate low at 1193 ticks */
    assert_int_equal(rd16(&p, MS(20)), 0xffff - 1193);
    wr(&p, 0x61, MS(30), 0x01);                 /* resume */
    assert_int_equal(rd16(&p, MS(31)), 0xffff - 1193 - 1193);
}

static void test_mode2_reloads(void **state)
{
    struct vpit2 p;
    (void)state;
    vpit2_init(&p);
    wr(&p, 0x61, 0, 0x01);
    wr(&p, 0x43, 0, 0xb4);                      /* channel 2, LSB+MSB, mode 2 */
    wr(&p, 0x42, 0, 100);
    wr(&p, 0x42, 0, 0);
    for (uint64_t t = 0; t < MS(2); t += 7919) {
        unsigned v = rd16(&p, t);
        assert_true(v >= 1 && v <= 100);
    }
}

static void test_hostile_programming(void **state)
{
    struct vpit2 p;
    uint8_t v;
    (void)state;
    vpit2_init(&p);
    /* count 0 means 65536; modes 6 and 7 alias 2 and 3; no division by zero */
    wr(&p, 0x61, 0, 0x03);
    wr(&p, 0x43, 0, 0xbe);                      /* mode 7 -> 3 */
    wr(&p, 0x42, 0, 0);
    wr(&p, 0x42, 0, 0);
    assert_true(rd16(&p, MS(1)) <= 0xffff);
    /* LSB-only and MSB-only access modes */
    wr(&p, 0x43, 0, 0x90);                      /* LSB only, mode 0 */
    wr(&p, 0x42, 0, 0x80);
    assert_int_equal(rd(&p, 0x42, 0), 0x80);
    wr(&p, 0x43, 0, 0xa0);                      /* MSB only, mode 0 */
    wr(&p, 0x42, 0, 0x12);
    assert_int_equal(rd(&p, 0x42, 0), 0x12);
    /* channels 0 and 1 and the read-back command change nothing here */
    wr(&p, 0x43, 0, 0x34);
    wr(&p, 0x43, 0, 0x74);
    wr(&p, 0x43, 0, 0xc2);
    assert_int_equal(rd(&p, 0x42, 0), 0x12);
    /* the control word reads as all ones; other ports are not ours */
    assert_int_equal(rd(&p, 0x43, 0), 0xff);
    assert_false(vpit2_read(&p, 0x40, 0, &v));
    assert_false(vpit2_write(&p, 0x41, 0, 0));
    /* years of uptime neither overflow nor stop the count */
    setup_mode0(&p, UINT64_MAX / 2);
    assert_int_equal(rd16(&p, UINT64_MAX / 2 + MS(10)), 0xffff - 11931);
    /* time going backwards (another CPU's clock) reads as no time */
    assert_int_equal(rd16(&p, UINT64_MAX / 2 - MS(10)), 0xffff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode0_counts_down_at_pit_rate),
        cmocka_unit_test(test_latch_freezes_the_value),
        cmocka_unit_test(test_gate_low_pauses_mode0),
        cmocka_unit_test(test_mode2_reloads),
        cmocka_unit_test(test_hostile_programming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
