/*
 * The grant-table rules (pvisor/gnttab.h G1-G9, mm rule 19), each attacked:
 * every refusal must leave the whole machine state identical.
 */
#include "gnt_test.h"
#include <xen/memory.h>

#define RW  (GNTMAP_host_map)
#define RO  (GNTMAP_host_map | GNTMAP_readonly)

/* ---- happy paths ---------------------------------------------------------- */

static void test_map_unmap_rw(void **state)
{
    struct gnttab_map_grant_ref op;
    u64 before = gcount(GF);

    (void)state;
    gnt_fake_grant(g, D2, 5, D1, GF, GTF_permit_access);
    fe->mem[GF][3] = 0x1234;
    op = map1(v1, D2, 5, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(op.dev_bus_addr, (u64)GF << 12);
    assert_int_equal(gnt_fake_flags(g, D2, 5), GTF_permit_access | GTF_reading | GTF_writing);
    assert_true(l1e(100) & _PAGE_GNTTAB);
    assert_int_equal(pte_mfn(l1e(100)), GF);
    assert_true(l1e(100) & _PAGE_RW);
    assert_int_equal(gcount(GF), before + 1);
    assert_int_equal(ttype(GF), PGT_WRITABLE);
    GCHECK();
    /* the mapper sees the granter's bytes through its tables */
    assert_true(fake_tlb_fill(fe, 0, VAG));
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    assert_int_equal(l1e(100), 0);
    assert_int_equal(gnt_fake_flags(g, D2, 5), GTF_permit_access);
    assert_int_equal(gcount(GF), before);
    assert_true(gnt_fake_end_access(g, D2, 5));
    GCHECK();
}

static void test_map_ro_and_device(void **state)
{
    struct gnttab_map_grant_ref a, b;

    (void)state;
    gnt_fake_grant(g, D2, 7, D1, GF, GTF_permit_access | GTF_readonly);
    a = map1(v1, D2, 7, RO, VAG);
    assert_int_equal(a.status, GNTST_okay);
    assert_false(l1e(100) & _PAGE_RW);
    assert_int_equal(gnt_fake_flags(g, D2, 7), GTF_permit_access | GTF_readonly | GTF_reading);
    b = map1(v1, D2, 7, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(b.status, GNTST_okay);
    assert_int_equal(b.dev_bus_addr, (u64)GF << 12);
    assert_int_equal(gnt_act(T(D2), 7)->pin, GNTPIN_HSTR_INC | GNTPIN_DEVR_INC);
    GCHECK();
    /* a wrong bus address is refused, the right one unmaps */
    assert_int_equal(gunmap1(v1, b.handle, 0, (u64)(GF + 1) << 12), GNTST_bad_dev_addr);
    GCHECK();
    assert_int_equal(gunmap1(v1, b.handle, 0, (u64)GF << 12), GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 7), GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(gunmap1(v1, a.handle, VAG, 0), GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 7), GTF_permit_access | GTF_readonly);
    GCHECK();
}

static void test_contains_pte(void **state)
{
    struct gnttab_map_grant_ref op;
    u64 ptea = ((u64)L1A << 12) | (100 * 8);

    (void)state;
    gnt_fake_grant(g, D2, 1, D1, GF, GTF_permit_access);
    /* misaligned PTE address, and a frame that is not an L1 table */
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ptea + 4);
    assert_int_equal(op.status, GNTST_general_error);
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ((u64)20 << 12));
    assert_int_equal(op.status, GNTST_general_error);
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ((u64)GF << 12));
    assert_int_equal(op.status, GNTST_general_error);
    assert_int_equal(gnt_fake_flags(g, D2, 1), GTF_permit_access);
    GCHECK();
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ptea);
    assert_int_equal(op.status, GNTST_okay);
    assert_int_equal(pte_mfn(l1e(100)), GF);
    /* unmap by VA of a contains_pte mapping reads the VA as a PTE address: refused */
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_general_error);
    assert_int_equal(gunmap1(v1, op.handle, ptea, 0), GNTST_okay);
    assert_int_equal(l1e(100), 0);
    GCHECK();
}

/* contains_pte names the L1 by machine address: a frame beyond the frame
 * table, and another domain's live L1 table (which the grant code now
 * holds only by its page lock), are refused with nothing changed. */
static void test_contains_pte_not_ours(void **state)
{
    struct gnttab_map_grant_ref op;
    const u32 L1X = 52;         /* one of d2's frames, made an L1 of d2's */

    (void)state;
    gnt_fake_grant(g, D2, 1, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, (u64)FAKE_FRAMES << 12);
    assert_int_equal(op.status, GNTST_general_error);
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ~7ULL);
    assert_int_equal(op.status, GNTST_general_error);
    assert_true(mm_get_page(&fe->env, L1X, v2->dom));
    assert_int_equal(mm_get_type(&fe->env, v2, L1X, PGT_L1, 0), 0);
    struct snap *s = snap_take();
    op = map1(v1, D2, 1, RW | GNTMAP_contains_pte, ((u64)L1X << 12) | 8);
    assert_int_equal(op.status, GNTST_general_error);
    snap_same(s);
    assert_int_equal(fe->mem[L1X][1], 0);
    assert_int_equal(gnt_fake_flags(g, D2, 1), GTF_permit_access);
    assert_int_equal(mm_put_type(&fe->env, v2, L1X, 0), 0);
    mm_put_page(&fe->env, L1X);
    GCHECK();
}

/* Map and unmap a grant at VAG: which L1 frame received the grant PTE. */
static mfn_t l1_that_maps_vag(void)
{
    struct gnttab_map_grant_ref op = map1(v1, D2, 3, RW, VAG);
    mfn_t found = 0;

    if (op.status != GNTST_okay)
        return 0;
    for (mfn_t m = 8; m < FAKE_FRAMES && !found; m++)
        if (pte_mfn(fe->mem[m][100]) == GF && (fe->mem[m][100] & _PAGE_GNTTAB))
            found = m;
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    return found;
}

/* The grant code remembers the L1 it last found per vCPU. Try to make that
 * stale: switch the vCPU's base pointer to another tree and back, have
 * another vCPU point the L2 entry at another L1, then clear it. Each map
 * must land in (or be refused by) what the tables say now. */
