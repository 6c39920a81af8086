/*
 * LZ4 decoder: the legacy frame Linux kernels use (lz4 -l: magic 0x184C2102,
 * independent blocks of at most 8 MiB, no end mark) and the LZ4 frame format
 * (magic 0x184D2204: descriptor with header checksum, optional block and
 * content xxh32 checksums, content size, linked or independent blocks) and
 * skippable frames.
 */
#include "decomp_internal.h"

#define LZ4_LEGACY_MAGIC   0x184C2102u
#define LZ4_FRAME_MAGIC    0x184D2204u
#define LZ4_SKIP_MAGIC     0x184D2A50u     /* low 4 bits free */
#define LZ4_LEGACY_BLOCK   (8u << 20)
/* Largest compressed block an 8 MiB input can give (LZ4's worst case). */
#define LZ4_LEGACY_CBLOCK  (LZ4_LEGACY_BLOCK + LZ4_LEGACY_BLOCK / 255 + 16)

static bool lz4_is_skippable(uint32_t magic)
{
    return (magic & 0xfffffff0u) == LZ4_SKIP_MAGIC;
}

/* Variable-length count extension: 255 means "more follows". */
#define LZ4_EXTEND(n, ip, iend) do { \
        unsigned b_; \
        do { \
            if (dc_unlikely(ip >= iend)) \
                return DECOMP_ERR_CORRUPT; \
            b_ = *ip++; \
            n += b_; \
        } while (b_ == 255); \
    } while (0)

/*
 * One block [ip, iend) into *opp..oend. Matches may reach back to `lowest`
 * (the block start for independent blocks, the frame start for linked ones).
 * Wild copies (16 bytes of literals, 8-byte match steps) write past the
 * sequence only while that stays inside oend.
 */
static int lz4_block(const uint8_t *ip, const uint8_t *iend, const uint8_t *lowest,
                     uint8_t **opp, uint8_t *oend)
{
    uint8_t *op = *opp;

    for (;;) {
        unsigned token;
        size_t lit, ml, off;
        const uint8_t *m;

        if (dc_unlikely(ip >= iend))
            return DECOMP_ERR_CORRUPT;   /* a block ends with literals */
        token = *ip++;
        lit = token >> 4;
        if (lit == 15)
            LZ4_EXTEND(lit, ip, iend);
        if (dc_unlikely(lit > (size_t)(iend - ip)))
            return DECOMP_ERR_CORRUPT;
        if (dc_unlikely(lit > (size_t)(oend - op)))
            return DECOMP_ERR_OUTPUT_FULL;
        if (dc_likely(lit <= 16 && iend - ip >= 16 && oend - op >= 16))
            dc_copy16(op, ip);
        else
            memcpy(op, ip, lit);
        op += lit;
        ip += lit;
        if (ip == iend)
            break;
        if (dc_unlikely(iend - ip < 2))
            return DECOMP_ERR_CORRUPT;
        off = get_le16(ip);
        ip += 2;
        if (dc_unlikely(off == 0 || off > (size_t)(op - lowest)))
            return DECOMP_ERR_CORRUPT;
        ml = token & 15;
        if (ml == 15)
            LZ4_EXTEND(ml, ip, iend);
        ml += 4;
        m = op - off;
        if (dc_likely(off >= 8 && (size_t)(oend - op) >= ml + 8)) {
            uint8_t *end = op + ml;
            do {
                dc_copy8(op, m);
                op += 8;
                m += 8;
            } while (op < end);
            op = end;
            continue;
        }
        if (dc_unlikely(ml > (size_t)(oend - op)))
            return DECOMP_ERR_OUTPUT_FULL;
        if (off == 1) {
            memset(op, *m, ml);
            op += ml;
        } else {
            while (ml--)
                *op++ = *m++;
        }
    }
    *opp = op;
    return DECOMP_OK;
}

/* Legacy frames: after the magic, [le32 csize][block] until the input ends,
 * the next legacy magic, or a word that cannot be a block size (the
 * bzImage's trailing length, for one). */
static int lz4_legacy(const uint8_t *in, size_t in_len, size_t *pos,
                      uint8_t **opp, uint8_t *oend)
{
    size_t p = *pos + 4;

    while (in_len - p >= 4) {
        uint32_t csize = get_le32(in + p);
        uint8_t *start = *opp, *lim;
        int err;

        if (csize == LZ4_LEGACY_MAGIC) {
            p += 4;
            continue;
        }
        if (csize == 0 || csize > LZ4_LEGACY_CBLOCK)
            break;
        if (csize > in_len - p - 4)
            return DECOMP_ERR_TRUNCATED;
        p += 4;
        lim = (size_t)(oend - start) > LZ4_LEGACY_BLOCK ? start + LZ4_LEGACY_BLOCK : oend;
        err = lz4_block(in + p, in + p + csize, start, opp, lim);
        if (err == DECOMP_ERR_OUTPUT_FULL && lim != oend)
            return DECOMP_ERR_CORRUPT;   /* block bigger than the format allows */
        if (err)
            return err;
        p += csize;
    }
    *pos = p;
    return DECOMP_OK;
}

