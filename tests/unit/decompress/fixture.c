/* Decompressor test fixture (see fixture.h). */
#include "fixture.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t rng(uint32_t *s)
{
    /* xorshift32: deterministic, good enough for test data */
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

struct blob gen_input(enum input_kind kind, size_t len, uint32_t seed)
{
    static const char *const words[] = {
        "the ", "hypervisor ", "decodes ", "a ", "kernel ", "image ", "with ", "xz ",
        "and ", "lz4, ", "gzip ", "or ", "zstd; ", "page ", "tables ", "grant\n",
    };
    struct blob b = { malloc(len ? len : 1), len };
    uint32_t s = seed | 1;
    size_t i = 0;

    assert_non_null(b.data);
    if (kind == IN_ONE)
        len = b.len = len ? 1 : 0;
    while (i < len) {
        switch (kind) {
        case IN_EMPTY:
        case IN_ONE:
            b.data[i++] = 'A';
            break;
        case IN_TEXT: {
            const char *w = words[rng(&s) % 16];
            while (*w && i < len)
                b.data[i++] = (uint8_t)*w++;
            break;
        }
        case IN_RANDOM:
            b.data[i++] = (uint8_t)rng(&s);
            break;
        case IN_REPEAT:
            b.data[i] = (uint8_t)("abcabcabd"[i % 9]);
            i++;
            break;
        case IN_X86:
            /* call/jmp rel32 with near targets, as BCJ expects, between filler */
            if (rng(&s) % 4 == 0 && len - i >= 5) {
                uint32_t rel = rng(&s) % 0x20000 - 0x10000;
                b.data[i] = rng(&s) & 1 ? 0xe8 : 0xe9;
                memcpy(b.data + i + 1, &rel, 4);
                i += 5;
            } else {
                b.data[i++] = (uint8_t)(0x48 + rng(&s) % 8);
            }
            break;
        case IN_MIXED: {
            size_t n = 1 + rng(&s) % 4096, k = rng(&s) % 3;
            for (size_t j = 0; j < n && i < len; j++, i++)
                b.data[i] = k == 0 ? (uint8_t)rng(&s) : k == 1 ? (uint8_t)(j % 7) : (uint8_t)("kernel"[j % 6]);
            break;
        }
        }
    }
    return b;
}

void blob_free(struct blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

bool tool_available(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static const char *tmpdir(void)
{
    const char *t = getenv("PVISOR_TEST_TMP");
    return t && *t ? t : "/tmp";
}

static struct blob slurp(const char *path)
{
    struct blob b = { NULL, 0 };
    FILE *f = fopen(path, "rb");
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    b.len = (size_t)n;
    b.data = malloc(b.len ? b.len : 1);
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.len, f), b.len);
    fclose(f);
    return b;
}

struct blob run_tool(const char *cmd, const struct blob *in)
{
    char inpath[512], outpath[512], line[2048];
    struct blob out;
    FILE *f;

    snprintf(inpath, sizeof(inpath), "%s/decomp-in.%d", tmpdir(), (int)getpid());
    snprintf(outpath, sizeof(outpath), "%s/decomp-out.%d", tmpdir(), (int)getpid());
    f = fopen(inpath, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(in->data, 1, in->len, f), in->len);
    fclose(f);
    snprintf(line, sizeof(line), "(%s) < %s > %s", cmd, inpath, outpath);
    if (system(line) != 0)
        fail_msg("reference tool failed: %s", line);
    out = slurp(outpath);
    unlink(inpath);
    unlink(outpath);
    return out;
}

static void *work_buf(void)
{
    static uint8_t *w;
    if (!w)
        w = malloc(DECOMP_WORK_MAX);
    return w;
}

int decode_blob(decoder_fn dec, const struct blob *comp, struct blob *out, size_t cap)
{
    size_t olen = 0, used = 0;
    int err;

    out->data = malloc(cap ? cap : 1);
    assert_non_null(out->data);
    err = dec(comp->data, comp->len, out->data, cap, &olen, &used, work_buf(), DECOMP_WORK_MAX);
    out->len = err ? 0 : olen;
    if (!err) {
        assert_true(olen <= cap);
        assert_true(used <= comp->len);
    }
    return err;
}

/* Exact-size copies so ASan sees any read past the input's end. */
static int dec_exact(decoder_fn dec, const uint8_t *in, size_t in_len, size_t cap,
                     size_t *olen, size_t *used, uint8_t **outp)
{
    uint8_t *in2 = malloc(in_len ? in_len : 1), *out = malloc(cap ? cap : 1);
    int err;

    assert_non_null(in2);
    assert_non_null(out);
    memcpy(in2, in, in_len);
    err = dec(in2, in_len, out, cap, olen, used, work_buf(), DECOMP_WORK_MAX);
    free(in2);
    if (outp)
        *outp = out;
    else
        free(out);
    return err;
}

void check_roundtrip(decoder_fn dec, const struct blob *orig, const struct blob *comp)
{
    size_t olen = 0, used = 0;
    uint8_t *out, *tail;
    int err;

    err = dec_exact(dec, comp->data, comp->len, orig->len, &olen, &used, &out);
    if (err)
        fail_msg("decode failed: %s (%d)", decompress_strerror(err), err);
    if (olen != orig->len)
        fail_msg("decoded %zu bytes of %zu (compressed %zu, used %zu)", olen, orig->len, comp->len, used);
    assert_int_equal(used, comp->len);
    assert_memory_equal(out, orig->data, orig->len);
    free(out);

    if (orig->len) {
        err = dec_exact(dec, comp->data, comp->len, orig->len - 1, &olen, &used, NULL);
        assert_int_equal(err, DECOMP_ERR_OUTPUT_FULL);
    }

    /* The bzImage case: a 4-byte size after the stream. */
    tail = malloc(comp->len + 4);
    assert_non_null(tail);
    memcpy(tail, comp->data, comp->len);
    memcpy(tail + comp->len, "\x34\x6e\x2c\xf3", 4);
    err = dec_exact(dec, tail, comp->len + 4, orig->len + 64, &olen, &used, &out);
    if (err)
        fail_msg("decode with trailing bytes failed: %s", decompress_strerror(err));
    assert_int_equal(olen, orig->len);
    assert_int_equal(used, comp->len);
    assert_memory_equal(out, orig->data, orig->len);
    free(out);
    free(tail);
}

void check_truncations(decoder_fn dec, const struct blob *orig, const struct blob *comp,
                       int expect, size_t dense, size_t samples)
{
    size_t step = comp->len > 2 * dense ? (comp->len - 2 * dense) / samples + 1 : 1;

    for (size_t n = 0; n < comp->len; n += (n < dense || n + dense >= comp->len) ? 1 : step) {
        size_t olen, used;
        int err = dec_exact(dec, comp->data, n, orig->len + 64, &olen, &used, NULL);
        if (n == 0 || !expect ? err == 0 : err != expect)
            fail_msg("truncated to %zu of %zu bytes: got %d (%s), want %d", n, comp->len,
                     err, decompress_strerror(err), expect);
    }
}

void check_cuts(decoder_fn dec, const struct blob *comp, size_t from, size_t to,
                size_t step, int expect)
{
    for (size_t n = from + 1; n < to; n += step) {
        size_t olen, used;
        int err = dec_exact(dec, comp->data, n, 1 << 20, &olen, &used, NULL);
        if (err != expect)
            fail_msg("cut at %zu of %zu bytes: got %d (%s), want %d", n, comp->len,
                     err, decompress_strerror(err), expect);
    }
}

void check_bitflips(decoder_fn dec, const struct blob *orig, const struct blob *comp,
                    size_t first, size_t last, size_t count, bool must_detect)
{
    uint8_t *buf = malloc(comp->len ? comp->len : 1);
    size_t span = last > first ? last - first : 0, step;
    uint32_t s = 12345;

    assert_non_null(buf);
    if (!span)
        goto out;
    step = span / count + 1;
    for (size_t pos = first; pos < last; pos += step) {
        size_t olen = 0, used = 0;
        uint8_t *out;
        int err, bit = (int)(rng(&s) % 8);

        memcpy(buf, comp->data, comp->len);
        buf[pos] ^= (uint8_t)(1u << bit);
        err = dec_exact(dec, buf, comp->len, orig->len + 4096, &olen, &used, &out);
        if (!err) {
            assert_true(olen <= orig->len + 4096);
            assert_true(used <= comp->len);
            if (must_detect && (olen != orig->len || memcmp(out, orig->data, olen)))
                fail_msg("bit %d of byte %zu flipped: wrong output accepted", bit, pos);
        } else {
            assert_true(err < 0 && err >= DECOMP_ERR_NOT_ELF);
        }
        free(out);
    }
out:
    free(buf);
}

void check_tool_case(decoder_fn dec, const char *cmd, const struct blob *orig, bool must_detect)
{
    struct blob comp = run_tool(cmd, orig);

    /* Every decode of a large input costs: sample those more thinly. */
    bool big = orig->len > 256 * 1024, mid = orig->len > 32 * 1024;

    check_roundtrip(dec, orig, &comp);
    check_truncations(dec, orig, &comp, DECOMP_ERR_TRUNCATED, comp.len < 1024 ? comp.len : big ? 16 : 48,
                      big ? 8 : mid ? 32 : 96);
    check_bitflips(dec, orig, &comp, 0, comp.len, big ? 6 : mid ? 48 : 160, must_detect);
    blob_free(&comp);
}
