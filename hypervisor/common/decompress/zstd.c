/*
 * Zstandard (RFC 8878) frames: header, raw/RLE/compressed blocks, literals
 * (raw, RLE, Huffman with 1 or 4 streams, treeless reuse), sequences (FSE
 * with predefined, RLE, compressed and repeat tables; repeat offsets), the
 * XXH64 content checksum, skippable frames and concatenated frames. No
 * dictionaries: a frame that names one is refused as unsupported.
 *
 * Bounds: a block regenerates at most 128 KiB (or the window, if smaller);
 * literals are checked against the literal buffer, matches against what the
 * frame has produced and against the output buffer; every loop runs for a
 * count read from the block and bounded by it.
 */
#include "zstd_internal.h"

#define ZSTD_MAGIC      0xFD2FB528u
#define ZSTD_SKIP_MAGIC 0x184D2A50u

struct zstd_state {
    struct fse_table ll, of, ml;
    struct huf_table huf;
    bool have_ll, have_of, have_ml;
    uint32_t rep[3];
    uint8_t lit[ZSTD_BLOCK_MAX + 32];
};

size_t zstd_work_size(void)
{
    return sizeof(struct zstd_state) + DC_WORK_ALIGN;
}

/* Predefined distributions (RFC 8878 3.1.1.3.2.2). */
static const int16_t ll_default[36] = {
    4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1 };
static const int16_t ml_default[53] = {
    1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1,
    -1, -1, -1, -1, -1 };
static const int16_t of_default[29] = {
    1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    -1, -1, -1, -1, -1 };

/* Literal length and match length codes: baseline and extra bits. */
static const uint32_t ll_base[36] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40,
    48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
static const uint8_t ll_bits[36] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3,
    4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint32_t ml_base[53] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131,
    259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539 };
static const uint8_t ml_bits[53] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16 };

/* Huffman-decode n symbols from one backward stream; it must end exactly. */
static int huf_stream(const struct huf_table *t, const uint8_t *in, size_t len,
                      uint8_t *out, size_t n)
{
    struct bwd b;
    unsigned log = t->log;
    int err;

    if ((err = bwd_init(&b, in, len)))
        return err;
    for (size_t i = 0; i < n; i++) {
        const struct huf_cell *c = &t->cell[bwd_peek(&b, log)];
        out[i] = c->sym;
        bwd_skip(&b, c->bits);
    }
    return b.left == 0 ? DECOMP_OK : DECOMP_ERR_CORRUPT;
}

/* Literals section at in[0..len): sets *lit and *nlit, returns bytes used. */
static int zstd_literals(struct zstd_state *st, const uint8_t *in, size_t len,
                         const uint8_t **lit, size_t *nlit)
{
    unsigned type, fmt, hsize;
    size_t regen, csize = 0;
    int err;

    if (!len)
        return DECOMP_ERR_CORRUPT;
    type = in[0] & 3;
    fmt = (in[0] >> 2) & 3;
    if (type <= 1) {
        /* Raw or RLE: 5, 12 or 20 bits of size. */
        hsize = fmt == 1 ? 2 : fmt == 3 ? 3 : 1;
        if (len < hsize)
            return DECOMP_ERR_CORRUPT;
        regen = hsize == 1 ? in[0] >> 3
              : hsize == 2 ? (in[0] >> 4) + ((size_t)in[1] << 4)
                           : (in[0] >> 4) + ((size_t)in[1] << 4) + ((size_t)in[2] << 12);
        if (regen > ZSTD_BLOCK_MAX)
            return DECOMP_ERR_CORRUPT;
        if (type == 0) {
            if (regen > len - hsize)
                return DECOMP_ERR_CORRUPT;
            *lit = in + hsize;
            *nlit = regen;
            return (int)(hsize + regen);
        }
        if (len - hsize < 1)
            return DECOMP_ERR_CORRUPT;
        memset(st->lit, in[hsize], regen);
        *lit = st->lit;
        *nlit = regen;
        return (int)hsize + 1;
    }

    /* Huffman-coded: sizes of 10, 14 or 18 bits each; 1 or 4 streams. */
    {
        uint64_t v;
        unsigned bits = fmt <= 1 ? 10 : fmt == 2 ? 14 : 18;
        size_t hlen;
        bool four = fmt != 0;
        const uint8_t *p;

        hsize = fmt <= 1 ? 3 : fmt == 2 ? 4 : 5;
        if (len < hsize)
            return DECOMP_ERR_CORRUPT;
        v = 0;
        for (unsigned i = 0; i < hsize; i++)
            v |= (uint64_t)in[i] << (8 * i);
        regen = (size_t)(v >> 4) & ((1u << bits) - 1);
        csize = (size_t)(v >> (4 + bits)) & ((1u << bits) - 1);
        if (regen > ZSTD_BLOCK_MAX || csize > len - hsize)
            return DECOMP_ERR_CORRUPT;
        p = in + hsize;
        if (type == 2) {
            int used = huf_read_table(&st->huf, p, csize);
            if (used < 0)
                return used == DECOMP_ERR_TRUNCATED ? DECOMP_ERR_CORRUPT : used;
            p += used;
            hlen = csize - (size_t)used;
        } else {
            if (!st->huf.log)
                return DECOMP_ERR_CORRUPT;   /* treeless, but no tree yet */
            hlen = csize;
        }
        if (!four) {
            if ((err = huf_stream(&st->huf, p, hlen, st->lit, regen)))
                return err;
        } else {
            size_t s[4], seg = (regen + 3) / 4;
            if (hlen < 6 || 3 * seg > regen)
                return DECOMP_ERR_CORRUPT;
            s[0] = get_le16(p);
            s[1] = get_le16(p + 2);
            s[2] = get_le16(p + 4);
            p += 6;
            hlen -= 6;
            if (s[0] + s[1] + s[2] > hlen)
                return DECOMP_ERR_CORRUPT;
            s[3] = hlen - s[0] - s[1] - s[2];
            for (unsigned i = 0; i < 4; i++) {
                size_t n = i < 3 ? seg : regen - 3 * seg;
                if ((err = huf_stream(&st->huf, p, s[i], st->lit + i * seg, n)))
                    return err;
                p += s[i];
            }
        }
        *lit = st->lit;
        *nlit = regen;
        return (int)(hsize + csize);
    }
}

