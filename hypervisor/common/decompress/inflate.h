/* Raw DEFLATE decoder (common/decompress/inflate.c), used by gzip. */
#ifndef DECOMP_INFLATE_H
#define DECOMP_INFLATE_H

#include "decomp_internal.h"

struct huff {
    uint16_t fast[1 << 10];     /* next 10 bits -> (symbol << 4 | length), 0: longer code */
    uint16_t count[16];         /* codes of each length */
    uint16_t sym[320];          /* symbols in canonical order */
};

struct inflate_state {
    struct huff lit, dist;      /* lit also serves the code-length code */
    uint8_t lens[288 + 32];
};

/* One DEFLATE stream (through its final block) from in into out[0..out_cap);
 * matches may reach back to out[0]. */
int inflate_raw(struct inflate_state *st, const uint8_t *in, size_t in_len, size_t *in_used,
                uint8_t *out, size_t out_cap, size_t *out_len);

#endif
