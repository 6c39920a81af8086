/* Unit tests: PV kernel ELF and Xen-note parsing (common/pv_elf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/pv_elf.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/features.h>

#include "lib/pv_elf_image.h"

static struct pv_elf e;

/* A Linux-like kernel: VIRT_BASE 0xffffffff80000000, load at paddr 0x1000000. */
static void build(void)
{
    elf_image_start(0xffffffff81000100ul);
    add_str(XEN_ELFNOTE_GUEST_OS, "linux");
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    add_str(XEN_ELFNOTE_LOADER, "generic");
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0xffffffff80000000ul);
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0);
    add_u64(XEN_ELFNOTE_ENTRY, 0xffffffff81000200ul);
    add_u64(XEN_ELFNOTE_HYPERCALL_PAGE, 0xffffffff81001000ul);
    add_str(XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
    unsigned sup = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_dom0);
    add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &sup, 4);
    add_str(XEN_ELFNOTE_PAE_MODE, "yes");
    add_u64(XEN_ELFNOTE_HV_START_LOW, 0xffff800000000000ul);
}

static int parse(const char **err)
{
    finish_notes();
    return pv_elf_parse(img, sizeof(img), &e, err);
}

static void test_linux_like(void **state)
{
    const char *err;
    (void)state;
    build();
    assert_int_equal(parse(&err), 0);
    assert_string_equal(e.guest_os, "linux");
    assert_int_equal(e.virt_base, 0xffffffff80000000ul);
    assert_int_equal(e.virt_kstart, 0xffffffff81000000ul);
    assert_int_equal(e.virt_kend, 0xffffffff81005000ul);
    assert_int_equal(e.virt_entry, 0xffffffff81000200ul);
    assert_true(e.has_hypercall_page);
    assert_true(e.pae_yes);
    assert_true(e.f_supported & (1u << XENFEAT_dom0));
    assert_true(e.f_supported & (1u << XENFEAT_pae_pgdir_above_4gb));
    assert_int_equal(e.f_required, 1u << XENFEAT_writable_page_tables);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);
}

static void test_refusals(void **state)
{
    const char *err;
    (void)state;

    build();
    add_str(XEN_ELFNOTE_FEATURES, "!auto_translated_physmap");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);
    assert_non_null(strstr(err, "auto_translated"));

    build();
    add_str(XEN_ELFNOTE_FEATURES, "!frobnicate");
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);

    build();
    add_str(XEN_ELFNOTE_LOADER, "elfloader");   /* the later note wins */
    add_str(XEN_ELFNOTE_GUEST_OS, "mini-os");   /* and it is not Linux */
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);
    assert_non_null(strstr(err, "LOADER"));

    build();
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-2.0");
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);

    build();
    unsigned sup = 1u << XENFEAT_writable_page_tables;
    notes_len = 0;
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    add_str(XEN_ELFNOTE_LOADER, "generic");
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0xffffffff80000000ul);
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0);
    add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &sup, 4);
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);     /* no dom0 support */
    assert_non_null(strstr(err, "dom0"));

    build();
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0xffff800000000000ul);   /* inside the hypervisor hole */
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0xffff800000000000ul - 0xffffffff80000000ul + 0xffffffff80000000ul);
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);

    build();
    add_u64(XEN_ELFNOTE_ENTRY, 0xffffffff90000000ul);       /* entry outside the image */
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);

    build();
    add_u64(XEN_ELFNOTE_HYPERCALL_PAGE, 0xffffffff81004800ul); /* unaligned */
    parse(&err);
    assert_int_equal(pv_elf_check(&e, false, &err), -1);
}

/* Only Xen's notes, no others: a minimal PV kernel of `memsz` bytes at
 * physical `paddr`, linked at `paddr` (VIRT_BASE and PADDR_OFFSET left out:
 * libelf's defaults are 0 and 0), entry at its start. */
static void build_minimal(unsigned long paddr, unsigned long memsz)
{
    build();
    notes_len = 0;
    put64(24, paddr);                           /* e_entry */
    put64(PHOFF + 16, paddr);                   /* vaddr */
    put64(PHOFF + 24, paddr);                   /* paddr */
    put64(PHOFF + 32, 0x100);
    put64(PHOFF + 40, memsz);
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
    add_str(XEN_ELFNOTE_LOADER, "generic");
}

