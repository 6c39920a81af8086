/* Unit tests: the lz4 decoder (common/decompress/lz4.c) against lz4(1). */
#include "decompress/fixture.h"
#include <stdlib.h>
#include <string.h>

static int dec_lz4(const void *in, size_t in_len, void *out, size_t cap, size_t *olen,
                   size_t *used, void *work, size_t wlen)
{
    (void)work;
    (void)wlen;
    return lz4_decode(in, in_len, out, cap, olen, used);
}

static const struct { enum input_kind kind; size_t len; } inputs[] = {
    { IN_EMPTY, 0 }, { IN_ONE, 1 }, { IN_TEXT, 10000 }, { IN_RANDOM, 65536 },
    { IN_REPEAT, 300000 }, { IN_X86, 200000 }, { IN_MIXED, 1536 * 1024 },
};

static void each_input(const char *cmd, bool must_detect, size_t max_len)
{
    REQUIRE_TOOL("lz4");
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct blob in;
        if (inputs[i].len > max_len)
            continue;
        in = gen_input(inputs[i].kind, inputs[i].len, 17 + (uint32_t)i);
        check_tool_case(dec_lz4, cmd, &in, must_detect);
        blob_free(&in);
    }
}

static void test_frame_default(void **st) { (void)st; each_input("lz4 -c", false, SIZE_MAX); }
static void test_frame_linked_checksums(void **st)
{
    (void)st;
    each_input("lz4 -c -BD -BX --content-size -9", true, 300000);
    each_input("lz4 -c -B4 -BX", true, 300000);
    each_input("lz4 -c -B5 -BD --no-frame-crc", false, 300000);
}
/* The frame's content size comes from the file's size (not from a pipe). */
static void test_frame_content_size(void **st)
{
    (void)st;
    each_input("cat > $PVISOR_TEST_TMP/lz4cs.in && lz4 -q -c --content-size $PVISOR_TEST_TMP/lz4cs.in", false, 300000);
}

/* Legacy frames: no checksums at all, and a cut at a block boundary looks
 * like a complete stream, so only "no crash" and exact round trips hold. */
static void check_legacy(const char *cmd, const struct blob *in)
{
    struct blob c = run_tool(cmd, in), cut;
    uint32_t b0;

    check_roundtrip(dec_lz4, in, &c);
    /* Cut inside the first block: must fail as truncated. */
    memcpy(&b0, c.data + 4, 4);
    assert_true(8 + (size_t)b0 <= c.len);
    for (size_t n = 9; n < 8 + (size_t)b0; n += b0 / 64 + 1) {
        struct blob out;
        cut.data = c.data;
        cut.len = n;
        assert_int_equal(decode_blob(dec_lz4, &cut, &out, in->len), DECOMP_ERR_TRUNCATED);
        blob_free(&out);
    }
    check_bitflips(dec_lz4, in, &c, 0, c.len, 64, false);
    blob_free(&c);
}

static void test_legacy(void **st)
{
    (void)st;
    REQUIRE_TOOL("lz4");
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct blob in = gen_input(inputs[i].kind, inputs[i].len, 27 + (uint32_t)i);
        if (in.len > 1) {   /* the empty stream is just the magic */
            check_legacy("lz4 -l -c", &in);
            check_legacy("lz4 -l -c -9", &in);
        }
        blob_free(&in);
    }
}

/* More than one 8 MiB legacy block, and truncation at each block boundary. */
static void test_legacy_multiblock(void **st)
{
    struct blob in = gen_input(IN_MIXED, 9 << 20, 5), c, out;
    uint32_t b0;
    (void)st;
    REQUIRE_TOOL("lz4");
    c = run_tool("lz4 -l -c -1", &in);
    check_roundtrip(dec_lz4, &in, &c);
    memcpy(&b0, c.data + 4, 4);
    /* Cut after the first block: a complete 8 MiB. */
    c.len = 8 + b0;
    assert_int_equal(decode_blob(dec_lz4, &c, &out, in.len), DECOMP_OK);
    assert_int_equal(out.len, 8u << 20);
    blob_free(&out);
    /* Cut inside the second block's size word: the 1-3 bytes are left over. */
    c.len = 8 + b0 + 2;
    assert_int_equal(decode_blob(dec_lz4, &c, &out, in.len), DECOMP_OK);
    assert_int_equal(out.len, 8u << 20);
    blob_free(&out);
    /* Cut inside the second block. */
    c.len = 8 + b0 + 4 + 100;
    assert_int_equal(decode_blob(dec_lz4, &c, &out, in.len), DECOMP_ERR_TRUNCATED);
    blob_free(&out);
    blob_free(&c);
    blob_free(&in);
}

