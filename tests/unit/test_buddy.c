/* Unit tests: the buddy allocator (common/buddy.c) over a fake frame table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/buddy.h>

#define NFRAMES (1u << 20)   /* 4 GiB worth of frames */
static struct frame *ft;
static struct buddy b;

static int setup(void **state)
{
    (void)state;
    ft = calloc(NFRAMES, sizeof(*ft));
    buddy_init(&b, ft, NFRAMES);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ft);
    return 0;
}

static void test_add_coalesces(void **state)
{
    (void)state;
    buddy_add_range(&b, 256, 1024 - 256);       /* 1 MiB..4 MiB in frames */
    buddy_add_range(&b, 1024, 1024);
    assert_int_equal(b.free_pages, 2048 - 256);
    assert_int_equal(buddy_check(&b), 0);
    /* 1024..2048 must have merged into one order-10 block */
    assert_int_equal(ft[1024].order, 10);
    assert_int_equal(ft[1024].state, FRAME_FREE);
}

static void test_alloc_free_roundtrip(void **state)
{
    (void)state;
    buddy_add_range(&b, 0, 4096);
    s64 a = buddy_alloc(&b, 0);
    s64 c = buddy_alloc(&b, 3);
    assert_true(a >= 0 && c >= 0);
    assert_int_equal(c & 7, 0);                   /* naturally aligned */
    assert_int_equal(ft[a].state, FRAME_HV);
    assert_int_equal(b.free_pages, 4096 - 9);
    buddy_free(&b, a, 0);
    buddy_free(&b, c, 3);
    assert_int_equal(b.free_pages, 4096);
    assert_int_equal(buddy_check(&b), 0);
    assert_int_equal(ft[0].order, 12);            /* fully merged again */
}

static void test_exhaustion(void **state)
{
    (void)state;
    buddy_add_range(&b, 100, 3);
    assert_true(buddy_alloc(&b, 0) >= 0);
    assert_true(buddy_alloc(&b, 1) >= 0);
    assert_int_equal(buddy_alloc(&b, 0), -1);
    assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), -1);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_alloc_below(void **state)
{
    (void)state;
    buddy_add_range(&b, 0, 1u << 19);
    s64 m = buddy_alloc_below(&b, 4, 0x100);
    assert_true(m >= 0 && m + 16 <= 0x100);
    assert_int_equal(buddy_alloc_below(&b, 10, 0x100), -1);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_range_edge_at_table_end(void **state)
{
    (void)state;
    buddy_add_range(&b, NFRAMES - 5, 100);        /* clipped to the table */
    assert_int_equal(b.free_pages, 5);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_random_churn(void **state)
{
    enum { SLOTS = 512 };
    s64 mfn[SLOTS];
    unsigned ord[SLOTS];
    (void)state;
    srand(7);
    buddy_add_range(&b, 3, 65536 - 3);            /* odd start: many block sizes */
    for (int i = 0; i < SLOTS; i++)
        mfn[i] = -1;
    for (int it = 0; it < 20000; it++) {
        int i = rand() % SLOTS;
        if (mfn[i] >= 0) {
            buddy_free(&b, mfn[i], ord[i]);
            mfn[i] = -1;
        } else {
            ord[i] = rand() % 8;
            mfn[i] = buddy_alloc(&b, ord[i]);
            if (mfn[i] >= 0) {
                assert_int_equal(mfn[i] & ((1 << ord[i]) - 1), 0);
                for (unsigned k = 0; k < (1u << ord[i]); k++)
                    assert_int_equal(ft[mfn[i] + k].state, FRAME_HV);
            }
        }
        if (it % 1000 == 0)
            assert_int_equal(buddy_check(&b), 0);
    }
    for (int i = 0; i < SLOTS; i++)
        if (mfn[i] >= 0)
            buddy_free(&b, mfn[i], ord[i]);
    assert_int_equal(b.free_pages, 65536 - 3);
    assert_int_equal(buddy_check(&b), 0);
}

static void test_check_detects_corruption(void **state)
{
    (void)state;
    buddy_add_range(&b, 0, 64);
    ft[5].state = FRAME_HV;                       /* frame inside a free block */
    assert_true(buddy_check(&b) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_coalesces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_free_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_below, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_edge_at_table_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_churn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_detects_corruption, setup, teardown),
    };
    return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
