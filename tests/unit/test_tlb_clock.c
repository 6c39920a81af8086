/*
 * Unit tests: the TLB flush clock across its wrap (arch/x86/tlb_clock.c).
 * The bug this guards against: with a plain "CPU time > stamp: skip", a
 * CPU that last flushed just before the 32-bit clock wrapped looks newer
 * than every frame stamped after the wrap and keeps a stale translation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <cmocka.h>
#include <pvisor/tlb_clock.h>

#define FULL 0xffffffffu

static void test_tick_and_wrap(void **state)
{
    u32 clock = FULL - 1;
    bool lead;

    (void)state;
    assert_int_equal(tlb_clock_tick(&clock, FULL, &lead), FULL);
    assert_false(lead);
    assert_int_equal(tlb_clock_tick(&clock, FULL, &lead), 0);
    assert_true(lead);                                  /* this tick wrapped it */
    assert_int_equal(tlb_clock_tick(&clock, FULL, &lead), 0);
    assert_false(lead);                                 /* one leader only */
    assert_int_equal(clock, 0);                         /* frozen until restart */
    tlb_clock_restart(&clock);
    assert_int_equal(clock, 1);
    assert_int_equal(tlb_clock_tick(&clock, FULL, &lead), 2);
    assert_false(lead);
}

static void test_small_mask(void **state)
{
    u32 clock = 1;
    bool lead;
    unsigned int leads = 0;

    (void)state;
    for (int i = 0; i < 5000; i++) {
        tlb_clock_tick(&clock, 0x3ff, &lead);
        assert_true(clock <= 0x3ff);
        if (lead) {
            leads++;
            tlb_clock_restart(&clock);
        }
    }
    assert_int_equal(leads, 5000 / 0x3ff);
}

static void test_during_wrap_everyone_flushes(void **state)
{
    (void)state;
    assert_true(tlb_clock_need_flush(0, 5, 3));
    assert_true(tlb_clock_need_flush(0, FULL, 0));
    assert_true(tlb_clock_need_flush(0, 0, FULL));
}

/* Two CPUs, the clock started near the wrap, driven by the protocol. */
static void test_cpu_flushed_before_wrap(void **state)
{
    u32 clock = FULL - 16, cpu[2], stamp;
    bool lead = false;

    (void)state;
    cpu[1] = tlb_clock_tick(&clock, FULL, &lead);      /* CPU 1 flushes, then caches */
    while (!lead)
        cpu[0] = tlb_clock_tick(&clock, FULL, &lead);  /* CPU 0 flushes until the wrap */
    /* CPU 0 leads: flushes CPU 1 (whose tick records 0), then restarts */
    cpu[1] = tlb_clock_tick(&clock, FULL, &lead);
    assert_false(lead);
    assert_int_equal(cpu[1], 0);
    tlb_clock_restart(&clock);
    for (int i = 0; i < 4; i++)
        cpu[0] = tlb_clock_tick(&clock, FULL, &lead);
    stamp = clock;                                      /* a frame's last reference goes */
    for (int i = 0; i < 4; i++)
        cpu[0] = tlb_clock_tick(&clock, FULL, &lead);
    /* CPU 1 has not flushed since before the stamp: it must flush. */
    assert_true(tlb_clock_need_flush(clock, cpu[1], stamp));
    /* CPU 0 has: it need not. */
    assert_false(tlb_clock_need_flush(clock, cpu[0], stamp));
    /* Without the leader's flush CPU 1 would still say FULL - 15; the old
     * comparison (FULL - 15 > stamp: skip) is exactly the bug. */
    assert_false(tlb_clock_need_flush(clock, FULL - 15, stamp));
}

/* A stamp from the previous period: the wrap flushed every CPU since. */
static void test_stamp_before_wrap(void **state)
{
    (void)state;
    assert_false(tlb_clock_need_flush(3, 0, FULL - 8));
    assert_false(tlb_clock_need_flush(3, 2, FULL - 8));
    /* same period: ordinary comparison */
    assert_true(tlb_clock_need_flush(10, 4, 4));
    assert_true(tlb_clock_need_flush(10, 3, 4));
    assert_false(tlb_clock_need_flush(10, 5, 4));
}

/* Several CPUs ticking at once near the wrap: never two leaders. */
static u32 shared_clock;
static int leading;
static unsigned int wraps;

static void *ticker(void *arg)
{
    bool lead;

    (void)arg;
    for (int i = 0; i < 200000; i++) {
        tlb_clock_tick(&shared_clock, 0xff, &lead);
        if (lead) {
            assert_int_equal(__atomic_exchange_n(&leading, 1, __ATOMIC_SEQ_CST), 0);
            __atomic_add_fetch(&wraps, 1, __ATOMIC_SEQ_CST);
            __atomic_store_n(&leading, 0, __ATOMIC_SEQ_CST);
            tlb_clock_restart(&shared_clock);
        }
    }
    return NULL;
}

static void test_race(void **state)
{
    pthread_t t[4];

    (void)state;
    shared_clock = 0xf0;
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, ticker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_true(wraps > 0);
    assert_true(shared_clock <= 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_and_wrap),
        cmocka_unit_test(test_small_mask),
        cmocka_unit_test(test_during_wrap_everyone_flushes),
        cmocka_unit_test(test_cpu_flushed_before_wrap),
        cmocka_unit_test(test_stamp_before_wrap),
        cmocka_unit_test(test_race),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
