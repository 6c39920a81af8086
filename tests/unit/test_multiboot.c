/* Unit tests: multiboot1/2 info parsing (common/multiboot.c) over a fake
 * physical memory, including hostile structures from a broken loader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include <pvisor/bootinfo.h>

#define MEM_SIZE (64 * 1024)
static unsigned char mem[MEM_SIZE];   /* "physical" 0x100000 .. +64K */
#define BASE 0x100000u
static struct boot_info bi;

static const void *map(u64 pa, size_t len, void *ctx)
{
    (void)ctx;
    if (pa < BASE || pa + len > BASE + MEM_SIZE || pa + len < pa)
        return NULL;
    return mem + (pa - BASE);
}

static u32 put_str(u32 off, const char *s)
{
    strcpy((char *)mem + off, s);
    return BASE + off;
}

static void put32(u32 off, u32 v) { memcpy(mem + off, &v, 4); }
static void put64(u32 off, u64 v) { memcpy(mem + off, &v, 8); }

/* ---- multiboot1 ---- */

static u32 build_mb1(const char *loader, const char *cmdline, u32 nmods)
{
    memset(mem, 0, sizeof(mem));
    u32 flags = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9);
    put32(0, flags);
    put32(4, 639);
    put32(8, 511 * 1024);
    put32(16, put_str(0x1000, cmdline));
    put32(20, nmods);
    put32(24, BASE + 0x2000);
    for (u32 i = 0; i < nmods && i < 64; i++) {
        put32(0x2000 + i * 16, 0x400000 + i * 0x10000);
        put32(0x2000 + i * 16 + 4, 0x400000 + i * 0x10000 + 0x1234);
        char s[32];
        snprintf(s, sizeof(s), "/boot/mod%u arg%u=x", i, i);
        put32(0x2000 + i * 16 + 8, put_str(0x3000 + i * 64, s));
    }
    /* mmap: 3 entries of size 20 (+4) */
    u32 m = 0x5000;
    put32(m + 0, 20); put64(m + 4, 0); put64(m + 12, 0x9fc00); put32(m + 20, 1);
    put32(m + 24, 20); put64(m + 28, 0x9fc00); put64(m + 36, 0x400); put32(m + 44, 2);
    put32(m + 48, 20); put64(m + 52, 0x100000); put64(m + 60, 0x1ff00000); put32(m + 68, 1);
    put32(44, 72);
    put32(48, BASE + m);
    put32(64, put_str(0x6000, loader));
    return BASE;
}

static void test_mb1_qemu(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("qemu", "/path/pvisor.elf console=com1 loglvl=4", 2);
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_int_equal(bi.protocol, 1);
    assert_string_equal(bi.loader, "qemu");
    assert_string_equal(bi.cmdline, "console=com1 loglvl=4");     /* image name stripped */
    assert_int_equal(bi.nr_mods, 2);
    assert_int_equal(bi.mods[0].start, 0x400000);
    assert_int_equal(bi.mods[0].end, 0x401234);
    assert_string_equal(bi.mods[0].cmdline, "arg0=x");
    assert_string_equal(bi.mods[1].cmdline, "arg1=x");
    assert_int_equal(bi.nr_mem, 3);
    assert_int_equal(bi.mem[2].start, 0x100000);
    assert_int_equal(bi.mem[2].end, 0x20000000);
    assert_int_equal(bi.mem_lower_kb, 639);
}

static void test_mb1_grub2_keeps_first_word(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("GRUB 2.06-13+deb12u2", "placeholder console=com1", 1);
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_string_equal(bi.cmdline, "placeholder console=com1");
    assert_string_equal(bi.mods[0].cmdline, "/boot/mod0 arg0=x");
}

static void test_mb1_hostile_module_count(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("qemu", "x", 0);
    put32(20, 0xffffffffu);                       /* mods_count */
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_true(bi.nr_mods <= BOOT_MAX_MODS);
    assert_true(bi.nr_mods_dropped > 0);
}

static void test_mb1_unreachable_pointers(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("qemu", "x", 1);
    put32(16, 0xfff00000u);                       /* cmdline outside memory */
    put32(24, 0xfffffff0u);                       /* modules outside memory */
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_string_equal(bi.cmdline, "");
    assert_int_equal(bi.nr_mods, 0);
    /* the info structure itself unreachable */
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, 0x10, map, NULL, &bi, &err), -1);
    assert_non_null(err);
}

