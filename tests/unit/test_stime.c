/* Unit tests: system-time arithmetic and the guest timer rules
 * (include/pvisor/stime.h) at the edges: 0, 1, INT64_MAX, negative, the
 * past. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pvisor/stime.h>

#define MS 1000000LL

static void add_saturates(void **state)
{
    (void)state;
    assert_int_equal(stime_add(1, 2), 3);
    assert_int_equal(stime_add(0, STIME_MAX), STIME_MAX);
    assert_int_equal(stime_add(1, STIME_MAX), STIME_MAX);
    assert_int_equal(stime_add(STIME_MAX, STIME_MAX), STIME_MAX);
    assert_int_equal(stime_add(STIME_MAX, 1), STIME_MAX);
    assert_int_equal(stime_add(STIME_MAX - 1, 1), STIME_MAX);
    assert_int_equal(stime_add(-1, STIME_MAX), STIME_MAX - 1);
    assert_int_equal(stime_add(STIME_MIN, -1), STIME_MIN);
    assert_int_equal(stime_add(STIME_MIN, STIME_MIN), STIME_MIN);
    assert_int_equal(stime_add(STIME_MIN, STIME_MAX), -1);
    assert_int_equal(stime_add(STIME_MAX / 2, STIME_DELTA_MAX), STIME_MAX - 1);
}

static void until_never_negative(void **state)
{
    (void)state;
    assert_int_equal(stime_until(10, 3), 7);
    assert_int_equal(stime_until(3, 3), 0);
    assert_int_equal(stime_until(3, 10), 0);
    assert_int_equal(stime_until(STIME_MIN, 10), 0);
    assert_int_equal(stime_until(STIME_MIN, STIME_MAX), 0);
    assert_true(stime_until(STIME_MAX, 0) == (uint64_t)STIME_MAX);
    assert_true(stime_until(STIME_MAX, STIME_MIN) == UINT64_MAX);
}

/* The next tick is after now for every period the hypercall accepts, from
 * every last-tick time, including a far-future one. */
static void periodic_next_is_future(void **state)
{
    (void)state;
    const s_time_t periods[] = { MS, 10 * MS, STIME_DELTA_MAX };
    const s_time_t nows[] = { 0, 1, 5 * MS, STIME_MAX / 2, STIME_MAX - 1 };
    const s_time_t lasts[] = { 0, 1, STIME_MAX / 2, STIME_MAX - 1, STIME_MAX };

    for (unsigned p = 0; p < 3; p++)
        for (unsigned n = 0; n < 5; n++)
            for (unsigned l = 0; l < 5; l++) {
                s_time_t last = lasts[l];
                bool tick;
                s_time_t next = periodic_next(&last, periods[p], nows[n], &tick);
                assert_true(next > nows[n] || next == STIME_MAX);
                assert_true(tick == (stime_add(lasts[l], periods[p]) <= nows[n]));
                assert_true(last == (tick ? nows[n] : lasts[l]));
            }
}

static void periodic_ticks(void **state)
{
    (void)state;
    s_time_t last = 0;
    bool tick;

    /* First call after 20 ms: tick, next in 10 ms. */
    assert_int_equal(periodic_next(&last, 10 * MS, 20 * MS, &tick), 30 * MS);
    assert_true(tick);
    /* Early (the timer fired in time): no second tick. */
    assert_int_equal(periodic_next(&last, 10 * MS, 25 * MS, &tick), 30 * MS);
    assert_false(tick);
    /* The largest period: no tick for 146 years, no overflow. */
    last = 5 * MS;
    assert_int_equal(periodic_next(&last, STIME_DELTA_MAX, 6 * MS, &tick), 5 * MS + STIME_DELTA_MAX);
    assert_false(tick);
}

static void set_timer_op_wraps(void **state)
{
    (void)state;
    const s_time_t now = 1000 * MS;

    assert_false(set_timer_op_is_wrapped(1, now));
    assert_false(set_timer_op_is_wrapped(now - 1, now));
    assert_false(set_timer_op_is_wrapped(now, now));
    assert_false(set_timer_op_is_wrapped(now + 1, now));
    assert_false(set_timer_op_is_wrapped(now + (1LL << 50) - 1, now));
    assert_true(set_timer_op_is_wrapped(now + (1LL << 50), now));
    assert_true(set_timer_op_is_wrapped(STIME_MAX, now));
    assert_true(set_timer_op_is_wrapped(STIME_MAX, 0));
    assert_true(set_timer_op_is_wrapped(-1, now));
    assert_true(set_timer_op_is_wrapped(STIME_MIN, now));
    /* Late in uptime a far deadline is still relative to now. */
    assert_false(set_timer_op_is_wrapped(STIME_MAX, STIME_MAX - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_saturates),
        cmocka_unit_test(until_never_negative),
        cmocka_unit_test(periodic_next_is_future),
        cmocka_unit_test(periodic_ticks),
        cmocka_unit_test(set_timer_op_wraps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
