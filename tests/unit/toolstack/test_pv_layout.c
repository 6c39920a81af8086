/*
 * Unit tests: the PV boot layout (common/pv_layout.c) that pvisor's dom0
 * builder and pvctl share. A domU layout is checked by walking the page
 * tables it fills, the way the CPU would, for every page of both mappings;
 * the dom0 flavour against the dom0 builder's computation before it moved
 * here; hostile sizes must be refused, never wrapped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/pv_layout.h>

#define MFN_OFF 0x100000ull                      /* mfn = pfn + MFN_OFF */
#define LINUX_VB 0xffffffff80000000ull
#define INIT_P2M 0x8000000000ull

static u64 *p2m;
static u64 *tabs[2];
static struct pv_layout L;

static void make_p2m(u64 n)
{
    free(p2m);
    p2m = malloc(n * 8);
    for (u64 i = 0; i < n; i++)
        p2m[i] = i + MFN_OFF;
}

static void fill(void)
{
    for (unsigned m = 0; m < 2; m++) {
        free(tabs[m]);
        tabs[m] = NULL;
    }
    for (unsigned m = 0; m < L.nr_maps; m++) {
        tabs[m] = calloc(L.map[m].nr_pt * 512, 8);
        pv_layout_fill_tables(&L, m, p2m, tabs[m]);
    }
}

/* The 512 entries of the table frame at mfn, or NULL. */
static const u64 *table_at(u64 mfn)
{
    u64 pfn = mfn - MFN_OFF;
    for (unsigned m = 0; m < L.nr_maps; m++) {
        u64 first = pv_layout_map_pt_pfn(&L, m);
        if (pfn >= first && pfn < first + L.map[m].nr_pt)
            return tabs[m] + (pfn - first) * 512;
    }
    return NULL;
}

/* Walk va from the L4 like the MMU; the leaf entry or 0. */
static u64 walk(u64 va)
{
    const u64 *t = tabs[0];                      /* the L4 is map 0's first table */
    for (int lv = 3; lv >= 0; lv--) {
        u64 e = t[(va >> (12 + 9 * lv)) & 511];
        if (!(e & 1))
            return 0;
        if (!lv)
            return e;
        assert_int_equal(e & 0xfff, PV_PTE_UPPER);
        t = table_at(e >> 12);
        assert_non_null(t);
    }
    return 0;
}

static void check_leaf(u64 va, u64 pfn)
{
    u64 e = walk(va);
    assert_int_equal(e >> 12, pfn + MFN_OFF);
    assert_int_equal(e & 0xfff, pv_layout_is_pt(&L, pfn) ? 0x21 : 0x23);
}

static struct pv_layout_in linux_in(u64 nr_pages, u64 initrd)
{
    return (struct pv_layout_in){
        .flavour = PV_LAYOUT_DOMU, .virt_base = LINUX_VB,
        .virt_kstart = LINUX_VB + (16 << 20), .virt_kend = LINUX_VB + (16 << 20) + 0x1e3f000 + 123,
        .nr_pages = nr_pages, .initrd_len = initrd, .p2m_base = INIT_P2M, .mod_start_pfn = true,
    };
}

/* Segments in libxc's order, each walked through the tables. */
static void check_domu(const struct pv_layout_in *in)
{
    const char *err = NULL;
    assert_int_equal(pv_layout_compute(in, &L, &err), 0);
    make_p2m(in->nr_pages);
    fill();

    assert_int_equal(L.kernel_pfn, (in->virt_kstart - in->virt_base) >> 12);
    u64 next = L.kernel_pfn + L.kernel_pages;
    if (in->initrd_len && !in->mod_start_pfn) {
        assert_int_equal(L.initrd_pfn, next);
        next += L.initrd_pages;
    }
    if (!L.p2m_own_mapping) {
        assert_int_equal(L.p2m_pfn, next);
        assert_int_equal(L.p2m_va, pv_layout_va(&L, next));
        next += L.p2m_pages;
    }
    assert_int_equal(L.si_pfn, next);
    assert_int_equal(L.store_pfn, next + 1);
    assert_int_equal(L.console_pfn, next + 2);
    assert_int_equal(L.pt_pfn, next + 3);
    assert_int_equal(L.stack_pfn, L.pt_pfn + L.nr_pt);
    /* 4 MiB aligned end, at least 512 KiB after the stack */
    assert_int_equal(L.virt_end & ((4 << 20) - 1), 0);
    assert_true(L.virt_end - pv_layout_va(&L, L.stack_pfn + 1) >= (512 << 10));
    next = (L.virt_end - L.virt_base) >> 12;
    if (in->initrd_len && in->mod_start_pfn) {
        assert_int_equal(L.initrd_pfn, next);
        assert_int_equal(L.initrd_pages, (in->initrd_len + 4095) >> 12);
        next += L.initrd_pages;
    }
    if (L.p2m_own_mapping) {
        assert_int_equal(L.nr_maps, 2);
        assert_int_equal(L.p2m_pfn, next);
        assert_int_equal(L.p2m_va, in->p2m_base);
        assert_int_equal(pv_layout_map_pt_pfn(&L, 1), next + L.p2m_pages);
        next += L.p2m_seg_pages;
    }
    assert_int_equal(L.pages_used, next);
    assert_true(L.pages_used <= in->nr_pages);
    assert_int_equal(L.p2m_pages, (in->nr_pages * 8 + 4095) >> 12);

    /* every page of the initial mapping, tables read-only */
    for (u64 va = L.virt_base; va < L.virt_end; va += 4096)
        check_leaf(va, (va - L.virt_base) >> 12);
    assert_int_equal(walk(L.virt_end), 0);
    assert_int_equal(walk(L.virt_base - 4096), 0);
    /* the p2m list through its own mapping; its tables unmapped there */
    if (L.p2m_own_mapping) {
        for (u64 i = 0; i < L.p2m_pages; i++)
            check_leaf(L.p2m_va + i * 4096, L.p2m_pfn + i);
        assert_int_equal(walk(L.p2m_va + L.p2m_pages * 4096), 0);
        for (u64 i = 0; i < L.map[1].nr_pt; i++)
            assert_true(pv_layout_is_pt(&L, pv_layout_map_pt_pfn(&L, 1) + i));
    }
    assert_true(pv_layout_is_pt(&L, L.pt_pfn));
    assert_false(pv_layout_is_pt(&L, L.stack_pfn));
    assert_false(pv_layout_is_pt(&L, L.p2m_pfn));
}