static void test_l1_cache_stale(void **state)
{
    const u64 pt = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
    const unsigned int l2i = (VA1 >> 21) & 511;

    (void)state;
    gnt_fake_grant(g, D2, 3, D1, GF, GTF_permit_access);
    assert_int_equal(l1_that_maps_vag(), L1A);
    assert_int_equal(l1_that_maps_vag(), L1A);
    /* a second tree 41 -> 42 -> 43 -> 44 of d1's own frames */
    for (mfn_t m = 40; m <= 44; m++) {
        unmap1(m);
        memset(fe->mem[m], 0, sizeof(fe->mem[m]));
    }
    fe->mem[41][(VA1 >> 39) & 511] = pte(42, pt);
    fe->mem[42][(VA1 >> 30) & 511] = pte(43, pt);
    fe->mem[43][l2i] = pte(44, pt);
    assert_int_equal(PIN(v1, 4, 41), 0);
    assert_int_equal(BASEPTR(v1, 41), 0);
    assert_int_equal(l1_that_maps_vag(), 44);
    assert_int_equal(BASEPTR(v1, L4A), 0);
    assert_int_equal(l1_that_maps_vag(), L1A);
    /* another vCPU of d1 points the L2 entry at L1 40 */
    assert_int_equal(PIN(v1, 1, 40), 0);
    assert_int_equal(mmu1(v1b, L2A, l2i, pte(40, pt), MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(l1_that_maps_vag(), 40);
    /* ... and then clears it: no L1 maps VAG any more */
    assert_int_equal(mmu1(v1b, L2A, l2i, 0, MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(map1(v1, D2, 3, RW, VAG).status, GNTST_general_error);
    assert_int_equal(gnt_fake_flags(g, D2, 3), GTF_permit_access);
    assert_int_equal(UNPIN(v1, 40), 0);
    assert_int_equal(mmu1(v1b, L2A, l2i, pte(L1A, pt), MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(l1_that_maps_vag(), L1A);
    GCHECK();
}

static void test_unmap_and_replace(void **state)
{
    struct gnttab_map_grant_ref op;
    struct gnttab_unmap_and_replace ur;
    u64 moved = l1e(101 - 100 + 30);    /* entry 31 maps frame 39 */

    (void)state;
    gnt_fake_grant(g, D2, 2, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 2, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    memset(&ur, 0, sizeof(ur));
    ur.host_addr = VAG;
    ur.new_addr = va1(39);
    ur.handle = op.handle;
    assert_int_equal(gop(v1, GNTTABOP_unmap_and_replace, &ur, sizeof(ur), 1), 0);
    assert_int_equal(ur.status, GNTST_okay);
    assert_int_equal(l1e(100), moved);
    assert_int_equal(l1e(31), 0);
    assert_int_equal(gnt_fake_flags(g, D2, 2), GTF_permit_access);
    GCHECK();
}

/* ---- G1: refs and handles -------------------------------------------------- */

static void test_ref_beyond_table(void **state)
{
    struct gsnap *s;
    struct gnttab_map_grant_ref op;

    (void)state;
    s = gsnap_take();
    op = map1(v1, D2, 512, RW, VAG);        /* one frame: refs 0..511 */
    assert_int_equal(op.status, GNTST_bad_gntref);
    op = map1(v1, D2, 0xffffffff, RW, VAG);
    assert_int_equal(op.status, GNTST_bad_gntref);
    op = map1(v1, 77, 0, RW, VAG);
    assert_int_equal(op.status, GNTST_bad_domain);
    op = map1(v1, DOMID_SELF, 0, RW, VAG);
    assert_int_equal(op.status, GNTST_bad_domain);
    op = map1(v1, D2, 0, GNTMAP_readonly, VAG);     /* neither host nor device */
    assert_int_equal(op.status, GNTST_bad_gntref);
    gsnap_same(s);
}

static void test_bad_handles(void **state)
{
    struct gnttab_map_grant_ref op;
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 3, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 3, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    s = gsnap_take();
    assert_int_equal(gunmap1(v1, op.handle + 1, VAG, 0), GNTST_bad_handle);  /* free */
    assert_int_equal(gunmap1(v1, 0x7fffffff, VAG, 0), GNTST_bad_handle);     /* beyond */
    /* another domain's handle number is not ours */
    assert_int_equal(gunmap1(v2, op.handle, VAG, 0), GNTST_bad_handle);
    /* wrong address: the PTE there is not the grant's */
    assert_int_equal(gunmap1(v1, op.handle, VAG2, 0), GNTST_general_error);
    assert_int_equal(gunmap1(v1, op.handle, va1(20), 0), GNTST_general_error);
    gsnap_same(s);
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    s = gsnap_take();
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_bad_handle);      /* double */
    gsnap_same(s);
}

/* ---- G2: the entry's flags ------------------------------------------------- */

static void test_not_permitted(void **state)
{
    struct gsnap *s;
    static const u16 bad_flags[] = { 0, GTF_accept_transfer, GTF_transitive,
                                     GTF_permit_access | GTF_sub_page };

    (void)state;
    for (unsigned int i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
        gnt_fake_grant(g, D2, 4, D1, GF, bad_flags[i]);
        s = gsnap_take();
        assert_int_equal(map1(v1, D2, 4, RW, VAG).status, GNTST_general_error);
        gsnap_same(s);
    }
    /* permitted, but to d0 */
    gnt_fake_grant(g, D2, 4, D0, GF, GTF_permit_access);
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 4, RO, VAG).status, GNTST_general_error);
    gsnap_same(s);
}

static void test_readonly_grant_mapped_writable(void **state)
{
    struct gsnap *s;
    struct gnttab_map_grant_ref ro;

    (void)state;
    gnt_fake_grant(g, D2, 6, D1, GF, GTF_permit_access | GTF_readonly);
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 6, RW, VAG).status, GNTST_general_error);
    assert_int_equal(map1(v1, D2, 6, GNTMAP_device_map, 0).status, GNTST_general_error);
    gsnap_same(s);
    /* pinned read-only first: the writable upgrade is still refused */
    ro = map1(v1, D2, 6, RO, VAG);
    assert_int_equal(ro.status, GNTST_okay);
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 6, RW, VAG2).status, GNTST_general_error);
    gsnap_same(s);
}

/* Once pinned, a granter rewriting the entry (revoking, regranting to
 * someone else, pointing it at another frame) changes nothing for the
 * mapping; end_foreign_access fails while in use and works after. */
static void test_revoke_while_mapped(void **state)
{
    struct gnttab_map_grant_ref op, op2;

    (void)state;
    gnt_fake_grant(g, D2, 8, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 8, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    assert_false(gnt_fake_end_access(g, D2, 8));
    /* hostile granter: clears everything and points elsewhere */
    gnt_fake_grant(g, D2, 8, D0, GF2, 0);
    /* a second map by d1 of the pinned entry still gets the pinned frame */
    op2 = map1(v1, D2, 8, RW, VAG2);
    assert_int_equal(op2.status, GNTST_okay);
    assert_int_equal(op2.dev_bus_addr, (u64)GF << 12);
    /* d0 may not share the pin */
    assert_int_equal(map1(v0, D2, 8, GNTMAP_device_map, 0).status, GNTST_general_error);
    GCHECK();
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    assert_int_equal(gunmap1(v1, op2.handle, VAG2, 0), GNTST_okay);
    assert_int_equal(gnt_act(T(D2), 8)->pin, 0);
    GCHECK();
}

/* The compare-exchange gives up on an entry that changes under it. */
static u16 *flip_word;
static void flip_on_data(struct gnt_fake *gf, mfn_t mfn)
{
    (void)gf;
    (void)mfn;
}

static void test_status_bits_each_state(void **state)
{
    struct gnttab_map_grant_ref r, w, d;

    (void)state;
    (void)flip_word;
    (void)flip_on_data;
    gnt_fake_grant(g, D2, 9, D1, GF, GTF_permit_access);
    r = map1(v1, D2, 9, RO, VAG);
    assert_int_equal(gnt_fake_flags(g, D2, 9), GTF_permit_access | GTF_reading);
    w = map1(v1, D2, 9, RW, VAG2);
    assert_int_equal(gnt_fake_flags(g, D2, 9), GTF_permit_access | GTF_reading | GTF_writing);
    d = map1(v1, D2, 9, GNTMAP_device_map, 0);
    assert_int_equal(d.status, GNTST_okay);
    assert_int_equal(gunmap1(v1, w.handle, VAG2, 0), GNTST_okay);
    /* a writable device mapping remains */
    assert_int_equal(gnt_fake_flags(g, D2, 9), GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(gunmap1(v1, d.handle, 0, (u64)GF << 12), GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 9), GTF_permit_access | GTF_reading);
    assert_int_equal(gunmap1(v1, r.handle, VAG, 0), GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 9), GTF_permit_access);
    GCHECK();
}

/* ---- G3: pin counters ---------------------------------------------------------- */