static void test_mb1_unterminated_string(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("qemu", "x", 0);
    memset(mem + 0x7000, 'A', MEM_SIZE - 0x7000);    /* runs off the end of memory */
    put32(16, BASE + 0x7000);
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_true(strlen(bi.cmdline) < BOOT_CMDLINE_MAX);
}

static void test_mb1_bad_mmap_entry(void **state)
{
    const char *err;
    (void)state;
    u32 pa = build_mb1("qemu", "x", 0);
    put32(0x5000, 4);                               /* entry size below 20: stop */
    assert_int_equal(multiboot_parse(MB1_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), -1);
    assert_string_equal(err, "the boot loader gave no memory map");
}

static void test_bad_magic(void **state)
{
    const char *err;
    (void)state;
    assert_int_equal(multiboot_parse(0x12345678, BASE, map, NULL, &bi, &err), -1);
    assert_non_null(strstr(err, "magic"));
}

/* ---- multiboot2 ---- */

static u32 tag_off;
static void mb2_begin(void)
{
    memset(mem, 0, sizeof(mem));
    tag_off = 8;
}
static void mb2_tag(u32 type, const void *body, u32 len)
{
    put32(tag_off, type);
    put32(tag_off + 4, 8 + len);
    if (len)
        memcpy(mem + tag_off + 8, body, len);
    tag_off += (8 + len + 7) & ~7u;
}
static u32 mb2_end(void)
{
    mb2_tag(0, NULL, 0);
    put32(0, tag_off);
    return BASE;
}

static void mb2_standard(const char *loader)
{
    mb2_begin();
    mb2_tag(2, loader, strlen(loader) + 1);
    mb2_tag(1, "console=com1 dom0_mem=512M", 27);
    unsigned char mod[64] = { 0 };
    u32 s = 0x1000000, e = 0x1800000;
    memcpy(mod, &s, 4);
    memcpy(mod + 4, &e, 4);
    strcpy((char *)mod + 8, "console=hvc0 earlyprintk=xen");
    mb2_tag(3, mod, 8 + 29);
    unsigned char mm[8 + 3 * 24] = { 0 };
    u32 es = 24;
    memcpy(mm, &es, 4);
    u64 v;
    v = 0; memcpy(mm + 8, &v, 8); v = 0x9fc00; memcpy(mm + 16, &v, 8); mm[24] = 1;
    v = 0x100000; memcpy(mm + 32, &v, 8); v = 0x7ff00000; memcpy(mm + 40, &v, 8); mm[48] = 1;
    /* a reserved range overlapping RAM: must win */
    v = 0x200000; memcpy(mm + 56, &v, 8); v = 0x1000; memcpy(mm + 64, &v, 8); mm[72] = 2;
    mb2_tag(6, mm, sizeof(mm));
    unsigned char rsdp[20] = "RSD PTR ";
    mb2_tag(14, rsdp, 20);
}

static void test_mb2_grub(void **state)
{
    const char *err;
    (void)state;
    mb2_standard("GRUB 2.06-13+deb12u2");
    u32 pa = mb2_end();
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, pa, map, NULL, &bi, &err), 0);
    assert_int_equal(bi.protocol, 2);
    assert_string_equal(bi.loader, "GRUB 2.06-13+deb12u2");
    assert_string_equal(bi.cmdline, "console=com1 dom0_mem=512M");
    assert_int_equal(bi.nr_mods, 1);
    assert_string_equal(bi.mods[0].cmdline, "console=hvc0 earlyprintk=xen");
    assert_int_equal(bi.mods[0].start, 0x1000000);
    assert_int_equal(bi.rsdp_len, 20);
    /* sanitized: RAM 0-9fc00, RAM 100000-200000, reserved 200000-201000, RAM 201000-... */
    assert_int_equal(bi.nr_mem, 4);
    assert_int_equal(bi.mem[1].end, 0x200000);
    assert_int_equal(bi.mem[2].type, BOOT_MEM_RESERVED);
    assert_int_equal(bi.mem[3].start, 0x201000);
    assert_int_equal(bi.info_end - bi.info_start, tag_off);
}

