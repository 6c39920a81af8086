/*
 * The guest kernel as a builder needs it: an ELF64 vmlinux in memory with
 * its Xen notes read, from a plain ELF or an x86 bzImage whose payload is
 * xz, lz4, gzip or zstd (decoded with Debian's liblzma, liblz4, zlib,
 * libzstd). Every size is bounded; hostile images are refused with one
 * line. Pure of hypercalls: unit-tested on the host.
 */
#ifndef PVCTL_IMAGE_H
#define PVCTL_IMAGE_H
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <pvisor/pv_elf.h>

#define IMAGE_MAX_FILE     (256u << 20)   /* kernel or bzImage file */
#define IMAGE_MAX_UNPACKED (512u << 20)   /* the ELF inside a bzImage */

struct kernel {
    uint8_t *elf;                 /* owned: a mapping of elf_cap bytes (anonymous, or of fd) */
    size_t elf_len, elf_cap;
    bool cached;                  /* elf maps a kernel cache entry, open as fd: the */
    int fd;                       /* segments are read from fd, not through elf */
    bool hit;                     /* that entry was there before this load */
    struct pv_elf info;           /* headers and notes (points into elf) */
    const char *format;           /* "ELF", "bzImage/xz", ... */
};

/* Bytes from memory (the caller keeps them); the ELF may unpack to `limit`
 * bytes at most (the domain's memory: no kernel larger fits in it).
 * 0, or -1 with err (one line). */
int kernel_from_bytes(const uint8_t *img, size_t len, size_t limit, struct kernel *k,
                      char *err, size_t errlen);
/* A kernel file: a bzImage's unpacked ELF comes from dom0's kernel cache
 * (kcache.h) when it holds it, and goes into it when not. */
int kernel_load(const char *path, size_t limit, struct kernel *k, char *err, size_t errlen);
/* Copy segment s's file bytes to dst (0, or -1 with errno). */
int kernel_copy_seg(const struct kernel *k, uint8_t *dst, const struct pv_elf_seg *s);
/* The same for the n bytes at offset from of them. */
int kernel_copy_part(const struct kernel *k, uint8_t *dst, const struct pv_elf_seg *s,
                     uint64_t from, uint64_t n);

/* A part of a segment's file bytes: [from, from + len). */
struct kernel_range {
    uint64_t from, len;
};
/* The parts of segment s's file bytes that may hold non-zero bytes, in
 * order and apart; every byte outside them is zero, so a builder writing
 * into memory that is already zero skips them (and never maps their
 * pages). A kernel in memory is looked at a page of the domain at a time:
 * `phase` is where the segment starts within its first page. A cache entry
 * answers from its holes (kcache_store leaves zero pages out). *out is
 * malloc'd (free it); 0, or -1 with errno. */
int kernel_seg_data(const struct kernel *k, const struct pv_elf_seg *s, unsigned phase,
                    struct kernel_range **out, size_t *n);
/* Are the n bytes at p all zero? */
bool bytes_all_zero(const uint8_t *p, size_t n);
void kernel_free(struct kernel *k);

/* A whole file, at most max bytes, mapped read-only (unmap_file after);
 * an empty file is refused. */
int map_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen);
void unmap_file(uint8_t *data, size_t len);

/* A whole file, at most max bytes (malloc'd). */
int read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen);

/* Decode one payload of a known format into out (exactly out_cap bytes
 * expected, no more written): 0, or -1 with err. In unpack.c. */
int unpack_payload(const char *fmt, const uint8_t *in, size_t in_len, uint8_t *out,
                   size_t out_cap, size_t *out_len, char *err, size_t errlen);
#endif
