/*
 * Unit tests: pvctl's kernel loader (toolstack/pvctl/image.c, unpack.c):
 * a PV ELF with Xen notes as is and inside bzImages whose payload is gzip,
 * xz, lz4 (legacy, as Linux writes it) and zstd, compressed here with the
 * same Debian libraries; hostile images (truncated, lying size trailers,
 * sizes over the bound, bad notes) refused with one line, never read or
 * written out of bounds (ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include "image.h"

#include "../lib/pv_elf_image.h"

static char err[300];

/* A Linux-like domU kernel: VIRT_BASE 0xffffffff80000000, paddr 16 MiB. */
static void build_elf(void)
{
    elf_image_start(0xffffffff81000100ul);
    add_str(XEN_ELFNOTE_GUEST_OS, "linux");
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    add_str(XEN_ELFNOTE_LOADER, "generic");
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0xffffffff80000000ul);
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0);
    add_u64(XEN_ELFNOTE_ENTRY, 0xffffffff81000100ul);
    add_u64(XEN_ELFNOTE_INIT_P2M, 0x8000000000ul);
    unsigned one = 1;
    add_note(XEN_ELFNOTE_MOD_START_PFN, &one, 4);
    finish_notes();
    for (unsigned i = 0; i < 0x2000; i++)
        img[LOADOFF + i] = (unsigned char)(i * 7);
}

/* The payload of each format, as the kernel's build makes it. */
static size_t compress_gzip(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream s = { 0 };
    deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    s.next_in = (Bytef *)in; s.avail_in = (uInt)n; s.next_out = out; s.avail_out = (uInt)cap;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    size_t r = s.total_out;
    deflateEnd(&s);
    return r;
}
static size_t compress_xz(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t pos = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, &pos, cap), LZMA_OK);
    return pos;
}
static size_t compress_lz4(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    memcpy(out, "\x02\x21\x4c\x18", 4);
    int b = LZ4_compress_default((const char *)in, (char *)out + 8, (int)n, (int)cap - 8);
    assert_true(b > 0);
    memcpy(out + 4, &b, 4);
    return 8 + (size_t)b;
}
static size_t compress_zstd(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t r = ZSTD_compress(out, cap, in, n, 19);
    assert_false(ZSTD_isError(r));
    return r;
}

static unsigned char bz[65536];

/* An x86 bzImage: setup header, payload at (setup_sects+1)*512 +
 * payload_offset, then the le32 unpacked size. Returns the file size. */
static size_t make_bzimage(size_t (*comp)(const unsigned char *, size_t, unsigned char *, size_t),
                           uint32_t claimed_size)
{
    memset(bz, 0, sizeof(bz));
    bz[0x1f1] = 4;
    bz[0x1fe] = 0x55; bz[0x1ff] = 0xaa;
    memcpy(bz + 0x202, "HdrS", 4);
    bz[0x206] = 0x0f; bz[0x207] = 0x02;
    size_t pm = 5 * 512, off = 0x100;
    size_t n = comp(img, ELF_IMG_SIZE, bz + pm + off, sizeof(bz) - pm - off - 4);
    memcpy(bz + pm + off + n, &claimed_size, 4);
    uint32_t o32 = (uint32_t)off, l32 = (uint32_t)n + 4;
    memcpy(bz + 0x248, &o32, 4);
    memcpy(bz + 0x24c, &l32, 4);
    return pm + off + n + 4;
}

static void test_elf(void **state)
{
    struct kernel k;
    (void)state;
    build_elf();
    assert_int_equal(kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), 0);
    assert_string_equal(k.format, "ELF");
    assert_int_equal(k.info.virt_base, 0xffffffff80000000ul);
    assert_true(k.info.has_init_p2m);
    assert_int_equal(k.info.init_p2m, 0x8000000000ul);
    assert_true(k.info.mod_start_pfn);
    kernel_free(&k);
}

