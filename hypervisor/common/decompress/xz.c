/*
 * The .xz container: stream header, blocks (header, LZMA2 data with optional
 * x86 BCJ or delta filters before it, padding, check), index, stream footer,
 * stream padding and concatenated streams. Checks: none, CRC32, CRC64.
 *
 * Every size the file states (block header, compressed/uncompressed sizes,
 * index records, backward size) is cross-checked against what was actually
 * decoded; the index is compared through counts, sums and a CRC of its
 * records, so no per-block memory is needed.
 */
#include "lzma.h"

#define XZ_HEADER_SIZE  12
#define XZ_FOOTER_SIZE  12
#define XZ_VLI_MAX      (~(uint64_t)0 >> 1)
#define XZ_FILTER_DELTA 0x03
#define XZ_FILTER_X86   0x04
#define XZ_FILTER_LZMA2 0x21
#define XZ_CHECK_NONE   0
#define XZ_CHECK_CRC32  1
#define XZ_CHECK_CRC64  4

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

struct xz_filter {
    uint64_t id;
    uint32_t prop;          /* delta distance, BCJ start offset, LZMA2 dictionary size */
};

/* Running summary of block records: what the index must reproduce. */
struct xz_records {
    uint64_t count, unpadded_sum, usize_sum;
    uint32_t crc;
};

size_t xz_work_size(void)
{
    return sizeof(struct lzma2_dec) + DC_WORK_ALIGN;
}

/* Variable-length integer: 7 bits a byte, at most 9 bytes, no redundant zero byte. */
static int xz_vli(const uint8_t *in, size_t end, size_t *pos, uint64_t *val, int trunc_err)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < 9; i++) {
        uint8_t b;
        if (*pos >= end)
            return trunc_err;
        b = in[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i)
                return DECOMP_ERR_CORRUPT;
            *val = v;
            return DECOMP_OK;
        }
    }
    return DECOMP_ERR_CORRUPT;
}

static unsigned xz_check_size(unsigned type)
{
    return type ? 4u << ((type - 1) / 3) : 0;
}

static void xz_record(struct xz_records *r, uint64_t unpadded, uint64_t usize)
{
    uint64_t pair[2] = { unpadded, usize };

    r->count++;
    r->unpadded_sum += unpadded;
    r->usize_sum += usize;
    r->crc = crc32_update(r->crc, pair, sizeof(pair));
}

/* Block header at in[*pos] (its first byte already known non-zero). */
static int xz_block_header(const uint8_t *in, size_t in_len, size_t *pos,
                           struct xz_filter *f, unsigned *nf,
                           uint64_t *csize, uint64_t *usize)
{
    size_t p = *pos, hsize = ((size_t)in[p] + 1) * 4, end, q;
    uint8_t flags;
    int err;

    if (in_len - p < hsize)
        return DECOMP_ERR_TRUNCATED;
    end = p + hsize - 4;
    if (crc32_update(0, in + p, hsize - 4) != get_le32(in + end))
        return DECOMP_ERR_HEADER_CHECK;
    flags = in[p + 1];
    if (flags & 0x3c)
        return DECOMP_ERR_UNSUPPORTED;
    *nf = (flags & 3) + 1;
    q = p + 2;
    *csize = *usize = ~(uint64_t)0;
    if ((flags & 0x40) && (err = xz_vli(in, end, &q, csize, DECOMP_ERR_CORRUPT)))
        return err;
    if ((flags & 0x80) && (err = xz_vli(in, end, &q, usize, DECOMP_ERR_CORRUPT)))
        return err;
    if ((flags & 0x40) && *csize == 0)
        return DECOMP_ERR_CORRUPT;
    for (unsigned i = 0; i < *nf; i++) {
        uint64_t psize;
        if ((err = xz_vli(in, end, &q, &f[i].id, DECOMP_ERR_CORRUPT)) ||
            (err = xz_vli(in, end, &q, &psize, DECOMP_ERR_CORRUPT)))
            return err;
        if (psize > end - q)
            return DECOMP_ERR_CORRUPT;
        f[i].prop = 0;
        switch (f[i].id) {
        case XZ_FILTER_LZMA2:
            if (i != *nf - 1 || psize != 1)
                return DECOMP_ERR_CORRUPT;
            if (in[q] > 40)
                return DECOMP_ERR_CORRUPT;
            f[i].prop = in[q] == 40 ? 0xffffffffu
                                    : (uint32_t)(2 | (in[q] & 1)) << (in[q] / 2 + 11);
            break;
        case XZ_FILTER_X86:
            if (i == *nf - 1 || (psize != 0 && psize != 4))
                return DECOMP_ERR_CORRUPT;
            if (psize == 4)
                f[i].prop = get_le32(in + q);
            break;
        case XZ_FILTER_DELTA:
            if (i == *nf - 1 || psize != 1)
                return DECOMP_ERR_CORRUPT;
            f[i].prop = (uint32_t)in[q] + 1;
            break;
        default:
            return DECOMP_ERR_UNSUPPORTED;
        }
        q += psize;
    }
    for (; q < end; q++)
        if (in[q])
            return DECOMP_ERR_UNSUPPORTED;   /* non-zero header padding: newer format */
    *pos = p + hsize;
    return DECOMP_OK;
}

