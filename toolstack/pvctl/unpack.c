/* bzImage payloads decoded with Debian's libraries, never past out_cap. */
#include "image.h"
#include <lz4frame.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static int fail(char *err, size_t errlen, const char *fmt, const char *what)
{
    snprintf(err, errlen, "the kernel's %s payload is corrupt or larger than it says (%s)", fmt, what);
    return -1;
}

/* lzma_ret names for the one line */
static const char *lzma_ret_name(lzma_ret r)
{
    switch (r) {
    case LZMA_MEM_ERROR: return "out of memory";
    case LZMA_MEMLIMIT_ERROR: return "dictionary too large";
    case LZMA_FORMAT_ERROR: return "not xz";
    case LZMA_OPTIONS_ERROR: return "unsupported options";
    case LZMA_DATA_ERROR: return "bad data";
    case LZMA_BUF_ERROR: return "truncated or output full";
    default: return "error";
    }
}

static int xz(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *n, char *e, size_t el)
{
    lzma_stream s = LZMA_STREAM_INIT;
    /* 64 MiB dictionary bound; concatenated streams as Linux writes none */
    lzma_ret r = lzma_stream_decoder(&s, 64u << 20, 0);
    if (r != LZMA_OK)
        return fail(e, el, "xz", "decoder");
    s.next_in = in;
    s.avail_in = in_len;
    s.next_out = out;
    s.avail_out = cap;
    r = lzma_code(&s, LZMA_FINISH);
    *n = cap - s.avail_out;
    lzma_end(&s);
    return r == LZMA_STREAM_END ? 0 : fail(e, el, "xz", lzma_ret_name(r));
}

static int gz(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *n, char *e, size_t el)
{
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
        return fail(e, el, "gzip", "decoder");
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)(in_len > 0xffffffffu ? 0xffffffffu : in_len);
    s.next_out = out;
    s.avail_out = (uInt)(cap > 0xffffffffu ? 0xffffffffu : cap);
    int r = inflate(&s, Z_FINISH);
    *n = s.total_out;
    inflateEnd(&s);
    return r == Z_STREAM_END ? 0 : fail(e, el, "gzip", r == Z_BUF_ERROR ? "truncated or output full" : "bad data");
}

/* Linux's lz4 is the legacy format (lz4 -l): magic, then blocks of
 * le32 compressed size, each at most 8 MiB uncompressed. */
static int lz4(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *n, char *e, size_t el)
{
    size_t off = 4, o = 0;

    if (in_len >= 4 && !memcmp(in, "\x04\x22\x4d\x18", 4)) {      /* frame format */
        LZ4F_dctx *d;
        if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
            return fail(e, el, "lz4", "decoder");
        size_t ip = 0, r = 1;
        while (ip < in_len && r) {
            size_t src = in_len - ip, dst = cap - o;
            r = LZ4F_decompress(d, out + o, &dst, in + ip, &src, NULL);
            if (LZ4F_isError(r) || (!src && !dst))
                break;
            ip += src;
            o += dst;
        }
        LZ4F_freeDecompressionContext(d);
        *n = o;
        return r == 0 ? 0 : fail(e, el, "lz4", "bad frame");
    }
    while (off + 4 <= in_len) {
        uint32_t bs;
        memcpy(&bs, in + off, 4);
        if (bs == 0x184c2102)            /* a new legacy stream */
            { off += 4; continue; }
        off += 4;
        if (bs > in_len - off || bs > (uint32_t)LZ4_compressBound(8 << 20))
            break;                       /* the trailing size word, or garbage */
        if (o == cap)
            return fail(e, el, "lz4", "output full");
        size_t room = cap - o > (8u << 20) ? (8u << 20) : cap - o;
        int r = LZ4_decompress_safe((const char *)in + off, (char *)out + o, (int)bs, (int)room);
        if (r < 0)
            return fail(e, el, "lz4", "bad block");
        o += (size_t)r;
        off += bs;
    }
    *n = o;
    return o ? 0 : fail(e, el, "lz4", "no data");
}

static int zst(const uint8_t *in, size_t in_len, uint8_t *out, size_t cap, size_t *n, char *e, size_t el)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (!d)
        return fail(e, el, "zstd", "decoder");
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
    size_t r = ZSTD_decompressDCtx(d, out, cap, in, in_len);
    ZSTD_freeDCtx(d);
    if (ZSTD_isError(r))
        return fail(e, el, "zstd", ZSTD_getErrorName(r));
    *n = r;
    return 0;
}

int unpack_payload(const char *fmt, const uint8_t *in, size_t in_len, uint8_t *out,
                   size_t out_cap, size_t *out_len, char *err, size_t errlen)
{
    if (!strcmp(fmt, "xz"))
        return xz(in, in_len, out, out_cap, out_len, err, errlen);
    if (!strcmp(fmt, "gzip"))
        return gz(in, in_len, out, out_cap, out_len, err, errlen);
    if (!strncmp(fmt, "lz4", 3))
        return lz4(in, in_len, out, out_cap, out_len, err, errlen);
    if (!strcmp(fmt, "zstd"))
        return zst(in, in_len, out, out_cap, out_len, err, errlen);
    snprintf(err, errlen, "the kernel's payload is compressed with %s, which pvctl does not decode", fmt);
    return -1;
}
