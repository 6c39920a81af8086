/* Unit tests: ACPI table parsing (common/acpi_tables.c) over fake firmware
 * memory, including corrupt tables a buggy BIOS could hand us. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/bootinfo.h>
#include <pvisor/acpi.h>

#define BASE 0xe0000u
#define SIZE 0x20000u
static unsigned char mem[SIZE];
static struct acpi_info ai;

static const void *map(u64 pa, size_t len, void *ctx)
{
    (void)ctx;
    if (pa < BASE || pa + len > BASE + SIZE)
        return NULL;
    return mem + (pa - BASE);
}

static void fix_checksum(unsigned char *p, size_t len, size_t at)
{
    unsigned char sum = 0;
    p[at] = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    p[at] = (unsigned char)-sum;
}

static void put32(u32 off, u32 v) { memcpy(mem + off, &v, 4); }
static void put64(u32 off, u64 v) { memcpy(mem + off, &v, 8); }

static void header(u32 off, const char *sig, u32 len)
{
    memcpy(mem + off, sig, 4);
    put32(off + 4, len);
    mem[off + 8] = 2;
    memcpy(mem + off + 10, "PVTEST", 6);
}

static const unsigned char dsdt_aml[] = {
    /* Name(_S5_, Package(4) {0x05, 0x05, Zero, Zero}) with a root prefix */
    0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

/* RSDP at 0xe0000 (rev 2), XSDT at +0x100 -> FADT +0x200, MADT +0x400, HPET +0x600, MCFG +0xa00;
 * DSDT at +0x800; RSDT at +0x180 (fallback). */
static u64 build(bool with_xsdt)
{
    memset(mem, 0, sizeof(mem));
    memcpy(mem, "RSD PTR ", 8);
    memcpy(mem + 9, "PVOEM ", 6);
    mem[15] = with_xsdt ? 2 : 0;
    put32(16, BASE + 0x180);
    put32(20, 36);
    put64(24, with_xsdt ? BASE + 0x100 : 0);
    fix_checksum(mem, 20, 8);
    fix_checksum(mem, 36, 32);

    header(0x100, "XSDT", 36 + 4 * 8);
    put64(0x100 + 36, BASE + 0x200);
    put64(0x100 + 44, BASE + 0x400);
    put64(0x100 + 52, BASE + 0x600);
    put64(0x100 + 60, BASE + 0xa00);
    fix_checksum(mem + 0x100, 36 + 32, 9);

    header(0x180, "RSDT", 36 + 3 * 4);
    put32(0x180 + 36, BASE + 0x200);
    put32(0x180 + 40, BASE + 0x400);
    put32(0x180 + 44, BASE + 0x600);
    fix_checksum(mem + 0x180, 48, 9);

    header(0x200, "FACP", 244);
    put32(0x200 + 40, BASE + 0x800);       /* DSDT */
    put32(0x200 + 48, 0xb2);               /* SMI_CMD */
    mem[0x200 + 52] = 0xf1;
    put32(0x200 + 64, 0x604);              /* PM1a_CNT */
    put32(0x200 + 112, 1u << 10);          /* reset register supported */
    mem[0x200 + 116] = 1;                  /* reset reg: I/O 0xcf9 */
    put64(0x200 + 120, 0xcf9);
    mem[0x200 + 128] = 6;
    fix_checksum(mem + 0x200, 244, 9);

    header(0x400, "APIC", 44 + 8 + 8 + 12 + 16);
    put32(0x400 + 36, 0xfee00000);
    u32 o = 0x400 + 44;
    mem[o] = 0; mem[o + 1] = 8; mem[o + 2] = 0; mem[o + 3] = 0; put32(o + 4, 1); o += 8;
    mem[o] = 0; mem[o + 1] = 8; mem[o + 2] = 1; mem[o + 3] = 1; put32(o + 4, 1); o += 8;
    mem[o] = 1; mem[o + 1] = 12; put32(o + 4, 0xfec00000); o += 12;
    mem[o] = 9; mem[o + 1] = 16; put32(o + 4, 0x100); put32(o + 8, 0); o += 16;  /* disabled x2apic */
    fix_checksum(mem + 0x400, o - 0x400, 9);

    header(0x600, "HPET", 56);
    mem[0x600 + 40] = 0;                   /* memory space */
    put64(0x600 + 44, 0xfed00000);
    fix_checksum(mem + 0x600, 56, 9);

    /* MCFG: one window, one with an inverted bus range (ignored), and a
     * length that cuts the third entry short */
    header(0xa00, "MCFG", 44 + 2 * 16 + 8);
    put64(0xa00 + 44, 0xb0000000);
    mem[0xa00 + 44 + 10] = 0;
    mem[0xa00 + 44 + 11] = 0xff;
    put64(0xa00 + 60, 0xc0000000);
    mem[0xa00 + 60 + 10] = 9;
    mem[0xa00 + 60 + 11] = 8;
    fix_checksum(mem + 0xa00, 44 + 2 * 16 + 8, 9);

    header(0x800, "DSDT", 36 + sizeof(dsdt_aml));
    memcpy(mem + 0x800 + 36, dsdt_aml, sizeof(dsdt_aml));
    fix_checksum(mem + 0x800, 36 + sizeof(dsdt_aml), 9);
    return BASE;
}