/* Xen builds dom0 from a kernel without a SUPPORTED_FEATURES note; only a
 * kernel that has the note must list XENFEAT_dom0 (in it or in FEATURES). */
static void test_dom0_without_features_note(void **state)
{
    const char *err;
    unsigned sup = 1u << XENFEAT_writable_page_tables;
    (void)state;

    build_minimal(0x100000, 0x3000);
    assert_int_equal(parse(&err), 0);
    assert_false(e.has_supported_features);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    build_minimal(0x100000, 0x3000);
    add_str(XEN_ELFNOTE_FEATURES, "writable_page_tables");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    build_minimal(0x100000, 0x3000);
    add_note(XEN_ELFNOTE_SUPPORTED_FEATURES, &sup, 4);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, false, &err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);
    assert_non_null(strstr(err, "dom0"));

    /* the note without the bit, FEATURES naming dom0: supported (libelf
     * merges both into one map) */
    add_str(XEN_ELFNOTE_FEATURES, "writable_page_tables|dom0");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);
}

/* Kernels linked low (at 1 MiB, at 0) are fine as long as they stay clear
 * of the hypervisor's range; libelf's VIRT_BASE/PADDR_OFFSET defaults. */
static void test_low_and_placed_kernels(void **state)
{
    const char *err;
    (void)state;

    build_minimal(0x100000, 0x3000);            /* at 1 MiB, no address notes */
    assert_int_equal(parse(&err), 0);
    assert_int_equal(e.virt_base, 0);
    assert_int_equal(e.virt_kstart, 0x100000);
    assert_int_equal(e.virt_kend, 0x103000);
    assert_int_equal(e.virt_entry, 0x100000);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    build_minimal(0, 0x3000);                   /* at 0 */
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0);
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(e.virt_kstart, 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    /* VIRT_BASE without PADDR_OFFSET: the offset is 0, so the kernel sits
     * at VIRT_BASE + paddr (libelf), not at paddr */
    build_minimal(0x100000, 0x3000);
    add_u64(XEN_ELFNOTE_VIRT_BASE, 0xffffffff80000000ul);
    put64(24, 0xffffffff80100000ul);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(e.virt_kstart, 0xffffffff80100000ul);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    /* PADDR_OFFSET without VIRT_BASE: refused as by libelf */
    build_minimal(0x100000, 0x3000);
    add_u64(XEN_ELFNOTE_PADDR_OFFSET, 0);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);

    /* entry at the very end of the image: libelf allows it */
    build_minimal(0x100000, 0x3000);
    add_u64(XEN_ELFNOTE_ENTRY, 0x103000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);
    add_u64(XEN_ELFNOTE_ENTRY, 0x103001);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);

    /* right above the hypervisor's range: fine (right below it is the
     * non-canonical hole) */
    build_minimal(HYPERVISOR_VIRT_END, 0x3000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);

    /* one byte into it: refused */
    build_minimal(HYPERVISOR_VIRT_END - 0x1000, 0x3000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);
    assert_non_null(strstr(err, "hypervisor"));
    build_minimal(HYPERVISOR_VIRT_START, 0x1000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);

    /* across the non-canonical hole or inside it: refused */
    build_minimal(0x7fffffffe000ul, 0x3000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);
    build_minimal(0x0000900000000000ul, 0x3000);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);
}

/* The builder's check of the whole boot region (Xen's overlap rule). */
static void test_region_rule(void **state)
{
    (void)state;
    assert_true(pv_elf_region_ok(0, 0x800000));
    assert_true(pv_elf_region_ok(0x100000, 0x7fffffffffffull + 1));
    assert_true(pv_elf_region_ok(0xffffffff80000000ul, 0xffffffffc0000000ul));
    assert_true(pv_elf_region_ok(HYPERVISOR_VIRT_END, HYPERVISOR_VIRT_END + 0x400000));
    assert_false(pv_elf_region_ok(HYPERVISOR_VIRT_START - 0x1000, HYPERVISOR_VIRT_START + 1));
    assert_false(pv_elf_region_ok(HYPERVISOR_VIRT_END - 1, HYPERVISOR_VIRT_END + 0x1000));
    assert_false(pv_elf_region_ok(0xfffffffffff00000ul, 0));          /* wraps */
    assert_false(pv_elf_region_ok(0x7ffffff00000ul, 0x800000100000ul)); /* non-canonical */
    assert_false(pv_elf_region_ok(0x1000, 0x1000));                     /* empty */
}