static void test_pin_overflow(void **state)
{
    struct gnttab_map_grant_ref op;
    u32 handles[128];
    /* 8-bit counters: refused once the top bit is set (the 129th) */
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 10, D1, GF, GTF_permit_access);
    for (unsigned int i = 0; i < 128; i++) {
        op = map1(v1, D2, 10, GNTMAP_device_map | GNTMAP_readonly, 0);
        assert_int_equal(op.status, GNTST_okay);
        handles[i] = op.handle;
    }
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 10, GNTMAP_device_map | GNTMAP_readonly, 0).status,
                     GNTST_general_error);
    gsnap_same(s);
    GCHECK();
    for (unsigned int i = 0; i < 128; i++)
        assert_int_equal(gunmap1(v1, handles[i], 0, (u64)GF << 12), GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 10), GTF_permit_access);
}

/* ---- maptrack limit --------------------------------------------------------- */

static void test_maptrack_exhaustion(void **state)
{
    struct gnttab_map_grant_ref *ops = calloc(257, sizeof(*ops));
    struct gsnap *s;

    (void)state;
    /* 256 handles (one maptrack page); 2 refs so no pin counter overflows */
    for (u32 r = 0; r < 3; r++)
        gnt_fake_grant(g, D2, r, D1, GF, GTF_permit_access | GTF_readonly);
    for (unsigned int i = 0; i < 256; i++)
        ops[i] = map_op(D2, i % 3, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(gop(v1, GNTTABOP_map_grant_ref, ops, sizeof(*ops), 256), 0);
    for (unsigned int i = 0; i < 256; i++)
        assert_int_equal(ops[i].status, GNTST_okay);
    GCHECK();
    s = gsnap_take();
    ops[256] = map_op(D2, 0, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(gop(v1, GNTTABOP_map_grant_ref, &ops[256], sizeof(*ops), 1), 0);
    assert_int_equal(ops[256].status, GNTST_no_space);
    gsnap_same(s);
    /* one back, one more fits */
    assert_int_equal(gunmap1(v1, ops[17].handle, 0, (u64)GF << 12), GNTST_okay);
    ops[256] = map_op(D2, 0, GNTMAP_device_map | GNTMAP_readonly, 0);
    assert_int_equal(gop(v1, GNTTABOP_map_grant_ref, &ops[256], sizeof(*ops), 1), 0);
    assert_int_equal(ops[256].status, GNTST_okay);
    assert_int_equal(ops[256].handle, ops[17].handle);
    GCHECK();
    free(ops);
}

/* ---- G4 / mm rule 19: the frame and the PTE while mapped ------------------------ */

static void test_grant_pte_untouchable(void **state)
{
    struct gnttab_map_grant_ref op;
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 11, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 11, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    s = gsnap_take();
    /* mmu_update: drop it, rewrite it, or point it at an own frame */
    assert_int_equal(mmu1(v1, L1A, 100, 0, MMU_NORMAL_PT_UPDATE, SELF), -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW), MMU_NORMAL_PT_UPDATE, SELF),
                     -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, l1e(100) & ~_PAGE_GNTTAB, MMU_NORMAL_PT_UPDATE, SELF),
                     -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, l1e(100) & ~_PAGE_RW, MMU_NORMAL_PT_UPDATE, SELF),
                     -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, l1e(100) | _PAGE_DIRTY, MMU_NORMAL_PT_UPDATE, SELF),
                     -XEN_EPERM);
    /* update_va_mapping */
    assert_int_equal(mm_do_update_va_mapping(env, v1, VAG, 0, UVMF_INVLPG | UVMF_LOCAL, NULL),
                     -XEN_EPERM);
    gsnap_same(s);
    /* nor may a guest forge the bit on an own frame */
    s = gsnap_take();
    assert_int_equal(mmu1(v1, L1A, 102, pte(20, _PAGE_RW) | _PAGE_GNTTAB, MMU_NORMAL_PT_UPDATE,
                          SELF), -XEN_EINVAL);
    gsnap_same(s);
    /* and a second grant cannot be mapped over the first */
    gnt_fake_grant(g, D2, 12, D1, GF2, GTF_permit_access);
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 12, RW, VAG).status, GNTST_general_error);
    gsnap_same(s);
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
}

