/*
 * gzip (RFC 1952) members around DEFLATE: header with its optional extra
 * field, name, comment and header CRC16; trailer CRC32 and ISIZE (size mod
 * 2^32), both checked. Concatenated members decode one after the other.
 */
#include "inflate.h"

#define GZ_FHCRC    0x02
#define GZ_FEXTRA   0x04
#define GZ_FNAME    0x08
#define GZ_FCOMMENT 0x10
#define GZ_FRESERVED 0xe0

size_t gzip_work_size(void)
{
    return sizeof(struct inflate_state) + DC_WORK_ALIGN;
}

/* Skip a zero-terminated header string. */
static int gz_skip_string(const uint8_t *in, size_t in_len, size_t *p)
{
    for (size_t q = *p; q < in_len; q++) {
        if (!in[q]) {
            *p = q + 1;
            return DECOMP_OK;
        }
    }
    return DECOMP_ERR_TRUNCATED;
}

static int gz_member(struct inflate_state *st, const uint8_t *in, size_t in_len, size_t *pos,
                     uint8_t *out, size_t out_cap, size_t *op)
{
    size_t p = *pos, used, len;
    uint8_t flg;
    int err;

    if (in_len - p < 10)
        return DECOMP_ERR_TRUNCATED;
    if (in[p + 2] != 8)
        return DECOMP_ERR_UNSUPPORTED;   /* only "deflate" is defined */
    flg = in[p + 3];
    if (flg & GZ_FRESERVED)
        return DECOMP_ERR_UNSUPPORTED;
    p += 10;
    if (flg & GZ_FEXTRA) {
        size_t xlen;
        if (in_len - p < 2)
            return DECOMP_ERR_TRUNCATED;
        xlen = get_le16(in + p);
        if (in_len - p - 2 < xlen)
            return DECOMP_ERR_TRUNCATED;
        p += 2 + xlen;
    }
    if ((flg & GZ_FNAME) && (err = gz_skip_string(in, in_len, &p)))
        return err;
    if ((flg & GZ_FCOMMENT) && (err = gz_skip_string(in, in_len, &p)))
        return err;
    if (flg & GZ_FHCRC) {
        if (in_len - p < 2)
            return DECOMP_ERR_TRUNCATED;
        if ((crc32_update(0, in + *pos, p - *pos) & 0xffff) != get_le16(in + p))
            return DECOMP_ERR_HEADER_CHECK;
        p += 2;
    }
    err = inflate_raw(st, in + p, in_len - p, &used, out + *op, out_cap - *op, &len);
    if (err)
        return err;
    p += used;
    if (in_len - p < 8)
        return DECOMP_ERR_TRUNCATED;
    if (crc32_update(0, out + *op, len) != get_le32(in + p))
        return DECOMP_ERR_DATA_CHECK;
    if ((uint32_t)len != get_le32(in + p + 4))
        return DECOMP_ERR_SIZE;
    *pos = p + 8;
    *op += len;
    return DECOMP_OK;
}

int gzip_decode(const void *in_, size_t in_len, void *out, size_t out_cap,
                size_t *out_len, size_t *in_used, void *work, size_t work_len)
{
    const uint8_t *in = in_;
    struct inflate_state *st = dc_work_align(work, work_len, sizeof(struct inflate_state));
    size_t p = 0, op = 0;

    if (in_len < 2 || in[0] != 0x1f || in[1] != 0x8b)
        return in_len == 1 && in[0] == 0x1f ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_FORMAT;
    if (!st)
        return DECOMP_ERR_WORKSPACE;
    do {
        int err = gz_member(st, in, in_len, &p, out, out_cap, &op);
        if (err)
            return err;
    } while (in_len - p >= 2 && in[p] == 0x1f && in[p + 1] == 0x8b);
    if (out_len)
        *out_len = op;
    if (in_used)
        *in_used = p;
    return DECOMP_OK;
}
