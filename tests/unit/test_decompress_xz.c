/* Unit tests: the xz decoder (common/decompress/xz.c, lzma2.c, bcj_x86.c) against xz(1). */
#include "decompress/fixture.h"
#include <stdlib.h>
#include <string.h>

static int dec_xz(const void *in, size_t in_len, void *out, size_t cap, size_t *olen,
                  size_t *used, void *work, size_t wlen)
{
    return xz_decode(in, in_len, out, cap, olen, used, work, wlen);
}

/* Inputs every option set is tried on. */
static const struct { enum input_kind kind; size_t len; } inputs[] = {
    { IN_EMPTY, 0 }, { IN_ONE, 1 }, { IN_TEXT, 10000 }, { IN_RANDOM, 65536 },
    { IN_REPEAT, 300000 }, { IN_X86, 200000 }, { IN_MIXED, 1536 * 1024 },
};

static void each_input(const char *cmd, bool must_detect, size_t max_len)
{
    REQUIRE_TOOL("xz");
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct blob in;
        if (inputs[i].len > max_len)
            continue;
        in = gen_input(inputs[i].kind, inputs[i].len, 7 + (uint32_t)i);
        check_tool_case(dec_xz, cmd, &in, must_detect);
        blob_free(&in);
    }
}

static void test_default_crc64(void **st) { (void)st; each_input("xz -c", true, SIZE_MAX); }
static void test_kernel_options(void **st)
{
    (void)st;
    each_input("xz -c --check=crc32 --x86 --lzma2=dict=32MiB", true, SIZE_MAX);
}
static void test_check_none(void **st) { (void)st; each_input("xz -c -0 --check=none", false, 300000); }
static void test_preset_9e(void **st) { (void)st; each_input("xz -c -9e --check=crc32", true, 70000); }
static void test_literal_props(void **st)
{
    (void)st;
    each_input("xz -c --lzma2=preset=1,lc=0,lp=4,pb=0", true, 70000);
    each_input("xz -c --lzma2=preset=2,lc=4,lp=0,pb=4", true, 70000);
    each_input("xz -c --lzma2=preset=3,lc=1,lp=3,pb=1", true, 70000);
}
static void test_delta_and_x86(void **st)
{
    (void)st;
    each_input("xz -c --delta=dist=4 --lzma2=preset=1", true, 70000);
    each_input("xz -c --x86=start=4096 --delta=dist=2 --lzma2=preset=1", true, 300000);
}
static void test_multiblock(void **st)
{
    (void)st;
    each_input("xz -c -T1 --block-size=40000 --check=crc32", true, 300000);
    each_input("xz -c -T2 --block-size=100000 --x86 --lzma2=preset=2", true, SIZE_MAX);
}

/* Uncompressible data becomes LZMA2 "stored" chunks; mixed gives both kinds. */
static void test_stored_chunks(void **st)
{
    struct blob in = gen_input(IN_RANDOM, 2200 * 1024, 99);
    (void)st;
    REQUIRE_TOOL("xz");
    check_tool_case(dec_xz, "xz -c -0", &in, true);
    blob_free(&in);
}

static struct blob xz_of(const struct blob *in, const char *cmd)
{
    return run_tool(cmd, in);
}