static void test_ptwr_over_grant_pte(void **state)
{
    struct gnttab_map_grant_ref op;
    struct mm_regs regs;
    struct gsnap *s;
    /* mov %rax,(%rdi) */
    static const u8 insn[] = { 0x48, 0x89, 0x07 };
    u64 l1va = va1(L1A);

    (void)state;
    gnt_fake_grant(g, D2, 11, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 11, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    memset(&regs, 0, sizeof(regs));
    regs.rip = fake_gput(fe, 0x4000, insn, sizeof(insn));
    regs.gpr[7] = l1va + 100 * 8;
    regs.gpr[0] = 0;
    s = gsnap_take();
    assert_int_equal(mm_ptwr_fault(env, v1, &regs, regs.gpr[7], PFEC_PRESENT | PFEC_WRITE),
                     MM_PTWR_BOUNCE);
    gsnap_same(s);
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
}

static void test_frame_kept_while_mapped(void **state)
{
    struct gnttab_map_grant_ref op;

    (void)state;
    gnt_fake_grant(g, D2, 13, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 13, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    /* the granter cannot make it a page table: the writable type is held */
    assert_int_equal(PIN(v2, 1, GF), -XEN_EINVAL);
    /* nor exchange it away */
    assert_false(mm_steal_page(env, GF, fake_dom(fe, D2)));
    /* given back (decrease_reservation): not freed while mapped */
    mm_frame_release(env, GF);
    assert_false(fe->freed[GF]);
    GCHECK();
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    assert_true(fe->freed[GF]);
    GCHECK();
}

static struct gnttab_copy cp(u16 sdom, u64 s, u16 soff, u16 ddom, u64 d, u16 doff, u16 len,
                             u16 flags);

/* A frame the granter does not own (d1's own, or another's) is refused,
 * as Xen's first pin refuses it (get_paged_frame): GNTST_bad_page, for a
 * map and a copy alike (tests/guests/gntpair d0hostile.frame_not_granters
 * on Xen 4.17; pvisor said general_error). */
static void test_grant_of_foreign_frame(void **state)
{
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 14, D1, 20, GTF_permit_access);       /* d1's frame */
    gnt_fake_grant(g, D2, 15, D1, 2, GTF_permit_access);        /* hypervisor */
    gnt_fake_grant(g, D2, 16, D1, 0xfffff, GTF_permit_access);  /* nothing */
    s = gsnap_take();
    assert_int_equal(map1(v1, D2, 14, RW, VAG).status, GNTST_bad_page);
    assert_int_equal(map1(v1, D2, 15, RO, VAG).status, GNTST_bad_page);
    assert_int_equal(map1(v1, D2, 16, GNTMAP_device_map, 0).status, GNTST_bad_page);
    assert_int_equal(copy1(v1, cp(D2, 14, 0, DOMID_SELF, 30, 0, 8, GNTCOPY_source_gref)),
                     GNTST_bad_page);
    assert_int_equal(copy1(v1, cp(DOMID_SELF, 30, 0, D2, 16, 0, 8, GNTCOPY_dest_gref)),
                     GNTST_bad_page);
    gsnap_same(s);
}

/* The mapper dropping its L1 table with the grant PTE in it: the PTE's
 * references go with the table (as Xen); the later unmap fails and the pin
 * stays until teardown. */
static void test_table_dropped_under_mapping(void **state)
{
    struct gnttab_map_grant_ref op;
    u64 base = gcount(GF);

    (void)state;
    gnt_fake_grant(g, D2, 17, D1, GF, GTF_permit_access | GTF_readonly);
    op = map1(v1, D2, 17, RO, VAG);
    assert_int_equal(op.status, GNTST_okay);
    /* unhook the L1 from the L2: the L1 devalidates */
    assert_int_equal(mmu1(v1, L2A, (VA1 >> 21) & 511, 0, MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(gcount(GF), base);
    GCHECK();
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_general_error);
    GCHECK();
    assert_int_equal(gnt_table_teardown(genv, T(D1)), 0);
    assert_int_equal(gnt_act(T(D2), 17)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 17), GTF_permit_access | GTF_readonly);
    GCHECK();
}

/* ---- G5: flush before release ------------------------------------------------------ */

static u16 flags_at_flush;
static u64 count_at_flush;
static void watch_flush(struct gnt_fake *gf)
{
    (void)gf;
    flags_at_flush = gnt_fake_flags(g, D2, 18);
    count_at_flush = gcount(GF);
}

static void test_unmap_flushes_first(void **state)
{
    struct gnttab_map_grant_ref op;
    u64 mapped;

    (void)state;
    gnt_fake_grant(g, D2, 18, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 18, RW, VAG);
    mapped = gcount(GF);
    g->on_flush = watch_flush;
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
    g->on_flush = NULL;
    assert_int_equal(g->nr_flush, 1);
    assert_int_equal(flags_at_flush, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(count_at_flush, mapped);
    assert_int_equal(gnt_fake_flags(g, D2, 18), GTF_permit_access);
}

/* ---- G6: copy ------------------------------------------------------------------- */

static struct gnttab_copy cp(u16 sdom, u64 s, u16 soff, u16 ddom, u64 d, u16 doff, u16 len,
                             u16 flags)
{
    struct gnttab_copy op;

    memset(&op, 0, sizeof(op));
    op.source.domid = sdom;
    op.source.offset = soff;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    op.len = len;
    op.flags = flags;
    if (flags & GNTCOPY_source_gref)
        op.source.u.ref = (u32)s;
    else
        op.source.u.gmfn = s;
    if (flags & GNTCOPY_dest_gref)
        op.dest.u.ref = (u32)d;
    else
        op.dest.u.gmfn = d;
    return op;
}

static void test_copy_both_directions(void **state)
{
    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    memset(fe->mem[GF], 0xab, 4096);
    memset(fe->mem[30], 0, 4096);
    /* from d2's grant into d1's own frame 30 */
    assert_int_equal(copy1(v1, cp(D2, 20, 8, DOMID_SELF, 30, 16, 4000, GNTCOPY_source_gref)),
                     GNTST_okay);
    assert_int_equal(((u8 *)fe->mem[30])[16], 0xab);
    assert_int_equal(((u8 *)fe->mem[30])[15], 0);
    /* from d1's frame into d2's grant */
    memset(fe->mem[30], 0x5c, 4096);
    assert_int_equal(copy1(v1, cp(DOMID_SELF, 30, 0, D2, 20, 0, 4096, GNTCOPY_dest_gref)),
                     GNTST_okay);
    assert_int_equal(((u8 *)fe->mem[GF])[4095], 0x5c);
    /* pins and status bits last only as long as the copy */
    assert_int_equal(gnt_act(T(D2), 20)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 20), GTF_permit_access);
    GCHECK();
}

/* The bytes that move are exactly [offset, offset + len) of each side, at
 * every length the word-block loop and its tail split differently; one
 * frame on both sides (overlapping ranges) moves as memmove does. */
static void test_copy_bytes_exact(void **state)
{
    static const u16 lens[] = { 0, 1, 7, 8, 9, 255, 256, 257, 511, 512, 1000, 2048, 3583, 4095, 4096 };
    static u8 want[4096];

    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    for (unsigned int i = 0; i < 4096; i++)
        ((u8 *)fe->mem[GF])[i] = (u8)(i * 7 + 3);
    for (unsigned int k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        u16 len = lens[k], soff = (u16)((4096 - len) / 3), doff = (u16)((4096 - len) - ((4096 - len) & 5));

        memset(fe->mem[30], 0xee, 4096);
        memset(want, 0xee, 4096);
        memcpy(want + doff, (u8 *)fe->mem[GF] + soff, len);
        assert_int_equal(copy1(v1, cp(D2, 20, soff, DOMID_SELF, 30, doff, len,
                                      GNTCOPY_source_gref)), GNTST_okay);
        assert_memory_equal(fe->mem[30], want, 4096);
    }
    /* frame 30 onto itself, 8 bytes further on, both directions */
    for (unsigned int dir = 0; dir < 2; dir++) {
        for (unsigned int i = 0; i < 4096; i++)
            ((u8 *)fe->mem[30])[i] = (u8)(i * 13 + 1);
        memcpy(want, fe->mem[30], 4096);
        memmove(want + (dir ? 0 : 8), want + (dir ? 8 : 0), 3000);
        assert_int_equal(copy1(v1, cp(DOMID_SELF, 30, dir ? 8 : 0, DOMID_SELF, 30,
                                      dir ? 0 : 8, 3000, 0)), GNTST_okay);
        assert_memory_equal(fe->mem[30], want, 4096);
    }
    GCHECK();
}

static void test_copy_refusals(void **state)
{
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 21, D1, GF, GTF_permit_access | GTF_readonly);
    s = gsnap_take();
    /* beyond the page, per segment */
    assert_int_equal(copy1(v1, cp(D2, 21, 4000, DOMID_SELF, 30, 0, 200, GNTCOPY_source_gref)),
                     GNTST_bad_copy_arg);
    assert_int_equal(copy1(v1, cp(D2, 21, 0, DOMID_SELF, 30, 3000, 2000, GNTCOPY_source_gref)),
                     GNTST_bad_copy_arg);
    /* a read-only grant as destination */
    assert_int_equal(copy1(v1, cp(DOMID_SELF, 30, 0, D2, 21, 0, 8, GNTCOPY_dest_gref)),
                     GNTST_general_error);
    /* by frame for another domain */
    assert_int_equal(copy1(v1, cp(D2, GF, 0, DOMID_SELF, 30, 0, 8, 0)),
                     GNTST_permission_denied);
    /* by frame, a frame that is not ours */
    assert_int_equal(copy1(v1, cp(DOMID_SELF, GF, 0, DOMID_SELF, 30, 0, 8, 0)), GNTST_bad_page);
    assert_int_equal(copy1(v1, cp(DOMID_SELF, 30, 0, DOMID_SELF, 1ULL << 50, 0, 8, 0)),
                     GNTST_bad_page);
    /* bad ref, bad domain, not granted to us */
    assert_int_equal(copy1(v1, cp(D2, 600, 0, DOMID_SELF, 30, 0, 8, GNTCOPY_source_gref)),
                     GNTST_bad_gntref);
    assert_int_equal(copy1(v1, cp(9, 1, 0, DOMID_SELF, 30, 0, 8, GNTCOPY_source_gref)),
                     GNTST_bad_domain);
    assert_int_equal(copy1(v0, cp(D2, 21, 0, DOMID_SELF, 70, 0, 8, GNTCOPY_source_gref)),
                     GNTST_general_error);
    /* a destination frame that is a page table */
    assert_int_equal(copy1(v1, cp(D2, 21, 0, DOMID_SELF, L1A, 0, 8, GNTCOPY_source_gref)),
                     GNTST_general_error);
    gsnap_same(s);
}

/* The granter revokes while the copy runs: the copy holds the pin, so
 * end_foreign_access fails until it is done. */
static bool revoke_result;
static void revoke_during_copy(struct gnt_fake *gf, mfn_t mfn)
{
    (void)gf;
    if (mfn == GF) {
        revoke_result = gnt_fake_end_access(g, D2, 22);
        /* and a hostile granter clearing everything by force */
        gnt_fake_grant(g, D2, 22, D0, GF2, 0);
    }
}

static void test_revoke_during_copy(void **state)
{
    (void)state;
    gnt_fake_grant(g, D2, 22, D1, GF, GTF_permit_access);
    memset(fe->mem[GF], 0x77, 4096);
    g->on_map_data = revoke_during_copy;
    revoke_result = true;
    assert_int_equal(copy1(v1, cp(D2, 22, 0, DOMID_SELF, 30, 0, 64, GNTCOPY_source_gref)),
                     GNTST_okay);
    g->on_map_data = NULL;
    assert_false(revoke_result);
    assert_int_equal(((u8 *)fe->mem[30])[63], 0x77);
    assert_int_equal(gnt_act(T(D2), 22)->pin, 0);
    GCHECK();
}