static void test_bzimage_formats(void **state)
{
    size_t (*comps[])(const unsigned char *, size_t, unsigned char *, size_t) = {
        compress_gzip, compress_xz, compress_lz4, compress_zstd };
    const char *names[] = { "bzImage/gzip", "bzImage/xz", "bzImage/lz4", "bzImage/zstd" };
    (void)state;
    build_elf();
    for (unsigned i = 0; i < 4; i++) {
        struct kernel k;
        size_t n = make_bzimage(comps[i], ELF_IMG_SIZE);
        if (kernel_from_bytes(bz, n, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)))
            fail_msg("%s: %s", names[i], err);
        assert_string_equal(k.format, names[i]);
        assert_int_equal(k.elf_len, ELF_IMG_SIZE);
        assert_memory_equal(k.elf, img, ELF_IMG_SIZE);
        kernel_free(&k);

        /* hostile variants of the same image */
        static const uint32_t lies[] = { ELF_IMG_SIZE + 4096, ELF_IMG_SIZE - 4096, 64, 0, 0xffffffffu,
                                         (512u << 20) + 1 };
        for (unsigned j = 0; j < sizeof(lies) / sizeof(lies[0]); j++) {
            n = make_bzimage(comps[i], lies[j]);
            if (!kernel_from_bytes(bz, n, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)))
                fail_msg("%s with size trailer %u accepted", names[i], lies[j]);
            assert_null(strchr(err, '\n'));
        }
        /* a domain too small for the unpacked kernel */
        n = make_bzimage(comps[i], ELF_IMG_SIZE);
        assert_int_equal(kernel_from_bytes(bz, n, ELF_IMG_SIZE - 1, &k, err, sizeof(err)), -1);
        for (size_t cut = 0; cut < n; cut += n / 37 + 1) {
            if (!kernel_from_bytes(bz, cut, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)))
                fail_msg("%s truncated to %zu accepted", names[i], cut);
        }
        /* corrupt payload bytes: refused or (rarely) still a valid ELF */
        for (unsigned b = 0; b < 64; b++) {
            n = make_bzimage(comps[i], ELF_IMG_SIZE);
            bz[5 * 512 + 0x100 + 6 + b * 13 % (n - 5 * 512 - 0x100 - 10)] ^= 0x5a;
            if (!kernel_from_bytes(bz, n, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)))
                kernel_free(&k);
        }
    }
}

static void test_bad_elves(void **state)
{
    struct kernel k;
    (void)state;
    build_elf();
    put64(PHOFF + 8, ELF_IMG_SIZE - 16);            /* segment past the file */
    assert_int_equal(kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), -1);
    build_elf();
    put16(56, 0xffff);                          /* program headers past the file */
    assert_int_equal(kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), -1);
    build_elf();
    put32(NOTEOFF + 4, 0x7fffffff);             /* note larger than its segment */
    kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)) ? (void)0 : kernel_free(&k);
    build_elf();
    memcpy(img + NOTEOFF + 16, "xen-2.0", 8);   /* GUEST_OS garbage is fine ... */
    build_elf();
    put64(PHOFF + 56 + 8, 0);                   /* no Xen notes at all: not a PV kernel */
    put64(PHOFF + 56 + 32, 0);
    assert_int_equal(kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "refused"));
    assert_int_equal(kernel_from_bytes(img, 10, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), -1);
    assert_int_equal(kernel_from_bytes((const uint8_t *)"MZ", 2, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), -1);
}

/* dom0's kernel cache (kcache.c): a hit gives the same segments as
 * unpacking; a file changed, replaced or too fresh, a tampered entry, a
 * directory others can write, and a cache turned off never give one. */
static char kc_dir[64], kc_file[96], kc_file2[96];

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static int entries(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "exit $(ls %s 2>/dev/null | grep -c '\\.elf$')", kc_dir);
    return WEXITSTATUS(system(cmd));
}

/* load path; assert it came from the cache or not, and its segment bytes
 * are the ELF's in img */
static void load_expect(const char *path, bool cached)
{
    struct kernel k;
    uint8_t seg[0x2000];
    if (kernel_load(path, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)))
        fail_msg("%s", err);
    assert_int_equal(k.hit, cached);
    assert_int_equal(k.info.nr_segs, 1);
    assert_true(k.info.segs[0].filesz <= sizeof(seg));
    assert_int_equal(kernel_copy_seg(&k, seg, &k.info.segs[0]), 0);
    assert_memory_equal(seg, img + k.info.segs[0].offset, k.info.segs[0].filesz);
    kernel_free(&k);
}

