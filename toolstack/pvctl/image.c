/* Kernel images for pvctl's builder (see image.h). */
#include "image.h"
#include "kcache.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <unistd.h>
#include <pvisor/decompress.h>

int read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        snprintf(err, errlen, "%s: %s", path,
                 S_ISREG(st.st_mode) ? "too large" : "not a regular file");
        close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        snprintf(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0) {
            snprintf(err, errlen, "%s: %s", path, r ? strerror(errno) : "shorter than its size");
            free(p);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    *data = p;
    *len = n;
    return 0;
}

int map_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *data = NULL;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max || !st.st_size) {
        snprintf(err, errlen, "%s: %s", path,
                 !S_ISREG(st.st_mode) ? "not a regular file" : st.st_size ? "too large" : "empty");
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    *data = p;
    *len = (size_t)st.st_size;
    return 0;
}

void unmap_file(uint8_t *data, size_t len)
{
    if (data)
        munmap(data, len);
}

/* kernel_from_bytes; a bzImage's payload goes straight into the kernel
 * cache entry open as out_fd when there is one (*into_entry then says it
 * did: k->elf maps the entry) */
static int kernel_unpack(const uint8_t *img, size_t len, size_t limit, struct kernel *k, int out_fd,
                         bool *into_entry, char *err, size_t errlen)
{
    struct kernel_image ki;
    const char *why;
    int rc;

    memset(k, 0, sizeof(*k));
    *into_entry = false;
    rc = kernel_image_probe(img, len, IMAGE_MAX_UNPACKED, &ki);
    if (rc) {
        snprintf(err, errlen, "not a PV kernel: %s", decompress_strerror(rc));
        return -1;
    }
    if (!ki.is_elf && ki.unpacked_size > limit) {
        snprintf(err, errlen, "the kernel unpacks to %zu KiB, more than the domain's memory",
                 ki.unpacked_size >> 10);
        return -1;
    }
    /* prefaulted in one call: a page fault per 4 KiB of a 50 MiB kernel
     * is a round trip through the hypervisor each in a PV dom0 (not for
     * sizes only a hostile trailer claims: dom0's memory is small) */
    k->elf_cap = ki.unpacked_size;
    int populate = k->elf_cap <= (96u << 20) ? MAP_POPULATE : 0;
    k->elf = MAP_FAILED;
    if (!ki.is_elf && out_fd >= 0) {
        k->elf = mmap(NULL, k->elf_cap, PROT_READ | PROT_WRITE, MAP_SHARED | populate, out_fd, KCACHE_HDR);
        *into_entry = k->elf != MAP_FAILED;
    }
    if (k->elf == MAP_FAILED)
        k->elf = mmap(NULL, k->elf_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);
    if (k->elf == MAP_FAILED) {
        k->elf = NULL;
        snprintf(err, errlen, "out of memory for a %zu MiB kernel", ki.unpacked_size >> 20);
        return -1;
    }
    if (ki.is_elf) {
        memcpy(k->elf, img, len);
        k->elf_len = len;
        k->format = "ELF";
    } else {
        static char fmt[32];
        const char *name = ki.format == DECOMP_FMT_LZ4_LEGACY ? "lz4" : decompress_format_name(ki.format);
        size_t got = 0;
        if (unpack_payload(name, img + ki.payload_offset, ki.payload_length - 4, k->elf,
                           ki.unpacked_size, &got, err, errlen))
            goto fail;
        if (got != ki.unpacked_size || !elf_is_x86_64(k->elf, got)) {
            snprintf(err, errlen, "the kernel's %s payload is not the %zu-byte x86-64 ELF its trailer promises",
                     name, ki.unpacked_size);
            goto fail;
        }
        k->elf_len = got;
        snprintf(fmt, sizeof(fmt), "bzImage/%s", name);
        k->format = fmt;
    }
    if (pv_elf_parse(k->elf, k->elf_len, &k->info, &why) || pv_elf_check(&k->info, false, &why)) {
        snprintf(err, errlen, "kernel refused: %s", why);
        goto fail;
    }
    return 0;
fail:
    kernel_free(k);
    return -1;
}