static void xz_delta_decode(uint8_t *buf, size_t len, uint32_t dist)
{
    for (size_t i = dist; i < len; i++)
        buf[i] = (uint8_t)(buf[i] + buf[i - dist]);
}

static int xz_block(struct lzma2_dec *s, const uint8_t *in, size_t in_len, size_t *pos,
                    uint8_t *out, size_t out_cap, size_t *op, unsigned check,
                    struct xz_records *rec)
{
    struct xz_filter f[4];
    unsigned nf, csz = xz_check_size(check);
    uint64_t csize, usize;
    size_t p = *pos, hstart = p, cstart, used, olen, cap = out_cap - *op;
    uint8_t *ob = out + *op;
    int err;

    err = xz_block_header(in, in_len, &p, f, &nf, &csize, &usize);
    if (err)
        return err;
    cstart = p;
    if (usize != ~(uint64_t)0 && usize < cap)
        cap = usize;
    err = lzma2_decode(s, in + p, csize < in_len - p ? csize : in_len - p, &used,
                       ob, cap, &olen, f[nf - 1].prop);
    if (err == DECOMP_ERR_OUTPUT_FULL && cap != out_cap - *op)
        return DECOMP_ERR_SIZE;
    if (err == DECOMP_ERR_TRUNCATED && csize < in_len - p)
        return DECOMP_ERR_SIZE;
    if (err)
        return err;
    if ((csize != ~(uint64_t)0 && csize != used) || (usize != ~(uint64_t)0 && usize != olen))
        return DECOMP_ERR_SIZE;
    p += used;
    /* Filters before LZMA2 are undone last-applied first. */
    for (unsigned i = nf - 1; i-- > 0;) {
        if (f[i].id == XZ_FILTER_X86)
            bcj_x86_decode(ob, olen, f[i].prop);
        else
            xz_delta_decode(ob, olen, f[i].prop);
    }
    while ((p - hstart) & 3) {
        if (p >= in_len)
            return DECOMP_ERR_TRUNCATED;
        if (in[p++])
            return DECOMP_ERR_CORRUPT;
    }
    if (in_len - p < csz)
        return DECOMP_ERR_TRUNCATED;
    if (check == XZ_CHECK_CRC32 && crc32_update(0, ob, olen) != get_le32(in + p))
        return DECOMP_ERR_DATA_CHECK;
    if (check == XZ_CHECK_CRC64 && crc64_update(0, ob, olen) != get_le64(in + p))
        return DECOMP_ERR_DATA_CHECK;
    xz_record(rec, (cstart - hstart) + used + csz, olen);
    p += csz;
    *pos = p;
    *op += olen;
    return DECOMP_OK;
}

