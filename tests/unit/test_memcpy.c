/* Unit tests: the hypervisor's memcpy/memset (lib/memcpy.c) against a byte
 * loop, over every length up to a few blocks and every alignment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

void *pv_memcpy(void *dst, const void *src, size_t n);
void *pv_memset(void *dst, int c, size_t n);

#define BUF 512
#define GUARD 16

/* The reference: this file is built with memcpy renamed to pv_memcpy too. */
static void copy_bytes(unsigned char *d, const unsigned char *s, size_t n)
{
    while (n--)
        *d++ = *s++;
}

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131 + seed * 17 + 7);
}

static void test_memcpy_all_lengths_and_alignments(void **state)
{
    static unsigned char src[BUF + 2 * GUARD], dst[BUF + 2 * GUARD], want[BUF + 2 * GUARD];
    (void)state;
    fill_pattern(src, sizeof(src), 1);
    for (size_t so = 0; so < 8; so++)
        for (size_t dof = 0; dof < 8; dof++)
            for (size_t n = 0; n <= 3 * 64 + 9; n++) {
                fill_pattern(dst, sizeof(dst), 2);
                copy_bytes(want, dst, sizeof(dst));
                for (size_t i = 0; i < n; i++)
                    want[GUARD + dof + i] = src[GUARD + so + i];
                void *r = pv_memcpy(dst + GUARD + dof, src + GUARD + so, n);
                assert_ptr_equal(r, dst + GUARD + dof);
                assert_memory_equal(dst, want, sizeof(dst));   /* and nothing outside */
            }
}

static void test_memcpy_large(void **state)
{
    enum { N = 1 << 20 };
    static unsigned char a[N + 3], b[N + 3];
    (void)state;
    fill_pattern(a, sizeof(a), 3);
    pv_memcpy(b + 3, a, N);
    assert_memory_equal(b + 3, a, N);
}

static void test_memset_all_lengths_and_alignments(void **state)
{
    static unsigned char dst[BUF + 2 * GUARD], want[BUF + 2 * GUARD];
    (void)state;
    for (size_t dof = 0; dof < 8; dof++)
        for (size_t n = 0; n <= 3 * 64 + 9; n++)
            for (int c = 0; c < 0x200; c += 0xa5) {    /* 0x00, 0xa5, 0x14a: only the low byte counts */
                fill_pattern(dst, sizeof(dst), 4);
                copy_bytes(want, dst, sizeof(dst));
                for (size_t i = 0; i < n; i++)
                    want[GUARD + dof + i] = (unsigned char)c;
                void *r = pv_memset(dst + GUARD + dof, c, n);
                assert_ptr_equal(r, dst + GUARD + dof);
                assert_memory_equal(dst, want, sizeof(dst));
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memcpy_all_lengths_and_alignments),
        cmocka_unit_test(test_memcpy_large),
        cmocka_unit_test(test_memset_all_lengths_and_alignments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