/* ---- G6 in batches: a run of entries on one ref shares one claim of it ------------- */

/* What the entry being copied sees, recorded at its destination's map_data
 * (the first map of each entry): the pins and flags of refs 20 and 23 and
 * whether the granter could revoke ref 20 right then. */
struct run_seen {
    u32 pin20, pin23;
    u16 flags20, flags23;
};
static struct run_seen run_seen[16];
static unsigned int run_maps, run_revoke_at = ~0u;
static bool run_revoked;

static void watch_run(struct gnt_fake *gf, mfn_t mfn)
{
    unsigned int e = run_maps / 2;

    (void)mfn;
    if (run_maps++ % 2 || e >= 16)
        return;
    run_seen[e] = (struct run_seen){ gnt_act(T(D2), 20)->pin, gnt_act(T(D2), 23)->pin,
                                     gnt_fake_flags(gf, D2, 20), gnt_fake_flags(gf, D2, 23) };
    if (e == run_revoke_at)
        run_revoked = gnt_fake_end_access(gf, D2, 20);
}

static void run_begin(unsigned int revoke_at)
{
    memset(run_seen, 0, sizeof(run_seen));
    run_maps = 0;
    run_revoke_at = revoke_at;
    run_revoked = false;
    g->on_map_data = watch_run;
}

#define RW_BITS (GTF_permit_access | GTF_reading | GTF_writing)

/* Three entries into ref 20, two into ref 23, one into 20 again: one pin
 * per run (never one per entry), the previous ref unpinned and its bits
 * cleared as soon as an entry names another, nothing left at the end. */
static void test_copy_runs_on_refs(void **state)
{
    struct gnttab_copy ops[6];
    u32 tref = T(D2)->refcnt;

    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    gnt_fake_grant(g, D2, 23, D1, GF2, GTF_permit_access);
    memset(fe->mem[GF], 0, 4096);
    memset(fe->mem[GF2], 0, 4096);
    for (unsigned int i = 0; i < 4096; i++)
        ((u8 *)fe->mem[30])[i] = (u8)(i * 5 + 1);
    ops[0] = cp(DOMID_SELF, 30, 0, D2, 20, 0, 1000, GNTCOPY_dest_gref);
    ops[1] = cp(DOMID_SELF, 30, 1000, D2, 20, 1000, 1000, GNTCOPY_dest_gref);
    ops[2] = cp(DOMID_SELF, 30, 2000, D2, 20, 2000, 2096, GNTCOPY_dest_gref);
    ops[3] = cp(DOMID_SELF, 30, 0, D2, 23, 0, 2048, GNTCOPY_dest_gref);
    ops[4] = cp(DOMID_SELF, 30, 2048, D2, 23, 2048, 2048, GNTCOPY_dest_gref);
    ops[5] = cp(DOMID_SELF, 30, 8, D2, 20, 0, 8, GNTCOPY_dest_gref);
    run_begin(~0u);
    assert_int_equal(gop(v1, GNTTABOP_copy, ops, sizeof(ops[0]), 6), 0);
    g->on_map_data = NULL;
    for (unsigned int i = 0; i < 6; i++)
        assert_int_equal(ops[i].status, GNTST_okay);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(run_seen[i].pin20, GNTPIN_HSTW_INC);
        assert_int_equal(run_seen[i].flags20, RW_BITS);
        assert_int_equal(run_seen[i].pin23, 0);
        assert_int_equal(run_seen[i].flags23, GTF_permit_access);
    }
    for (unsigned int i = 3; i < 5; i++) {
        assert_int_equal(run_seen[i].pin20, 0);
        assert_int_equal(run_seen[i].flags20, GTF_permit_access);
        assert_int_equal(run_seen[i].pin23, GNTPIN_HSTW_INC);
        assert_int_equal(run_seen[i].flags23, RW_BITS);
    }
    assert_int_equal(run_seen[5].pin20, GNTPIN_HSTW_INC);
    assert_int_equal(run_seen[5].pin23, 0);
    assert_int_equal(run_seen[5].flags23, GTF_permit_access);
    assert_memory_equal((u8 *)fe->mem[GF] + 8, (u8 *)fe->mem[30] + 8, 4088);
    assert_memory_equal(fe->mem[GF], (u8 *)fe->mem[30] + 8, 8);
    assert_memory_equal(fe->mem[GF2], fe->mem[30], 4096);
    assert_int_equal(gnt_act(T(D2), 20)->pin, 0);
    assert_int_equal(gnt_act(T(D2), 23)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 20), GTF_permit_access);
    assert_int_equal(gnt_fake_flags(g, D2, 23), GTF_permit_access);
    assert_int_equal(T(D2)->refcnt, tref);
    GCHECK();
}

/* The granter points a pinned entry at another frame during a run: the run
 * keeps the frame it claimed (Xen's kept buf), a later claim sees the new
 * one. Per-entry claims (the old code) moved entries 1 and 2 to GF2. */
static void rewrite_frame(struct gnt_fake *gf, mfn_t mfn)
{
    (void)gf;
    if (mfn == GF)
        gnt_shared(T(D2), 20)->frame = GF2;
}

static void test_copy_run_keeps_frame(void **state)
{
    struct gnttab_copy ops[4];

    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    memset(fe->mem[GF], 0, 4096);
    memset(fe->mem[GF2], 0, 4096);
    memset(fe->mem[30], 0x6b, 4096);
    for (unsigned int i = 0; i < 3; i++)
        ops[i] = cp(DOMID_SELF, 30, 0, D2, 20, (u16)(i * 1000), 1000, GNTCOPY_dest_gref);
    g->on_map_data = rewrite_frame;
    assert_int_equal(gop(v1, GNTTABOP_copy, ops, sizeof(ops[0]), 3), 0);
    g->on_map_data = NULL;
    for (unsigned int i = 0; i < 3; i++)
        assert_int_equal(ops[i].status, GNTST_okay);
    assert_int_equal(((u8 *)fe->mem[GF])[2999], 0x6b);
    assert_int_equal(((u8 *)fe->mem[GF2])[1000], 0);
    ops[3] = cp(DOMID_SELF, 30, 0, D2, 20, 0, 8, GNTCOPY_dest_gref);
    assert_int_equal(copy1(v1, ops[3]), GNTST_okay);
    assert_int_equal(((u8 *)fe->mem[GF2])[7], 0x6b);
    assert_int_equal(gnt_act(T(D2), 20)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 20), GTF_permit_access);
    memset(fe->mem[GF2], 0, 4096);
    GCHECK();
}

/* A bad entry in the middle of a run on one ref: the entries before it are
 * done, it gets its own status, the run claims the ref afresh after it,
 * and a granter revoking during the run fails (pinned, as under Xen) but
 * succeeds once the batch moved to another ref. A by-frame entry naming the
 * kept (foreign) domain is refused although the domain is already looked up. */
