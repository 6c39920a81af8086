/*
 * DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman
 * blocks, into a flat output buffer that is also the 32 KiB window.
 *
 * Huffman decoding: a 2^10-entry table indexed by the next ten input bits
 * resolves every code up to ten bits in one lookup; longer (rare) codes are
 * walked bit by bit over the canonical code counts. Only complete code sets
 * are accepted, except the single-code sets RFC 1951 allows.
 */
#include "inflate.h"

#define FAST_BITS 10
#define MAX_BITS  15

static const uint16_t len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
/* Order in which the code-length code's lengths are sent. */
static const uint8_t clen_order[19] = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

/* Bit reader: LSB first; bits past the end of input read as a truncation. */
struct bits {
    const uint8_t *ip, *iend;
    uint64_t buf;
    unsigned n;
};

DC_INLINE bool bits_need(struct bits *b, unsigned n)
{
    while (b->n < n) {
        if (b->ip == b->iend)
            return false;
        b->buf |= (uint64_t)*b->ip++ << b->n;
        b->n += 8;
    }
    return true;
}

/* Top up to at least 56 bits when eight input bytes are at hand. */
DC_INLINE void bits_refill(struct bits *b)
{
    if (b->iend - b->ip >= 8) {
        b->buf |= get_le64(b->ip) << b->n;
        b->ip += (63 - b->n) >> 3;
        b->n |= 56;
    }
}

DC_INLINE uint32_t bits_take(struct bits *b, unsigned n)
{
    uint32_t v = (uint32_t)(b->buf & (((uint64_t)1 << n) - 1));
    b->buf >>= n;
    b->n -= n;
    return v;
}

/* Build the decoding table of lens[0..n); DECOMP_OK or DECOMP_ERR_CORRUPT. */
static int huff_build(struct huff *h, const uint8_t *lens, unsigned n)
{
    uint16_t offs[MAX_BITS + 2], next[MAX_BITS + 1];
    int left = 1;
    unsigned used = 0;

    memset(h->count, 0, sizeof(h->count));
    for (unsigned i = 0; i < n; i++)
        h->count[lens[i]]++;
    h->count[0] = 0;
    for (unsigned l = 1; l <= MAX_BITS; l++) {
        left = (left << 1) - h->count[l];
        if (left < 0)
            return DECOMP_ERR_CORRUPT;      /* over-subscribed */
        used += h->count[l];
    }
    /* Incomplete sets: only the lone one-bit code RFC 1951 permits (or none). */
    if (left > 0 && used > 1)
        return DECOMP_ERR_CORRUPT;
    offs[1] = 0;
    for (unsigned l = 1; l <= MAX_BITS; l++)
        offs[l + 1] = offs[l] + h->count[l];
    /* Canonical codes: each length's first code follows the previous length's last. */
    for (unsigned l = 1, code = 0; l <= MAX_BITS; l++) {
        code = (code + h->count[l - 1]) << 1;
        next[l] = (uint16_t)code;
    }
    memset(h->fast, 0, sizeof(h->fast));
    for (unsigned s = 0; s < n; s++) {
        unsigned l = lens[s], code, rev = 0;
        if (!l)
            continue;
        h->sym[offs[l]++] = (uint16_t)s;
        code = next[l]++;
        for (unsigned i = 0; i < l; i++)
            rev |= ((code >> i) & 1) << (l - 1 - i);
        if (l <= FAST_BITS)
            for (unsigned k = rev; k < (1u << FAST_BITS); k += 1u << l)
                h->fast[k] = (uint16_t)(s << 4 | l);
    }
    return DECOMP_OK;
}

/* Next symbol; -1 if the input ends, -2 if the bits are no code. */
DC_INLINE int huff_decode(const struct huff *h, struct bits *b)
{
    unsigned e, code = 0, first = 0, index = 0;

    if (b->n < MAX_BITS) {
        bits_refill(b);
        if (b->n < MAX_BITS) {
            /* Near the end: peek what there is; a short code may still fit. */
            while (b->n < MAX_BITS && b->ip < b->iend) {
                b->buf |= (uint64_t)*b->ip++ << b->n;
                b->n += 8;
            }
        }
    }
    e = h->fast[b->buf & ((1u << FAST_BITS) - 1)];
    if (dc_likely(e)) {
        if ((e & 15) > b->n)
            return -1;
        bits_take(b, e & 15);
        return e >> 4;
    }
    /* Long code: walk the canonical code one bit at a time. */
    for (unsigned l = 1; l <= MAX_BITS; l++) {
        if (l > b->n)
            return -1;
        code |= (b->buf >> (l - 1)) & 1;
        if (code - first < h->count[l]) {
            bits_take(b, l);
            return h->sym[index + code - first];
        }
        index += h->count[l];
        first = (first + h->count[l]) << 1;
        code <<= 1;
    }
    return -2;
}

