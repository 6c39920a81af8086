/*
 * zstd entropy coding (RFC 8878 section 4): the backward bit reader, FSE
 * table descriptions and decoding tables, and Huffman tree descriptions.
 */
#include "zstd_internal.h"

DC_INLINE unsigned highbit32(uint32_t v)
{
    return 31 - (unsigned)__builtin_clz(v);
}

int bwd_init(struct bwd *b, const uint8_t *p, size_t len)
{
    uint8_t last;

    if (!len || !(last = p[len - 1]))
        return DECOMP_ERR_CORRUPT;     /* no end marker */
    if (len >= 8) {
        b->start = p;
        b->ptr = p + len - 8;
    } else {
        memset(b->pad, 0, sizeof(b->pad));
        memcpy(b->pad + 8 - len, p, len);
        b->start = b->ptr = b->pad;
    }
    b->bits = get_le64(b->ptr);
    b->used = 8 - highbit32(last);
    b->left = (int64_t)len * 8 - b->used;
    return DECOMP_OK;
}

/* Forward (LSB-first) reader for table descriptions. */
struct fwd {
    const uint8_t *in;
    size_t len, pos;            /* pos in bits */
};

static uint32_t fwd_peek(const struct fwd *f, unsigned n)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        size_t bit = f->pos + i;
        if (bit / 8 < f->len)
            v |= (uint32_t)((f->in[bit / 8] >> (bit & 7)) & 1) << i;
    }
    return v;
}

int fse_read_counts(const uint8_t *in, size_t len, int16_t *norm, unsigned *nsym,
                    unsigned *log, unsigned max_sym, unsigned max_log)
{
    struct fwd f = { in, len, 0 };
    int32_t remaining, threshold;
    unsigned nbits, sym = 0;

    if (!len)
        return DECOMP_ERR_TRUNCATED;
    *log = fwd_peek(&f, 4) + 5;
    f.pos = 4;
    if (*log > max_log)
        return DECOMP_ERR_CORRUPT;
    remaining = (1 << *log) + 1;
    threshold = 1 << *log;
    nbits = *log + 1;
    while (remaining > 1) {
        int32_t max = 2 * threshold - 1 - remaining, val, count;

        if (sym > max_sym)
            return DECOMP_ERR_CORRUPT;
        val = (int32_t)fwd_peek(&f, nbits - 1);
        if (val < max) {
            f.pos += nbits - 1;
        } else {
            val = (int32_t)fwd_peek(&f, nbits);
            if (val >= threshold)
                val -= max;
            f.pos += nbits;
        }
        count = val - 1;            /* -1: "less than one", takes one cell */
        remaining -= count < 0 ? -count : count;
        norm[sym++] = (int16_t)count;
        if (count == 0) {
            /* Runs of zero counts: 2-bit repeat flags, 3 means "and more". */
            uint32_t rep;
            do {
                rep = fwd_peek(&f, 2);
                f.pos += 2;
                if (sym + rep > max_sym + 1)
                    return DECOMP_ERR_CORRUPT;
                for (uint32_t i = 0; i < rep; i++)
                    norm[sym++] = 0;
            } while (rep == 3 && f.pos / 8 < len);
        }
        while (remaining < threshold) {
            nbits--;
            threshold >>= 1;
        }
        if (f.pos > len * 8)
            return DECOMP_ERR_CORRUPT;
    }
    if (remaining != 1 || f.pos > len * 8)
        return DECOMP_ERR_CORRUPT;
    *nsym = sym;
    return (int)((f.pos + 7) / 8);
}

int fse_build(struct fse_cell *cell, const int16_t *norm, unsigned nsym, unsigned log)
{
    uint32_t size = 1u << log, high = size - 1, pos = 0;
    uint32_t step = (size >> 1) + (size >> 3) + 3, mask = size - 1;
    uint16_t next[256];

    /* "Less than one" symbols take the last cells, one each. */
    for (unsigned s = 0; s < nsym; s++) {
        if (norm[s] == -1) {
            cell[high--].sym = (uint8_t)s;
            next[s] = 1;
        } else {
            next[s] = (uint16_t)norm[s];
        }
    }
    /* The others are spread over the remaining cells with a fixed stride. */
    for (unsigned s = 0; s < nsym; s++) {
        for (int i = 0; i < norm[s]; i++) {
            cell[pos].sym = (uint8_t)s;
            do
                pos = (pos + step) & mask;
            while (pos > high);
        }
    }
    if (pos != 0)
        return DECOMP_ERR_CORRUPT;
    for (uint32_t c = 0; c < size; c++) {
        uint32_t n = next[cell[c].sym]++;
        unsigned bits = log - highbit32(n);
        cell[c].bits = (uint8_t)bits;
        cell[c].base = (uint16_t)((n << bits) - size);
    }
    return DECOMP_OK;
}