/* Debian's kernel as the reference domU: 128 MiB, initrd by pfn, p2m at
 * INIT_P2M (guide §1.3 rows 18, 21, 22). */
static void test_linux_domu(void **state)
{
    (void)state;
    struct pv_layout_in in = linux_in(32768, (5 << 20) + 123);
    check_domu(&in);
    assert_int_equal(L.kernel_pfn, 4096);
    assert_int_equal(L.p2m_pages, 64);
    assert_int_equal(L.map[1].nr_pt, 3);               /* L3, L2, one L1 */
    /* L4, L3, L2 and one L1 per 2 MiB of the mapping (kernel at 16 MiB) */
    assert_int_equal(L.nr_pt, 3 + ((L.virt_end - L.virt_base) >> 21));
    assert_int_equal(L.virt_end - L.virt_base, 48 << 20);
    assert_true(L.initrd_unmapped);
}

static void test_sizes(void **state)
{
    (void)state;
    static const u64 mem[] = { 24576, 32768, 65536, 131072, 262144 + 17, 524288 };
    static const u64 rd[] = { 0, 1, 4096, (1 << 20) + 1, 40 << 20 };
    for (unsigned i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
        for (unsigned j = 0; j < sizeof(rd) / sizeof(rd[0]); j++) {
            struct pv_layout_in in = linux_in(mem[i], rd[j]);
            check_domu(&in);
        }
}

/* A test kernel: no INIT_P2M, no MOD_START_PFN, linked at 1 GiB-aligned
 * base: p2m and initrd inside the initial mapping. */
static void test_plain_kernel(void **state)
{
    (void)state;
    struct pv_layout_in in = {
        .flavour = PV_LAYOUT_DOMU, .virt_base = 0xffffffff80000000ull,
        .virt_kstart = 0xffffffff80000000ull, .virt_kend = 0xffffffff80023456ull,
        .nr_pages = 4096, .initrd_len = 70000,
    };
    check_domu(&in);
    assert_int_equal(L.nr_maps, 1);
    assert_false(L.initrd_unmapped);
    assert_int_equal(L.initrd_pfn, 0x24);
    /* a kernel low in the address space (linked at 4 MiB) */
    in.virt_base = 0x400000;
    in.virt_kstart = 0x401000;
    in.virt_kend = 0x480000;
    check_domu(&in);
    /* INIT_P2M at or above VIRT_BASE is ignored, as libxc does */
    in.p2m_base = 0x400000;
    check_domu(&in);
    assert_false(L.p2m_own_mapping);
}

static void refused_at(struct pv_layout_in in, int line)
{
    const char *err = NULL;
    if (pv_layout_compute(&in, &L, &err) != -1)
        fail_msg("line %d: layout accepted", line);
    assert_non_null(err);
}
#define refused(in) refused_at(in, __LINE__)

static void test_hostile(void **state)
{
    (void)state;
    struct pv_layout_in in = linux_in(32768, 1 << 20);
    refused((in.nr_pages = 4096, in));                  /* kernel larger than memory */
    in = linux_in(32768, 200 << 20);                    /* initrd larger than memory */
    refused(in);
    refused(linux_in(32768, ~0ull));                    /* wraps when rounded */
    refused(linux_in(32768, ~0ull - 4095));
    refused(linux_in(1ull << 62, 0));                   /* p2m size wraps */
    refused(linux_in(~0ull, 0));
    in = linux_in(32768, 0);
    in.virt_kend = in.virt_kstart - 1;                  /* kernel ends before it starts */
    refused(in);
    in = linux_in(32768, 0);
    in.virt_kstart = in.virt_base - 4096;               /* below VIRT_BASE */
    refused(in);
    in = linux_in(32768, 0);
    in.virt_base += 8;                                  /* unaligned */
    refused(in);
    in = linux_in(32768, 0);
    in.virt_kstart += 8;                                /* unaligned kernel start */
    refused(in);
    in = linux_in(32768, 0);
    in.virt_kend = ~0ull;                               /* up to the top */
    refused(in);
    in.virt_base = in.virt_kstart = ~0ull - 4095;       /* no room above */
    in.virt_kend = ~0ull;
    refused(in);
    in = linux_in(32768, 0);
    in.p2m_base = LINUX_VB - 4096;                      /* p2m mapping runs into the kernel's */
    refused(in);
    in = linux_in(1 << 20, 0);                          /* 4 GiB of p2m entries at INIT_P2M */
    check_domu(&in);
    refused(linux_in(0, 0));
    refused(linux_in(4096 + 3, 0));                     /* tables + slack do not fit */
    /* nothing near the limit wraps: every size 1 page around the edge */
    for (u64 n = 4100; n < 4300; n++) {
        const char *err = NULL;
        struct pv_layout_in i2 = linux_in(n, 0);
        i2.virt_kend = i2.virt_kstart + 4096;
        if (!pv_layout_compute(&i2, &L, &err))
            check_domu(&i2);
    }
}

/* The dom0 builder's computation as it was before the module (reference). */
static void dom0_reference(u64 vb, u64 kend, u64 initrd, u64 nr, u64 out[8])
{
    u64 v_initrd = (kend + 4095) & ~4095ull;
    u64 v_p2m = (v_initrd + initrd + 4095) & ~4095ull;
    u64 v_si = (v_p2m + nr * 8 + 4095) & ~4095ull;
    u64 v_pt = v_si + 4096, nr_pt = 1, need, v_stack, v_end;
    for (;;) {
        v_stack = v_pt + nr_pt * 4096;
        v_end = (v_stack + 4096 + (4ull << 20) - 1) & ~((4ull << 20) - 1);
        if (v_end - (v_stack + 4096) < (512u << 10))
            v_end += 4ull << 20;
        u64 last = v_end - 1;
        need = 1 + ((last >> 39) - (vb >> 39) + 1) + ((last >> 30) - (vb >> 30) + 1) +
               ((last >> 21) - (vb >> 21) + 1);
        if (need <= nr_pt)
            break;
        nr_pt = need;
    }
    u64 r[8] = { v_initrd, v_p2m, v_si, v_pt, nr_pt, v_stack, v_end, 0 };
    memcpy(out, r, sizeof(r));
}

static void test_dom0_equivalent(void **state)
{
    (void)state;
    static const u64 vbs[] = { 0xffffffff80000000ull, 0x400000, 0xffff880000000000ull + (1ull << 39) - (2 << 20) };
    srand(1);
    for (unsigned i = 0; i < 20000; i++) {
        u64 vb = vbs[i % 3];
        u64 ks = vb + ((u64)(rand() % 64) << 20);
        u64 ke = ks + (u64)rand() % (64 << 20) + 1;
        u64 rd = i & 1 ? (u64)rand() % (300 << 20) : 0;
        u64 nr = 4096 + (u64)rand() % (4 << 20);
        u64 ref[8];
        const char *err;
        struct pv_layout_in in = { .flavour = PV_LAYOUT_DOM0, .virt_base = vb, .virt_kstart = ks,
                                   .virt_kend = ke, .nr_pages = nr, .initrd_len = rd };
        dom0_reference(vb, ke, rd, nr, ref);
        assert_int_equal(pv_layout_compute(&in, &L, &err), 0);
        assert_int_equal(pv_layout_va(&L, L.initrd_pfn), ref[0]);
        assert_int_equal(L.p2m_va, ref[1]);
        assert_int_equal(pv_layout_va(&L, L.p2m_pfn), ref[1]);
        assert_int_equal(pv_layout_va(&L, L.si_pfn), ref[2]);
        assert_int_equal(pv_layout_va(&L, L.pt_pfn), ref[3]);
        assert_int_equal(L.nr_pt, ref[4]);
        assert_int_equal(pv_layout_va(&L, L.stack_pfn), ref[5]);
        assert_int_equal(L.virt_end, ref[6]);
        assert_true(pv_layout_is_pt(&L, L.pt_pfn + L.nr_pt - 1));
        assert_false(pv_layout_is_pt(&L, L.stack_pfn));
    }
    struct pv_layout_in bad = { .flavour = PV_LAYOUT_DOM0, .virt_base = LINUX_VB,
                                .virt_kstart = LINUX_VB, .virt_kend = LINUX_VB + 4096,
                                .nr_pages = 1 << 20, .initrd_len = ~0ull };
    refused(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_domu),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_plain_kernel),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_dom0_equivalent),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(p2m);
    free(tabs[0]);
    free(tabs[1]);
    return rc;
}
