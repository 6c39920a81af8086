/* dom0's cache of unpacked kernel images (see kcache.h). */
#include "kcache.h"
#include "image.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static const char kc_magic[8] = { 'P', 'V', 'K', 'C', 0, 0, 0, 1 };
#define EDGE (64u << 10)          /* bytes hashed at each end of the file */
#define MAX_ENTRIES 64

static uint64_t mix(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i < 8 ? n - i : 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return h;
}

static uint64_t limit_bytes(void)
{
    const char *s = getenv("PVCTL_KCACHE_MIB");
    char *end;
    unsigned long long mib = s && *s ? strtoull(s, &end, 10) : 256;
    if (s && *s && *end)
        mib = 0;
    return mib > (1ull << 20) ? 1ull << 40 : mib << 20;
}

/* The directory, made if missing; NULL unless it is ours alone (root's
 * cache feeds guests' kernels: nobody else may plant an entry). */
static const char *cache_dir(void)
{
    const char *d = getenv("PVCTL_KCACHE_DIR");
    struct stat st;

    if (!d || !*d) {
        d = "/var/cache/pvisor/kernels";
        mkdir("/var/cache", 0755);
        mkdir("/var/cache/pvisor", 0700);
    }
    mkdir(d, 0700);
    if (lstat(d, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
        return NULL;
    return d;
}

static int read_at(int fd, void *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, off + (off_t)got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

int kcache_key_of(int fd, const char *path, struct kcache_key *key)
{
    struct stat st;
    struct timespec now;
    static uint8_t buf[EDGE];

    memset(key, 0, sizeof(*key));
    if (!limit_bytes() || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        strlen(path) >= sizeof(key->path) || clock_gettime(CLOCK_REALTIME, &now))
        return -1;
    /* A write in the same clock tick as the one before it leaves ctime
     * alone: only a file whose last change is 2 s old is known by its
     * times (git's "racily clean" rule). */
    if (st.st_ctim.tv_sec > now.tv_sec - 2 || st.st_mtim.tv_sec > now.tv_sec - 2)
        return -1;
    memcpy(key->magic, kc_magic, sizeof(kc_magic));
    key->dev = st.st_dev;
    key->ino = st.st_ino;
    key->size = (uint64_t)st.st_size;
    key->mtime_s = st.st_mtim.tv_sec;
    key->mtime_ns = st.st_mtim.tv_nsec;
    key->ctime_s = st.st_ctim.tv_sec;
    key->ctime_ns = st.st_ctim.tv_nsec;
    snprintf(key->path, sizeof(key->path), "%s", path);
    size_t n = key->size < EDGE ? key->size : EDGE;
    uint64_t h = 0x6a09e667f3bcc908ull ^ key->size;
    if (read_at(fd, buf, n, 0))
        return -1;
    h = mix(h, buf, n);
    if (read_at(fd, buf, n, (off_t)(key->size - n)))
        return -1;
    key->head_tail_hash = mix(h, buf, n);
    return 0;
}

/* dir/<hash of the path>.elf: a newer version of a file replaces the
 * entry of the older one */
static void entry_name(const char *dir, const struct kcache_key *key, char *out, size_t len)
{
    snprintf(out, len, "%s/%016llx.elf", dir,
             (unsigned long long)mix(0x243f6a8885a308d3ull, (const uint8_t *)key->path, strlen(key->path)));
}

int kcache_open(struct kcache_key *key)
{
    const char *dir = cache_dir();
    char name[512];
    struct kcache_key have;
    struct stat st;

    if (!dir)
        return -1;
    entry_name(dir, key, name, sizeof(name));
    int fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
        read_at(fd, &have, sizeof(have), 0))
        goto miss;
    key->elf_len = have.elf_len;
    if (memcmp(&have, key, sizeof(have)) || (uint64_t)st.st_size != KCACHE_HDR + have.elf_len ||
        !have.elf_len)
        goto miss;
    futimens(fd, NULL);           /* used now: the last to be dropped */
    return fd;
miss:
    key->elf_len = 0;
    close(fd);
    return -1;
}

static int write_all(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p = (const uint8_t *)p + w;
        n -= (size_t)w;
    }
    return 0;
}

/* Drop the least recently used entries until the total fits the bound
 * (and leftovers of writers that died over ten minutes ago). */
static void evict(const char *dir, uint64_t limit)
{
    struct ent { char name[64]; uint64_t size; struct timespec used; } e[MAX_ENTRIES];
    unsigned n = 0;
    uint64_t total = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    time_t now = time(NULL);

    if (!d)
        return;
    while ((de = readdir(d))) {
        struct stat st;
        size_t l = strlen(de->d_name);
        bool tmp = !strncmp(de->d_name, ".tmp.", 5);
        if (l >= sizeof(e[0].name) || (!tmp && (l < 5 || strcmp(de->d_name + l - 4, ".elf"))))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (lstat(p, &st) || !S_ISREG(st.st_mode))
            continue;
        if (tmp) {
            if (st.st_mtime < now - 600)
                unlink(p);
            continue;
        }
        total += (uint64_t)st.st_size;
        if (n == MAX_ENTRIES) {   /* more than we ever write: drop it */
            unlink(p);
            total -= (uint64_t)st.st_size;
            continue;
        }
        snprintf(e[n].name, sizeof(e[n].name), "%s", de->d_name);
        e[n].size = (uint64_t)st.st_size;
        e[n].used = st.st_mtim;
        n++;
    }
    closedir(d);
    while (total > limit && n) {
        unsigned o = 0;
        for (unsigned i = 1; i < n; i++)
            if (e[i].used.tv_sec < e[o].used.tv_sec ||
                (e[i].used.tv_sec == e[o].used.tv_sec && e[i].used.tv_nsec < e[o].used.tv_nsec))
                o = i;
        if (snprintf(p, sizeof(p), "%s/%s", dir, e[o].name) < (int)sizeof(p))
            unlink(p);
        total -= e[o].size;
        e[o] = e[--n];
    }
}

/* The kernel file open at fd is still the one the key names. */
static bool same_file(const struct kcache_key *key, int fd)
{
    struct stat st;

    return !fstat(fd, &st) && st.st_dev == key->dev && st.st_ino == key->ino &&
           (uint64_t)st.st_size == key->size && st.st_mtim.tv_sec == key->mtime_s &&
           st.st_mtim.tv_nsec == key->mtime_ns && st.st_ctim.tv_sec == key->ctime_s &&
           st.st_ctim.tv_nsec == key->ctime_ns;
}

int kcache_begin(size_t len, char *tmp, size_t tmplen)
{
    const char *dir = cache_dir();
    uint64_t limit = limit_bytes();

    if (!dir || !len || (uint64_t)len + KCACHE_HDR > limit)
        return -1;
    evict(dir, limit - len - KCACHE_HDR);
    /* dom0's root is often RAM: the cache never takes more than half of
     * what is left there, whatever the limit says (guest images, dumps). */
    struct statvfs vfs;
    if (statvfs(dir, &vfs) || (uint64_t)len + KCACHE_HDR > (uint64_t)vfs.f_bavail * vfs.f_frsize / 2)
        return -1;
    snprintf(tmp, tmplen, "%s/.tmp.XXXXXX", dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) || ftruncate(fd, (off_t)(KCACHE_HDR + len))) {
        kcache_abandon(fd, tmp);
        return -1;
    }
    return fd;
}

