/*
 * Multiboot 1 and 2 information parsing (pure: every address the loader
 * gives goes through the caller's map function, every length is bounded,
 * so a hostile or broken loader structure cannot make us read wild memory).
 */
#include <pvisor/bootinfo.h>
#include <string.h>

/* Multiboot 1 info flags */
#define MB1_INFO_MEMORY   (1u << 0)
#define MB1_INFO_CMDLINE  (1u << 2)
#define MB1_INFO_MODS     (1u << 3)
#define MB1_INFO_MMAP     (1u << 6)
#define MB1_INFO_LOADER   (1u << 9)

struct mb1_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_module { u32 mod_start, mod_end, string, reserved; } __attribute__((packed));
struct mb1_mmap { u32 size; u64 base, len; u32 type; } __attribute__((packed));

/* Multiboot 2 tags */
#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MEMINFO  4
#define MB2_TAG_MMAP     6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_MAX_INFO (1u << 20)   /* far more than any loader produces */

struct mb2_tag { u32 type, size; };

/* Copy a NUL-terminated string at physical pa (at most cap-1 bytes). */
static void copy_string(boot_map_fn map, void *ctx, u64 pa, char *dst, size_t cap)
{
    size_t n = 0;

    dst[0] = '\0';
    if (!pa)
        return;
    while (n < cap - 1) {
        const char *c = map(pa + n, 1, ctx);
        if (!c || !*c)
            break;
        dst[n++] = *c;
    }
    dst[n] = '\0';
}