/* One of the three sequence tables, per its 2-bit mode. */
static int zstd_seq_table(struct fse_table *t, bool *have, unsigned mode,
                          const uint8_t *in, size_t len, const int16_t *def, unsigned ndef,
                          unsigned def_log, unsigned max_sym, unsigned max_log)
{
    int16_t norm[64];
    unsigned nsym, log;
    int used, err;

    switch (mode) {
    case 0:
        *have = true;
        t->log = def_log;
        return fse_build(t->cell, def, ndef, def_log);
    case 1:
        if (!len)
            return DECOMP_ERR_CORRUPT;
        if (in[0] > max_sym)
            return DECOMP_ERR_CORRUPT;
        fse_build_rle(t, in[0]);
        *have = true;
        return 1;
    case 2:
        used = fse_read_counts(in, len, norm, &nsym, &log, max_sym, max_log);
        if (used < 0)
            return used == DECOMP_ERR_TRUNCATED ? DECOMP_ERR_CORRUPT : used;
        t->log = log;
        if ((err = fse_build(t->cell, norm, nsym, log)))
            return err;
        *have = true;
        return used;
    default:
        return *have ? 0 : DECOMP_ERR_CORRUPT;
    }
}

/* Copy len bytes from dist back; dist <= what precedes d. */
DC_INLINE void zstd_copy_match(uint8_t *d, size_t dist, size_t len, uint8_t *oend)
{
    const uint8_t *s = d - dist;

    if (dist >= 8 && (size_t)(oend - d) >= len + 8) {
        uint8_t *e = d + len;
        do {
            dc_copy8(d, s);
            d += 8;
            s += 8;
        } while (d < e);
    } else {
        for (size_t i = 0; i < len; i++)
            d[i] = s[i];
    }
}