void fse_build_rle(struct fse_table *t, uint8_t sym)
{
    t->log = 0;
    t->cell[0].sym = sym;
    t->cell[0].bits = 0;
    t->cell[0].base = 0;
}

/* Huffman weights coded with FSE: two interleaved states on one stream. */
static int huf_fse_weights(const uint8_t *in, size_t len, uint8_t *w, unsigned *nw)
{
    struct fse_cell cell[1 << ZSTD_HW_LOG_MAX];
    int16_t norm[256];
    unsigned nsym, log, s1, s2, n = 0;
    struct bwd b;
    int used, err;

    used = fse_read_counts(in, len, norm, &nsym, &log, 255, ZSTD_HW_LOG_MAX);
    if (used < 0)
        return used;
    if ((err = fse_build(cell, norm, nsym, log)))
        return err;
    if ((err = bwd_init(&b, in + used, len - (size_t)used)))
        return err;
    s1 = bwd_read(&b, log);
    s2 = bwd_read(&b, log);
    if (b.left < 0)
        return DECOMP_ERR_CORRUPT;
    /* Alternate; when an update runs past the stream, the other state's
     * symbol is the last one. */
    for (;;) {
        if (n > 255)
            return DECOMP_ERR_CORRUPT;
        w[n++] = cell[s1].sym;
        s1 = cell[s1].base + bwd_read(&b, cell[s1].bits);
        if (b.left < 0) {
            w[n++] = cell[s2].sym;
            break;
        }
        w[n++] = cell[s2].sym;
        s2 = cell[s2].base + bwd_read(&b, cell[s2].bits);
        if (b.left < 0) {
            w[n++] = cell[s1].sym;
            break;
        }
    }
    if (n > 255)
        return DECOMP_ERR_CORRUPT;
    *nw = n;
    return used;
}

int huf_read_table(struct huf_table *t, const uint8_t *in, size_t len)
{
    uint8_t w[258];
    unsigned nw = 0, max_bits, rank_start[ZSTD_HUF_LOG_MAX + 2];
    uint32_t total = 0, rest;
    size_t used;
    int err;

    if (!len)
        return DECOMP_ERR_TRUNCATED;
    if (in[0] < 128) {
        /* FSE-compressed weights in the next in[0] bytes. */
        if (!in[0])
            return DECOMP_ERR_CORRUPT;
        if ((size_t)in[0] + 1 > len)
            return DECOMP_ERR_TRUNCATED;
        err = huf_fse_weights(in + 1, in[0], w, &nw);
        if (err < 0)
            return err;
        used = 1 + (size_t)in[0];
    } else {
        /* Raw 4-bit weights, two a byte, high nibble first. */
        nw = in[0] - 127u;
        used = 1 + (nw + 1) / 2;
        if (used > len)
            return DECOMP_ERR_TRUNCATED;
        for (unsigned i = 0; i < nw; i++)
            w[i] = (uint8_t)(i & 1 ? in[1 + i / 2] & 15 : in[1 + i / 2] >> 4);
    }
    for (unsigned i = 0; i < nw; i++) {
        if (w[i] > ZSTD_HUF_LOG_MAX)
            return DECOMP_ERR_CORRUPT;
        total += w[i] ? 1u << (w[i] - 1) : 0;
    }
    if (!total)
        return DECOMP_ERR_CORRUPT;
    /* The last symbol's weight is implied: it fills the sum up to a power of two. */
    max_bits = highbit32(total) + 1;
    if (max_bits > ZSTD_HUF_LOG_MAX)
        return DECOMP_ERR_CORRUPT;
    rest = (1u << max_bits) - total;
    if (rest & (rest - 1))
        return DECOMP_ERR_CORRUPT;
    if (nw >= 256)
        return DECOMP_ERR_CORRUPT;
    w[nw++] = (uint8_t)(highbit32(rest) + 1);
    /* Cells: lightest weights (longest codes) first, each symbol 2^(w-1) cells. */
    memset(rank_start, 0, sizeof(rank_start));
    for (unsigned i = 0; i < nw; i++)
        if (w[i])
            rank_start[w[i] + 1] += 1u << (w[i] - 1);
    for (unsigned r = 2; r <= ZSTD_HUF_LOG_MAX + 1; r++)
        rank_start[r] += rank_start[r - 1];
    for (unsigned i = 0; i < nw; i++) {
        unsigned wi = w[i], n, at;
        if (!wi)
            continue;
        n = 1u << (wi - 1);
        at = rank_start[wi];
        rank_start[wi] += n;
        for (unsigned k = 0; k < n; k++) {
            t->cell[at + k].sym = (uint8_t)i;
            t->cell[at + k].bits = (uint8_t)(max_bits + 1 - wi);
        }
    }
    t->log = max_bits;
    return (int)used;
}