static void test_copy_bad_entry_in_run(void **state)
{
    struct gnttab_copy ops[8];
    struct gsnap *s;

    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    gnt_fake_grant(g, D2, 23, D1, GF2, GTF_permit_access);
    memset(fe->mem[GF], 0, 4096);
    memset(fe->mem[GF2], 0, 4096);
    memset(fe->mem[30], 0x3c, 4096);
    s = gsnap_take();
    ops[0] = cp(DOMID_SELF, 30, 0, D2, 20, 0, 100, GNTCOPY_dest_gref);
    ops[1] = cp(DOMID_SELF, 30, 0, D2, 20, 100, 100, GNTCOPY_dest_gref);
    ops[2] = cp(DOMID_SELF, 30, 0, D2, 20, 4000, 100, GNTCOPY_dest_gref);   /* beyond */
    ops[3] = cp(DOMID_SELF, 30, 0, D2, 20, 200, 100, GNTCOPY_dest_gref);
    ops[4] = cp(DOMID_SELF, 30, 0, D2, GF, 0, 8, 0);          /* by frame, not ours */
    ops[5] = cp(DOMID_SELF, 30, 0, D2, 20, 300, 100, GNTCOPY_dest_gref);
    ops[6] = cp(DOMID_SELF, 30, 0, D2, 23, 0, 8, GNTCOPY_dest_gref);
    ops[7] = cp(DOMID_SELF, 30, 0, D2, 23, 8, 8, GNTCOPY_dest_gref);
    run_begin(1);
    assert_int_equal(gop(v1, GNTTABOP_copy, ops, sizeof(ops[0]), 5), 0);
    assert_false(run_revoked);          /* ref 20 in use by the run */
    assert_int_equal(ops[0].status, GNTST_okay);
    assert_int_equal(ops[1].status, GNTST_okay);
    assert_int_equal(ops[2].status, GNTST_bad_copy_arg);
    assert_int_equal(ops[3].status, GNTST_okay);
    assert_int_equal(ops[4].status, GNTST_permission_denied);
    /* entry 3 claimed the ref again: one pin, not two */
    assert_int_equal(run_seen[2].pin20, GNTPIN_HSTW_INC);
    assert_int_equal(((u8 *)fe->mem[GF])[299], 0x3c);
    assert_int_equal(((u8 *)fe->mem[GF])[300], 0);
    assert_int_equal(gnt_act(T(D2), 20)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 20), GTF_permit_access);
    GCHECK();
    /* the granter ends access when the batch reaches ref 23, not later */
    run_begin(1);
    assert_int_equal(gop(v1, GNTTABOP_copy, &ops[5], sizeof(ops[0]), 3), 0);
    g->on_map_data = NULL;
    assert_true(run_revoked);
    assert_int_equal(ops[5].status, GNTST_okay);
    assert_int_equal(ops[6].status, GNTST_okay);
    assert_int_equal(ops[7].status, GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 20), 0);
    assert_int_equal(gnt_act(T(D2), 23)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 23), GTF_permit_access);
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    memset(fe->mem[GF], 0, 4096);
    memset(fe->mem[GF2], 0, 4096);
    gsnap_same(s);
}

/* Preempted in the middle of a run: nothing of the run is held across the
 * continuation (pin, status bits, frame and table references), and the
 * continuation finishes it. */
static void test_copy_run_preempted(void **state)
{
    struct gnttab_copy ops[6];
    struct gnt_cont c;
    struct gsnap *s;
    u64 a;
    long rc;

    (void)state;
    gnt_fake_grant(g, D2, 20, D1, GF, GTF_permit_access);
    memset(fe->mem[30], 0x5a, 4096);    /* the same bytes: memory is part of the snapshot */
    memset(fe->mem[GF], 0x5a, 4096);
    s = gsnap_take();
    for (unsigned int i = 0; i < 6; i++)
        ops[i] = cp(D2, 20, (u16)(i * 512), DOMID_SELF, 30, (u16)(i * 512), 512,
                    GNTCOPY_source_gref);
    ops[5] = cp(DOMID_SELF, 30, 0, D2, 20, 0, 4096, GNTCOPY_dest_gref);
    a = fake_gput(fe, 0x3000, ops, sizeof(ops));
    g->preempt_countdown = 2;
    rc = gnt_do_op(genv, v1, T(D1), GNTTABOP_copy, a, 6, &c);
    g->preempt_countdown = -1;
    assert_int_equal(rc, -XEN_ERESTART);
    assert_int_equal(c.count, 3);
    gsnap_same(s);                      /* nothing held */
    assert_int_equal(gnt_do_op(genv, v1, T(D1), (unsigned int)c.cmd, c.uop,
                               (unsigned int)c.count, &c), 0);
    fake_gget(fe, 0x3000, ops, sizeof(ops));
    for (unsigned int i = 0; i < 6; i++)
        assert_int_equal(ops[i].status, GNTST_okay);
    assert_int_equal(gnt_act(T(D2), 20)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 20), GTF_permit_access);
    GCHECK();
}

/* ---- swap, cache_flush, transfer, versions, setup, query ----------------------------- */

static void test_swap(void **state)
{
    struct gnttab_swap_grant_ref sw[3];
    struct gnttab_map_grant_ref op;

    (void)state;
    gnt_fake_grant(g, D2, 30, D1, GF, GTF_permit_access);
    gnt_fake_grant(g, D2, 31, D0, GF2, GTF_permit_access | GTF_readonly);
    sw[0] = (struct gnttab_swap_grant_ref){ .ref_a = 30, .ref_b = 31 };
    sw[1] = (struct gnttab_swap_grant_ref){ .ref_a = 30, .ref_b = 512 };
    sw[2] = (struct gnttab_swap_grant_ref){ .ref_a = 30, .ref_b = 30 };
    assert_int_equal(gop(v2, GNTTABOP_swap_grant_ref, sw, sizeof(sw[0]), 3), 0);
    assert_int_equal(sw[0].status, GNTST_okay);
    assert_int_equal(sw[1].status, GNTST_bad_gntref);
    assert_int_equal(sw[2].status, GNTST_okay);
    assert_int_equal(gnt_shared(T(D2), 30)->domid, D0);
    assert_int_equal(gnt_shared(T(D2), 31)->frame, GF);
    op = map1(v1, D2, 31, RW, VAG);
    assert_int_equal(op.status, GNTST_okay);
    sw[0] = (struct gnttab_swap_grant_ref){ .ref_a = 30, .ref_b = 31 };
    assert_int_equal(gop(v2, GNTTABOP_swap_grant_ref, sw, sizeof(sw[0]), 1), 0);
    assert_int_equal(sw[0].status, GNTST_eagain);
    assert_int_equal(gunmap1(v1, op.handle, VAG, 0), GNTST_okay);
}

static long cflush(struct mm_vcpu *v, u64 bus, u16 off, u16 len, u32 opc)
{
    struct gnttab_cache_flush op;

    memset(&op, 0, sizeof(op));
    op.a.dev_bus_addr = bus;
    op.offset = off;
    op.length = len;
    op.op = opc;
    return gop(v, GNTTABOP_cache_flush, &op, sizeof(op), 1);
}

static void test_cache_flush(void **state)
{
    struct gnttab_map_grant_ref op;

    (void)state;
    assert_int_equal(cflush(v1, 20ULL << 12, 4095, 2, GNTTAB_CACHE_CLEAN), -XEN_EINVAL);
    assert_int_equal(cflush(v1, 20ULL << 12, 0, 8, GNTTAB_CACHE_SOURCE_GREF), -XEN_EINVAL);
    assert_int_equal(cflush(v1, 20ULL << 12, 0, 0, GNTTAB_CACHE_CLEAN), 0);
    assert_int_equal(cflush(v1, 20ULL << 12, 0, 64, GNTTAB_CACHE_CLEAN), 0);
    assert_int_equal(cflush(v1, 20ULL << 12, 0, 64, GNTTAB_CACHE_INVAL), -XEN_EOPNOTSUPP);
    assert_int_equal(cflush(v1, (u64)FAKE_FRAMES << 12, 0, 64, GNTTAB_CACHE_CLEAN), -XEN_EINVAL);
    assert_int_equal(cflush(v1, 82ULL << 12, 0, 64, GNTTAB_CACHE_CLEAN), -XEN_EPERM);
    /* d2's frame: only once granted to and mapped by us */
    assert_int_equal(cflush(v1, (u64)GF << 12, 0, 64, GNTTAB_CACHE_CLEAN), -XEN_EINVAL);
    gnt_fake_grant(g, D2, 40, D1, GF, GTF_permit_access);
    op = map1(v1, D2, 40, GNTMAP_device_map, 0);
    assert_int_equal(cflush(v1, (u64)GF << 12, 0, 64, GNTTAB_CACHE_CLEAN), 0);
    assert_int_equal(gunmap1(v1, op.handle, 0, (u64)GF << 12), GNTST_okay);
    assert_int_equal(g->nr_cache_flush, 2);
}

