/*
 * dom0's cache of unpacked kernel images: a bzImage's payload decompressed
 * once (1.1-1.3 s for Debian's kernel under TCG), straight into the entry,
 * serves every later create of the same file. An entry is the ELF behind a header naming the file it
 * came from (path, device, inode, size, mtime, ctime and a hash of its
 * first and last 64 KiB); a file changed or replaced since gets another key,
 * a file changed in the second before it was read is not cached at all.
 * The entries are only a shortcut: a hit is parsed and checked like a
 * fresh decompression. Directory: $PVCTL_KCACHE_DIR or
 * /var/cache/pvisor/kernels (0700, ours); size bound: $PVCTL_KCACHE_MIB
 * (default 256, 0 = no cache), oldest-used entries dropped first.
 */
#ifndef PVCTL_KCACHE_H
#define PVCTL_KCACHE_H
#include <stddef.h>
#include <stdint.h>

struct kcache_key {
    char magic[8];                /* "PVKC\0\0\0\1": the format */
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    uint64_t head_tail_hash;      /* of the first and last 64 KiB */
    uint64_t elf_len;             /* bytes of ELF after the header page */
    char path[256];
};

#define KCACHE_HDR 4096u          /* the ELF starts at this offset */

/* The key of the kernel file open at fd (path as given); 0, or -1 when it
 * must not be cached (changed too recently, not a regular file, I/O). */
int kcache_key_of(int fd, const char *path, struct kcache_key *key);
/* An entry for key: its fd (the ELF at KCACHE_HDR, key->elf_len bytes
 * filled in), or -1. */
int kcache_open(struct kcache_key *key);
/* A new entry holding a len-byte ELF, written in place as it is
 * unpacked: the fd of a temporary file in the cache directory, len bytes
 * after the header (which is written last), its path in tmp; or -1 (no
 * cache, no room). */
int kcache_begin(size_t len, char *tmp, size_t tmplen);
/* Publish what was begun (atomically; a failure only means no entry):
 * elf is the ELF as written to fd (its mapping), whose zero pages become
 * holes; kfd is the kernel file, checked unchanged first. Closes fd.
 * 0, or -1. */
int kcache_publish(const struct kcache_key *key, int kfd, int fd, const char *tmp,
                   const uint8_t *elf, size_t len);
/* Drop what was begun and not published (closes fd). */
void kcache_abandon(int fd, const char *tmp);
#endif
