/* memcpy and memset for the hypervisor, shaped for emulated CPUs. */
#include <string.h>

/*
 * Bulk copies and fills. Under emulation (QEMU TCG) one `rep movs`/`rep stos`
 * iteration costs about as much as a whole translated block, so the bulk
 * moves 64 bytes per loop iteration through registers (about five times
 * faster for copies, a little for fills); only the tail uses strings. The
 * attribute keeps GCC from turning these loops back into memcpy/memset calls.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Any alignment, any object type: plain 8-byte moves on x86. */
typedef unsigned long __attribute__((aligned(1), may_alias)) word_t;

NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    word_t *d = dst;
    const word_t *s = src;
    size_t q, r;

    for (size_t blocks = n >> 6; blocks; blocks--, d += 8, s += 8) {
        word_t a = s[0], b = s[1], c = s[2], e = s[3], f = s[4], g = s[5], h = s[6], k = s[7];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e; d[4] = f; d[5] = g; d[6] = h; d[7] = k;
    }
    q = (n & 63) >> 3;
    r = n & 7;
    __asm__ __volatile__("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(r) : : "memory");
    return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    word_t *d = dst;
    unsigned long v = (unsigned char)c * 0x0101010101010101ul;
    size_t q, r;

    for (size_t blocks = n >> 6; blocks; blocks--, d += 8) {
        d[0] = v; d[1] = v; d[2] = v; d[3] = v; d[4] = v; d[5] = v; d[6] = v; d[7] = v;
    }
    q = (n & 63) >> 3;
    r = n & 7;
    __asm__ __volatile__("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
    return dst;
}