static void test_transfer_and_versions(void **state)
{
    struct gnttab_transfer tr;
    struct gnttab_set_version sv = { .version = 2 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
    struct gsnap *s = gsnap_take();

    (void)state;
    memset(&tr, 0, sizeof(tr));
    assert_int_equal(gop(v1, GNTTABOP_transfer, &tr, sizeof(tr), 1), -XEN_EOPNOTSUPP);
    assert_int_equal(gop(v1, GNTTABOP_set_version, &sv, sizeof(sv), 1), -XEN_ENOSYS);
    assert_int_equal(sv.version, 1);
    sv.version = 3;
    assert_int_equal(gop(v1, GNTTABOP_set_version, &sv, sizeof(sv), 1), -XEN_EINVAL);
    sv.version = 1;
    assert_int_equal(gop(v1, GNTTABOP_set_version, &sv, sizeof(sv), 1), 0);
    assert_int_equal(gop(v1, GNTTABOP_get_version, &gv, sizeof(gv), 1), 0);
    assert_int_equal(gv.version, 1);
    gv.dom = D2;
    assert_int_equal(gop(v1, GNTTABOP_get_version, &gv, sizeof(gv), 1), -XEN_EPERM);
    gv.dom = 9;
    assert_int_equal(gop(v0, GNTTABOP_get_version, &gv, sizeof(gv), 1), -XEN_ESRCH);
    assert_int_equal(gop(v1, GNTTABOP_get_status_frames, &gs, sizeof(gs), 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    assert_int_equal(gop(v1, 13, &gs, sizeof(gs), 1), -XEN_ENOSYS);
    assert_int_equal(gop(v1, GNTTABOP_map_grant_ref | (1 << 12), &gs, sizeof(gs), 1),
                     -XEN_EINVAL);
    gsnap_same(s);
}

static void test_setup_and_query(void **state)
{
    struct gnttab_setup_table st;
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    xen_pfn_t frames[5];

    (void)state;
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.nr_frames = 3;
    set_xen_guest_handle(st.frame_list, (xen_pfn_t *)(uintptr_t)FAKE_GVA(0x5000));
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    fake_gget(fe, 0x5000, frames, 3 * sizeof(frames[0]));
    assert_int_equal(frames[0], T(D1)->shared_mfn[0]);
    assert_int_equal(frames[2], T(D1)->shared_mfn[2]);
    assert_int_equal(gop(v1, GNTTABOP_query_size, &qs, sizeof(qs), 1), 0);
    assert_int_equal(qs.nr_frames, 3);
    assert_int_equal(qs.max_nr_frames, 4);
    st.nr_frames = 5;                      /* over the limit */
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    st.dom = D2;                            /* not ours to control */
    st.nr_frames = 1;
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_permission_denied);
    st.dom = D2;                            /* d0 may */
    assert_int_equal(gop(v0, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    st.dom = DOMID_SELF;                    /* a frame list in hypervisor space */
    set_xen_guest_handle(st.frame_list, (xen_pfn_t *)(uintptr_t)0xffff830000000000ULL);
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), -XEN_EFAULT);
    {
        struct gnttab_setup_table two[2] = { st, st };

        assert_int_equal(gop(v1, GNTTABOP_setup_table, two, sizeof(st), 2), -XEN_EINVAL);
    }
    /* more entries are usable now */
    gnt_fake_grant(g, D1, 1500, D2, 20, GTF_permit_access);
    GCHECK();
}

/* createdomain's limits: applied after creation, never below what is held */
static void test_limits(void **state)
{
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_setup_table st;

    (void)state;
    gnt_table_set_limits(genv, T(D1), 2, 1);
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.nr_frames = 3;
    set_xen_guest_handle(st.frame_list, (xen_pfn_t *)(uintptr_t)FAKE_GVA(0x5000));
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    st.nr_frames = 2;
    assert_int_equal(gop(v1, GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    gnt_table_set_limits(genv, T(D1), 1, 1);      /* cannot shrink under it */
    assert_int_equal(gop(v1, GNTTABOP_query_size, &qs, sizeof(qs), 1), 0);
    assert_int_equal(qs.max_nr_frames, 2);
    gnt_table_set_limits(genv, T(D1), 100000, 100000);
    assert_int_equal(T(D1)->max_frames, GNT_HARD_MAX_FRAMES);
    assert_int_equal(T(D1)->max_maptrack, GNT_HARD_MAX_MAPTRACK);
}

/* XENMEM_acquire_resource: the shared frames' MFNs, the table grown up to
 * its limit as setup_table would; nothing else is handed out, and a
 * refusal grows nothing. */
static void test_acquire_resource(void **state)
{
    xen_pfn_t mfns[4] = { 0 };
    struct gnt_table *t2 = T(D2);

    (void)state;
    gnt_table_set_limits(genv, T(D1), 4, 1);
    assert_int_equal(gnt_max_frames(T(D1)), 4);
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         0, 1, mfns), 1);
    assert_int_equal(mfns[0], T(D1)->shared_mfn[0]);
    assert_int_equal(T(D1)->nr_frames, 1);
    /* frames 2..3: the table grows to 4 */
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         2, 2, mfns), 2);
    assert_int_equal(T(D1)->nr_frames, 4);
    assert_int_equal(mfns[0], T(D1)->shared_mfn[2]);
    assert_int_equal(mfns[1], T(D1)->shared_mfn[3]);
    memset(mfns, 0, sizeof(mfns));
    /* beyond the limit, none, status frames (v1), other ids, wrapping ranges */
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         3, 2, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         4, 1, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         0, 0, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_status,
                                         0, 1, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, T(D1), 2, 0, 1, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, T(D1), XENMEM_resource_grant_table_id_shared,
                                         0xffffffffu, 2, mfns), -XEN_EINVAL);
    assert_int_equal(mfns[0], 0);
    assert_int_equal(T(D1)->nr_frames, 4);
    /* d2's table, let go of by its dying domain while someone holds it:
     * nothing more is handed out or grown */
    assert_int_equal(gnt_resource_frames(genv, t2, XENMEM_resource_grant_table_id_shared,
                                         0, 1, mfns), 1);
    gnt_table_get(t2);
    g->dead[D2] = true;
    assert_int_equal(gnt_table_teardown(genv, t2), 0);
    gnt_table_release(genv, t2);
    g->tables[D2] = NULL;
    assert_int_equal(gnt_resource_frames(genv, t2, XENMEM_resource_grant_table_id_shared,
                                         0, 1, mfns), -XEN_EINVAL);
    assert_int_equal(gnt_resource_frames(genv, t2, XENMEM_resource_grant_table_id_shared,
                                         1, 1, mfns), -XEN_EINVAL);
    gnt_table_put(genv, t2);
    GCHECK();
}

/* ---- G7: batches ------------------------------------------------------------------------ */