static void test_mb2_tag_past_end(void **state)
{
    const char *err;
    (void)state;
    mb2_standard("GRUB 2");
    put32(tag_off, 1);
    put32(tag_off + 4, 0x10000);                 /* runs past total_size */
    put32(0, tag_off + 16);
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, BASE, map, NULL, &bi, &err), -1);
    assert_non_null(strstr(err, "tag"));
}

static void test_mb2_bad_total_size(void **state)
{
    const char *err;
    (void)state;
    mb2_begin();
    put32(0, 4);
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, BASE, map, NULL, &bi, &err), -1);
    put32(0, 0xffffff00u);
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, BASE, map, NULL, &bi, &err), -1);
    /* misaligned info address */
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, BASE + 4, map, NULL, &bi, &err), -1);
}

static void test_mb2_huge_mmap_entry_size(void **state)
{
    const char *err;
    (void)state;
    mb2_begin();
    unsigned char mm[8 + 24] = { 0 };
    u32 es = 0xfffffff0u;                         /* wraps a 32-bit cursor */
    memcpy(mm, &es, 4);
    u64 v = 0x100000;
    memcpy(mm + 8, &v, 8);
    v = 0x1000000;
    memcpy(mm + 16, &v, 8);
    mm[24] = 1;
    mb2_tag(6, mm, sizeof(mm));
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, mb2_end(), map, NULL, &bi, &err), 0);
    assert_int_equal(bi.nr_mem, 1);
}

static void test_mb2_too_many_modules(void **state)
{
    const char *err;
    (void)state;
    mb2_begin();
    unsigned char mod[16] = { 0 };
    for (int i = 0; i < 40; i++)
        mb2_tag(3, mod, 9);
    unsigned char mm[8 + 24] = { 0 };
    u32 es = 24;
    memcpy(mm, &es, 4);
    u64 v = 0x100000;
    memcpy(mm + 16, &v, 8);
    mm[24] = 1;
    mb2_tag(6, mm, sizeof(mm));
    assert_int_equal(multiboot_parse(MB2_BOOTLOADER_MAGIC, mb2_end(), map, NULL, &bi, &err), 0);
    assert_int_equal(bi.nr_mods, BOOT_MAX_MODS);
    assert_int_equal(bi.nr_mods_dropped, 40 - BOOT_MAX_MODS);
}

static void test_sanitize_wrap_and_types(void **state)
{
    (void)state;
    memset(&bi, 0, sizeof(bi));
    bi.mem[0] = (struct boot_mem_range){ 0x1000, 0x5000, BOOT_MEM_RAM };
    bi.mem[1] = (struct boot_mem_range){ 0x5000, 0x9000, BOOT_MEM_RAM };       /* merges */
    bi.mem[2] = (struct boot_mem_range){ 0x3000, 0x4000, BOOT_MEM_ACPI };      /* wins */
    bi.mem[3] = (struct boot_mem_range){ 0x8000, 0x8000, BOOT_MEM_RAM };       /* empty */
    bi.nr_mem = 4;
    boot_mem_sanitize(&bi);
    assert_int_equal(bi.nr_mem, 3);
    assert_int_equal(bi.mem[0].end, 0x3000);
    assert_int_equal(bi.mem[1].type, BOOT_MEM_ACPI);
    assert_int_equal(bi.mem[2].start, 0x4000);
    assert_int_equal(bi.mem[2].end, 0x9000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mb1_qemu),
        cmocka_unit_test(test_mb1_grub2_keeps_first_word),
        cmocka_unit_test(test_mb1_hostile_module_count),
        cmocka_unit_test(test_mb1_unreachable_pointers),
        cmocka_unit_test(test_mb1_unterminated_string),
        cmocka_unit_test(test_mb1_bad_mmap_entry),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_mb2_grub),
        cmocka_unit_test(test_mb2_tag_past_end),
        cmocka_unit_test(test_mb2_bad_total_size),
        cmocka_unit_test(test_mb2_huge_mmap_entry_size),
        cmocka_unit_test(test_mb2_too_many_modules),
        cmocka_unit_test(test_sanitize_wrap_and_types),
    };
    return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