static void test_full_parse(void **state)
{
    const char *err;
    (void)state;
    assert_int_equal(acpi_parse(build(true), NULL, 0, map, NULL, &ai, &err), 0);
    assert_true(ai.root_is_xsdt);
    assert_string_equal(ai.oem_id, "PVOEM ");
    assert_true(ai.have_fadt);
    assert_int_equal(ai.pm1a_cnt, 0x604);
    assert_int_equal(ai.smi_cmd, 0xb2);
    assert_true(ai.have_reset_reg);
    assert_int_equal(ai.reset_reg.address, 0xcf9);
    assert_true(ai.have_s5);
    assert_int_equal(ai.slp_typ_a, 5);
    assert_int_equal(ai.slp_typ_b, 5);
    assert_true(ai.have_madt);
    assert_int_equal(ai.lapic_pa, 0xfee00000);
    assert_int_equal(ai.nr_cpus, 2);
    assert_int_equal(ai.cpu_apic_ids[1], 1);
    assert_int_equal(ai.nr_ioapics, 1);
    assert_true(ai.have_hpet);
    assert_int_equal(ai.hpet_pa, 0xfed00000);
    assert_int_equal(ai.nr_mcfg, 1);
    assert_int_equal(ai.mcfg[0].base, 0xb0000000);
    assert_int_equal(ai.mcfg[0].start_bus, 0);
    assert_int_equal(ai.mcfg[0].end_bus, 0xff);
}

static void test_rsdt_only(void **state)
{
    const char *err;
    (void)state;
    assert_int_equal(acpi_parse(build(false), NULL, 0, map, NULL, &ai, &err), 0);
    assert_false(ai.root_is_xsdt);
    assert_int_equal(ai.nr_cpus, 2);
}

static void test_rsdp_copy_from_multiboot2(void **state)
{
    const char *err;
    unsigned char copy[36];
    (void)state;
    build(true);
    memcpy(copy, mem, 36);
    memset(mem, 0, 36);                    /* the original is gone */
    assert_int_equal(acpi_parse(0, copy, 36, map, NULL, &ai, &err), 0);
    assert_true(ai.have_madt);
}

static void test_bad_rsdp(void **state)
{
    const char *err;
    (void)state;
    build(true);
    mem[3] ^= 1;
    assert_int_equal(acpi_parse(BASE, NULL, 0, map, NULL, &ai, &err), -1);
    assert_non_null(strstr(err, "RSDP"));
    assert_int_equal(acpi_parse(0x10, NULL, 0, map, NULL, &ai, &err), -1);
}

