/* libFuzzer target: the lz4 decoder (legacy and frame) on arbitrary input. */
#include "fuzz_decompress_common.h"

static int lz4_dec(const void *in, size_t in_len, void *out, size_t cap, size_t *olen,
                   size_t *used, void *work, size_t wlen)
{
    (void)work;
    (void)wlen;
    return lz4_decode(in, in_len, out, cap, olen, used);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoder_run(lz4_dec, data, size);
    return 0;
}
