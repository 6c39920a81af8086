/* CRC-32 (gzip, xz), CRC-64 (xz), xxHash32 (lz4) and xxHash64 (zstd). */
#include "decomp_internal.h"

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc = ~crc;
    /* Slicing by 8: one table lookup per byte, eight independent ones per step. */
    while (len >= 8) {
        uint32_t lo = get_le32(p) ^ crc, hi = get_le32(p + 4);
        crc = crc32_table[7][lo & 0xff] ^ crc32_table[6][(lo >> 8) & 0xff] ^
              crc32_table[5][(lo >> 16) & 0xff] ^ crc32_table[4][lo >> 24] ^
              crc32_table[3][hi & 0xff] ^ crc32_table[2][(hi >> 8) & 0xff] ^
              crc32_table[1][(hi >> 16) & 0xff] ^ crc32_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = crc32_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t crc64_update(uint64_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    crc = ~crc;
    while (len--)
        crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#define XXH32_P1 2654435761u
#define XXH32_P2 2246822519u
#define XXH32_P3 3266489917u
#define XXH32_P4 668265263u
#define XXH32_P5 374761393u

DC_INLINE uint32_t rotl32(uint32_t x, unsigned r) { return (x << r) | (x >> (32 - r)); }
DC_INLINE uint64_t rotl64(uint64_t x, unsigned r) { return (x << r) | (x >> (64 - r)); }

DC_INLINE uint32_t xxh32_round(uint32_t acc, uint32_t lane)
{
    return rotl32(acc + lane * XXH32_P2, 13) * XXH32_P1;
}

uint32_t xxh32(const void *buf, size_t len, uint32_t seed)
{
    const uint8_t *p = buf, *end = p + len;
    uint32_t h;

    if (len >= 16) {
        uint32_t v1 = seed + XXH32_P1 + XXH32_P2, v2 = seed + XXH32_P2;
        uint32_t v3 = seed, v4 = seed - XXH32_P1;
        do {
            v1 = xxh32_round(v1, get_le32(p));
            v2 = xxh32_round(v2, get_le32(p + 4));
            v3 = xxh32_round(v3, get_le32(p + 8));
            v4 = xxh32_round(v4, get_le32(p + 12));
            p += 16;
        } while (end - p >= 16);
        h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
    } else {
        h = seed + XXH32_P5;
    }
    h += (uint32_t)len;
    for (; end - p >= 4; p += 4)
        h = rotl32(h + get_le32(p) * XXH32_P3, 17) * XXH32_P4;
    for (; p < end; p++)
        h = rotl32(h + *p * XXH32_P5, 11) * XXH32_P1;
    h ^= h >> 15;
    h *= XXH32_P2;
    h ^= h >> 13;
    h *= XXH32_P3;
    h ^= h >> 16;
    return h;
}

#define XXH64_P1 11400714785074694791ull
#define XXH64_P2 14029467366897019727ull
#define XXH64_P3 1609587929392839161ull
#define XXH64_P4 9650029242287828579ull
#define XXH64_P5 2870177450012600261ull

DC_INLINE uint64_t xxh64_round(uint64_t acc, uint64_t lane)
{
    return rotl64(acc + lane * XXH64_P2, 31) * XXH64_P1;
}

DC_INLINE uint64_t xxh64_merge(uint64_t h, uint64_t v)
{
    return (h ^ xxh64_round(0, v)) * XXH64_P1 + XXH64_P4;
}

uint64_t xxh64(const void *buf, size_t len, uint64_t seed)
{
    const uint8_t *p = buf, *end = p + len;
    uint64_t h;

    if (len >= 32) {
        uint64_t v1 = seed + XXH64_P1 + XXH64_P2, v2 = seed + XXH64_P2;
        uint64_t v3 = seed, v4 = seed - XXH64_P1;
        do {
            v1 = xxh64_round(v1, get_le64(p));
            v2 = xxh64_round(v2, get_le64(p + 8));
            v3 = xxh64_round(v3, get_le64(p + 16));
            v4 = xxh64_round(v4, get_le64(p + 24));
            p += 32;
        } while (end - p >= 32);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xxh64_merge(h, v1);
        h = xxh64_merge(h, v2);
        h = xxh64_merge(h, v3);
        h = xxh64_merge(h, v4);
    } else {
        h = seed + XXH64_P5;
    }
    h += (uint64_t)len;
    for (; end - p >= 8; p += 8)
        h = rotl64(h ^ xxh64_round(0, get_le64(p)), 27) * XXH64_P1 + XXH64_P4;
    if (end - p >= 4) {
        h = rotl64(h ^ (uint64_t)get_le32(p) * XXH64_P1, 23) * XXH64_P2 + XXH64_P3;
        p += 4;
    }
    for (; p < end; p++)
        h = rotl64(h ^ *p * XXH64_P5, 11) * XXH64_P1;
    h ^= h >> 33;
    h *= XXH64_P2;
    h ^= h >> 29;
    h *= XXH64_P3;
    h ^= h >> 32;
    return h;
}
