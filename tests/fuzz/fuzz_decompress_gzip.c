/* libFuzzer target: the gzip decoder on arbitrary input. */
#include "fuzz_decompress_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoder_run(gzip_decode, data, size);
    return 0;
}