int kernel_from_bytes(const uint8_t *img, size_t len, size_t limit, struct kernel *k,
                      char *err, size_t errlen)
{
    bool into_entry;
    return kernel_unpack(img, len, limit, k, -1, &into_entry, err, errlen);
}

/* The ELF of a cache entry: only its headers and notes are touched here
 * (a file mapping, no copy); the segments are read straight into the
 * domain's memory by kernel_copy_seg. */
static int kernel_from_cache(int fd, size_t len, size_t limit, struct kernel *k, char *err, size_t errlen)
{
    const char *why;

    memset(k, 0, sizeof(*k));
    if (len > limit || len > IMAGE_MAX_UNPACKED) {
        snprintf(err, errlen, "the kernel unpacks to %zu KiB, more than the domain's memory", len >> 10);
        return -1;
    }
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, KCACHE_HDR);
    if (m == MAP_FAILED) {
        snprintf(err, errlen, "kernel cache: %s", strerror(errno));
        return -1;
    }
    k->elf = m;
    k->elf_cap = k->elf_len = len;
    k->format = "bzImage (unpacked, cached)";
    if (!elf_is_x86_64(k->elf, len) || pv_elf_parse(k->elf, len, &k->info, &why) ||
        pv_elf_check(&k->info, false, &why)) {
        snprintf(err, errlen, "kernel cache entry refused");
        kernel_free(k);
        return -1;
    }
    k->fd = fd;
    k->cached = true;
    return 0;
}

