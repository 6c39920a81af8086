/*
 * libFuzzer target: pvctl's kernel loader (toolstack/pvctl/image.c) on any
 * bytes — ELF headers and Xen notes, bzImage setup headers, payloads for
 * Debian's xz/lz4/zlib/zstd decoders — and, when an image is accepted,
 * the domU layout computed from its notes. Invariants: no out-of-bounds
 * access (ASan), an accepted kernel's segments lie inside its ELF, the
 * bytes of a segment the builder skips as zero are zero, a refusal is one
 * line. Seeds (tests/fuzz/corpus/fuzz_pvctl_image): a PV kernel (the test
 * guest lowboot-0.elf, stripped) and two bzImages of the decompressor's
 * corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pvisor/pv_layout.h>
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kernel k;
    char err[300];

    if (kernel_from_bytes(data, size, 64u << 20, &k, err, sizeof(err))) {
        if (strchr(err, '\n'))
            abort();
        return 0;
    }
    for (unsigned i = 0; i < k.info.nr_segs; i++) {
        const struct pv_elf_seg *s = &k.info.segs[i];
        if (s->offset > k.elf_len || s->filesz > k.elf_len - s->offset)
            abort();
        /* the parts pvctl writes (the rest of fresh memory stays zero):
         * in order, inside the segment, and every byte left out is zero */
        struct kernel_range *r;
        size_t n;
        uint64_t end = 0;
        if (kernel_seg_data(&k, s, (unsigned)(size * 257 + i) & 4095, &r, &n))
            abort();
        for (size_t j = 0; j <= n; j++) {
            uint64_t from = j < n ? r[j].from : s->filesz;
            if (from < end || from > s->filesz || (j < n && (!r[j].len || r[j].len > s->filesz - from)))
                abort();
            for (uint64_t b = end; b < from; b++)
                if (k.elf[s->offset + b])
                    abort();
            if (j < n)
                end = from + r[j].len;
        }
        free(r);
    }
    struct pv_layout l;
    const char *why;
    struct pv_layout_in in = {
        .flavour = PV_LAYOUT_DOMU, .virt_base = k.info.virt_base,
        .virt_kstart = k.info.virt_kstart, .virt_kend = k.info.virt_kend,
        .nr_pages = 8192, .initrd_len = size,
        .p2m_base = k.info.has_init_p2m ? k.info.init_p2m : 0, .mod_start_pfn = k.info.mod_start_pfn,
    };
    if (!pv_layout_compute(&in, &l, &why) && l.pages_used > in.nr_pages)
        abort();
    kernel_free(&k);
    return 0;
}
