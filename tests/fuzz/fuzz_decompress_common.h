/*
 * Shared body of the decompressor fuzz targets: decode with a roomy buffer,
 * then, when that worked, again with the exact size (same output) and with
 * one byte less (must be refused as OUTPUT_FULL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pvisor/decompress.h>

#define FUZZ_OUT_CAP (1u << 20)

typedef int (*fuzz_decoder)(const void *in, size_t in_len, void *out, size_t out_cap,
                            size_t *out_len, size_t *in_used, void *work, size_t work_len);

static inline void fuzz_decoder_run(fuzz_decoder dec, const uint8_t *data, size_t size)
{
    static uint8_t out[FUZZ_OUT_CAP], again[FUZZ_OUT_CAP], work[DECOMP_WORK_MAX];
    size_t olen = 0, used = 0, olen2 = 0, used2 = 0;
    int err = dec(data, size, out, sizeof(out), &olen, &used, work, sizeof(work));

    if (err) {
        if (err > 0 || err < DECOMP_ERR_NOT_ELF)
            abort();
        return;
    }
    if (olen > sizeof(out) || used > size)
        abort();
    if (dec(data, size, again, olen, &olen2, &used2, work, sizeof(work)) != DECOMP_OK ||
        olen2 != olen || used2 != used || memcmp(out, again, olen))
        abort();
    if (olen && dec(data, size, again, olen - 1, &olen2, &used2, work, sizeof(work)) != DECOMP_ERR_OUTPUT_FULL)
        abort();
}
