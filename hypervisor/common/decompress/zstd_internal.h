/* zstd decoder internals: bit readers and entropy tables (zstd_entropy.c). */
#ifndef DECOMP_ZSTD_INTERNAL_H
#define DECOMP_ZSTD_INTERNAL_H

#include "decomp_internal.h"

#define ZSTD_BLOCK_MAX   (128u << 10)
#define ZSTD_HUF_LOG_MAX 11
#define ZSTD_LL_LOG_MAX  9
#define ZSTD_ML_LOG_MAX  9
#define ZSTD_OF_LOG_MAX  8
#define ZSTD_HW_LOG_MAX  6          /* FSE table of Huffman weights */

/*
 * Backward bit reader: a stream is read from its last byte towards its
 * first; the last byte's highest set bit marks where the data begins.
 * Reading past the first byte yields zero bits and drives `left` negative,
 * which callers test to tell an exact end from an overrun.
 */
struct bwd {
    uint64_t bits;              /* 8 stream bytes at ptr, little-endian */
    unsigned used;              /* bits of `bits` consumed, from the top */
    const uint8_t *ptr, *start;
    int64_t left;               /* bits not yet consumed (< 0: overrun) */
    uint8_t pad[8];             /* short streams are copied here, right-aligned */
};

int bwd_init(struct bwd *b, const uint8_t *p, size_t len);

DC_INLINE void bwd_reload(struct bwd *b)
{
    size_t step = b->used >> 3, room = (size_t)(b->ptr - b->start);

    if (step > room)
        step = room;
    b->ptr -= step;
    b->used -= (unsigned)step * 8;
    b->bits = get_le64(b->ptr);
}

/* n <= 32 bits, reloading first (callers read at most 32 between checks). */
DC_INLINE uint32_t bwd_read(struct bwd *b, unsigned n)
{
    uint32_t v;

    if (!n)
        return 0;
    if (b->used > 32)
        bwd_reload(b);
    v = b->used >= 64 ? 0 : (uint32_t)((b->bits << b->used) >> (64 - n));
    b->used += n;
    b->left -= n;
    return v;
}

DC_INLINE uint32_t bwd_peek(struct bwd *b, unsigned n)
{
    if (b->used > 32)
        bwd_reload(b);
    return b->used >= 64 ? 0 : (uint32_t)((b->bits << b->used) >> (64 - n));
}

DC_INLINE void bwd_skip(struct bwd *b, unsigned n)
{
    b->used += n;
    b->left -= n;
}

/* One FSE decoding-table cell. */
struct fse_cell {
    uint16_t base;              /* next state = base + read(bits) */
    uint8_t sym, bits;
};

struct fse_table {
    unsigned log;
    struct fse_cell cell[1 << ZSTD_LL_LOG_MAX];
};

struct huf_cell {
    uint8_t sym, bits;
};

struct huf_table {
    unsigned log;               /* 0: no table yet */
    struct huf_cell cell[1 << ZSTD_HUF_LOG_MAX];
};

/* Read an FSE table description (forward bits) from in[0..len): normalised
 * counts of up to max_sym+1 symbols with accuracy log <= max_log. Returns
 * bytes used (> 0) or a DECOMP_ERR_*. */
int fse_read_counts(const uint8_t *in, size_t len, int16_t *norm, unsigned *nsym,
                    unsigned *log, unsigned max_sym, unsigned max_log);
int fse_build(struct fse_cell *cell, const int16_t *norm, unsigned nsym, unsigned log);
void fse_build_rle(struct fse_table *t, uint8_t sym);

/* Huffman tree description at in[0..len) into t; returns bytes used or error. */
int huf_read_table(struct huf_table *t, const uint8_t *in, size_t len);

#endif
