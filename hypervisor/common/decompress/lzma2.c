/*
 * LZMA2 and the LZMA decoder underneath it: the hot loop of every dom0 boot
 * (the Debian kernel's 66 MB come out of here).
 *
 * Speed: the range decoder (range, code, input pointer) and the LZ state
 * live in locals of one function; bits are decoded by macros, never by
 * calls; matches are copied eight bytes at a time when the distance allows
 * and the output buffer has room for the overshoot.
 *
 * Safety: each LZMA chunk's packed size is checked against the input before
 * decoding, and the decoder only ever reads inside it; the unpacked size is
 * checked against the output capacity first, and every match is checked
 * against the data decoded since the last dictionary reset and against the
 * chunk's end. Every loop iteration produces at least one byte, so the loop
 * is bounded by the chunk's unpacked size (at most 2 MiB).
 */
#include "lzma.h"

#define RC_TOP        (1u << 24)
#define PROB_BITS     11
#define PROB_INIT     (1u << (PROB_BITS - 1))
#define MOVE_BITS     5
#define MATCH_LEN_MIN 2

/* Normalise before each bit: one byte in when the range drops below 2^24. */
#define RC_NORM() do { \
        if (range < RC_TOP) { \
            if (dc_unlikely(ip == ip_end)) \
                goto e_corrupt; \
            range <<= 8; \
            code = (code << 8) | *ip++; \
        } \
    } while (0)

/* Decode one bit with probability *prob into `bit` (0 or 1), branching. */
#define RC_BIT(prob, bit) do { \
        uint16_t *p_ = (prob); \
        uint32_t pv_ = *p_, bound_; \
        RC_NORM(); \
        bound_ = (range >> PROB_BITS) * pv_; \
        if (code < bound_) { \
            range = bound_; \
            *p_ = (uint16_t)(pv_ + (((1u << PROB_BITS) - pv_) >> MOVE_BITS)); \
            bit = 0; \
        } else { \
            range -= bound_; \
            code -= bound_; \
            *p_ = (uint16_t)(pv_ - (pv_ >> MOVE_BITS)); \
            bit = 1; \
        } \
    } while (0)

/*
 * The same without a branch on the bit (selects by mask): for literal and
 * tree bits, which are close to random and would mispredict half the time
 * (and, under QEMU's TCG, end a translation block each time).
 */
#define RC_BIT_SEL(prob, bit) do { \
        uint16_t *p_ = (prob); \
        uint32_t pv_ = *p_, bound_, m_; \
        RC_NORM(); \
        bound_ = (range >> PROB_BITS) * pv_; \
        m_ = 0u - (uint32_t)(code >= bound_); \
        range = bound_ + ((range - 2 * bound_) & m_); \
        code -= bound_ & m_; \
        /* p += (target - p) >> 5, arithmetic: target 2048 for a 0, and 31 \
         * for a 1, which rounds exactly like p - (p >> 5) */ \
        *p_ = (uint16_t)(pv_ + (uint32_t)((int32_t)((1u << PROB_BITS) - (m_ & ((1u << PROB_BITS) - 31)) - pv_) >> MOVE_BITS)); \
        bit = m_ & 1; \
    } while (0)

/* MSB-first bit tree of n bits; result in [0, 2^n). */
#define RC_TREE(probs, n, out) do { \
        uint32_t s_ = 1, b_; \
        for (unsigned i_ = 0; i_ < (n); i_++) { \
            RC_BIT_SEL(&(probs)[s_], b_); \
            s_ = (s_ << 1) | b_; \
        } \
        out = s_ - (1u << (n)); \
    } while (0)

/* LSB-first (reverse) bit tree of n bits. */
#define RC_RTREE(probs, n, out) do { \
        uint32_t s_ = 1, r_ = 0, b_; \
        for (unsigned i_ = 0; i_ < (n); i_++) { \
            RC_BIT_SEL(&(probs)[s_], b_); \
            s_ = (s_ << 1) | b_; \
            r_ |= b_ << i_; \
        } \
        out = r_; \
    } while (0)

/* Match length (2..273) from the length coder lp. */
#define LZMA_LEN(lp, out) do { \
        uint32_t c_; \
        RC_BIT(&(lp)->choice, c_); \
        if (!c_) { \
            RC_TREE((lp)->low[pos_state], 3, out); \
            out += MATCH_LEN_MIN; \
        } else { \
            RC_BIT(&(lp)->choice2, c_); \
            if (!c_) { \
                RC_TREE((lp)->mid[pos_state], 3, out); \
                out += MATCH_LEN_MIN + 8; \
            } else { \
                RC_TREE((lp)->high, 8, out); \
                out += MATCH_LEN_MIN + 16; \
            } \
        } \
    } while (0)