static void test_concatenated_and_padding(void **st)
{
    struct blob a = gen_input(IN_TEXT, 5000, 1), b = gen_input(IN_X86, 7000, 2);
    struct blob ca, cb, cat, both, out;
    (void)st;
    REQUIRE_TOOL("xz");
    ca = xz_of(&a, "xz -c");
    cb = xz_of(&b, "xz -c --x86 --lzma2 --check=crc32");
    both.len = a.len + b.len;
    both.data = malloc(both.len);
    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    /* a, 8 bytes of stream padding, b */
    cat.len = ca.len + 8 + cb.len;
    cat.data = calloc(1, cat.len);
    memcpy(cat.data, ca.data, ca.len);
    memcpy(cat.data + ca.len + 8, cb.data, cb.len);
    check_roundtrip(dec_xz, &both, &cat);
    /* Cuts inside a stream fail; a cut after one (and its padding) is complete. */
    check_cuts(dec_xz, &cat, 0, ca.len, 7, DECOMP_ERR_TRUNCATED);
    check_cuts(dec_xz, &cat, ca.len + 8 + 5, cat.len, 11, DECOMP_ERR_TRUNCATED);
    /* padding of a size that is not a multiple of four ends the data */
    cat.len = ca.len + 3 + cb.len;
    memset(cat.data + ca.len, 0, 3);
    memcpy(cat.data + ca.len + 3, cb.data, cb.len);
    assert_int_equal(decode_blob(dec_xz, &cat, &out, both.len), DECOMP_OK);
    assert_int_equal(out.len, a.len);
    blob_free(&out);
    blob_free(&a); blob_free(&b); blob_free(&ca); blob_free(&cb); blob_free(&cat); blob_free(&both);
}

/* Where the interesting fields of a one-stream file are. */
struct xz_layout { size_t index_start, index_size, check_start; };

static struct xz_layout layout(const struct blob *c, size_t check_size)
{
    struct xz_layout l;
    uint32_t bs;
    memcpy(&bs, c->data + c->len - 8, 4);
    l.index_size = ((size_t)bs + 1) * 4;
    l.index_start = c->len - 12 - l.index_size;
    l.check_start = l.index_start - check_size;
    return l;
}

static void expect_err(const struct blob *c, int want)
{
    struct blob out;
    int err = decode_blob(dec_xz, c, &out, 1 << 20);
    if (err != want)
        fail_msg("got %d (%s), want %d (%s)", err, decompress_strerror(err), want, decompress_strerror(want));
    blob_free(&out);
}

static void test_precise_errors(void **st)
{
    struct blob in = gen_input(IN_TEXT, 20000, 3), c;
    struct xz_layout l;
    uint8_t save;
    uint32_t crc;
    (void)st;
    REQUIRE_TOOL("xz");
    c = xz_of(&in, "xz -c --check=crc32");
    l = layout(&c, 4);

    c.data[9] ^= 1;                      /* stream header CRC */
    expect_err(&c, DECOMP_ERR_HEADER_CHECK);
    c.data[9] ^= 1;
    c.data[l.check_start] ^= 0x80;      /* block check */
    expect_err(&c, DECOMP_ERR_DATA_CHECK);
    c.data[l.check_start] ^= 0x80;
    c.data[l.index_start + l.index_size - 1] ^= 4;   /* index CRC */
    expect_err(&c, DECOMP_ERR_HEADER_CHECK);
    c.data[l.index_start + l.index_size - 1] ^= 4;
    c.data[c.len - 12] ^= 2;             /* footer CRC */
    expect_err(&c, DECOMP_ERR_HEADER_CHECK);
    c.data[c.len - 12] ^= 2;
    c.data[c.len - 1] = 'Q';             /* footer magic */
    expect_err(&c, DECOMP_ERR_CORRUPT);
    c.data[c.len - 1] = 'Z';
    c.data[12] ^= 0x10;                  /* block header size -> CRC mismatch */
    {
        struct blob o;
        assert_true(decode_blob(dec_xz, &c, &o, 1 << 20) < 0);
        blob_free(&o);
    }
    c.data[12] ^= 0x10;

    /* A check type we do not implement (SHA-256), with a valid header CRC. */
    save = c.data[7];
    c.data[7] = 0x0a;
    crc = crc32_update(0, c.data + 6, 2);
    memcpy(c.data + 8, &crc, 4);
    expect_err(&c, DECOMP_ERR_UNSUPPORTED);
    c.data[7] = save;
    crc = crc32_update(0, c.data + 6, 2);
    memcpy(c.data + 8, &crc, 4);

    /* Index listing a wrong uncompressed size (CRC fixed up): size error. */
    {
        size_t p = l.index_start + 2;   /* indicator, count=1, unpadded VLI... */
        while (c.data[p] & 0x80)
            p++;
        p++;                             /* now at the uncompressed size VLI */
        c.data[p] ^= 1;
        crc = crc32_update(0, c.data + l.index_start, l.index_size - 4);
        memcpy(c.data + l.index_start + l.index_size - 4, &crc, 4);
        expect_err(&c, DECOMP_ERR_SIZE);
    }
    blob_free(&c);

    c = xz_of(&in, "xz -c --check=sha256");
    expect_err(&c, DECOMP_ERR_UNSUPPORTED);
    blob_free(&c);
    c = xz_of(&in, "xz -c --arm --lzma2");
    expect_err(&c, DECOMP_ERR_UNSUPPORTED);
    blob_free(&c);
    blob_free(&in);
}