/* Index (its indicator byte at in[*pos]) must list exactly the blocks seen. */
static int xz_index(const uint8_t *in, size_t in_len, size_t *pos, const struct xz_records *seen)
{
    size_t p = *pos + 1;
    uint64_t n;
    struct xz_records r = { 0, 0, 0, 0 };
    int err;

    if ((err = xz_vli(in, in_len, &p, &n, DECOMP_ERR_TRUNCATED)))
        return err;
    if (n != seen->count)
        return DECOMP_ERR_SIZE;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t unpadded, usize;
        if ((err = xz_vli(in, in_len, &p, &unpadded, DECOMP_ERR_TRUNCATED)) ||
            (err = xz_vli(in, in_len, &p, &usize, DECOMP_ERR_TRUNCATED)))
            return err;
        xz_record(&r, unpadded, usize);
    }
    while ((p - *pos) & 3) {
        if (p >= in_len)
            return DECOMP_ERR_TRUNCATED;
        if (in[p++])
            return DECOMP_ERR_CORRUPT;
    }
    if (in_len - p < 4)
        return DECOMP_ERR_TRUNCATED;
    if (crc32_update(0, in + *pos, p - *pos) != get_le32(in + p))
        return DECOMP_ERR_HEADER_CHECK;
    if (r.unpadded_sum != seen->unpadded_sum || r.usize_sum != seen->usize_sum || r.crc != seen->crc)
        return DECOMP_ERR_SIZE;
    *pos = p + 4;
    return DECOMP_OK;
}

static int xz_stream(struct lzma2_dec *s, const uint8_t *in, size_t in_len, size_t *pos,
                     uint8_t *out, size_t out_cap, size_t *op)
{
    size_t p = *pos, index_start;
    unsigned check;
    struct xz_records rec = { 0, 0, 0, 0 };
    int err;

    if (in_len - p < XZ_HEADER_SIZE)
        return DECOMP_ERR_TRUNCATED;
    if (crc32_update(0, in + p + 6, 2) != get_le32(in + p + 8))
        return DECOMP_ERR_HEADER_CHECK;
    if (in[p + 6] || (in[p + 7] & 0xf0))
        return DECOMP_ERR_UNSUPPORTED;
    check = in[p + 7];
    if (check != XZ_CHECK_NONE && check != XZ_CHECK_CRC32 && check != XZ_CHECK_CRC64)
        return DECOMP_ERR_UNSUPPORTED;
    p += XZ_HEADER_SIZE;

    for (;;) {
        if (p >= in_len)
            return DECOMP_ERR_TRUNCATED;
        if (in[p] == 0)
            break;
        err = xz_block(s, in, in_len, &p, out, out_cap, op, check, &rec);
        if (err)
            return err;
    }
    index_start = p;
    err = xz_index(in, in_len, &p, &rec);
    if (err)
        return err;
    if (in_len - p < XZ_FOOTER_SIZE)
        return DECOMP_ERR_TRUNCATED;
    if (crc32_update(0, in + p + 4, 6) != get_le32(in + p))
        return DECOMP_ERR_HEADER_CHECK;
    if (in[p + 10] != 'Y' || in[p + 11] != 'Z' ||
        memcmp(in + p + 8, in + *pos + 6, 2) ||
        ((uint64_t)get_le32(in + p + 4) + 1) * 4 != p - index_start)
        return DECOMP_ERR_CORRUPT;
    *pos = p + XZ_FOOTER_SIZE;
    return DECOMP_OK;
}

int xz_decode(const void *in_, size_t in_len, void *out_, size_t out_cap,
              size_t *out_len, size_t *in_used, void *work, size_t work_len)
{
    const uint8_t *in = in_;
    struct lzma2_dec *s = dc_work_align(work, work_len, sizeof(struct lzma2_dec));
    size_t p = 0, op = 0;

    if (in_len < sizeof(xz_magic) || memcmp(in, xz_magic, sizeof(xz_magic)))
        return in_len < sizeof(xz_magic) && !memcmp(in, xz_magic, in_len) && in_len
                   ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_FORMAT;
    if (!s)
        return DECOMP_ERR_WORKSPACE;
    for (;;) {
        size_t q;
        int err = xz_stream(s, in, in_len, &p, out_, out_cap, &op);
        if (err)
            return err;
        /* Stream padding (zeros, four at a time), then maybe another stream. */
        for (q = p; in_len - q >= 4 && !get_le32(in + q); q += 4)
            ;
        p = q;
        if (in_len - p < sizeof(xz_magic) || memcmp(in + p, xz_magic, sizeof(xz_magic)))
            break;
    }
    if (out_len)
        *out_len = op;
    if (in_used)
        *in_used = p;
    return DECOMP_OK;
}
