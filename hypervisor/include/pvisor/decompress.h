/*
 * Single-call decompressors for the kernel images the dom0 builder is handed:
 * xz (LZMA2, x86 BCJ), lz4 (legacy and frame), gzip, zstd, and the x86
 * bzImage container around them.
 *
 * Contract, the same for every decoder:
 *  - the whole input and the whole output are in memory; the output buffer is
 *    also the LZ dictionary, so nothing of the window is kept elsewhere;
 *  - no allocation: state lives in a caller-supplied workspace of at least
 *    decompress_work_size(fmt) bytes (any alignment; 0 means none needed);
 *  - hostile input is refused with a DECOMP_ERR_* code, never by reading or
 *    writing out of bounds; every loop is bounded by input or output length;
 *  - concatenated streams/frames/members of one format are decoded one after
 *    the other; anything after the last complete one that does not start a
 *    new one (the bzImage's 4-byte size, zero padding) is left alone and
 *    *in_used tells where the compressed data ended.
 * Pure code: includes only <stdint.h> <stddef.h> <stdbool.h> <string.h>.
 */
#ifndef PVISOR_DECOMPRESS_H
#define PVISOR_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decomp_format {
    DECOMP_FMT_UNKNOWN = 0,
    DECOMP_FMT_XZ,          /* FD 37 7A 58 5A 00 */
    DECOMP_FMT_LZ4_LEGACY,  /* 02 21 4C 18 (Linux kernels: lz4 -l) */
    DECOMP_FMT_LZ4_FRAME,   /* 04 22 4D 18 */
    DECOMP_FMT_GZIP,        /* 1F 8B 08 */
    DECOMP_FMT_ZSTD,        /* 28 B5 2F FD, or a skippable frame */
};

enum decomp_err {
    DECOMP_OK = 0,
    DECOMP_ERR_FORMAT = -1,        /* input starts with no known magic */
    DECOMP_ERR_TRUNCATED = -2,     /* input ends inside a stream */
    DECOMP_ERR_CORRUPT = -3,       /* malformed compressed data */
    DECOMP_ERR_HEADER_CHECK = -4,  /* checksum of a header does not match */
    DECOMP_ERR_DATA_CHECK = -5,    /* checksum of the decompressed data does not match */
    DECOMP_ERR_SIZE = -6,          /* a recorded size disagrees with the data */
    DECOMP_ERR_OUTPUT_FULL = -7,   /* output buffer too small */
    DECOMP_ERR_UNSUPPORTED = -8,   /* valid, but a feature we do not decode */
    DECOMP_ERR_WORKSPACE = -9,     /* workspace smaller than decompress_work_size() */
    DECOMP_ERR_BZIMAGE = -10,      /* not a valid x86 bzImage setup header */
    DECOMP_ERR_LIMIT = -11,        /* kernel's uncompressed size over the caller's limit */
    DECOMP_ERR_NOT_ELF = -12,      /* result is not an ELF64 x86-64 image */
};

/* One line naming what failed ("xz/gzip/... data is corrupt" style). */
const char *decompress_strerror(int err);
const char *decompress_format_name(enum decomp_format fmt);

/* Which format the input starts with (by magic only). */
enum decomp_format decompress_sniff(const void *in, size_t in_len);

/* Workspace bytes the decoder of fmt needs (0: none); DECOMP_WORK_MAX covers
 * every format. The values are fixed per format, not per input. */
size_t decompress_work_size(enum decomp_format fmt);
#define DECOMP_WORK_MAX (160u * 1024)

/* Sniff, then decode. *out_len = bytes written, *in_used = bytes of input
 * that belonged to the compressed stream(s); both may be NULL. On error the
 * output buffer holds garbage and *out_len, *in_used are undefined. */
int decompress(const void *in, size_t in_len, void *out, size_t out_cap,
               size_t *out_len, size_t *in_used, void *work, size_t work_len);

/* The individual decoders, same contract (the format must match). */
int xz_decode(const void *in, size_t in_len, void *out, size_t out_cap,
              size_t *out_len, size_t *in_used, void *work, size_t work_len);
int lz4_decode(const void *in, size_t in_len, void *out, size_t out_cap,
               size_t *out_len, size_t *in_used);
int gzip_decode(const void *in, size_t in_len, void *out, size_t out_cap,
                size_t *out_len, size_t *in_used, void *work, size_t work_len);
int zstd_decode(const void *in, size_t in_len, void *out, size_t out_cap,
                size_t *out_len, size_t *in_used, void *work, size_t work_len);

/* Checksums the containers use (exposed for tests and other users). */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);   /* IEEE, init 0 */
uint64_t crc64_update(uint64_t crc, const void *buf, size_t len);   /* ECMA-182 (xz), init 0 */
uint32_t xxh32(const void *buf, size_t len, uint32_t seed);
uint64_t xxh64(const void *buf, size_t len, uint64_t seed);

/*
 * Kernel images: a plain ELF vmlinux, or an x86 bzImage whose payload is
 * compressed. kernel_image_probe() validates the container and reports the
 * size the unpacked ELF needs; kernel_image_unpack() decodes it into out and
 * checks the result is an ELF64 x86-64 image.
 */
struct kernel_image {
    bool is_elf;                /* the input is already an ELF: nothing to do */
    enum decomp_format format;  /* payload compression (bzImage only) */
    uint16_t boot_version;      /* setup header version, e.g. 0x020f */
    size_t payload_offset;      /* byte offset of the payload in the file */
    size_t payload_length;      /* including the trailing 4-byte size */
    size_t unpacked_size;       /* bytes the ELF needs (the input's length if is_elf) */
};

/* limit: largest unpacked size the caller accepts (DECOMP_ERR_LIMIT above). */
int kernel_image_probe(const void *img, size_t len, size_t limit, struct kernel_image *ki);
int kernel_image_unpack(const void *img, size_t len, const struct kernel_image *ki,
                        void *out, size_t out_cap, size_t *out_len,
                        void *work, size_t work_len);
/* ELF64, little-endian, EM_X86_64, ET_EXEC or ET_DYN, header in bounds. */
bool elf_is_x86_64(const void *img, size_t len);

#endif