static void lzma_reset_state(struct lzma2_dec *s)
{
    uint16_t *p = (uint16_t *)&s->p;
    size_t n = offsetof(struct lzma_probs, literal) / sizeof(uint16_t) +
               (0x300u << (s->lc + s->lp));

    for (size_t i = 0; i < n; i++)
        p[i] = PROB_INIT;
    s->state = 0;
    s->rep0 = s->rep1 = s->rep2 = s->rep3 = 0;
}

/*
 * One LZMA chunk: packed bytes [ip, ip_end) produce dict[pos, end).
 * dict is the output since the last dictionary reset, cap its capacity
 * (>= end; bytes in [end, cap) may be scribbled on by wide copies).
 */
static int lzma_chunk(struct lzma2_dec *s, const uint8_t *ip, const uint8_t *ip_end,
                      uint8_t *dict, size_t pos, size_t end, size_t cap, uint32_t dict_size)
{
    struct lzma_probs *pr = &s->p;
    uint32_t range = 0xffffffffu, code;
    uint32_t state = s->state, rep0 = s->rep0, rep1 = s->rep1, rep2 = s->rep2, rep3 = s->rep3;
    const uint32_t pb_mask = (1u << s->pb) - 1, lp_mask = (1u << s->lp) - 1;
    const unsigned lc = s->lc;
    /* Largest distance+1 a match may have: what is decoded, within the dictionary. */
    const size_t dict_lim = dict_size;

    if (ip_end - ip < 5 || ip[0] != 0)
        return DECOMP_ERR_CORRUPT;
    code = get_be32(ip + 1);
    ip += 5;

    while (pos < end) {
        uint32_t pos_state = (uint32_t)pos & pb_mask, bit, len, dist;

        RC_BIT(&pr->is_match[state][pos_state], bit);
        if (!bit) {
            /* Literal: context from the position's low bits and the previous byte. */
            uint32_t prev = pos ? dict[pos - 1] : 0, sym = 1;
            uint16_t *lit = pr->literal[(((uint32_t)pos & lp_mask) << lc) + (prev >> (8 - lc))];

            if (state < 7) {
                do {
                    RC_BIT_SEL(&lit[sym], bit);
                    sym = (sym << 1) | bit;
                } while (sym < 0x100);
                state = state < 4 ? 0 : state - 3;
            } else {
                /* After a match: the byte at rep0 picks the probabilities
                 * (0x100 + its bit * 0x100) while the decoded bits agree
                 * with it; from the first difference on (`same` becomes 0)
                 * the plain ones. */
                uint32_t mb = dict[pos - rep0 - 1], same = 0x100;
                do {
                    uint32_t mbit;
                    mb <<= 1;
                    mbit = mb & same;
                    RC_BIT_SEL(&lit[same + mbit + sym], bit);
                    sym = (sym << 1) | bit;
                    same &= ~(mbit ^ (0u - bit));
                } while (sym < 0x100);
                state = state < 10 ? state - 3 : state - 6;
            }
            dict[pos++] = (uint8_t)sym;
            continue;
        }

        RC_BIT(&pr->is_rep[state], bit);
        if (!bit) {
            /* A new match: length, then distance slot and extra bits. */
            uint32_t slot;
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            LZMA_LEN(&pr->len, len);
            state = state < 7 ? 7 : 10;
            RC_TREE(pr->dist_slot[len < 5 ? len - MATCH_LEN_MIN : 3], 6, slot);
            if (slot < 4) {
                dist = slot;
            } else {
                uint32_t nd = (slot >> 1) - 1, extra;
                dist = (2 | (slot & 1)) << nd;
                if (slot < 14) {
                    RC_RTREE(pr->dist_special + dist - slot - 1, nd, extra);
                    dist += extra;
                } else {
                    /* Direct bits, then four align bits through a reverse tree. */
                    dist = 2 | (slot & 1);
                    for (uint32_t i = nd - 4; i; i--) {
                        RC_NORM();
                        range >>= 1;
                        if (code >= range) {
                            code -= range;
                            dist = (dist << 1) | 1;
                        } else {
                            dist <<= 1;
                        }
                    }
                    dist <<= 4;
                    RC_RTREE(pr->dist_align, 4, extra);
                    dist += extra;
                    if (dist == 0xffffffffu)
                        goto e_corrupt;     /* end marker: not allowed in LZMA2 */
                }
            }
            rep0 = dist;
        } else {
            RC_BIT(&pr->is_rep0[state], bit);
            if (!bit) {
                RC_BIT(&pr->is_rep0_long[state][pos_state], bit);
                if (!bit) {
                    /* Short rep: one byte from rep0. */
                    if (dc_unlikely(rep0 >= pos))
                        goto e_corrupt;
                    state = state < 7 ? 9 : 11;
                    dict[pos] = dict[pos - rep0 - 1];
                    pos++;
                    continue;
                }
            } else {
                RC_BIT(&pr->is_rep1[state], bit);
                if (!bit) {
                    dist = rep1;
                } else {
                    RC_BIT(&pr->is_rep2[state], bit);
                    if (!bit) {
                        dist = rep2;
                    } else {
                        dist = rep3;
                        rep3 = rep2;
                    }
                    rep2 = rep1;
                }
                rep1 = rep0;
                rep0 = dist;
            }
            LZMA_LEN(&pr->rep_len, len);
            state = state < 7 ? 8 : 11;
        }

        /* Copy len bytes from rep0 + 1 back. */
        if (dc_unlikely(rep0 >= pos || rep0 >= dict_lim || len > end - pos))
            goto e_corrupt;
        {
            uint8_t *op = dict + pos;
            const uint8_t *m = op - rep0 - 1;
            if (dc_likely(rep0 >= 7 && cap - pos >= len + 8)) {
                uint8_t *oe = op + len;
                do {
                    uint64_t v;
                    dc_copy8(&v, m);
                    dc_copy8(op, &v);
                    op += 8;
                    m += 8;
                } while (op < oe);
            } else if (rep0 == 0) {
                memset(op, *m, len);
            } else {
                for (uint32_t i = 0; i < len; i++)
                    op[i] = m[i];
            }
            pos += len;
        }
    }

    /* The chunk ends on a symbol boundary with the coder flushed. */
    RC_NORM();
    if (ip != ip_end || code != 0)
        return DECOMP_ERR_CORRUPT;
    s->state = state;
    s->rep0 = rep0;
    s->rep1 = rep1;
    s->rep2 = rep2;
    s->rep3 = rep3;
    return DECOMP_OK;

e_corrupt:
    return DECOMP_ERR_CORRUPT;
}