static void test_batch_statuses_and_preemption(void **state)
{
    struct gnttab_map_grant_ref ops[6];
    struct gnttab_unmap_grant_ref un[40];
    unsigned int n = 0;

    (void)state;
    gnt_fake_grant(g, D2, 50, D1, GF, GTF_permit_access);
    gnt_fake_grant(g, D2, 51, D1, GF2, GTF_permit_access | GTF_readonly);
    ops[0] = map_op(D2, 50, RW, VAG);
    ops[1] = map_op(D2, 51, RW, VAG2);        /* read-only grant: refused */
    ops[2] = map_op(D2, 51, RO, VAG2);
    ops[3] = map_op(D2, 999, RO, VAG2);
    ops[4] = map_op(D2, 50, GNTMAP_device_map, 0);
    ops[5] = map_op(D2, 51, GNTMAP_device_map | GNTMAP_readonly, 0);
    g->preempt_countdown = 2;                  /* stop after a few entries */
    assert_int_equal(gop(v1, GNTTABOP_map_grant_ref, ops, sizeof(ops[0]), 6), 0);
    g->preempt_countdown = -1;
    assert_int_equal(ops[0].status, GNTST_okay);
    assert_int_equal(ops[1].status, GNTST_general_error);
    assert_int_equal(ops[2].status, GNTST_okay);
    assert_int_equal(ops[3].status, GNTST_bad_gntref);
    assert_int_equal(ops[4].status, GNTST_okay);
    assert_int_equal(ops[5].status, GNTST_okay);
    GCHECK();
    memset(un, 0, sizeof(un));
    un[n++] = (struct gnttab_unmap_grant_ref){ .host_addr = VAG, .handle = ops[0].handle };
    un[n++] = (struct gnttab_unmap_grant_ref){ .host_addr = VAG2, .handle = ops[2].handle };
    un[n++] = (struct gnttab_unmap_grant_ref){ .host_addr = VAG2, .handle = ops[2].handle };
    un[n++] = (struct gnttab_unmap_grant_ref){ .dev_bus_addr = (u64)GF << 12,
                                               .handle = ops[4].handle };
    for (; n < 38; n++)
        un[n] = (struct gnttab_unmap_grant_ref){ .handle = 200 + n };
    un[n++] = (struct gnttab_unmap_grant_ref){ .dev_bus_addr = (u64)GF2 << 12,
                                               .handle = ops[5].handle };
    g->preempt_countdown = 0;
    g->nr_flush = 0;
    assert_int_equal(gop(v1, GNTTABOP_unmap_grant_ref, un, sizeof(un[0]), n), 0);
    g->preempt_countdown = -1;
    assert_int_equal(g->nr_flush, 3);          /* one per batch of 16 */
    assert_int_equal(un[0].status, GNTST_okay);
    assert_int_equal(un[1].status, GNTST_okay);
    assert_int_equal(un[2].status, GNTST_bad_handle);
    assert_int_equal(un[3].status, GNTST_okay);
    assert_int_equal(un[20].status, GNTST_bad_handle);
    assert_int_equal(un[38].status, GNTST_okay);
    assert_int_equal(gnt_fake_flags(g, D2, 50), GTF_permit_access);
    assert_int_equal(gnt_fake_flags(g, D2, 51), GTF_permit_access | GTF_readonly);
    GCHECK();
}

static void test_batch_fault(void **state)
{
    struct gnt_cont c;
    struct gsnap *s = gsnap_take();

    (void)state;
    /* the array outside guest memory (fake: -EFAULT), or in hypervisor space */
    assert_int_equal(gnt_do_op(genv, v1, T(D1), GNTTABOP_map_grant_ref, 0x1000, 1, &c),
                     -XEN_EFAULT);
    assert_int_equal(gnt_do_op(genv, v1, T(D1), GNTTABOP_unmap_grant_ref,
                               0xffff830000000000ULL, 1, &c), -XEN_EFAULT);
    assert_int_equal(gnt_do_op(genv, v1, T(D1), GNTTABOP_copy, FAKE_GVA(0), 0x80000000u, &c),
                     -XEN_EINVAL);
    assert_int_equal(gnt_do_op(genv, v1, T(D1), GNTTABOP_copy, ~0ULL - 8, 2, &c),
                     -XEN_EFAULT);
    gsnap_same(s);
}

/* ---- G8: death on either side ------------------------------------------------------------ */

static void test_mapper_dies(void **state)
{
    struct gnttab_map_grant_ref a, b;

    (void)state;
    gnt_fake_grant(g, D2, 60, D1, GF, GTF_permit_access);
    a = map1(v1, D2, 60, RW, VAG);
    b = map1(v1, D2, 60, GNTMAP_device_map, 0);
    assert_int_equal(a.status | b.status, 0);
    /* preemptible: stop at the first check, then finish */
    g->preempt_countdown = 0;
    while (gnt_table_teardown(genv, T(D1)) == -XEN_ERESTART)
        g->preempt_countdown = -1;
    g->preempt_countdown = -1;
    assert_int_equal(gnt_act(T(D2), 60)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, 60), GTF_permit_access);
    assert_int_equal(T(D2)->refcnt, 1);
    /* a dying mapper maps nothing more */
    assert_int_equal(map1(v1, D2, 60, GNTMAP_device_map, 0).status, GNTST_no_space);
    /* its PTE still holds the frame until its tables go (mm teardown) */
    assert_int_equal(mmu1(v1, L2A, (VA1 >> 21) & 511, 0, MMU_NORMAL_PT_UPDATE, SELF), 0);
    GCHECK();
}

static void test_granter_dies(void **state)
{
    struct gnttab_map_grant_ref a;
    struct gnt_table *t2 = T(D2);
    long pages;

    (void)state;
    gnt_fake_grant(g, D2, 61, D1, GF, GTF_permit_access);
    a = map1(v1, D2, 61, RW, VAG);
    assert_int_equal(a.status, GNTST_okay);
    /* d2 dies: its table goes away from the domain, but lives for our maptrack */
    g->dead[D2] = true;
    assert_int_equal(gnt_table_teardown(genv, t2), 0);
    gnt_table_release(genv, t2);
    g->tables[D2] = NULL;
    pages = g->pages;
    assert_int_equal(t2->refcnt, 1);
    /* a new map of it finds no domain; the old mapping unmaps cleanly */
    assert_int_equal(map1(v1, D2, 61, RW, VAG2).status, GNTST_bad_domain);
    assert_int_equal(gunmap1(v1, a.handle, VAG, 0), GNTST_okay);
    assert_int_equal(l1e(100), 0);
    assert_true(g->pages < pages);              /* the table went with the last ref */
    CHECK();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, gsetup, gteardown)
        T_(test_map_unmap_rw),
        T_(test_map_ro_and_device),
        T_(test_contains_pte),
        T_(test_contains_pte_not_ours),
        T_(test_l1_cache_stale),
        T_(test_unmap_and_replace),
        T_(test_ref_beyond_table),
        T_(test_bad_handles),
        T_(test_not_permitted),
        T_(test_readonly_grant_mapped_writable),
        T_(test_revoke_while_mapped),
        T_(test_status_bits_each_state),
        T_(test_pin_overflow),
        T_(test_maptrack_exhaustion),
        T_(test_grant_pte_untouchable),
        T_(test_ptwr_over_grant_pte),
        T_(test_frame_kept_while_mapped),
        T_(test_grant_of_foreign_frame),
        T_(test_table_dropped_under_mapping),
        T_(test_unmap_flushes_first),
        T_(test_copy_both_directions),
        T_(test_copy_bytes_exact),
        T_(test_copy_refusals),
        T_(test_revoke_during_copy),
        T_(test_copy_runs_on_refs),
        T_(test_copy_run_keeps_frame),
        T_(test_copy_bad_entry_in_run),
        T_(test_copy_run_preempted),
        T_(test_swap),
        T_(test_cache_flush),
        T_(test_transfer_and_versions),
        T_(test_setup_and_query),
        T_(test_limits),
        T_(test_acquire_resource),
        T_(test_batch_statuses_and_preemption),
        T_(test_batch_fault),
        T_(test_mapper_dies),
        T_(test_granter_dies),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
