/* Unit tests: the zstd decoder (common/decompress/zstd*.c) against zstd(1). */
#include "decompress/fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dec_zst(const void *in, size_t in_len, void *out, size_t cap, size_t *olen,
                   size_t *used, void *work, size_t wlen)
{
    return zstd_decode(in, in_len, out, cap, olen, used, work, wlen);
}

static const struct { enum input_kind kind; size_t len; } inputs[] = {
    { IN_EMPTY, 0 }, { IN_ONE, 1 }, { IN_TEXT, 10000 }, { IN_RANDOM, 65536 },
    { IN_REPEAT, 300000 }, { IN_X86, 200000 }, { IN_MIXED, 1536 * 1024 },
};

static void each_input(const char *cmd, bool must_detect, size_t max_len)
{
    REQUIRE_TOOL("zstd");
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct blob in;
        if (inputs[i].len > max_len)
            continue;
        in = gen_input(inputs[i].kind, inputs[i].len, 47 + (uint32_t)i);
        check_tool_case(dec_zst, cmd, &in, must_detect);
        blob_free(&in);
    }
}

static void test_levels(void **st)
{
    /* One level per family of match finders (fast, dfast, greedy/lazy,
     * btlazy2, btopt, btultra2): the decoder sees each kind of sequence
     * stream; more levels only cost compression time under a loaded CI. */
    static const int levels[] = { 1, 3, 5, 9, 15, 19 };
    char cmd[64];
    (void)st;
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        snprintf(cmd, sizeof(cmd), "zstd -q -c -%d", levels[i]);
        /* the 1.5 MiB input at a few levels only: the high ones are slow to compress */
        each_input(cmd, true, levels[i] == 1 || levels[i] == 3 ? SIZE_MAX : 300000);
    }
}

static void test_options(void **st)
{
    (void)st;
    each_input("zstd -q -c --long=24 -3", true, SIZE_MAX);
    each_input("zstd -q -c --no-check -3", false, 300000);
    each_input("zstd -q -c --ultra -22", true, 70000);
    each_input("zstd -q -c --fast=5", true, 300000);
    each_input("zstd -q -c -3 --no-content-size", true, 300000);
    /* a file input records the content size and may use a single segment */
    each_input("cat > $PVISOR_TEST_TMP/z.in && zstd -q -c -3 $PVISOR_TEST_TMP/z.in", true, 300000);
    each_input("zstd -q -c -19 --zstd=wlog=10", true, 300000);
}

static void test_multiple_frames(void **st)
{
    struct blob a = gen_input(IN_TEXT, 4000, 1), b = gen_input(IN_X86, 9000, 2);
    struct blob ca, cb, cat, both;
    static const uint8_t skip[13] = { 0x50, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 9, 8, 7, 6, 5 };
    (void)st;
    REQUIRE_TOOL("zstd");
    ca = run_tool("zstd -q -c -1", &a);
    cb = run_tool("zstd -q -c -19", &b);
    both.len = a.len + b.len;
    both.data = malloc(both.len);
    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    cat.len = sizeof(skip) + ca.len + sizeof(skip) + cb.len;
    cat.data = malloc(cat.len);
    memcpy(cat.data, skip, sizeof(skip));
    memcpy(cat.data + sizeof(skip), ca.data, ca.len);
    memcpy(cat.data + sizeof(skip) + ca.len, skip, sizeof(skip));
    memcpy(cat.data + 2 * sizeof(skip) + ca.len, cb.data, cb.len);
    assert_int_equal(decompress_sniff(cat.data, cat.len), DECOMP_FMT_ZSTD);
    check_roundtrip(dec_zst, &both, &cat);
    /* Cuts inside a frame fail; cuts between frames, or inside the next
     * magic number, leave a complete stream and some trailing bytes. */
    check_cuts(dec_zst, &cat, 0, sizeof(skip), 1, DECOMP_ERR_TRUNCATED);
    check_cuts(dec_zst, &cat, sizeof(skip) + 3, sizeof(skip) + ca.len, 7, DECOMP_ERR_TRUNCATED);
    check_cuts(dec_zst, &cat, sizeof(skip) + ca.len + 3, 2 * sizeof(skip) + ca.len, 1, DECOMP_ERR_TRUNCATED);
    check_cuts(dec_zst, &cat, 2 * sizeof(skip) + ca.len + 3, cat.len, 13, DECOMP_ERR_TRUNCATED);
    blob_free(&a); blob_free(&b); blob_free(&ca); blob_free(&cb); blob_free(&cat); blob_free(&both);
}

static void expect_err(const struct blob *c, int want)
{
    struct blob out;
    int err = decode_blob(dec_zst, c, &out, 1 << 20);
    if (err != want)
        fail_msg("got %d (%s), want %d", err, decompress_strerror(err), want);
    blob_free(&out);
}

static void test_precise_errors(void **st)
{
    struct blob in = gen_input(IN_TEXT, 20000, 3), c;
    (void)st;
    REQUIRE_TOOL("zstd");
    c = run_tool("zstd -q -c -3", &in);
    c.data[c.len - 1] ^= 1;                /* content checksum */
    expect_err(&c, DECOMP_ERR_DATA_CHECK);
    c.data[c.len - 1] ^= 1;
    c.data[4] |= 0x08;                     /* reserved descriptor bit */
    expect_err(&c, DECOMP_ERR_CORRUPT);
    c.data[4] &= ~0x08;
    blob_free(&c);

    /* Content size that disagrees with the data (raw block of 3, FCS says 4). */
    {
        static uint8_t f[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 4, 0x19, 0, 0, 'a', 'b', 'c' };
        struct blob b = { f, sizeof(f) };
        expect_err(&b, DECOMP_ERR_SIZE);
        f[5] = 3;
        expect_err(&b, DECOMP_OK);
    }
    /* Reserved block type; a dictionary id; RLE block over the window. */
    {
        static uint8_t r[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, 0x1f, 0, 0, 'a', 'b', 'c' };
        struct blob b = { r, sizeof(r) };
        expect_err(&b, DECOMP_ERR_CORRUPT);
    }
    {
        static uint8_t d[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x21, 3, 7, 0x19, 0, 0, 'a', 'b', 'c' };
        struct blob b = { d, sizeof(d) };
        expect_err(&b, DECOMP_ERR_UNSUPPORTED);
    }
    {
        /* window 1 KiB, RLE block claiming 2 KiB */
        static uint8_t w[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x03, 0x40, 0x00, 'x' };
        struct blob b = { w, sizeof(w) };
        expect_err(&b, DECOMP_ERR_CORRUPT);
    }
    blob_free(&in);
}

static void test_xxh64_vectors(void **st)
{
    (void)st;
    assert_true(xxh64("", 0, 0) == 0xef46db3751d8e999ull);
    assert_true(xxh64("a", 1, 0) == 0xd24ec4f1a98c6e5bull);
    assert_true(xxh64("abc", 3, 0) == 0x44bc2cf5ad770999ull);
    assert_true(xxh64("Nobody inspects the spammish repetition", 39, 0) == 0xfbcea83c8a378bf1ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_multiple_frames),
        cmocka_unit_test(test_precise_errors),
        cmocka_unit_test(test_xxh64_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