/* libelf compares the first seven characters, and takes a Linux image
 * without the generic loader. */
static void test_loader_and_version_rules(void **state)
{
    const char *err;
    (void)state;

    build();
    add_str(XEN_ELFNOTE_LOADER, "elfloader");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);     /* GUEST_OS linux */
    add_str(XEN_ELFNOTE_GUEST_OS, "mini-os");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);

    build();
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.0-unstable");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);
    add_str(XEN_ELFNOTE_XEN_VERSION, "xen-3.");
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), -1);

    /* HV_START_LOW matters to 32-bit kernels only: ignored, as by Xen */
    build();
    add_u64(XEN_ELFNOTE_HV_START_LOW, 0xffffffffffffffffUL);
    assert_int_equal(parse(&err), 0);
    assert_int_equal(pv_elf_check(&e, true, &err), 0);
}

static void test_malformed_headers(void **state)
{
    const char *err;
    (void)state;

    build();
    img[4] = 1;                                 /* ELF32 */
    assert_int_equal(parse(&err), -1);
    assert_non_null(strstr(err, "64-bit"));

    build();
    put64(32, sizeof(img) - 10);                /* program headers off the end */
    assert_int_equal(parse(&err), -1);

    build();
    put64(PHOFF + 8, sizeof(img) - 0x100);      /* segment bytes off the end */
    assert_int_equal(parse(&err), -1);

    build();
    put64(PHOFF + 32, 0x9000);                  /* filesz > memsz */
    assert_int_equal(parse(&err), -1);

    build();
    put64(PHOFF + 24, 0xfffffffffffff000ul);    /* paddr + memsz wraps */
    assert_int_equal(parse(&err), -1);

    build();
    put16(56, 0xffff);                          /* phnum huge */
    assert_int_equal(parse(&err), -1);

    assert_int_equal(pv_elf_parse(img, 10, &e, &err), -1);
    assert_int_equal(pv_elf_parse("\177ELF", 4, &e, &err), -1);
}

static void test_hostile_notes(void **state)
{
    const char *err;
    (void)state;

    build();
    put32(NOTEOFF, 0xfffffff0u);                /* namesz wraps the cursor */
    finish_notes();
    assert_int_equal(pv_elf_parse(img, sizeof(img), &e, &err), -1);   /* no usable notes */

    build();
    put32(NOTEOFF + 4, 0x7fffffff);             /* descsz past the note area */
    finish_notes();
    assert_int_equal(pv_elf_parse(img, sizeof(img), &e, &err), -1);

    build();
    finish_notes();
    put64(PHOFF + 56 + 32, 0x100000);           /* note segment larger than the file: skipped */
    assert_int_equal(pv_elf_parse(img, sizeof(img), &e, &err), -1);

    /* an unterminated 200-byte string is truncated, not overrun */
    build();
    char longs[200];
    memset(longs, 'x', sizeof(longs));
    add_note(XEN_ELFNOTE_GUEST_OS, longs, sizeof(longs));
    assert_int_equal(parse(&err), 0);
    assert_int_equal(strlen(e.guest_os), sizeof(e.guest_os) - 1);
}

static void test_feature_names(void **state)
{
    (void)state;
    assert_int_equal(pv_elf_feature_bit("dom0", 4), XENFEAT_dom0);
    assert_int_equal(pv_elf_feature_bit("writable_page_tables", 20), XENFEAT_writable_page_tables);
    assert_int_equal(pv_elf_feature_bit("dom", 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_like),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_dom0_without_features_note),
        cmocka_unit_test(test_low_and_placed_kernels),
        cmocka_unit_test(test_region_rule),
        cmocka_unit_test(test_loader_and_version_rules),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_hostile_notes),
        cmocka_unit_test(test_feature_names),
    };
    return cmocka_run_group_tests_name("pv_elf", tests, NULL, NULL);
}