static int inflate_codes(struct inflate_state *st, struct bits *b, uint8_t *out,
                         size_t out_cap, size_t *op_io)
{
    size_t op = *op_io;

    for (;;) {
        int sym = huff_decode(&st->lit, b);
        uint32_t len, dist;

        if (dc_unlikely(sym < 0))
            return sym == -1 ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_CORRUPT;
        if (sym < 256) {
            if (dc_unlikely(op >= out_cap))
                return DECOMP_ERR_OUTPUT_FULL;
            out[op++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            break;
        sym -= 257;
        if (dc_unlikely(sym >= 29))
            return DECOMP_ERR_CORRUPT;
        if (!bits_need(b, len_extra[sym]))
            return DECOMP_ERR_TRUNCATED;
        len = len_base[sym] + bits_take(b, len_extra[sym]);
        sym = huff_decode(&st->dist, b);
        if (dc_unlikely(sym < 0))
            return sym == -1 ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_CORRUPT;
        if (dc_unlikely(sym >= 30))
            return DECOMP_ERR_CORRUPT;
        if (!bits_need(b, dist_extra[sym]))
            return DECOMP_ERR_TRUNCATED;
        dist = dist_base[sym] + bits_take(b, dist_extra[sym]);
        if (dc_unlikely(dist > op))
            return DECOMP_ERR_CORRUPT;
        if (dc_unlikely(len > out_cap - op))
            return DECOMP_ERR_OUTPUT_FULL;
        {
            uint8_t *d = out + op;
            const uint8_t *s = d - dist;
            if (dist >= 8 && out_cap - op >= len + 8) {
                uint8_t *e = d + len;
                do {
                    dc_copy8(d, s);
                    d += 8;
                    s += 8;
                } while (d < e);
            } else {
                for (uint32_t i = 0; i < len; i++)
                    d[i] = s[i];
            }
            op += len;
        }
    }
    *op_io = op;
    return DECOMP_OK;
}

static int inflate_dynamic(struct inflate_state *st, struct bits *b)
{
    unsigned nlit, ndist, nclen, i = 0;
    int err;

    if (!bits_need(b, 14))
        return DECOMP_ERR_TRUNCATED;
    nlit = bits_take(b, 5) + 257;
    ndist = bits_take(b, 5) + 1;
    nclen = bits_take(b, 4) + 4;
    if (nlit > 286 || ndist > 30)
        return DECOMP_ERR_CORRUPT;
    memset(st->lens, 0, 19);
    for (unsigned k = 0; k < nclen; k++) {
        if (!bits_need(b, 3))
            return DECOMP_ERR_TRUNCATED;
        st->lens[clen_order[k]] = (uint8_t)bits_take(b, 3);
    }
    if ((err = huff_build(&st->lit, st->lens, 19)))
        return err;
    while (i < nlit + ndist) {
        int sym = huff_decode(&st->lit, b);
        unsigned rep, val = 0;
        if (sym < 0)
            return sym == -1 ? DECOMP_ERR_TRUNCATED : DECOMP_ERR_CORRUPT;
        if (sym < 16) {
            st->lens[i++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (!i)
                return DECOMP_ERR_CORRUPT;     /* nothing to repeat */
            val = st->lens[i - 1];
            if (!bits_need(b, 2))
                return DECOMP_ERR_TRUNCATED;
            rep = 3 + bits_take(b, 2);
        } else if (sym == 17) {
            if (!bits_need(b, 3))
                return DECOMP_ERR_TRUNCATED;
            rep = 3 + bits_take(b, 3);
        } else {
            if (!bits_need(b, 7))
                return DECOMP_ERR_TRUNCATED;
            rep = 11 + bits_take(b, 7);
        }
        if (rep > nlit + ndist - i)
            return DECOMP_ERR_CORRUPT;
        memset(st->lens + i, (int)val, rep);
        i += rep;
    }
    if (!st->lens[256])
        return DECOMP_ERR_CORRUPT;             /* no end-of-block code */
    if ((err = huff_build(&st->lit, st->lens, nlit)))
        return err;
    return huff_build(&st->dist, st->lens + nlit, ndist);
}

static void inflate_fixed(struct inflate_state *st)
{
    unsigned i = 0;

    for (; i < 144; i++) st->lens[i] = 8;
    for (; i < 256; i++) st->lens[i] = 9;
    for (; i < 280; i++) st->lens[i] = 7;
    for (; i < 288; i++) st->lens[i] = 8;
    for (; i < 288 + 32; i++) st->lens[i] = 5;   /* 30 and 31 exist but are invalid */
    huff_build(&st->lit, st->lens, 288);
    huff_build(&st->dist, st->lens + 288, 32);
}

int inflate_raw(struct inflate_state *st, const uint8_t *in, size_t in_len, size_t *in_used,
                uint8_t *out, size_t out_cap, size_t *out_len)
{
    struct bits b = { in, in + in_len, 0, 0 };
    size_t op = 0;
    unsigned final;

    do {
        unsigned type;
        int err;

        if (!bits_need(&b, 3))
            return DECOMP_ERR_TRUNCATED;
        final = bits_take(&b, 1);
        type = bits_take(&b, 2);
        if (type == 0) {
            /* Stored: byte-align, then LEN and its complement. */
            size_t len;
            bits_take(&b, b.n & 7);
            if (!bits_need(&b, 32))
                return DECOMP_ERR_TRUNCATED;
            len = bits_take(&b, 16);
            if ((bits_take(&b, 16) ^ 0xffff) != len)
                return DECOMP_ERR_CORRUPT;
            /* Give back whole bytes still buffered, then copy from the input. */
            b.ip -= b.n >> 3;
            b.buf = 0;
            b.n = 0;
            if (len > (size_t)(b.iend - b.ip))
                return DECOMP_ERR_TRUNCATED;
            if (len > out_cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            memcpy(out + op, b.ip, len);
            b.ip += len;
            op += len;
            continue;
        }
        if (type == 1)
            inflate_fixed(st);
        else if (type == 2 && (err = inflate_dynamic(st, &b)))
            return err;
        else if (type == 3)
            return DECOMP_ERR_CORRUPT;
        if ((err = inflate_codes(st, &b, out, out_cap, &op)))
            return err;
    } while (!final);
    /* Whole bytes left in the bit buffer were not part of the stream. */
    *in_used = (size_t)(b.ip - in) - (b.n >> 3);
    *out_len = op;
    return DECOMP_OK;
}
