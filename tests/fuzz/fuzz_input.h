/*
 * The fuzzers' input reader: the libFuzzer buffer consumed a byte at a
 * time, little-endian for wider values, zeros once it runs out (so every
 * input is a complete run).
 */
#ifndef PVISOR_FUZZ_INPUT_H
#define PVISOR_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>

struct in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t byte(struct in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint64_t bytes_le(struct in *in, unsigned int n)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < n; i++)
        v |= (uint64_t)byte(in) << (8 * i);
    return v;
}

static inline uint32_t u32_of(struct in *in) { return (uint32_t)bytes_le(in, 4); }
static inline uint64_t u64_of(struct in *in) { return bytes_le(in, 8); }
#endif
