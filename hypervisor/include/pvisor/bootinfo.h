/*
 * What the boot loader told us, in one protocol-neutral form. Filled by
 * multiboot_parse() from either multiboot1 (QEMU -kernel, GRUB `multiboot`)
 * or multiboot2 (GRUB `multiboot2`). Strings are copied, so the loader's
 * memory may be reused afterwards.
 */
#ifndef PVISOR_BOOTINFO_H
#define PVISOR_BOOTINFO_H
#include <pvisor/types.h>

#define MB1_BOOTLOADER_MAGIC 0x2BADB002u
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define BOOT_MAX_MEM      128
#define BOOT_MAX_MODS     16
#define BOOT_CMDLINE_MAX  1024

enum boot_mem_type {
    BOOT_MEM_RAM = 1,
    BOOT_MEM_RESERVED = 2,
    BOOT_MEM_ACPI = 3,
    BOOT_MEM_NVS = 4,
    BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
    u64 start, end;           /* [start, end) */
    u32 type;
};

struct boot_module {
    u64 start, end;           /* physical [start, end) */
    char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
    int protocol;             /* 1 or 2 */
    char loader[64];
    char cmdline[BOOT_CMDLINE_MAX];
    struct boot_mem_range mem[BOOT_MAX_MEM];
    unsigned int nr_mem;
    struct boot_module mods[BOOT_MAX_MODS];
    unsigned int nr_mods;
    unsigned int nr_mods_dropped;   /* beyond BOOT_MAX_MODS */
    u64 mem_lower_kb, mem_upper_kb; /* legacy basic memory info, 0 if absent */
    u8 rsdp[36];              /* multiboot2 copy of the ACPI RSDP, if given */
    u32 rsdp_len;
    u64 info_start, info_end; /* the loader's info structure, to keep reserved */
};

/* Make [pa, pa+len) readable; NULL if that memory cannot be reached. */
typedef const void *(*boot_map_fn)(u64 pa, size_t len, void *ctx);

/* Returns 0, or -1 with *err naming what was wrong. */
int multiboot_parse(u32 magic, u64 info_pa, boot_map_fn map, void *ctx,
                    struct boot_info *bi, const char **err);

/* Sort the memory map and resolve overlaps (anything not RAM wins over RAM),
 * merging adjacent ranges of the same type. */
void boot_mem_sanitize(struct boot_info *bi);
#endif
