/*
 * The console rate limiter: a guest sending events as fast as it can is
 * served `allowance` times per period and then left masked until the
 * period ends; a quiet guest is never throttled; the deadline the loop
 * sleeps to is the period's end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cons_rate.h"

static void test_quiet_guest_never_throttled(void **state)
{
	struct cons_rate r;
	uint64_t t;

	(void)state;
	cons_rate_init(&r, 1000, 30, 200);
	for (t = 1000; t < 11000; t += 10)           /* 20 events per period */
		assert_true(cons_rate_event(&r, t));
	assert_int_equal(cons_rate_deadline(&r), UINT64_MAX);
}

static void test_flood_throttled_at_allowance(void **state)
{
	struct cons_rate r;
	int i;

	(void)state;
	cons_rate_init(&r, 0, 30, 200);
	for (i = 1; i < 30; i++)
		assert_true(cons_rate_event(&r, 5));
	assert_false(cons_rate_event(&r, 5));        /* the 30th: stays masked */
	assert_int_equal(cons_rate_deadline(&r), 200);
	assert_false(cons_rate_expired(&r, 199));
	assert_true(cons_rate_expired(&r, 200));      /* unmask once */
	assert_false(cons_rate_expired(&r, 201));
	assert_int_equal(cons_rate_deadline(&r), UINT64_MAX);
	assert_true(cons_rate_event(&r, 201));       /* a new period */
}

static void test_flood_bounded_over_time(void **state)
{
	struct cons_rate r;
	unsigned int served = 0;
	uint64_t t;

	(void)state;
	cons_rate_init(&r, 0, 30, 200);
	/* a guest that would send an event every microsecond for 10 s: the
	 * loop only serves it while unmasked */
	for (t = 0; t < 10000; t++) {
		if (r.throttled) {
			if (!cons_rate_expired(&r, t))
				continue;
		}
		served++;
		cons_rate_event(&r, t);
	}
	/* 50 periods of at most 30 events (+1 for a period boundary) */
	assert_true(served <= 50 * 30 + 1);
	assert_true(served >= 49 * 30);
}

static void test_two_consoles_independent(void **state)
{
	struct cons_rate flood, quiet;
	int i;

	(void)state;
	cons_rate_init(&flood, 0, 30, 200);
	cons_rate_init(&quiet, 0, 30, 200);
	for (i = 0; i < 100; i++)
		cons_rate_event(&flood, 1);
	assert_true(flood.throttled);
	assert_true(cons_rate_event(&quiet, 1));
	assert_false(quiet.throttled);
}

static void test_zero_settings_are_sane(void **state)
{
	struct cons_rate r;

	(void)state;
	cons_rate_init(&r, 0, 0, 0);                 /* treated as 1 event per 1 ms */
	assert_false(cons_rate_event(&r, 0));
	assert_true(cons_rate_expired(&r, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_guest_never_throttled),
		cmocka_unit_test(test_flood_throttled_at_allowance),
		cmocka_unit_test(test_flood_bounded_over_time),
		cmocka_unit_test(test_two_consoles_independent),
		cmocka_unit_test(test_zero_settings_are_sane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