static void test_workspace_and_format(void **st)
{
    struct blob in = gen_input(IN_TEXT, 100, 3), c;
    uint8_t out[200], *work = malloc(DECOMP_WORK_MAX);
    size_t olen;
    (void)st;
    REQUIRE_TOOL("xz");
    c = xz_of(&in, "xz -c");
    assert_true(decompress_work_size(DECOMP_FMT_XZ) <= DECOMP_WORK_MAX);
    assert_int_equal(xz_decode(c.data, c.len, out, sizeof(out), &olen, NULL, work,
                               decompress_work_size(DECOMP_FMT_XZ) - 1), DECOMP_ERR_WORKSPACE);
    assert_int_equal(xz_decode(c.data, c.len, out, sizeof(out), &olen, NULL, NULL, 0), DECOMP_ERR_WORKSPACE);
    /* any alignment of the workspace works */
    assert_int_equal(xz_decode(c.data, c.len, out, sizeof(out), &olen, NULL, work + 3,
                               decompress_work_size(DECOMP_FMT_XZ)), DECOMP_OK);
    assert_int_equal(olen, 100);
    assert_int_equal(decompress_sniff(c.data, c.len), DECOMP_FMT_XZ);
    assert_int_equal(decompress(c.data, c.len, out, sizeof(out), &olen, NULL, work, DECOMP_WORK_MAX), DECOMP_OK);
    assert_int_equal(xz_decode("hello, world", 12, out, sizeof(out), &olen, NULL, work, DECOMP_WORK_MAX),
                     DECOMP_ERR_FORMAT);
    assert_int_equal(xz_decode("", 0, out, sizeof(out), &olen, NULL, work, DECOMP_WORK_MAX), DECOMP_ERR_FORMAT);
    free(work);
    blob_free(&c);
    blob_free(&in);
}

/* The filter alone, against xz's own x86 filter via a raw stream. */
static void test_bcj_raw(void **st)
{
    struct blob in = gen_input(IN_X86, 50000, 11), c;
    uint8_t *out = malloc(in.len + 8), *work = malloc(DECOMP_WORK_MAX);
    size_t olen, used;
    (void)st;
    REQUIRE_TOOL("xz");
    c = xz_of(&in, "xz -c --x86=start=123 --lzma2=preset=0");
    assert_int_equal(xz_decode(c.data, c.len, out, in.len, &olen, &used, work, DECOMP_WORK_MAX), DECOMP_OK);
    assert_memory_equal(out, in.data, in.len);
    free(out);
    free(work);
    blob_free(&c);
    blob_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_crc64),
        cmocka_unit_test(test_kernel_options),
        cmocka_unit_test(test_check_none),
        cmocka_unit_test(test_preset_9e),
        cmocka_unit_test(test_literal_props),
        cmocka_unit_test(test_delta_and_x86),
        cmocka_unit_test(test_multiblock),
        cmocka_unit_test(test_stored_chunks),
        cmocka_unit_test(test_concatenated_and_padding),
        cmocka_unit_test(test_precise_errors),
        cmocka_unit_test(test_workspace_and_format),
        cmocka_unit_test(test_bcj_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