static void test_multiple_frames(void **st)
{
    struct blob a = gen_input(IN_TEXT, 3000, 1), b = gen_input(IN_RANDOM, 3000, 2);
    struct blob ca, cb, cat, both;
    static const uint8_t skip[12] = { 0x5a, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };
    (void)st;
    REQUIRE_TOOL("lz4");
    ca = run_tool("lz4 -c -BX", &a);
    cb = run_tool("lz4 -l -c", &b);
    both.len = a.len + b.len;
    both.data = malloc(both.len);
    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    cat.len = ca.len + sizeof(skip) + cb.len;
    cat.data = malloc(cat.len);
    memcpy(cat.data, ca.data, ca.len);
    memcpy(cat.data + ca.len, skip, sizeof(skip));
    memcpy(cat.data + ca.len + sizeof(skip), cb.data, cb.len);
    check_roundtrip(dec_lz4, &both, &cat);
    assert_int_equal(decompress_sniff(skip, sizeof(skip)), DECOMP_FMT_UNKNOWN);
    blob_free(&a); blob_free(&b); blob_free(&ca); blob_free(&cb); blob_free(&cat); blob_free(&both);
}

static void expect_err(const struct blob *c, int want)
{
    struct blob out;
    int err = decode_blob(dec_lz4, c, &out, 1 << 20);
    if (err != want)
        fail_msg("got %d (%s), want %d", err, decompress_strerror(err), want);
    blob_free(&out);
}

static void test_precise_errors(void **st)
{
    struct blob in = gen_input(IN_TEXT, 20000, 3), c;
    uint32_t bsize;
    (void)st;
    REQUIRE_TOOL("lz4");
    c = run_tool("lz4 -c -BX -B4", &in);   /* FLG BD HC, then blocks with checksums */
    c.data[6] ^= 1;                          /* header checksum byte */
    expect_err(&c, DECOMP_ERR_HEADER_CHECK);
    c.data[6] ^= 1;
    memcpy(&bsize, c.data + 7, 4);
    bsize &= 0x7fffffff;
    c.data[7 + 4 + bsize] ^= 1;              /* block checksum */
    expect_err(&c, DECOMP_ERR_DATA_CHECK);
    c.data[7 + 4 + bsize] ^= 1;
    c.data[c.len - 1] ^= 0x40;               /* content checksum */
    expect_err(&c, DECOMP_ERR_DATA_CHECK);
    c.data[c.len - 1] ^= 0x40;
    c.data[4] |= 0x02;                       /* reserved FLG bit */
    expect_err(&c, DECOMP_ERR_CORRUPT);
    c.data[4] &= ~0x02;
    c.data[4] = (uint8_t)((c.data[4] & 0x3f) | 0x80);   /* version 2 */
    expect_err(&c, DECOMP_ERR_CORRUPT);
    blob_free(&c);

    /* A block whose size exceeds the frame's maximum. */
    {
        static uint8_t f[] = { 0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0, 0x01, 0x00, 0x01, 0x00, 0 };
        struct blob b = { f, sizeof(f) };
        f[6] = (uint8_t)(xxh32(f + 4, 2, 0) >> 8);
        expect_err(&b, DECOMP_ERR_CORRUPT);
    }
    /* Legacy: match offset before the block start, offset 0. */
    {
        static uint8_t l[] = { 0x02, 0x21, 0x4c, 0x18, 4, 0, 0, 0, 0x10, 'a', 0x05, 0x00 };
        struct blob b = { l, sizeof(l) };
        expect_err(&b, DECOMP_ERR_CORRUPT);
        l[10] = 0;
        l[11] = 0;
        expect_err(&b, DECOMP_ERR_CORRUPT);
    }
    /* Dictionary id: valid, but we have no dictionary. */
    {
        static uint8_t d[] = { 0x04, 0x22, 0x4d, 0x18, 0x61, 0x40, 1, 2, 3, 4, 0, 0, 0, 0, 0 };
        struct blob b = { d, sizeof(d) };
        d[10] = (uint8_t)(xxh32(d + 4, 6, 0) >> 8);
        expect_err(&b, DECOMP_ERR_UNSUPPORTED);
    }
    blob_free(&in);
}

static void test_xxh32_vectors(void **st)
{
    (void)st;
    assert_int_equal(xxh32("", 0, 0), 0x02cc5d05u);
    assert_int_equal(xxh32("a", 1, 0), 0x550d7456u);
    assert_int_equal(xxh32("abc", 3, 0), 0x32d153ffu);
    assert_int_equal(xxh32("Nobody inspects the spammish repetition", 39, 0), 0xe2293b2fu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_default),
        cmocka_unit_test(test_frame_linked_checksums),
        cmocka_unit_test(test_frame_content_size),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_legacy_multiblock),
        cmocka_unit_test(test_multiple_frames),
        cmocka_unit_test(test_precise_errors),
        cmocka_unit_test(test_xxh32_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