static int lz4_frame(const uint8_t *in, size_t in_len, size_t *pos,
                     uint8_t **opp, uint8_t *oend)
{
    static const uint32_t block_max[8] = { 0, 0, 0, 0, 64u << 10, 256u << 10, 1u << 20, 4u << 20 };
    size_t p = *pos + 4, hdr = p;
    uint8_t flg, bd, *frame_start = *opp;
    uint32_t bmax;
    bool indep, bsum, csum;
    uint64_t content_size = 0;

    if (in_len - p < 3)
        return DECOMP_ERR_TRUNCATED;
    flg = in[p];
    bd = in[p + 1];
    if ((flg >> 6) != 1 || (flg & 0x02) || (bd & 0x8f) || !block_max[(bd >> 4) & 7])
        return DECOMP_ERR_CORRUPT;
    if (flg & 0x01)
        return DECOMP_ERR_UNSUPPORTED;  /* needs a dictionary */
    indep = flg & 0x20;
    bsum = flg & 0x10;
    csum = flg & 0x04;
    bmax = block_max[(bd >> 4) & 7];
    p += 2;
    if (flg & 0x08) {
        if (in_len - p < 9)
            return DECOMP_ERR_TRUNCATED;
        content_size = get_le64(in + p);
        p += 8;
    }
    if (in_len - p < 1)
        return DECOMP_ERR_TRUNCATED;
    if (((xxh32(in + hdr, p - hdr, 0) >> 8) & 0xff) != in[p])
        return DECOMP_ERR_HEADER_CHECK;
    p++;

    for (;;) {
        uint32_t word, bsize;
        uint8_t *start = *opp;
        int err;

        if (in_len - p < 4)
            return DECOMP_ERR_TRUNCATED;
        word = get_le32(in + p);
        p += 4;
        if (word == 0)
            break;
        bsize = word & 0x7fffffffu;
        if (bsize > bmax)
            return DECOMP_ERR_CORRUPT;
        if (bsize > in_len - p || (bsum && in_len - p - bsize < 4))
            return DECOMP_ERR_TRUNCATED;
        if (bsum && xxh32(in + p, bsize, 0) != get_le32(in + p + bsize))
            return DECOMP_ERR_DATA_CHECK;
        if (word & 0x80000000u) {
            if (bsize > (size_t)(oend - start))
                return DECOMP_ERR_OUTPUT_FULL;
            memcpy(start, in + p, bsize);
            *opp = start + bsize;
        } else {
            uint8_t *lim = (size_t)(oend - start) > bmax ? start + bmax : oend;
            err = lz4_block(in + p, in + p + bsize, indep ? start : frame_start, opp, lim);
            if (err == DECOMP_ERR_OUTPUT_FULL && lim != oend)
                return DECOMP_ERR_CORRUPT;   /* block bigger than the frame allows */
            if (err)
                return err;
        }
        p += bsize + (bsum ? 4 : 0);
    }
    if ((flg & 0x08) && content_size != (uint64_t)(*opp - frame_start))
        return DECOMP_ERR_SIZE;
    if (csum) {
        if (in_len - p < 4)
            return DECOMP_ERR_TRUNCATED;
        if (xxh32(frame_start, *opp - frame_start, 0) != get_le32(in + p))
            return DECOMP_ERR_DATA_CHECK;
        p += 4;
    }
    *pos = p;
    return DECOMP_OK;
}

int lz4_decode(const void *in_, size_t in_len, void *out_, size_t out_cap,
               size_t *out_len, size_t *in_used)
{
    const uint8_t *in = in_;
    uint8_t *out = out_, *op = out, *oend = out + out_cap;
    size_t p = 0;
    bool first = true;

    for (;;) {
        uint32_t magic;
        int err;

        if (in_len - p < 4) {
            if (first)
                return in_len ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_FORMAT;
            break;
        }
        magic = get_le32(in + p);
        if (magic == LZ4_LEGACY_MAGIC) {
            err = lz4_legacy(in, in_len, &p, &op, oend);
        } else if (magic == LZ4_FRAME_MAGIC) {
            err = lz4_frame(in, in_len, &p, &op, oend);
        } else if (lz4_is_skippable(magic)) {
            uint32_t n;
            if (in_len - p < 8)
                return DECOMP_ERR_TRUNCATED;
            n = get_le32(in + p + 4);
            if (n > in_len - p - 8)
                return DECOMP_ERR_TRUNCATED;
            p += 8 + (size_t)n;
            err = DECOMP_OK;
        } else if (first) {
            return DECOMP_ERR_FORMAT;
        } else {
            break;
        }
        if (err)
            return err;
        first = false;
    }
    if (out_len)
        *out_len = op - out;
    if (in_used)
        *in_used = p;
    return DECOMP_OK;
}
