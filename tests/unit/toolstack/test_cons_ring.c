/*
 * The console ring with a hostile guest's indexes: pvconsoled must never
 * copy from or to outside `out`/`in` (the page is a heap block of exactly
 * the interface's size, so ASan sees any stray byte), never take more
 * than the ring holds, and leave the indexes alone when they are
 * impossible.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cons_ring.h"

#define OUT_SIZE 2048u
#define IN_SIZE 1024u

static int setup(void **state)
{
	struct xencons_interface *intf = malloc(sizeof(*intf));

	memset(intf, 0, sizeof(*intf));
	*state = intf;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_read_simple(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];

	memcpy(intf->out, "hello", 5);
	intf->out_prod = 5;
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(intf->out_cons, 5);
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), 0);
}

static void test_read_wraps_index_and_array(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];
	uint32_t start = 0xfffffffeu;       /* indexes wrap at 2^32 */

	intf->out_cons = start;
	intf->out_prod = start + 4;
	intf->out[OUT_SIZE - 2] = 'a';
	intf->out[OUT_SIZE - 1] = 'b';
	intf->out[0] = 'c';
	intf->out[1] = 'd';
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(intf->out_cons, 2);
}

static void test_read_full_ring(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];

	memset(intf->out, 'x', OUT_SIZE);
	intf->out_cons = 100;
	intf->out_prod = 100 + OUT_SIZE;
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), OUT_SIZE);
	assert_int_equal(intf->out_cons, 100 + OUT_SIZE);
}

static void test_read_prod_too_far_is_bad(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];

	memset(buf, 0x55, sizeof(buf));
	intf->out_cons = 7;
	intf->out_prod = 7 + OUT_SIZE + 1;
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), CONS_RING_BAD);
	assert_int_equal(intf->out_cons, 7);         /* untouched */
	assert_int_equal((unsigned char)buf[0], 0x55);
}

static void test_read_prod_behind_cons_is_bad(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];

	intf->out_cons = 1000;
	intf->out_prod = 999;                        /* distance 2^32 - 1 */
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), CONS_RING_BAD);
	intf->out_cons = 0xffffffffu;
	intf->out_prod = 0x7fffffffu;
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), CONS_RING_BAD);
	assert_int_equal(intf->out_cons, 0xffffffffu);
}

static void test_read_huge_indexes_stay_masked(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[OUT_SIZE];
	uint32_t cons = 0xffffff00u;
	int i;

	/* many starting points around the wrap, a full ring each: ASan sees
	 * any index not masked */
	for (i = 0; i < 64; i++, cons += 0x33) {
		intf->out_cons = cons;
		intf->out_prod = cons + OUT_SIZE;
		assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), OUT_SIZE);
	}
}

static void test_read_respects_max(void **state)
{
	struct xencons_interface *intf = *state;
	char buf[16];

	intf->out_prod = 1500;
	assert_int_equal(cons_ring_read_out(intf, buf, sizeof(buf)), 16);
	assert_int_equal(intf->out_cons, 16);
	assert_int_equal(cons_ring_read_out(intf, buf, 0), 0);
	assert_int_equal(intf->out_cons, 16);
}

static void test_write_in(void **state)
{
	struct xencons_interface *intf = *state;

	assert_int_equal(cons_ring_in_space(intf), IN_SIZE);
	assert_int_equal(cons_ring_write_in(intf, "ls\n", 3), 3);
	assert_memory_equal(intf->in, "ls\n", 3);
	assert_int_equal(intf->in_prod, 3);
	assert_int_equal(cons_ring_in_space(intf), IN_SIZE - 3);
}

static void test_write_in_stops_when_full(void **state)
{
	struct xencons_interface *intf = *state;
	char big[2 * IN_SIZE];

	memset(big, 'y', sizeof(big));
	intf->in_cons = 0xfffffff0u;
	intf->in_prod = 0xfffffff0u;
	assert_int_equal(cons_ring_write_in(intf, big, sizeof(big)), IN_SIZE);
	assert_int_equal(intf->in_prod, 0xfffffff0u + IN_SIZE);
	assert_int_equal(cons_ring_in_space(intf), 0);
	assert_int_equal(cons_ring_write_in(intf, big, 1), 0);
}

static void test_write_in_bad_indexes(void **state)
{
	struct xencons_interface *intf = *state;

	intf->in_cons = 10;
	intf->in_prod = 10 + IN_SIZE + 1;           /* guest claims more than the ring */
	assert_int_equal(cons_ring_in_space(intf), 0);
	assert_int_equal(cons_ring_write_in(intf, "x", 1), CONS_RING_BAD);
	assert_int_equal(intf->in_prod, 10 + IN_SIZE + 1);
	intf->in_cons = 11;
	intf->in_prod = 10;                          /* consumer ahead of producer */
	assert_int_equal(cons_ring_in_space(intf), 0);
	assert_int_equal(cons_ring_write_in(intf, "x", 1), CONS_RING_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_simple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_wraps_index_and_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_full_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_prod_too_far_is_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_prod_behind_cons_is_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_huge_indexes_stay_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_respects_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_in_stops_when_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_in_bad_indexes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
