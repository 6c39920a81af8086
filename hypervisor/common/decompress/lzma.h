/* LZMA2 decoder state (common/decompress/lzma2.c), used by the xz container. */
#ifndef DECOMP_LZMA_H
#define DECOMP_LZMA_H

#include "decomp_internal.h"

#define LZMA_STATES      12
#define LZMA_POS_MAX     16     /* 1 << pb, pb <= 4 */
#define LZMA_LIT_CTX_MAX 16     /* 1 << (lc + lp), LZMA2 allows lc + lp <= 4 */

struct lzma_len_probs {
    uint16_t choice, choice2;
    uint16_t low[LZMA_POS_MAX][8];
    uint16_t mid[LZMA_POS_MAX][8];
    uint16_t high[256];
};

/* Adaptive bit probabilities, 11-bit fixed point (1024 = one half). */
struct lzma_probs {
    uint16_t is_match[LZMA_STATES][LZMA_POS_MAX];
    uint16_t is_rep[LZMA_STATES], is_rep0[LZMA_STATES];
    uint16_t is_rep1[LZMA_STATES], is_rep2[LZMA_STATES];
    uint16_t is_rep0_long[LZMA_STATES][LZMA_POS_MAX];
    uint16_t dist_slot[4][64];
    uint16_t dist_special[114];     /* reverse trees of slots 4..13 */
    uint16_t dist_align[16];
    struct lzma_len_probs len, rep_len;
    uint16_t literal[LZMA_LIT_CTX_MAX][0x300];
};

struct lzma2_dec {
    struct lzma_probs p;
    uint32_t state, rep0, rep1, rep2, rep3;
    unsigned lc, lp, pb;
};

/*
 * Decode one LZMA2 stream (up to and including its end byte 0x00) from
 * in[0..in_len) into out[0..out_cap); out is the dictionary. dict_size
 * bounds match distances. *in_used / *out_len report what was used.
 */
int lzma2_decode(struct lzma2_dec *s, const uint8_t *in, size_t in_len, size_t *in_used,
                 uint8_t *out, size_t out_cap, size_t *out_len, uint32_t dict_size);

#endif