static void test_kernel_cache(void **state)
{
    char name[160];
    (void)state;
    snprintf(kc_dir, sizeof(kc_dir), "/tmp/pvctl-kcache.XXXXXX");
    assert_non_null(mkdtemp(kc_dir));
    snprintf(kc_file, sizeof(kc_file), "%s/vmlinuz", kc_dir);
    snprintf(kc_file2, sizeof(kc_file2), "%s/vmlinuz.new", kc_dir);
    snprintf(name, sizeof(name), "%s/cache", kc_dir);
    setenv("PVCTL_KCACHE_DIR", name, 1);
    unsetenv("PVCTL_KCACHE_MIB");
    build_elf();
    write_file(kc_file, bz, make_bzimage(compress_gzip, ELF_IMG_SIZE));
    for (int i = 0; i < 60; i++) {            /* for the bound, below */
        snprintf(name, sizeof(name), "%s/k%d", kc_dir, i);
        write_file(name, bz, make_bzimage(compress_gzip, ELF_IMG_SIZE));
    }
    img[LOADOFF] ^= 0xff;                       /* a second, different kernel */
    write_file(kc_file2, bz, make_bzimage(compress_gzip, ELF_IMG_SIZE));
    img[LOADOFF] ^= 0xff;
    /* too fresh to be known by its times: unpacked, not cached */
    load_expect(kc_file, false);
    snprintf(kc_dir + strlen(kc_dir), sizeof(kc_dir) - strlen(kc_dir), "/cache");
    assert_int_equal(entries(), 0);
    sleep(3);
    load_expect(kc_file, false);                /* a miss fills it */
    assert_int_equal(entries(), 1);
    load_expect(kc_file, true);

    /* turned off */
    setenv("PVCTL_KCACHE_MIB", "0", 1);
    load_expect(kc_file, false);
    setenv("PVCTL_KCACHE_MIB", "x", 1);
    load_expect(kc_file, false);
    unsetenv("PVCTL_KCACHE_MIB");

    /* a tampered entry: its key, its length */
    snprintf(name, sizeof(name), "sh -c 'for f in %s/*.elf; do printf X | dd of=$f bs=1 seek=200 conv=notrunc 2>/dev/null; done'", kc_dir);
    assert_int_equal(system(name), 0);
    load_expect(kc_file, false);                /* refused, then rewritten */
    load_expect(kc_file, true);
    snprintf(name, sizeof(name), "sh -c 'for f in %s/*.elf; do printf X >>$f; done'", kc_dir);
    assert_int_equal(system(name), 0);
    load_expect(kc_file, false);
    load_expect(kc_file, true);

    /* a directory someone else could write: not used */
    chmod(kc_dir, 0777);
    load_expect(kc_file, false);
    chmod(kc_dir, 0700);
    load_expect(kc_file, true);

    /* the file replaced under its name: the other kernel, never the entry */
    assert_int_equal(rename(kc_file2, kc_file), 0);
    img[LOADOFF] ^= 0xff;
    load_expect(kc_file, false);
    sleep(3);
    load_expect(kc_file, false);                /* settled: replaces the entry */
    assert_int_equal(entries(), 1);
    load_expect(kc_file, true);
    /* the same file written in place (same size, mtime put back) */
    img[LOADOFF + 1] ^= 0xff;
    struct stat st;
    assert_int_equal(stat(kc_file, &st), 0);
    write_file(kc_file, bz, make_bzimage(compress_gzip, ELF_IMG_SIZE));
    struct timespec ts[2] = { st.st_atim, st.st_mtim };
    assert_int_equal(utimensat(AT_FDCWD, kc_file, ts, 0), 0);
    load_expect(kc_file, false);
    sleep(3);
    load_expect(kc_file, false);
    load_expect(kc_file, true);

    /* bounded: 60 kernels of 20 KiB entries into 1 MiB, the oldest used
     * dropped, the newest kept */
    setenv("PVCTL_KCACHE_MIB", "1", 1);
    build_elf();                                /* their kernel */
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "%.*s/k%d", (int)strlen(kc_dir) - 6, kc_dir, i);
        load_expect(name, false);
    }
    snprintf(name, sizeof(name), "exit $(( $(cat %s/*.elf | wc -c) > 1048576 ))", kc_dir);
    assert_int_equal(WEXITSTATUS(system(name)), 0);
    assert_true(entries() >= 40 && entries() <= 51);
    snprintf(name, sizeof(name), "%.*s/k59", (int)strlen(kc_dir) - 6, kc_dir);
    load_expect(name, true);
    snprintf(name, sizeof(name), "%.*s/k0", (int)strlen(kc_dir) - 6, kc_dir);
    load_expect(name, false);

    snprintf(name, sizeof(name), "rm -rf %.*s", (int)strlen(kc_dir) - 6, kc_dir);
    assert_int_equal(system(name), 0);
    unsetenv("PVCTL_KCACHE_DIR");
    unsetenv("PVCTL_KCACHE_MIB");
}

