/* Format sniffing, the one entry point, workspace sizes and error strings. */
#include "decomp_internal.h"

enum decomp_format decompress_sniff(const void *in_, size_t in_len)
{
    static const uint8_t xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
    const uint8_t *in = in_;
    size_t p = 0;

    if (in_len >= 6 && !memcmp(in, xz, 6))
        return DECOMP_FMT_XZ;
    if (in_len >= 3 && in[0] == 0x1f && in[1] == 0x8b && in[2] == 8)
        return DECOMP_FMT_GZIP;
    /* Skippable frames (shared by lz4 and zstd) say nothing: look past them. */
    while (in_len - p >= 4) {
        uint32_t m = get_le32(in + p);
        if (m == 0x184C2102u)
            return DECOMP_FMT_LZ4_LEGACY;
        if (m == 0x184D2204u)
            return DECOMP_FMT_LZ4_FRAME;
        if (m == 0xFD2FB528u)
            return DECOMP_FMT_ZSTD;
        if ((m & 0xfffffff0u) != 0x184D2A50u || in_len - p < 8 ||
            get_le32(in + p + 4) > in_len - p - 8)
            break;
        p += 8 + (size_t)get_le32(in + p + 4);
    }
    return DECOMP_FMT_UNKNOWN;
}

size_t decompress_work_size(enum decomp_format fmt)
{
    switch (fmt) {
    case DECOMP_FMT_XZ:
        return xz_work_size();
    case DECOMP_FMT_GZIP:
        return gzip_work_size();
    case DECOMP_FMT_ZSTD:
        return zstd_work_size();
    default:
        return 0;
    }
}

int decompress(const void *in, size_t in_len, void *out, size_t out_cap,
               size_t *out_len, size_t *in_used, void *work, size_t work_len)
{
    switch (decompress_sniff(in, in_len)) {
    case DECOMP_FMT_XZ:
        return xz_decode(in, in_len, out, out_cap, out_len, in_used, work, work_len);
    case DECOMP_FMT_LZ4_LEGACY:
    case DECOMP_FMT_LZ4_FRAME:
        return lz4_decode(in, in_len, out, out_cap, out_len, in_used);
    case DECOMP_FMT_GZIP:
        return gzip_decode(in, in_len, out, out_cap, out_len, in_used, work, work_len);
    case DECOMP_FMT_ZSTD:
        return zstd_decode(in, in_len, out, out_cap, out_len, in_used, work, work_len);
    default:
        return DECOMP_ERR_FORMAT;
    }
}

const char *decompress_format_name(enum decomp_format fmt)
{
    switch (fmt) {
    case DECOMP_FMT_XZ:         return "xz";
    case DECOMP_FMT_LZ4_LEGACY: return "lz4 (legacy frame)";
    case DECOMP_FMT_LZ4_FRAME:  return "lz4";
    case DECOMP_FMT_GZIP:       return "gzip";
    case DECOMP_FMT_ZSTD:       return "zstd";
    default:                    return "unknown";
    }
}

const char *decompress_strerror(int err)
{
    switch (err) {
    case DECOMP_OK:
        return "success";
    case DECOMP_ERR_FORMAT:
        return "not a compressed stream this decoder knows (xz, lz4, gzip, zstd)";
    case DECOMP_ERR_TRUNCATED:
        return "compressed data is truncated: the file was cut short, copy it again";
    case DECOMP_ERR_CORRUPT:
        return "compressed data is corrupt";
    case DECOMP_ERR_HEADER_CHECK:
        return "header checksum mismatch: the compressed file is damaged";
    case DECOMP_ERR_DATA_CHECK:
        return "checksum of the decompressed data does not match: the file is damaged";
    case DECOMP_ERR_SIZE:
        return "a size recorded in the compressed file disagrees with its data";
    case DECOMP_ERR_OUTPUT_FULL:
        return "decompressed data does not fit in the output buffer";
    case DECOMP_ERR_UNSUPPORTED:
        return "compressed file uses a feature this decoder does not support";
    case DECOMP_ERR_WORKSPACE:
        return "decoder workspace too small (see decompress_work_size)";
    case DECOMP_ERR_BZIMAGE:
        return "kernel image is neither ELF nor a valid x86 bzImage (need boot protocol >= 2.08)";
    case DECOMP_ERR_LIMIT:
        return "kernel's uncompressed size is over the allowed limit";
    case DECOMP_ERR_NOT_ELF:
        return "decompressed kernel is not an ELF64 x86-64 image";
    default:
        return "unknown decompression error";
    }
}
