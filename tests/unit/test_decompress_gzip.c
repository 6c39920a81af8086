/* Unit tests: the gzip decoder (common/decompress/gzip.c, inflate.c) against gzip(1). */
#include "decompress/fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dec_gz(const void *in, size_t in_len, void *out, size_t cap, size_t *olen,
                  size_t *used, void *work, size_t wlen)
{
    return gzip_decode(in, in_len, out, cap, olen, used, work, wlen);
}

static const struct { enum input_kind kind; size_t len; } inputs[] = {
    { IN_EMPTY, 0 }, { IN_ONE, 1 }, { IN_TEXT, 10000 }, { IN_RANDOM, 65536 },
    { IN_REPEAT, 300000 }, { IN_X86, 200000 }, { IN_MIXED, 1536 * 1024 },
};

/* The 10-byte header (MTIME, XFL, OS) has no checksum: flips there may pass. */
static void gz_case(const char *cmd, const struct blob *in)
{
    struct blob c = run_tool(cmd, in);
    bool mid = in->len > 32 * 1024, big = in->len > 256 * 1024;

    check_roundtrip(dec_gz, in, &c);
    check_truncations(dec_gz, in, &c, DECOMP_ERR_TRUNCATED, c.len < 1024 ? c.len : big ? 16 : 48,
                      big ? 8 : mid ? 32 : 96);
    check_bitflips(dec_gz, in, &c, 0, 10, 10, false);
    check_bitflips(dec_gz, in, &c, 10, c.len, big ? 6 : mid ? 48 : 160, true);
    blob_free(&c);
}

static void test_levels(void **st)
{
    char cmd[64];
    (void)st;
    REQUIRE_TOOL("gzip");
    for (int level = 1; level <= 9; level++) {
        snprintf(cmd, sizeof(cmd), "gzip -c -n -%d", level);
        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
            struct blob in;
            /* every level on the small inputs, the big ones at 1, 6, 9 */
            if (inputs[i].len > 70000 && level != 1 && level != 6 && level != 9)
                continue;
            in = gen_input(inputs[i].kind, inputs[i].len, 37 + (uint32_t)i);
            gz_case(cmd, &in);
            blob_free(&in);
        }
    }
}

/* FNAME from a named file, and header CRC / extra field / comment via python. */
static void test_header_fields(void **st)
{
    struct blob in = gen_input(IN_TEXT, 5000, 5);
    (void)st;
    REQUIRE_TOOL("gzip");
    gz_case("cat > $PVISOR_TEST_TMP/named.txt && gzip -c $PVISOR_TEST_TMP/named.txt", &in);
    if (tool_available("/usr/bin/python3")) {
        /* python's gzip cannot write FHCRC/FEXTRA/FCOMMENT: build the header by hand. */
        const char *py =
            "/usr/bin/python3 -c \"import sys,zlib,struct\n"
            "d=sys.stdin.buffer.read()\n"
            "h=bytearray(b'\\x1f\\x8b\\x08\\x1e\\0\\0\\0\\0\\0\\x03')\n"
            "h+=struct.pack('<H',6)+b'AB\\x02\\0xy'+b'name\\0'+b'a comment\\0'\n"
            "h+=struct.pack('<H',zlib.crc32(h)&0xffff)\n"
            "c=zlib.compressobj(9,zlib.DEFLATED,-15)\n"
            "sys.stdout.buffer.write(bytes(h)+c.compress(d)+c.flush()+struct.pack('<II',zlib.crc32(d),len(d)))\"";
        struct blob c = run_tool(py, &in), out;
        check_roundtrip(dec_gz, &in, &c);
        check_truncations(dec_gz, &in, &c, DECOMP_ERR_TRUNCATED, c.len, 8);
        c.data[30] ^= 1;                 /* inside the comment: header CRC catches it */
        assert_int_equal(decode_blob(dec_gz, &c, &out, 10000), DECOMP_ERR_HEADER_CHECK);
        blob_free(&out);
        blob_free(&c);
    }
    blob_free(&in);
}

