/* Shared helpers of the decoders in common/decompress/ (not a public API). */
#ifndef DECOMP_INTERNAL_H
#define DECOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pvisor/decompress.h>

#define dc_likely(x)   __builtin_expect(!!(x), 1)
#define dc_unlikely(x) __builtin_expect(!!(x), 0)
#define DC_INLINE static inline __attribute__((always_inline))

extern const uint32_t crc32_table[8][256];
extern const uint64_t crc64_table[256];

/*
 * Fixed-size copies through __builtin_memcpy: the hypervisor is built with
 * -ffreestanding (so -fno-builtin), where a plain memcpy(p, q, 8) would be
 * a call; the builtin is always one or two moves.
 */
#define dc_copy8(d, s)  __builtin_memcpy((d), (s), 8)
#define dc_copy16(d, s) __builtin_memcpy((d), (s), 16)

/* Unaligned little-endian loads and stores (compile to plain moves on x86). */
DC_INLINE uint16_t get_le16(const uint8_t *p) { uint16_t v; __builtin_memcpy(&v, p, 2); return v; }
DC_INLINE uint32_t get_le32(const uint8_t *p) { uint32_t v; __builtin_memcpy(&v, p, 4); return v; }
DC_INLINE uint64_t get_le64(const uint8_t *p) { uint64_t v; __builtin_memcpy(&v, p, 8); return v; }
DC_INLINE void put_le32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }
DC_INLINE uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The workspace may come unaligned; every decoder's state wants 8 bytes. */
#define DC_WORK_ALIGN 16
DC_INLINE void *dc_work_align(void *work, size_t work_len, size_t need)
{
    uintptr_t p = ((uintptr_t)work + DC_WORK_ALIGN - 1) & ~(uintptr_t)(DC_WORK_ALIGN - 1);

    if (!work || work_len < need + DC_WORK_ALIGN)
        return NULL;
    return (void *)p;
}

/* Workspace sizes of each decoder (checked against DECOMP_WORK_MAX). */
size_t xz_work_size(void);
size_t gzip_work_size(void);
size_t zstd_work_size(void);

/* x86 BCJ decoding filter over a whole buffer; start = position of buf[0]
 * in the filter's address space. */
void bcj_x86_decode(uint8_t *buf, size_t len, uint32_t start);

#endif