void kcache_abandon(int fd, const char *tmp)
{
    unlink(tmp);
    close(fd);
}

/* Pages of the ELF that are all zero become holes: they read as zero,
 * take no room in dom0's tmpfs, and tell a later create which pages it
 * need not write at all (kernel_seg_data). A file system without holes
 * keeps them as written. */
static void punch_zero_pages(int fd, const uint8_t *elf, size_t len)
{
    size_t run = 0, at = 0;

    for (; at < len; at += 4096) {
        size_t n = len - at < 4096 ? len - at : 4096;
        if (!bytes_all_zero(elf + at, n)) {
            if (at > run &&
                fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(KCACHE_HDR + run),
                          (off_t)(at - run)))
                return;
            run = at + n;
        }
    }
    if (len > run)
        fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(KCACHE_HDR + run),
                  (off_t)(len - run));
}

int kcache_publish(const struct kcache_key *key, int kfd, int fd, const char *tmp,
                   const uint8_t *elf, size_t len)
{
    const char *dir = cache_dir();
    static uint8_t hdr[KCACHE_HDR];
    char name[512];
    struct stat st;

    /* written whole, and the file we unpacked is still the one the key
     * names */
    if (!dir || fstat(fd, &st) || (uint64_t)st.st_size != KCACHE_HDR + (uint64_t)len ||
        !same_file(key, kfd)) {
        kcache_abandon(fd, tmp);
        return -1;
    }
    punch_zero_pages(fd, elf, len);
    struct kcache_key k = *key;
    k.elf_len = len;
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, &k, sizeof(k));
    entry_name(dir, key, name, sizeof(name));
    if (write_all(fd, hdr, sizeof(hdr)) || close(fd)) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, name)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
