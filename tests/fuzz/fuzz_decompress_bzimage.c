/* libFuzzer target: kernel image probe and unpack (bzImage or ELF). */
#include "fuzz_decompress_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[FUZZ_OUT_CAP], work[DECOMP_WORK_MAX];
    struct kernel_image ki;
    size_t olen = 0;
    int err = kernel_image_probe(data, size, sizeof(out), &ki);

    if (err)
        return 0;
    if (ki.unpacked_size > sizeof(out) || (!ki.is_elf && ki.payload_offset + ki.payload_length > size))
        abort();
    err = kernel_image_unpack(data, size, &ki, out, sizeof(out), &olen, work, sizeof(work));
    if (!err && (olen != ki.unpacked_size || !elf_is_x86_64(out, olen)))
        abort();
    return 0;
}