static int zstd_compressed_block(struct zstd_state *st, const uint8_t *in, size_t len,
                                 uint8_t *frame, uint8_t *out, size_t cap, size_t *produced,
                                 size_t block_max)
{
    const uint8_t *lit = NULL, *p, *end = in + len;
    size_t nlit = 0, nseq, op = 0, li = 0;
    uint8_t *ob = out;
    int used;

    used = zstd_literals(st, in, len, &lit, &nlit);
    if (used < 0)
        return used;
    p = in + used;
    if (p >= end)
        return DECOMP_ERR_CORRUPT;
    nseq = p[0];
    if (nseq < 128) {
        p += 1;
    } else if (nseq < 255) {
        if (end - p < 2)
            return DECOMP_ERR_CORRUPT;
        nseq = ((nseq - 128) << 8) + p[1];
        p += 2;
    } else {
        if (end - p < 3)
            return DECOMP_ERR_CORRUPT;
        nseq = p[1] + ((size_t)p[2] << 8) + 0x7f00;
        p += 3;
    }

    if (nseq) {
        unsigned modes;
        struct bwd b;
        uint32_t sll, sof, sml;
        int err;

        if (p >= end)
            return DECOMP_ERR_CORRUPT;
        modes = *p++;
        if (modes & 3)
            return DECOMP_ERR_CORRUPT;
        used = zstd_seq_table(&st->ll, &st->have_ll, modes >> 6, p, end - p, ll_default, 36, 6, 35, ZSTD_LL_LOG_MAX);
        if (used < 0)
            return used;
        p += used;
        used = zstd_seq_table(&st->of, &st->have_of, (modes >> 4) & 3, p, end - p, of_default, 29, 5, 31, ZSTD_OF_LOG_MAX);
        if (used < 0)
            return used;
        p += used;
        used = zstd_seq_table(&st->ml, &st->have_ml, (modes >> 2) & 3, p, end - p, ml_default, 53, 6, 52, ZSTD_ML_LOG_MAX);
        if (used < 0)
            return used;
        p += used;
        if ((err = bwd_init(&b, p, end - p)))
            return err;
        sll = bwd_read(&b, st->ll.log);
        sof = bwd_read(&b, st->of.log);
        sml = bwd_read(&b, st->ml.log);

        for (size_t i = 0; i < nseq; i++) {
            const struct fse_cell *cl = &st->ll.cell[sll], *co = &st->of.cell[sof], *cm = &st->ml.cell[sml];
            uint32_t ofc = co->sym, mlc = cm->sym, llc = cl->sym, offv;
            size_t ll, ml, off;

            if (ofc > 31 || mlc > 52 || llc > 35)
                return DECOMP_ERR_CORRUPT;
            offv = ((uint32_t)1 << ofc) + bwd_read(&b, ofc);
            ml = ml_base[mlc] + bwd_read(&b, ml_bits[mlc]);
            ll = ll_base[llc] + bwd_read(&b, ll_bits[llc]);
            if (i + 1 < nseq) {
                sll = cl->base + bwd_read(&b, cl->bits);
                sml = cm->base + bwd_read(&b, cm->bits);
                sof = co->base + bwd_read(&b, co->bits);
            }
            /* Offsets 1..3 name the repeat offsets (shifted when ll == 0). */
            if (offv > 3) {
                off = offv - 3;
                st->rep[2] = st->rep[1];
                st->rep[1] = st->rep[0];
                st->rep[0] = (uint32_t)off;
            } else {
                unsigned idx = offv - 1 + (ll == 0);
                if (idx == 0) {
                    off = st->rep[0];
                } else {
                    off = idx == 3 ? st->rep[0] - 1 : st->rep[idx];
                    if (!off)
                        return DECOMP_ERR_CORRUPT;
                    if (idx != 1)
                        st->rep[2] = st->rep[1];
                    st->rep[1] = st->rep[0];
                    st->rep[0] = (uint32_t)off;
                }
            }
            if (ll > nlit - li)
                return DECOMP_ERR_CORRUPT;
            if (ll + ml > block_max - op)
                return DECOMP_ERR_CORRUPT;
            if (ll + ml > cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            memcpy(ob + op, lit + li, ll);
            op += ll;
            li += ll;
            if (off > (size_t)(ob + op - frame))
                return DECOMP_ERR_CORRUPT;
            zstd_copy_match(ob + op, off, ml, ob + cap);
            op += ml;
        }
        if (b.left != 0)
            return DECOMP_ERR_CORRUPT;
    } else if (p != end) {
        return DECOMP_ERR_CORRUPT;
    }
    /* The literals no sequence took come last. */
    if (nlit - li > block_max - op)
        return DECOMP_ERR_CORRUPT;
    if (nlit - li > cap - op)
        return DECOMP_ERR_OUTPUT_FULL;
    memcpy(ob + op, lit + li, nlit - li);
    op += nlit - li;
    *produced = op;
    return DECOMP_OK;
}

static int zstd_frame(struct zstd_state *st, const uint8_t *in, size_t in_len, size_t *pos,
                      uint8_t *out, size_t out_cap, size_t *op_io)
{
    static const uint8_t fcs_len[4] = { 0, 2, 4, 8 }, did_len[4] = { 0, 1, 2, 4 };
    size_t p = *pos + 4, op = *op_io, block_max = ZSTD_BLOCK_MAX;
    uint64_t window = 0, fcs = 0;
    uint8_t fhd;
    unsigned nfcs;
    bool single, has_fcs, last;
    uint8_t *frame = out + op;

    if (in_len - p < 1)
        return DECOMP_ERR_TRUNCATED;
    fhd = in[p++];
    single = fhd & 0x20;
    if (fhd & 0x08)
        return DECOMP_ERR_CORRUPT;   /* reserved bit */
    nfcs = fcs_len[fhd >> 6];
    if (single && !nfcs)
        nfcs = 1;
    has_fcs = nfcs != 0;
    if (in_len - p < (size_t)!single + did_len[fhd & 3] + nfcs)
        return DECOMP_ERR_TRUNCATED;
    if (!single) {
        unsigned e = in[p] >> 3, m = in[p] & 7;
        window = (uint64_t)1 << (10 + e);
        window += (window >> 3) * m;
        p++;
    }
    if (fhd & 3) {
        uint32_t id = 0;
        for (unsigned i = 0; i < did_len[fhd & 3]; i++)
            id |= (uint32_t)in[p + i] << (8 * i);
        p += did_len[fhd & 3];
        if (id)
            return DECOMP_ERR_UNSUPPORTED;   /* needs a dictionary */
    }
    for (unsigned i = 0; i < nfcs; i++)
        fcs |= (uint64_t)in[p + i] << (8 * i);
    if (nfcs == 2)
        fcs += 256;
    p += nfcs;
    if (single)
        window = fcs;
    if (window < block_max)
        block_max = (size_t)window;
    if (has_fcs && fcs > out_cap - op)
        return DECOMP_ERR_OUTPUT_FULL;

    st->have_ll = st->have_of = st->have_ml = false;
    st->huf.log = 0;
    st->rep[0] = 1;
    st->rep[1] = 4;
    st->rep[2] = 8;
    do {
        uint32_t bh;
        size_t bsize, got = 0;
        unsigned type;
        int err;

        if (in_len - p < 3)
            return DECOMP_ERR_TRUNCATED;
        bh = in[p] | (uint32_t)in[p + 1] << 8 | (uint32_t)in[p + 2] << 16;
        p += 3;
        last = bh & 1;
        type = (bh >> 1) & 3;
        bsize = bh >> 3;
        if (type == 3 || bsize > block_max)
            return DECOMP_ERR_CORRUPT;
        if (type == 1) {
            if (in_len - p < 1)
                return DECOMP_ERR_TRUNCATED;
            if (bsize > out_cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            memset(out + op, in[p], bsize);
            op += bsize;
            p += 1;
            continue;
        }
        if (bsize > in_len - p)
            return DECOMP_ERR_TRUNCATED;
        if (type == 0) {
            if (bsize > out_cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            memcpy(out + op, in + p, bsize);
            got = bsize;
        } else {
            err = zstd_compressed_block(st, in + p, bsize, frame, out + op, out_cap - op, &got, block_max);
            if (err)
                return err;
        }
        op += got;
        p += bsize;
    } while (!last);

    if (has_fcs && fcs != op - *op_io)
        return DECOMP_ERR_SIZE;
    if (fhd & 0x04) {
        if (in_len - p < 4)
            return DECOMP_ERR_TRUNCATED;
        if ((uint32_t)xxh64(frame, op - *op_io, 0) != get_le32(in + p))
            return DECOMP_ERR_DATA_CHECK;
        p += 4;
    }
    *pos = p;
    *op_io = op;
    return DECOMP_OK;
}

int zstd_decode(const void *in_, size_t in_len, void *out, size_t out_cap,
                size_t *out_len, size_t *in_used, void *work, size_t work_len)
{
    const uint8_t *in = in_;
    struct zstd_state *st = dc_work_align(work, work_len, sizeof(struct zstd_state));
    size_t p = 0, op = 0;
    bool any = false;

    if (!st)
        return DECOMP_ERR_WORKSPACE;
    for (;;) {
        uint32_t magic;
        int err;

        if (in_len - p < 4) {
            if (!any)
                return in_len ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_FORMAT;
            break;
        }
        magic = get_le32(in + p);
        if (magic == ZSTD_MAGIC) {
            err = zstd_frame(st, in, in_len, &p, out, out_cap, &op);
            if (err)
                return err;
        } else if ((magic & 0xfffffff0u) == ZSTD_SKIP_MAGIC) {
            uint32_t n;
            if (in_len - p < 8)
                return DECOMP_ERR_TRUNCATED;
            n = get_le32(in + p + 4);
            if (n > in_len - p - 8)
                return DECOMP_ERR_TRUNCATED;
            p += 8 + (size_t)n;
        } else if (!any) {
            return DECOMP_ERR_FORMAT;
        } else {
            break;
        }
        any = true;
    }
    if (out_len)
        *out_len = op;
    if (in_used)
        *in_used = p;
    return DECOMP_OK;
}