static void test_corrupt_xsdt_falls_back_to_rsdt(void **state)
{
    const char *err;
    (void)state;
    build(true);
    mem[0x100 + 40] ^= 0xff;               /* XSDT checksum now wrong */
    assert_int_equal(acpi_parse(BASE, NULL, 0, map, NULL, &ai, &err), 0);
    assert_false(ai.root_is_xsdt);
    assert_true(ai.have_fadt);
}

static void test_corrupt_tables_skipped(void **state)
{
    const char *err;
    (void)state;
    build(true);
    mem[0x400 + 50] ^= 1;                  /* MADT checksum broken */
    put32(0x600 + 4, 0xfffffff0u);         /* HPET length absurd */
    assert_int_equal(acpi_parse(BASE, NULL, 0, map, NULL, &ai, &err), 0);
    assert_false(ai.have_madt);
    assert_false(ai.have_hpet);
    assert_true(ai.have_fadt);
}

static void test_madt_zero_length_entry(void **state)
{
    const char *err;
    (void)state;
    build(true);
    mem[0x400 + 44 + 1] = 0;               /* first entry length 0: stop, no loop */
    fix_checksum(mem + 0x400, 44 + 44, 9);
    assert_int_equal(acpi_parse(BASE, NULL, 0, map, NULL, &ai, &err), 0);
    assert_true(ai.have_madt);
    assert_int_equal(ai.nr_cpus, 0);
}

static void test_s5_forms(void **state)
{
    u8 a, b;
    (void)state;
    static const unsigned char qemu[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };
    assert_true(acpi_find_s5(qemu, sizeof(qemu), &a, &b));
    assert_int_equal(a, 0);
    static const unsigned char ones[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x0a, 0x07 };
    assert_true(acpi_find_s5(ones, sizeof(ones), &a, &b));
    assert_int_equal(a, 1);
    assert_int_equal(b, 7);
    /* a method called _S5_ (not a Name) is not the sleep package */
    static const unsigned char method[] = { 0x14, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01 };
    assert_false(acpi_find_s5(method, sizeof(method), &a, &b));
    /* truncated right after the package opcode */
    static const unsigned char trunc[] = { 0x08, '_', 'S', '5', '_', 0x12 };
    assert_false(acpi_find_s5(trunc, sizeof(trunc), &a, &b));
    /* two-byte PkgLength */
    static const unsigned char long_pkg[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x40, 0x01, 0x02, 0x0a, 0x03, 0x0a, 0x04 };
    assert_true(acpi_find_s5(long_pkg, sizeof(long_pkg), &a, &b));
    assert_int_equal(a, 3);
    assert_int_equal(b, 4);
}

static void test_scan(void **state)
{
    (void)state;
    build(true);
    assert_int_equal(acpi_scan_rsdp(mem, SIZE), 0);
    memset(mem, 0, 36);
    memcpy(mem + 0x1230, "RSD PTR ", 8);   /* another 16-byte aligned spot */
    fix_checksum(mem + 0x1230, 20, 8);
    assert_int_equal(acpi_scan_rsdp(mem, SIZE), 0x1230);
    memcpy(mem + 0x2008, "RSD PTR ", 8);   /* misaligned: ignored */
    memset(mem + 0x1230, 0, 20);
    assert_int_equal(acpi_scan_rsdp(mem, SIZE), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_parse),
        cmocka_unit_test(test_rsdt_only),
        cmocka_unit_test(test_rsdp_copy_from_multiboot2),
        cmocka_unit_test(test_bad_rsdp),
        cmocka_unit_test(test_corrupt_xsdt_falls_back_to_rsdt),
        cmocka_unit_test(test_corrupt_tables_skipped),
        cmocka_unit_test(test_madt_zero_length_entry),
        cmocka_unit_test(test_s5_forms),
        cmocka_unit_test(test_scan),
    };
    return cmocka_run_group_tests_name("acpi_tables", tests, NULL, NULL);
}