static void test_multi_member(void **st)
{
    struct blob a = gen_input(IN_TEXT, 4000, 1), b = gen_input(IN_X86, 9000, 2);
    struct blob ca, cb, cat, both;
    (void)st;
    REQUIRE_TOOL("gzip");
    ca = run_tool("gzip -c -1", &a);
    cb = run_tool("gzip -c -9", &b);
    both.len = a.len + b.len;
    both.data = malloc(both.len);
    memcpy(both.data, a.data, a.len);
    memcpy(both.data + a.len, b.data, b.len);
    cat.len = ca.len + cb.len;
    cat.data = malloc(cat.len);
    memcpy(cat.data, ca.data, ca.len);
    memcpy(cat.data + ca.len, cb.data, cb.len);
    check_roundtrip(dec_gz, &both, &cat);
    check_cuts(dec_gz, &cat, 0, ca.len, 3, DECOMP_ERR_TRUNCATED);
    check_cuts(dec_gz, &cat, ca.len + 1, cat.len, 5, DECOMP_ERR_TRUNCATED);
    blob_free(&a); blob_free(&b); blob_free(&ca); blob_free(&cb); blob_free(&cat); blob_free(&both);
}

static void expect_err(const struct blob *c, int want)
{
    struct blob out;
    int err = decode_blob(dec_gz, c, &out, 1 << 20);
    if (err != want)
        fail_msg("got %d (%s), want %d", err, decompress_strerror(err), want);
    blob_free(&out);
}

static void test_precise_errors(void **st)
{
    struct blob in = gen_input(IN_TEXT, 20000, 3), c;
    (void)st;
    REQUIRE_TOOL("gzip");
    c = run_tool("gzip -c -n", &in);
    c.data[c.len - 8] ^= 1;               /* CRC32 */
    expect_err(&c, DECOMP_ERR_DATA_CHECK);
    c.data[c.len - 8] ^= 1;
    c.data[c.len - 4] ^= 1;               /* ISIZE */
    expect_err(&c, DECOMP_ERR_SIZE);
    c.data[c.len - 4] ^= 1;
    c.data[2] = 7;                         /* compression method */
    expect_err(&c, DECOMP_ERR_UNSUPPORTED);
    c.data[2] = 8;
    c.data[3] = 0x20;                      /* reserved flag */
    expect_err(&c, DECOMP_ERR_UNSUPPORTED);
    c.data[3] = 0;
    c.data[10] |= 6;                       /* block type 3 */
    expect_err(&c, DECOMP_ERR_CORRUPT);
    blob_free(&c);

    /* Hand-made streams: a stored block whose NLEN is wrong; a distance
     * reaching before the start; an over-subscribed code. */
    {
        static uint8_t stored[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                                    0x01, 0x03, 0x00, 0xfc, 0xfe, 'a', 'b', 'c', 0, 0, 0, 0, 3, 0, 0, 0 };
        struct blob b = { stored, sizeof(stored) };
        expect_err(&b, DECOMP_ERR_CORRUPT);
        stored[14] = 0xff;                 /* NLEN right: then only the CRC is wrong */
        expect_err(&b, DECOMP_ERR_DATA_CHECK);
    }
    {
        /* fixed block: literal 'a' (0x91 in 8 bits), then length 3 distance 2 */
        static uint8_t far[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b, 0x04, 0x02, 0x01, 0, 0 };
        struct blob b = { far, sizeof(far) }, out;
        assert_true(decode_blob(dec_gz, &b, &out, 100) < 0);
        blob_free(&out);
    }
    blob_free(&in);
}

static void test_crc32_vectors(void **st)
{
    (void)st;
    assert_int_equal(crc32_update(0, "", 0), 0);
    assert_int_equal(crc32_update(0, "123456789", 9), 0xcbf43926u);
    assert_int_equal(crc32_update(crc32_update(0, "1234", 4), "56789", 5), 0xcbf43926u);
    assert_true(crc64_update(0, "123456789", 9) == 0x995dc9bbdf1939faull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_multi_member),
        cmocka_unit_test(test_precise_errors),
        cmocka_unit_test(test_crc32_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
