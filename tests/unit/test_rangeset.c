/* Unit tests: range sets (common/rangeset.c), the boot allocator's core. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/rangeset.h>

static struct rangeset rs;

static void check_sorted_disjoint(void)
{
    for (unsigned i = 0; i < rs.n; i++) {
        assert_true(rs.r[i].start < rs.r[i].end);
        if (i)
            assert_true(rs.r[i - 1].end < rs.r[i].start);   /* touching ranges merge */
    }
}

static void test_add_merge(void **state)
{
    (void)state;
    rangeset_init(&rs);
    assert_true(rangeset_add(&rs, 100, 200));
    assert_true(rangeset_add(&rs, 300, 400));
    assert_true(rangeset_add(&rs, 200, 300));           /* bridges both */
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.r[0].start, 100);
    assert_int_equal(rs.r[0].end, 400);
    assert_true(rangeset_add(&rs, 50, 60));
    assert_true(rangeset_add(&rs, 500, 600));
    assert_true(rangeset_add(&rs, 55, 550));            /* swallows everything */
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.r[0].start, 50);
    assert_int_equal(rs.r[0].end, 600);
    assert_true(rangeset_add(&rs, 700, 700));           /* empty: no-op */
    assert_int_equal(rs.n, 1);
}

static void test_remove_split(void **state)
{
    (void)state;
    rangeset_init(&rs);
    rangeset_add(&rs, 0, 1000);
    assert_true(rangeset_remove(&rs, 100, 200));
    assert_int_equal(rs.n, 2);
    assert_true(rangeset_remove(&rs, 0, 50));
    assert_true(rangeset_remove(&rs, 900, 2000));
    assert_int_equal(rs.r[0].start, 50);
    assert_int_equal(rs.r[1].end, 900);
    assert_true(rangeset_remove(&rs, 40, 950));
    assert_int_equal(rs.n, 0);
    assert_int_equal(rangeset_total(&rs), 0);
}

static void test_contains_overlaps(void **state)
{
    (void)state;
    rangeset_init(&rs);
    rangeset_add(&rs, 0x1000, 0x3000);
    assert_true(rangeset_contains(&rs, 0x1000, 0x3000));
    assert_false(rangeset_contains(&rs, 0x1000, 0x3001));
    assert_true(rangeset_overlaps(&rs, 0x2fff, 0x4000));
    assert_false(rangeset_overlaps(&rs, 0x3000, 0x4000));
}

static void test_alloc_top(void **state)
{
    (void)state;
    rangeset_init(&rs);
    rangeset_add(&rs, 0x100000, 0x800000);
    u64 a = rangeset_alloc_top(&rs, 0x1000, 0x1000, UINT64_MAX);
    assert_int_equal(a, 0x7ff000);
    u64 b = rangeset_alloc_top(&rs, 0x200000, 0x200000, UINT64_MAX);
    assert_int_equal(b, 0x400000);                      /* aligned below the first */
    assert_false(rangeset_contains(&rs, b, b + 1));
    u64 c = rangeset_alloc_top(&rs, 0x1000, 0x1000, 0x200000);
    assert_int_equal(c, 0x1ff000);                      /* respects the limit */
    assert_int_equal(rangeset_alloc_top(&rs, 0x10000000, 0x1000, UINT64_MAX), 0);
    assert_int_equal(rangeset_alloc_top(&rs, 0x1000, 0x3000, UINT64_MAX), 0);  /* bad align */
    assert_int_equal(rangeset_alloc_top(&rs, 0, 0x1000, UINT64_MAX), 0);
    check_sorted_disjoint();
}

static void test_capacity(void **state)
{
    (void)state;
    rangeset_init(&rs);
    for (unsigned i = 0; i < RANGESET_MAX; i++)
        assert_true(rangeset_add(&rs, i * 10, i * 10 + 5));
    assert_false(rangeset_add(&rs, 100000, 100005));    /* full: refused, unchanged */
    assert_int_equal(rs.n, RANGESET_MAX);
    assert_false(rangeset_remove(&rs, 11, 12));         /* split needs a slot */
    assert_true(rangeset_contains(&rs, 10, 15));
    assert_true(rangeset_add(&rs, 4, 10));              /* merging needs no slot */
}

/* Random adds and removes against a bitmap model. */
static void test_random_against_model(void **state)
{
    enum { N = 2048 };
    static unsigned char model[N];
    (void)state;
    srand(1);
    rangeset_init(&rs);
    memset(model, 0, sizeof(model));
    for (int it = 0; it < 5000; it++) {
        u64 s = rand() % N, e = s + rand() % 64;
        bool add = rand() & 1;
        if (e > N)
            e = N;
        if (add ? rangeset_add(&rs, s, e) : rangeset_remove(&rs, s, e))
            memset(model + s, add, e - s);
        check_sorted_disjoint();
        if (it % 50 == 0) {
            u64 total = 0;
            for (u64 p = 0; p < N; p++) {
                assert_int_equal(rangeset_contains(&rs, p, p + 1), model[p]);
                total += model[p];
            }
            assert_int_equal(total, rangeset_total(&rs));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_merge),
        cmocka_unit_test(test_remove_split),
        cmocka_unit_test(test_contains_overlaps),
        cmocka_unit_test(test_alloc_top),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests_name("rangeset", tests, NULL, NULL);
}
