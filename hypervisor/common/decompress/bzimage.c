/*
 * Kernel images as GRUB hands them to the dom0 builder: a plain ELF vmlinux,
 * or an x86 bzImage (Linux boot protocol >= 2.08) whose payload is a
 * compressed vmlinux followed by its uncompressed size (le32).
 *
 * Setup header fields used (offsets in the file):
 *   0x1f1 setup_sects (0 means 4)   0x1fe boot flag 0xAA55
 *   0x202 "HdrS"   0x206 version    0x248 payload_offset   0x24c payload_length
 * The protected-mode part starts at (setup_sects + 1) * 512, the payload at
 * that plus payload_offset. Every one of these is checked against the file.
 */
#include "decomp_internal.h"

#define BZ_SETUP_SECTS   0x1f1
#define BZ_BOOT_FLAG     0x1fe
#define BZ_HEADER_MAGIC  0x202
#define BZ_VERSION       0x206
#define BZ_PAYLOAD_OFF   0x248
#define BZ_PAYLOAD_LEN   0x24c
#define BZ_HEADER_END    0x250
#define BZ_MIN_VERSION   0x0208      /* first with payload_offset/length */

#define ELF_EHDR_SIZE    64
#define ELF_PHDR_SIZE    56
#define EM_X86_64        62

bool elf_is_x86_64(const void *img_, size_t len)
{
    const uint8_t *e = img_;
    uint64_t phoff;
    uint16_t type, phentsize, phnum;

    if (len < ELF_EHDR_SIZE || memcmp(e, "\x7f" "ELF", 4))
        return false;
    if (e[4] != 2 || e[5] != 1 || e[6] != 1)      /* ELFCLASS64, LSB, EV_CURRENT */
        return false;
    type = get_le16(e + 0x10);
    if ((type != 2 && type != 3) || get_le16(e + 0x12) != EM_X86_64 || get_le32(e + 0x14) != 1)
        return false;
    phoff = get_le64(e + 0x20);
    phentsize = get_le16(e + 0x36);
    phnum = get_le16(e + 0x38);
    if (get_le16(e + 0x34) < ELF_EHDR_SIZE)
        return false;
    if (phnum && (phentsize != ELF_PHDR_SIZE || phoff > len ||
                  (uint64_t)phnum * ELF_PHDR_SIZE > len - phoff))
        return false;
    return true;
}

int kernel_image_probe(const void *img_, size_t len, size_t limit, struct kernel_image *ki)
{
    const uint8_t *img = img_;
    size_t pm_start, off, plen;
    unsigned sects;

    memset(ki, 0, sizeof(*ki));
    if (len >= 4 && !memcmp(img, "\x7f" "ELF", 4)) {
        if (!elf_is_x86_64(img, len))
            return DECOMP_ERR_NOT_ELF;
        if (len > limit)
            return DECOMP_ERR_LIMIT;
        ki->is_elf = true;
        ki->unpacked_size = len;
        return DECOMP_OK;
    }
    if (len < BZ_HEADER_END || get_le16(img + BZ_BOOT_FLAG) != 0xaa55 ||
        memcmp(img + BZ_HEADER_MAGIC, "HdrS", 4) ||
        get_le16(img + BZ_VERSION) < BZ_MIN_VERSION)
        return DECOMP_ERR_BZIMAGE;
    ki->boot_version = get_le16(img + BZ_VERSION);
    sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
    pm_start = ((size_t)sects + 1) * 512;
    off = get_le32(img + BZ_PAYLOAD_OFF);
    plen = get_le32(img + BZ_PAYLOAD_LEN);
    if (pm_start > len || off > len - pm_start || plen > len - pm_start - off || plen < 4 + 4)
        return DECOMP_ERR_BZIMAGE;
    ki->payload_offset = pm_start + off;
    ki->payload_length = plen;
    ki->format = decompress_sniff(img + ki->payload_offset, plen - 4);
    if (ki->format == DECOMP_FMT_UNKNOWN)
        return DECOMP_ERR_FORMAT;
    ki->unpacked_size = get_le32(img + ki->payload_offset + plen - 4);
    if (ki->unpacked_size < ELF_EHDR_SIZE)
        return DECOMP_ERR_NOT_ELF;
    if (ki->unpacked_size > limit)
        return DECOMP_ERR_LIMIT;
    return DECOMP_OK;
}

int kernel_image_unpack(const void *img, size_t len, const struct kernel_image *ki,
                        void *out, size_t out_cap, size_t *out_len,
                        void *work, size_t work_len)
{
    struct kernel_image again;
    size_t got = 0, used;
    int err;

    /* The description is the caller's copy: trust only what the image says. */
    err = kernel_image_probe(img, len, ki->unpacked_size, &again);
    if (err)
        return err;
    if (again.is_elf != ki->is_elf || again.payload_offset != ki->payload_offset ||
        again.payload_length != ki->payload_length || again.unpacked_size != ki->unpacked_size)
        return DECOMP_ERR_BZIMAGE;
    if (out_cap < again.unpacked_size)
        return DECOMP_ERR_OUTPUT_FULL;
    if (again.is_elf) {
        memcpy(out, img, len);
        *out_len = len;
        return DECOMP_OK;
    }
    err = decompress((const uint8_t *)img + again.payload_offset, again.payload_length - 4,
                     out, again.unpacked_size, &got, &used, work, work_len);
    if (err == DECOMP_ERR_OUTPUT_FULL)
        return DECOMP_ERR_SIZE;     /* more data than the trailer promised */
    if (err)
        return err;
    if (got != again.unpacked_size)
        return DECOMP_ERR_SIZE;
    if (!elf_is_x86_64(out, got))
        return DECOMP_ERR_NOT_ELF;
    *out_len = got;
    return DECOMP_OK;
}
