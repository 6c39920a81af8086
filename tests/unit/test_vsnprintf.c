/* Unit tests: the hypervisor's vsnprintf (lib/vsnprintf.c) against glibc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

int pv_snprintf(char *buf, size_t size, const char *fmt, ...);

#define SAME(fmt, ...) do { \
        char a[256], b[256]; \
        int ra = pv_snprintf(a, sizeof(a), fmt, __VA_ARGS__); \
        int rb = snprintf(b, sizeof(b), fmt, __VA_ARGS__); \
        assert_string_equal(a, b); \
        assert_int_equal(ra, rb); \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    SAME("%d %i %u", -5, 42, 7u);
    SAME("%5d|%-5d|%05d", 42, 42, 42);
    SAME("%+d % d %+d", 3, 3, -3);
    SAME("%x %X %#x %#X %o %#o", 0xbeefu, 0xbeefu, 0x1au, 0x1au, 8u, 8u);
    SAME("%016lx", 0xffff82d040000000ul);
    SAME("%lu %ld %llu %lld", 18446744073709551615ul, -9223372036854775807l - 1,
         18446744073709551615ull, -1ll);
    SAME("%zu %zx", (size_t)123456, (size_t)0xabc);
    SAME("%hhd %hd %hhu %hu", 300, 70000, 300, 70000);
    SAME("%.3d|%.0d|%8.3d|%-8.3d|%8.3d", 7, 0, 7, 7, 7);
    SAME("%*d|%-*d|%.*d", 6, 1, 6, 1, 4, 1);
    SAME("%#.0x|%#.3o", 0u, 0u);
}

static void test_strings(void **state)
{
    (void)state;
    SAME("%s|%10s|%-10s|%.2s|%10.2s", "abc", "abc", "abc", "abc", "abc");
    SAME("%c%c%3c%-3c|", 'a', 'b', 'c', 'd');
    SAME("100%% %s", "done");
}

static void test_pointer(void **state)
{
    char a[64];
    (void)state;
    pv_snprintf(a, sizeof(a), "%p", (void *)0x1234);
    assert_string_equal(a, "0x0000000000001234");
}

static void test_truncation(void **state)
{
    char a[8];
    (void)state;
    memset(a, 'x', sizeof(a));
    assert_int_equal(pv_snprintf(a, 5, "%s", "abcdefgh"), 8);
    assert_string_equal(a, "abcd");
    assert_int_equal(a[5], 'x');
    assert_int_equal(pv_snprintf(NULL, 0, "%d", 12345), 5);
    assert_int_equal(pv_snprintf(a, 1, "%d", 12345), 5);
    assert_string_equal(a, "");
}

static void test_null_string_and_trailing_percent(void **state)
{
    char a[32];
    (void)state;
    pv_snprintf(a, sizeof(a), "%s", (char *)NULL);
    assert_string_equal(a, "(null)");
    pv_snprintf(a, sizeof(a), "abc%s", "");
    assert_string_equal(a, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_null_string_and_trailing_percent),
    };
    return cmocka_run_group_tests_name("vsnprintf", tests, NULL, NULL);
}