/* Copy a string that lives inside a bounded tag. */
static void copy_bounded(const char *src, size_t max, char *dst, size_t cap)
{
    size_t n = 0;

    while (n < max && n < cap - 1 && src[n]) {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
}

static void add_mem(struct boot_info *bi, u64 base, u64 len, u32 type)
{
    if (!len || bi->nr_mem >= BOOT_MAX_MEM)
        return;
    if (base + len < base)          /* wraps: clamp to the top */
        len = UINT64_MAX - base;
    if (type < BOOT_MEM_RAM || type > BOOT_MEM_BAD)
        type = BOOT_MEM_RESERVED;
    bi->mem[bi->nr_mem].start = base;
    bi->mem[bi->nr_mem].end = base + len;
    bi->mem[bi->nr_mem].type = type;
    bi->nr_mem++;
}

static void add_module(struct boot_info *bi, u64 start, u64 end)
{
    if (bi->nr_mods >= BOOT_MAX_MODS) {
        bi->nr_mods_dropped++;
        return;
    }
    if (end < start)
        end = start;
    bi->mods[bi->nr_mods].start = start;
    bi->mods[bi->nr_mods].end = end;
    bi->mods[bi->nr_mods].cmdline[0] = '\0';
    bi->nr_mods++;
}

/* Loaders other than GRUB 2 pass the image name first (QEMU: "file args"). */
static void strip_first_word(struct boot_info *bi, char *s)
{
    const char *p = s;

    if (!strncmp(bi->loader, "GRUB 2", 6))
        return;
    while (*p == ' ')
        p++;
    while (*p && *p != ' ')
        p++;
    while (*p == ' ')
        p++;
    memmove(s, p, strlen(p) + 1);
}

static int parse_mb1(u64 info_pa, boot_map_fn map, void *ctx, struct boot_info *bi,
                     const char **err)
{
    const struct mb1_info *mbi = map(info_pa, sizeof(*mbi), ctx);

    if (!mbi) {
        *err = "multiboot1 info structure is not in reachable memory";
        return -1;
    }
    bi->protocol = 1;
    bi->info_start = info_pa;
    bi->info_end = info_pa + sizeof(*mbi);
    if (mbi->flags & MB1_INFO_LOADER)
        copy_string(map, ctx, mbi->boot_loader_name, bi->loader, sizeof(bi->loader));
    if (mbi->flags & MB1_INFO_CMDLINE)
        copy_string(map, ctx, mbi->cmdline, bi->cmdline, sizeof(bi->cmdline));
    if (mbi->flags & MB1_INFO_MEMORY) {
        bi->mem_lower_kb = mbi->mem_lower;
        bi->mem_upper_kb = mbi->mem_upper;
    }
    if (mbi->flags & MB1_INFO_MMAP) {
        u64 pa = mbi->mmap_addr, end = (u64)mbi->mmap_addr + mbi->mmap_length;
        for (unsigned n = 0; pa + sizeof(struct mb1_mmap) <= end && n < 4 * BOOT_MAX_MEM; n++) {
            const struct mb1_mmap *e = map(pa, sizeof(*e), ctx);
            if (!e || e->size < 20)
                break;
            add_mem(bi, e->base, e->len, e->type);
            pa += (u64)e->size + 4;
        }
    } else if (mbi->flags & MB1_INFO_MEMORY) {
        add_mem(bi, 0, (u64)mbi->mem_lower << 10, BOOT_MEM_RAM);
        add_mem(bi, 1 << 20, (u64)mbi->mem_upper << 10, BOOT_MEM_RAM);
    }
    if (mbi->flags & MB1_INFO_MODS) {
        u32 count = mbi->mods_count;
        for (u32 i = 0; i < count; i++) {
            const struct mb1_module *m;
            unsigned before = bi->nr_mods;

            if (i >= BOOT_MAX_MODS) {
                bi->nr_mods_dropped = count - i;   /* don't walk a hostile count */
                break;
            }
            m = map(mbi->mods_addr + (u64)i * sizeof(*m), sizeof(*m), ctx);
            if (!m)
                break;
            add_module(bi, m->mod_start, m->mod_end);
            if (bi->nr_mods > before)
                copy_string(map, ctx, m->string, bi->mods[bi->nr_mods - 1].cmdline,
                            BOOT_CMDLINE_MAX);
        }
    }
    return 0;
}

static int parse_mb2(u64 info_pa, boot_map_fn map, void *ctx, struct boot_info *bi,
                     const char **err)
{
    const u32 *hdr = map(info_pa, 8, ctx);
    u32 total;
    const u8 *base;

    if (!hdr) {
        *err = "multiboot2 info structure is not in reachable memory";
        return -1;
    }
    total = hdr[0];
    if (total < 16 || total > MB2_MAX_INFO || (info_pa & 7)) {
        *err = "multiboot2 info structure has a bad size or alignment";
        return -1;
    }
    base = map(info_pa, total, ctx);
    if (!base) {
        *err = "multiboot2 info structure is not in reachable memory";
        return -1;
    }
    bi->protocol = 2;
    bi->info_start = info_pa;
    bi->info_end = info_pa + total;

    /* Two passes: the loader name decides how command lines are read. */
    for (int pass = 0; pass < 2; pass++) {
        u32 off = 8;
        while (off + sizeof(struct mb2_tag) <= total) {
            const struct mb2_tag *t = (const void *)(base + off);
            u32 size = t->size;
            const u8 *body = (const u8 *)(t + 1);
            u32 blen;

            if (t->type == MB2_TAG_END)
                break;
            if (size < sizeof(*t) || size > total - off) {
                *err = "multiboot2 tag runs past the end of the info structure";
                return -1;
            }
            blen = size - sizeof(*t);
            if (pass == 0) {
                if (t->type == MB2_TAG_LOADER)
                    copy_bounded((const char *)body, blen, bi->loader, sizeof(bi->loader));
            } else switch (t->type) {
            case MB2_TAG_CMDLINE:
                copy_bounded((const char *)body, blen, bi->cmdline, sizeof(bi->cmdline));
                break;
            case MB2_TAG_MODULE:
                if (blen >= 8) {
                    const u32 *m = (const u32 *)body;
                    unsigned before = bi->nr_mods;
                    add_module(bi, m[0], m[1]);
                    if (bi->nr_mods > before)
                        copy_bounded((const char *)(m + 2), blen - 8,
                                     bi->mods[bi->nr_mods - 1].cmdline, BOOT_CMDLINE_MAX);
                }
                break;
            case MB2_TAG_MEMINFO:
                if (blen >= 8) {
                    bi->mem_lower_kb = ((const u32 *)body)[0];
                    bi->mem_upper_kb = ((const u32 *)body)[1];
                }
                break;
            case MB2_TAG_MMAP:
                if (blen >= 8) {
                    u32 esize = ((const u32 *)body)[0];
                    if (esize < 20)
                        break;
                    for (u64 e = 8; e + 20 <= blen; e += esize) {
                        u64 b, l;
                        u32 ty;
                        memcpy(&b, body + e, 8);
                        memcpy(&l, body + e + 8, 8);
                        memcpy(&ty, body + e + 16, 4);
                        add_mem(bi, b, l, ty);
                    }
                }
                break;
            case MB2_TAG_ACPI_NEW:
            case MB2_TAG_ACPI_OLD:
                /* Prefer the ACPI 2.0+ RSDP when both are given. */
                if (blen >= 20 && (t->type == MB2_TAG_ACPI_NEW || !bi->rsdp_len)) {
                    bi->rsdp_len = blen < sizeof(bi->rsdp) ? blen : sizeof(bi->rsdp);
                    memcpy(bi->rsdp, body, bi->rsdp_len);
                }
                break;
            }
            off += (size + 7) & ~7u;
        }
    }
    return 0;
}

int multiboot_parse(u32 magic, u64 info_pa, boot_map_fn map, void *ctx,
                    struct boot_info *bi, const char **err)
{
    int rc;

    memset(bi, 0, sizeof(*bi));
    *err = NULL;
    if (magic == MB1_BOOTLOADER_MAGIC)
        rc = parse_mb1(info_pa, map, ctx, bi, err);
    else if (magic == MB2_BOOTLOADER_MAGIC)
        rc = parse_mb2(info_pa, map, ctx, bi, err);
    else {
        *err = "not started by a multiboot loader (bad magic in %eax)";
        return -1;
    }
    if (rc)
        return rc;
    strip_first_word(bi, bi->cmdline);
    for (unsigned i = 0; i < bi->nr_mods; i++)
        strip_first_word(bi, bi->mods[i].cmdline);
    if (!bi->nr_mem) {
        *err = "the boot loader gave no memory map";
        return -1;
    }
    boot_mem_sanitize(bi);
    return 0;
}

/*
 * Overlap resolution: split the address space at every range boundary and
 * give each piece the "strongest" type covering it (RAM is the weakest), so
 * a reserved range inside RAM is never handed out.
 */
static u32 type_rank(u32 type)
{
    return type == BOOT_MEM_RAM ? 0 : type;
}

void boot_mem_sanitize(struct boot_info *bi)
{
    u64 points[2 * BOOT_MAX_MEM];
    struct boot_mem_range out[BOOT_MAX_MEM];
    unsigned np = 0, no = 0;

    for (unsigned i = 0; i < bi->nr_mem; i++) {
        if (bi->mem[i].end <= bi->mem[i].start)
            continue;
        points[np++] = bi->mem[i].start;
        points[np++] = bi->mem[i].end;
    }
    /* insertion sort: at most 256 points */
    for (unsigned i = 1; i < np; i++) {
        u64 v = points[i];
        unsigned j = i;
        while (j && points[j - 1] > v) {
            points[j] = points[j - 1];
            j--;
        }
        points[j] = v;
    }
    for (unsigned i = 0; i + 1 < np; i++) {
        u64 s = points[i], e = points[i + 1];
        u32 best = 0;
        bool covered = false;

        if (s == e)
            continue;
        for (unsigned k = 0; k < bi->nr_mem; k++) {
            if (bi->mem[k].start <= s && bi->mem[k].end >= e) {
                if (!covered || type_rank(bi->mem[k].type) > type_rank(best))
                    best = bi->mem[k].type;
                covered = true;
            }
        }
        if (!covered)
            continue;
        if (no && out[no - 1].end == s && out[no - 1].type == best)
            out[no - 1].end = e;
        else if (no < BOOT_MAX_MEM)
            out[no++] = (struct boot_mem_range){ s, e, best };
    }
    memcpy(bi->mem, out, no * sizeof(out[0]));
    bi->nr_mem = no;
}