int lzma2_decode(struct lzma2_dec *s, const uint8_t *in, size_t in_len, size_t *in_used,
                 uint8_t *out, size_t out_cap, size_t *out_len, uint32_t dict_size)
{
    size_t ip = 0, op = 0, dict_off = 0;
    bool need_dict_reset = true, need_props = true;

    for (;;) {
        uint32_t c, usize, psize;

        if (ip >= in_len)
            return DECOMP_ERR_TRUNCATED;
        c = in[ip++];
        if (c == 0)
            break;
        if (c >= 0xe0 || c == 0x01) {
            need_props = true;
            need_dict_reset = false;
            dict_off = op;
        } else if (need_dict_reset) {
            return DECOMP_ERR_CORRUPT;
        }
        if (c >= 0x80) {
            int err;
            if (in_len - ip < (c >= 0xc0 ? 5u : 4u))
                return DECOMP_ERR_TRUNCATED;
            usize = ((c & 0x1f) << 16) + ((uint32_t)in[ip] << 8) + in[ip + 1] + 1;
            psize = ((uint32_t)in[ip + 2] << 8) + in[ip + 3] + 1;
            ip += 4;
            if (c >= 0xc0) {
                uint32_t pr = in[ip++];
                if (pr >= 9 * 5 * 5)
                    return DECOMP_ERR_CORRUPT;
                s->lc = pr % 9;
                pr /= 9;
                s->lp = pr % 5;
                s->pb = pr / 5;
                if (s->lc + s->lp > 4)
                    return DECOMP_ERR_CORRUPT;
                need_props = false;
            } else if (need_props) {
                return DECOMP_ERR_CORRUPT;
            }
            if (c >= 0xa0)
                lzma_reset_state(s);
            if (psize > in_len - ip)
                return DECOMP_ERR_TRUNCATED;
            if (usize > out_cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            err = lzma_chunk(s, in + ip, in + ip + psize, out + dict_off, op - dict_off,
                             op - dict_off + usize, out_cap - dict_off, dict_size);
            if (err)
                return err;
            ip += psize;
            op += usize;
        } else if (c <= 0x02) {
            if (in_len - ip < 2)
                return DECOMP_ERR_TRUNCATED;
            usize = ((uint32_t)in[ip] << 8) + in[ip + 1] + 1;
            ip += 2;
            if (usize > in_len - ip)
                return DECOMP_ERR_TRUNCATED;
            if (usize > out_cap - op)
                return DECOMP_ERR_OUTPUT_FULL;
            memcpy(out + op, in + ip, usize);
            ip += usize;
            op += usize;
        } else {
            return DECOMP_ERR_CORRUPT;
        }
    }
    *in_used = ip;
    *out_len = op;
    return DECOMP_OK;
}