/* The segment's bytes rebuilt from kernel_seg_data's ranges over zeroes
 * are the segment's; returns how many bytes the ranges hold. */
static uint64_t rebuild_check(const struct kernel *k, unsigned phase)
{
    const struct pv_elf_seg *s = &k->info.segs[0];
    static uint8_t seg[0x3000];
    struct kernel_range *r;
    size_t n;
    uint64_t held = 0, end = 0;

    assert_int_equal(kernel_seg_data(k, s, phase, &r, &n), 0);
    memset(seg, 0, sizeof(seg));
    for (size_t i = 0; i < n; i++) {
        assert_true(r[i].len > 0 && r[i].from >= end && r[i].from + r[i].len <= s->filesz);
        assert_int_equal(kernel_copy_part(k, seg + r[i].from, s, r[i].from, r[i].len), 0);
        end = r[i].from + r[i].len;
        held += r[i].len;
    }
    assert_memory_equal(seg, img + s->offset, s->filesz);
    free(r);
    return held;
}

/* The parts of a segment that need writing: a page of zeroes between two
 * of data is left out, in memory and from a cache entry (a hole there). */
static void test_seg_data(void **state)
{
    char dir[64], file[96], cache[96], cmd[160];
    struct kernel k;
    (void)state;

    build_elf();
    put64(PHOFF + 32, 0x3000);                  /* filesz: data, zeroes, data */
    memset(img + LOADOFF + 0x1000, 0, 0x1000);
    for (unsigned i = 0; i < 0x1000; i++)
        img[LOADOFF + 0x2000 + i] = (unsigned char)(i * 5 + 1);
    assert_int_equal(kernel_from_bytes(img, ELF_IMG_SIZE, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), 0);
    assert_int_equal(rebuild_check(&k, 0), 0x2000);
    assert_int_equal(rebuild_check(&k, 0x800), 0x3000);   /* no page of the domain all zero */
    assert_int_equal(rebuild_check(&k, 0xc00), 0x3000);
    kernel_free(&k);
    assert_true(bytes_all_zero(img + LOADOFF + 0x1000, 0x1000));
    assert_false(bytes_all_zero(img + LOADOFF + 0x1000, 0x1001));
    assert_false(bytes_all_zero(img + LOADOFF + 0xfff, 0x1000));

    snprintf(dir, sizeof(dir), "/tmp/pvctl-segdata.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/vmlinuz", dir);
    snprintf(cache, sizeof(cache), "%s/cache", dir);
    setenv("PVCTL_KCACHE_DIR", cache, 1);
    unsetenv("PVCTL_KCACHE_MIB");
    write_file(file, bz, make_bzimage(compress_gzip, ELF_IMG_SIZE));
    sleep(3);
    /* a miss unpacks into the new entry and reads from it as a hit does */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(kernel_load(file, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), 0);
        assert_int_equal(k.hit, round == 1);
        assert_true(k.cached);
        /* a file system without holes gives the whole segment, still right */
        uint64_t held = rebuild_check(&k, 0);
        struct stat st;
        assert_int_equal(fstat(k.fd, &st), 0);
        if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size)
            assert_int_equal(held, 0x2000);
        else
            assert_int_equal(held, 0x3000);
        kernel_free(&k);
    }
    /* uncached: the kernel in memory, looked at page by page */
    setenv("PVCTL_KCACHE_MIB", "0", 1);
    assert_int_equal(kernel_load(file, IMAGE_MAX_UNPACKED, &k, err, sizeof(err)), 0);
    assert_false(k.cached);
    assert_int_equal(rebuild_check(&k, 0), 0x2000);
    kernel_free(&k);
    unsetenv("PVCTL_KCACHE_MIB");
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    unsetenv("PVCTL_KCACHE_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf),
        cmocka_unit_test(test_bzimage_formats),
        cmocka_unit_test(test_bad_elves),
        cmocka_unit_test(test_kernel_cache),
        cmocka_unit_test(test_seg_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