int kernel_load(const char *path, size_t limit, struct kernel *k, char *err, size_t errlen)
{
    struct kcache_key key;
    struct stat st;
    char why[200];
    int rc = -1, fd = open(path, O_RDONLY | O_CLOEXEC);

    memset(k, 0, sizeof(*k));
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IMAGE_MAX_FILE || !st.st_size) {
        snprintf(err, errlen, "%s: %s", path,
                 !S_ISREG(st.st_mode) ? "not a regular file" : st.st_size ? "too large" : "empty");
        goto out;
    }
    bool cacheable = !kcache_key_of(fd, path, &key);
    if (cacheable) {
        int cfd = kcache_open(&key);
        if (cfd >= 0) {
            if (!kernel_from_cache(cfd, key.elf_len, limit, k, why, sizeof(why))) {
                k->hit = true;
                rc = 0;
                goto out;
            }
            close(cfd);
            if (key.elf_len > limit) {     /* the same refusal as unpacking gives */
                snprintf(err, errlen, "%s: %s", path, why);
                goto out;
            }
        }
    }
    void *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (img == MAP_FAILED) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    /* a miss: the payload is unpacked into a new entry, so nothing is
     * copied to write it (a size only a hostile trailer claims is refused
     * by the unpacking before anything is written) */
    struct kernel_image ki;
    char tmp[512];
    int out_fd = -1;
    bool into_entry = false;
    if (cacheable && !kernel_image_probe(img, (size_t)st.st_size, IMAGE_MAX_UNPACKED, &ki) &&
        !ki.is_elf && ki.unpacked_size <= limit)
        out_fd = kcache_begin(ki.unpacked_size, tmp, sizeof(tmp));
    rc = kernel_unpack(img, (size_t)st.st_size, limit, k, out_fd, &into_entry, why, sizeof(why));
    munmap(img, (size_t)st.st_size);
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    if (out_fd >= 0 && (rc || !into_entry))
        kcache_abandon(out_fd, tmp);
    else if (out_fd >= 0 && !kcache_publish(&key, fd, out_fd, tmp, k->elf, k->elf_len)) {
        /* from now on as a hit: the segments' data read from the entry,
         * its holes (the zero pages) never written */
        struct kernel hit;
        int cfd = kcache_open(&key);
        if (cfd >= 0 && !kernel_from_cache(cfd, key.elf_len, limit, &hit, why, sizeof(why))) {
            const char *fmt = k->format;
            kernel_free(k);
            *k = hit;
            k->format = fmt;
        } else if (cfd >= 0) {
            close(cfd);
        }
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int kernel_copy_part(const struct kernel *k, uint8_t *dst, const struct pv_elf_seg *s,
                     uint64_t from, uint64_t n)
{
    if (from > s->filesz || n > s->filesz - from) {
        errno = EINVAL;
        return -1;
    }
    if (!k->cached) {
        memcpy(dst, k->elf + s->offset + from, n);
        return 0;
    }
    for (uint64_t got = 0; got < n;) {
        ssize_t r = pread(k->fd, dst + got, n - got, (off_t)(KCACHE_HDR + s->offset + from + got));
        if (r <= 0) {
            if (!r)
                errno = EIO;
            return -1;
        }
        got += (uint64_t)r;
    }
    return 0;
}

int kernel_copy_seg(const struct kernel *k, uint8_t *dst, const struct pv_elf_seg *s)
{
    return kernel_copy_part(k, dst, s, 0, s->filesz);
}

bool bytes_all_zero(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;

    for (; i < n && ((uintptr_t)(p + i) & 7); i++)
        if (p[i])
            return false;
    /* 64 bytes per test: most pages that are not zero fail in the first */
    for (; i + 64 <= n; i += 64) {
        const uint64_t *w = (const uint64_t *)(const void *)(p + i);
        acc = w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7];
        if (acc)
            return false;
    }
    for (; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Append [from, from + len) to the ranges, joined to the last if adjacent. */
static int range_add(struct kernel_range **r, size_t *n, size_t *cap, uint64_t from, uint64_t len)
{
    if (*n && (*r)[*n - 1].from + (*r)[*n - 1].len == from) {
        (*r)[*n - 1].len += len;
        return 0;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct kernel_range *g = realloc(*r, nc * sizeof(*g));
        if (!g)
            return -1;
        *r = g;
        *cap = nc;
    }
    (*r)[(*n)++] = (struct kernel_range){ from, len };
    return 0;
}

int kernel_seg_data(const struct kernel *k, const struct pv_elf_seg *s, unsigned phase,
                    struct kernel_range **out, size_t *n)
{
    size_t cap = 0;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (!k->cached) {
        for (uint64_t at = 0; at < s->filesz && !rc;) {
            uint64_t len = 4096 - ((at + phase) & 4095);
            if (len > s->filesz - at)
                len = s->filesz - at;
            if (!bytes_all_zero(k->elf + s->offset + at, len))
                rc = range_add(out, n, &cap, at, len);
            at += len;
        }
    } else {
        /* holes read as zero; whatever the file system cannot tell apart
         * (no SEEK_DATA: all of it is data) is copied as before */
        off_t base = (off_t)(KCACHE_HDR + s->offset), end = base + (off_t)s->filesz, at = base;
        while (at < end && !rc) {
            off_t d = lseek(k->fd, at, SEEK_DATA);
            if ((d < 0 && errno == ENXIO) || d >= end)
                break;
            off_t h = d < 0 ? -1 : lseek(k->fd, d, SEEK_HOLE);
            if (d < at || h <= d) {
                rc = range_add(out, n, &cap, (uint64_t)(at - base), (uint64_t)(end - at));
                break;
            }
            if (h > end)
                h = end;
            rc = range_add(out, n, &cap, (uint64_t)(d - base), (uint64_t)(h - d));
            at = h;
        }
    }
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
        errno = ENOMEM;
    }
    return rc;
}

void kernel_free(struct kernel *k)
{
    if (k->elf)
        munmap(k->elf, k->elf_cap);
    k->elf = NULL;
    if (k->cached)
        close(k->fd);
    k->cached = false;
}
