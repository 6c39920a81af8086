/*
 * Unit tests: the memory-safety module's rules (docs/memory-safety.md),
 * each one both ways: the legal operation works, the attack is refused
 * with Xen's errno and leaves no state behind. Every test ends with the
 * full invariant check of fake_env (recount from scratch, TLB model).
 */
#include "test_helpers.h"

/* ---- Rule 1: ownership -------------------------------------------------- */

static void test_boot_tree(void **state)
{
    (void)state;
    boot_dom1();
    assert_int_equal(ttype(L4A), PGT_L4);
    assert_int_equal(ttype(L3A), PGT_L3);
    assert_int_equal(ttype(L2A), PGT_L2);
    assert_int_equal(ttype(L1A), PGT_L1);
    assert_int_equal(ttype(20), PGT_WRITABLE);
    assert_int_equal(tcount(L4A), 2);           /* pin + base pointer */
    assert_true(pinned(L4A));
    assert_int_equal(v1->guest_table, L4A);
    assert_int_equal(fe->nr_cr3, 1);
}

static void test_map_own_frame(void **state)
{
    (void)state;
    boot_dom1();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW), MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(tcount(20), 2);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_RW | _PAGE_USER));
    assert_int_equal(mmu1(v1, L1A, 100, 0, MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(tcount(20), 1);
}

static void test_map_foreign_frame_refused(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, 0), 0, SELF), -XEN_EBUSY);       /* dom2's */
    assert_int_equal(mmu1(v1, L1A, 100, pte(70, _PAGE_RW), 0, SELF), -XEN_EBUSY);/* dom0's */
    snap_same(s);
}

static void test_map_hypervisor_memory_refused(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(88, 0), 0, SELF), -XEN_EBUSY);   /* heap */
    assert_int_equal(mmu1(v1, L1A, 100, pte(81, 0), 0, SELF), -XEN_EBUSY);   /* free */
    assert_int_equal(mmu1(v1, L1A, 100, pte(3, 0), 0, SELF), -XEN_EPERM);    /* image */
    assert_int_equal(mmu1(v1, L1A, 100, pte(94, 0), 0, SELF), -XEN_EPERM);   /* MMIO */
    assert_int_equal(mmu1(v1, L1A, 100, pte(5000, 0), 0, SELF), -XEN_EPERM); /* beyond RAM */
    assert_int_equal(mmu1(v1, L1A, 100, 0x000ffffffffff000ULL | 1, 0, SELF), -XEN_EINVAL);
    /* and no table may point at them either */
    assert_int_equal(mmu1(v1, L2A, 7, pte(88, _PAGE_RW), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 7, pte(3, _PAGE_RW), 0, SELF), -XEN_EINVAL);
    snap_same(s);
}

static void test_shared_frame(void **state)
{
    (void)state;
    boot_dom1();
    assert_int_equal(mmu1(v1, L1A, 100, pte(FAKE_SHARED_MFN, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(tcount(FAKE_SHARED_MFN), 2);
    /* it can never become a table */
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
    assert_int_equal(PIN(v1, 1, FAKE_SHARED_MFN), -XEN_EINVAL);
    assert_int_equal(tcount(FAKE_SHARED_MFN), 1);
}

static void boot_dom0(void)
{
    /* dom0: L4 64, L3 65, L2 66, L1 67 mapping 64..79 at 0x400000 */
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    assert_int_equal(PIN(v0, 4, 64), 0);
    assert_int_equal(BASEPTR(v0, 64), 0);
}

static void test_io_mappings(void **state)
{
    (void)state;
    boot_dom1();
    boot_dom0();
    /* dom0 may map MMIO; a write-back request becomes uncached (Xen) */
    assert_int_equal(mmu1(v0, 67, 200, pte(94, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(fe->mem[67][200], pte(94, _PAGE_RW | _PAGE_USER | _PAGE_PCD | _PAGE_PWT));
    assert_int_equal(gcount(94), 0);            /* no refcount for I/O */
    assert_int_equal(mmu1(v0, 67, 201, pte(FAKE_FRAMES + 5, _PAGE_PCD), 0, SELF), 0);
    /* ...with DOMID_IO as page owner too */
    assert_int_equal(mmu1(v0, 67, 202, pte(95, 0), 0, DOMID_IO), 0);
    /* never the hypervisor's own memory */
    assert_int_equal(mmu1(v0, 67, 203, pte(3, 0), 0, SELF), -XEN_EPERM);
    /* an unprivileged domain naming DOMID_IO still has no permission */
    assert_int_equal(mmu1(v1, L1A, 100, pte(95, 0), 0, DOMID_IO), -XEN_EPERM);
    /* DOMID_IO means I/O only: RAM is refused */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, DOMID_IO), -XEN_EBUSY);
    assert_int_equal(mmu1(v0, 67, 200, 0, 0, SELF), 0);
}

/* Read-only I/O (Xen's mmio_ro_ranges: IO-APIC, HPET, MMCONFIG): a writable
 * request is installed read-only, by every path that writes an L1 entry. */
static void test_io_read_only(void **state)
{
    mfn_t ro = FAKE_IO_RO_FIRST + 3;

    (void)state;
    boot_dom1();
    boot_dom0();
    assert_int_equal(mmu1(v0, 67, 210, pte(ro, _PAGE_RW | _PAGE_PCD), 0, SELF), 0);
    assert_int_equal(fe->mem[67][210], pte(ro, _PAGE_USER | _PAGE_PCD));
    /* setting RW on the existing entry is not a fast-path flag change */
    assert_int_equal(mmu1(v0, 67, 210, pte(ro, _PAGE_RW | _PAGE_PCD | _PAGE_DIRTY), 0, SELF), 0);
    assert_false(fe->mem[67][210] & _PAGE_RW);
    /* read-only requests are untouched, other I/O stays writable */
    assert_int_equal(mmu1(v0, 67, 211, pte(ro, _PAGE_PCD), 0, SELF), 0);
    assert_int_equal(fe->mem[67][211], pte(ro, _PAGE_USER | _PAGE_PCD));
    assert_int_equal(mmu1(v0, 67, 212, pte(FAKE_FRAMES + 5, _PAGE_RW | _PAGE_PCD), 0, SELF), 0);
    assert_true(fe->mem[67][212] & _PAGE_RW);
    assert_int_equal(mmu1(v0, 67, 210, 0, 0, SELF), 0);
    assert_int_equal(mmu1(v0, 67, 211, 0, 0, SELF), 0);
    assert_int_equal(mmu1(v0, 67, 212, 0, 0, SELF), 0);
    /* and a table validated with such an entry in it */
    assert_int_equal(mmu1(v0, 67, (VA1 >> 12 & 511) + 6, 0, 0, SELF), 0);
    fe->mem[70][5] = pte(ro, _PAGE_RW);
    assert_int_equal(PIN(v0, 1, 70), 0);
    assert_false(fe->mem[70][5] & _PAGE_RW);
    CHECK();
    assert_int_equal(UNPIN(v0, 70), 0);
}

static void test_foreigndom(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    boot_dom0();
    /* privileged dom0 maps dom1's frame (and takes its writable type) */
    assert_int_equal(mmu1(v0, 67, 300, pte(30, _PAGE_RW), 0, 1), 0);
    assert_int_equal(tcount(30), 2);
    /* ...but not with itself as owner, and a wrong owner is refused */
    assert_int_equal(mmu1(v0, 67, 301, pte(30, 0), 0, 2), -XEN_EBUSY);
    assert_int_equal(mmu1(v0, 67, 300, 0, 0, SELF), 0);
    s = snap_take();
    /* an unprivileged domain cannot name another domain */
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, 0), 0, 2), -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, 1), -XEN_ESRCH);  /* itself by id */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, 7), -XEN_ESRCH);  /* no such domain */
    /* nor update another domain's tables */
    assert_int_equal(mmu1(v1, 48, 0, 0, 0, (2 + 1) << 16 | SELF), -XEN_EPERM);
    assert_int_equal(mmu1(v1, 48, 0, 0, 0, (9 + 1) << 16 | SELF), -XEN_ESRCH);
    snap_same(s);
    /* dom0 updates dom1's L1 directly (the toolstack does) */
    assert_int_equal(mmu1(v0, L1A, 101, pte(21, 0), 0, (1 + 1) << 16 | 1), 0);
    assert_int_equal(gcount(21), 3);
    /* L2-L4 updates need page owner == table owner */
    assert_int_equal(mmu1(v0, L2A, 9, pte(30, 0), 0, (1 + 1) << 16 | SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v0, L1A, 101, 0, 0, (1 + 1) << 16 | 1), 0);
}

/* ---- Rule 2: general counts ------------------------------------------- */

static void test_refcount_overflow(void **state)
{
    struct snap *s;
    u64 saved;

    (void)state;
    boot_dom1();
    saved = fe->frames[20].count_info;
    fe->frames[20].count_info = (saved & ~PGC_COUNT_MASK) | (PGC_COUNT_MASK - 1);
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), -XEN_EBUSY);
    assert_int_equal(mmu1(v1, L2A, 9, pte(20, 0), 0, SELF), -XEN_EINVAL);
    snap_same(s);
    fe->frames[20].count_info = saved;
}

static void test_type_count_overflow(void **state)
{
    struct snap *s;
    u64 saved;

    (void)state;
    boot_dom1();
    saved = fe->frames[20].type_info;
    fe->frames[20].type_info = (saved & ~PGT_COUNT_MASK) | (PGT_COUNT_MASK - 1);
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    snap_same(s);
    fe->frames[20].type_info = saved;
}

static void test_release_frees_last(void **state)
{
    (void)state;
    boot_dom1();
    /* still mapped: the allocation ref goes, the frame stays */
    mm_frame_release(env, 20);
    assert_false(fe->freed[20]);
    assert_int_equal(gcount(20), 1);
    unmap1(20);
    assert_true(fe->freed[20]);
    /* a second release is harmless */
    mm_frame_release(env, 20);
    assert_int_equal(fe->nr_freed, 1);
    /* a freed frame is nobody's to map */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), -XEN_EBUSY);
}

/* A dying domain's relinquish frees a frame held only by its allocation
 * and the caller at once; anything else holding it (a mapping, a type
 * user, a pin) leaves it exactly as it was. */
static void test_release_held(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    /* mapped by dom1's own L1 */
    assert_true(mm_get_page(env, 20, fake_dom(fe, 1)));
    s = snap_take();
    assert_false(mm_frame_release_held(env, 20));
    snap_same(s);
    mm_put_page(env, 20);
    /* a live table */
    assert_true(mm_get_page(env, L1A, fake_dom(fe, 1)));
    assert_false(mm_frame_release_held(env, L1A));
    mm_put_page(env, L1A);
    unmap1(20);
    /* an untyped holder besides: still nothing */
    assert_true(mm_get_page(env, 20, fake_dom(fe, 1)));
    assert_true(mm_get_page(env, 20, fake_dom(fe, 1)));
    assert_false(mm_frame_release_held(env, 20));
    mm_put_page(env, 20);
    /* a type count without its general reference (never made by the
     * module) is not freed either */
    fe->frames[20].type_info += 1;
    assert_false(mm_frame_release_held(env, 20));
    fe->frames[20].type_info -= 1;
    assert_int_equal(gcount(20), 2);
    assert_false(fe->freed[20]);
    /* only the allocation and the caller: freed once, stamped now */
    fe->clock = 77;
    assert_true(mm_frame_release_held(env, 20));
    assert_true(fe->freed[20]);
    assert_int_equal(fe->nr_freed, 1);
    assert_int_equal(gcount(20), 0);
    assert_false(fe->frames[20].count_info & PGC_ALLOCATED);
    assert_int_equal(pgc_stamp(fe->frames[20].count_info), 77);
    /* a freed frame is nobody's to map, and a release of it does nothing */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), -XEN_EBUSY);
    mm_frame_release(env, 20);
    assert_int_equal(fe->nr_freed, 1);
}

/* Rule 14's stamp never goes back: another CPU's newer stamp lands on the
 * frame between this CPU's clock reading and its compare-exchange; the
 * retry must not put the older reading over it (a CPU that flushed between
 * the two readings would be taken as clean). */
static mfn_t racing_stamp_mfn;

static void newer_stamp_lands(struct fake_env *f)
{
    struct frame *fr = &f->frames[racing_stamp_mfn];

    fr->count_info = (fr->count_info & ~PGC_STAMP_MASK) | ((u64)7 << PGC_STAMP_SHIFT);
    f->clock = 8;
}

static void test_stamp_never_goes_back(void **state)
{
    (void)state;
    boot_dom1();
    /* the last writable mapping goes (the L1 entry's inline put) */
    racing_stamp_mfn = 20;
    fe->clock = 5;
    fe->clock_hook = newer_stamp_lands;
    unmap1(20);
    assert_null(fe->clock_hook);
    assert_true(pgc_stamp(fe->frames[20].count_info) >= 7);
    /* a pinned L1 is unpinned (devalidated, then mm_set_stamp) */
    unmap1(21);
    assert_int_equal(PIN(v1, 1, 21), 0);
    racing_stamp_mfn = 21;
    fe->clock = 5;
    fe->clock_hook = newer_stamp_lands;
    assert_int_equal(UNPIN(v1, 21), 0);
    assert_null(fe->clock_hook);
    assert_true(pgc_stamp(fe->frames[21].count_info) >= 7);
    CHECK();
}

/* take (mm_frame_reap, mm_steal_page) refuses every frame of dom1's that
 * something else holds, and any frame not dom1's: `mapped` (a frame dom1
 * maps), a live table (L1A), another domain's (50), the hypervisor's (3),
 * a shared hypervisor frame, one beyond the frame table. */
static void refuses_frames_in_use(bool (*take)(struct mm_env *, mfn_t, const struct mm_domain *),
                                  mfn_t mapped)
{
    const mfn_t in_use[] = { mapped, L1A, 50, 3, FAKE_SHARED_MFN, FAKE_FRAMES + 5 };

    for (unsigned int i = 0; i < sizeof(in_use) / sizeof(in_use[0]); i++)
        assert_false(take(env, in_use[i], fake_dom(fe, 1)));
}

/* mm_frame_reap, relinquish's first try for each frame of a dying domain:
 * only a frame of d's that nothing but its allocation holds is freed. */
static void test_frame_reap(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    refuses_frames_in_use(mm_frame_reap, 20);
    snap_same(s);
    unmap1(20);
    assert_false(mm_frame_reap(env, 20, fake_dom(fe, 2)));     /* not dom2's */
    assert_int_equal(gcount(20), 1);
    fe->clock = 91;
    assert_true(mm_frame_reap(env, 20, fake_dom(fe, 1)));
    assert_true(fe->freed[20]);
    assert_int_equal(fe->nr_freed, 1);
    assert_int_equal(pgc_stamp(fe->frames[20].count_info), 91);
    assert_false(mm_frame_reap(env, 20, fake_dom(fe, 1)));     /* once */
    assert_int_equal(fe->nr_freed, 1);
}

/* mm_frames_reap, relinquish's runs: over dom1's frames and its
 * neighbours, every frame only its allocation holds goes to out[] (stamped,
 * count 0, not through env->free_frame), frames not dom1's are passed
 * over, and the run stops at a frame of dom1's that something else holds
 * (a mapping, a table) or when out[] is full. */
static void test_frames_reap(void **state)
{
    mfn_t out[64];
    unsigned int n = 0;
    unsigned long done;

    (void)state;
    boot_dom1();
    /* 8..11 the tree, 12..47 mapped: the first frame stops the run */
    assert_int_equal(mm_frames_reap(env, 8, 40, fake_dom(fe, 1), out, &n, 64), 0);
    assert_int_equal(n, 0);
    for (mfn_t m = 40; m < 48; m++)
        unmap1(m);
    fe->clock = 93;
    /* 40..47 alone, then 48..63 dom2's and 64..79 dom0's passed over, the
     * free and hypervisor frames too, up to the frame table's end */
    done = mm_frames_reap(env, 40, 1000, fake_dom(fe, 1), out, &n, 64);
    assert_int_equal(done, FAKE_FRAMES - 40);
    assert_int_equal(n, 8);
    for (unsigned int i = 0; i < n; i++) {
        assert_int_equal(out[i], 40 + i);
        assert_int_equal(gcount(40 + i), 0);
        assert_false(fe->frames[40 + i].count_info & PGC_ALLOCATED);
        assert_int_equal(pgc_stamp(fe->frames[40 + i].count_info), 93);
        assert_false(fe->freed[40 + i]);        /* the caller's to free */
    }
    assert_int_equal(fe->nr_freed, 0);
    for (unsigned int i = 0; i < n; i++)
        fe->env.ops->free_frame(fe->env.ctx, out[i]);
    /* a frame dom0 maps (foreign) stops the run there, untouched */
    unmap1(30);
    unmap1(31);
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    assert_int_equal(PIN(v0, 4, 64), 0);
    assert_int_equal(mmu1(v0, 67, 300, pte(31, 0), 0, 1), 0);
    n = 0;
    assert_int_equal(mm_frames_reap(env, 30, 2, fake_dom(fe, 1), out, &n, 64), 1);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 30);
    assert_int_equal(gcount(31), 2);
    /* out[] full: stops before the next frame it would take */
    unmap1(32);
    unmap1(33);
    n = 63;
    assert_int_equal(mm_frames_reap(env, 32, 2, fake_dom(fe, 1), out, &n, 64), 1);
    assert_int_equal(n, 64);
    assert_int_equal(out[63], 32);
    assert_int_equal(gcount(33), 1);
    /* not dom2's: passed over, nothing taken; beyond the table: nothing */
    n = 0;
    assert_int_equal(mm_frames_reap(env, 33, 1, fake_dom(fe, 2), out, &n, 64), 1);
    assert_int_equal(mm_frames_reap(env, FAKE_FRAMES + 5, 3, fake_dom(fe, 1), out, &n, 64), 3);
    assert_int_equal(n, 0);
    assert_int_equal(gcount(33), 1);
    /* what was taken is freed, as the caller would */
    fe->env.ops->free_frame(fe->env.ctx, 30);
    fe->env.ops->free_frame(fe->env.ctx, 32);
}

/* XENMEM_exchange takes its input frames with mm_steal_page: atomic
 * against a mapping taken by another vCPU, never a frame still in use. */
static void test_steal_page(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    refuses_frames_in_use(mm_steal_page, 21);
    snap_same(s);
    unmap1(20);
    assert_false(mm_steal_page(env, 20, fake_dom(fe, 2)));     /* not dom2's */
    assert_true(mm_steal_page(env, 20, fake_dom(fe, 1)));
    /* once stolen nobody can take a reference: the racing mapping that the
     * exchange's old check-then-reference let through is refused */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), -XEN_EBUSY);
    assert_int_equal(PIN(v1, 1, 20), -XEN_EINVAL);
    assert_false(mm_steal_page(env, 20, fake_dom(fe, 1)));     /* listed twice */
    mm_frame_release(env, 20);                                  /* balloon: no-op */
    assert_false(fe->freed[20]);
    /* given back (a failed chunk), it is the domain's again */
    mm_unsteal_page(env, 20);
    assert_int_equal(gcount(20), 1);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), 0);
    assert_false(mm_steal_page(env, 20, fake_dom(fe, 1)));     /* mapped again */
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
    /* committed: freed at once, exactly once */
    assert_true(mm_steal_page(env, 20, fake_dom(fe, 1)));
    mm_free_stolen(env, 20);
    assert_true(fe->freed[20]);
    assert_int_equal(fe->nr_freed, 1);
}

static void build_wide_tree(void);

/* dom0 updating dom1's tables must not use dom1's deferred slot: dom1's own
 * vCPU may hold a preempted operation there (it used to be target vCPU 0's
 * slot, unsynchronised, and an occupied slot was a hypervisor crash). */
static void test_foreign_update_defers_to_caller(void **state)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;

    (void)state;
    boot_dom1();
    boot_dom0();
    build_wide_tree();
    unmap1(29);
    assert_int_equal(PIN(v1, 4, 30), 0);
    /* dom1's vCPU 0 is in the middle of a preempted unpin */
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_UNPIN_TABLE;
    op.arg1.mfn = 30;
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    assert_int_equal(rc, -XEN_ERESTART);
    assert_true(v1->old_valid);
    fe->preempt_countdown = -1;
    /* dom0 links a new L1 into dom1's L2 and loses a race on the entry: the
     * taken references wait in dom0's own slot, dom1's is untouched */
    fe->race_mfn = L2A;
    fe->race_idx = 9;
    fe->race_count = 1;
    fe->race_bits = _PAGE_AVAIL;
    assert_int_equal(mmu1(v0, L2A, 9, pte(29, _PAGE_RW), 0, (1 + 1) << 16 | 1), -XEN_EBUSY);
    assert_false(v0->old_valid);
    assert_true(v1->old_valid);
    assert_int_equal(v1->old_table, 30);
    assert_int_equal(tcount(29), 0);
    /* dom1 finishes its unpin */
    do
        rc = mm_do_mmuext_op(env, v1, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    while (rc == -XEN_ERESTART);
    assert_int_equal(rc, 0);
    assert_false(v1->old_valid);
    fe->mem[L2A][9] = 0;
}

/* L1TF (XSA-273): with check_l1tf, a non-present entry naming memory below
 * the safe address crashes the domain and is not written, by every path;
 * Linux's inverted entries (above it), frame 0 and all-zero stay legal. */
static void test_l1tf(void **state)
{
    struct snap *s;
    const u64 safe = 1ULL << 38, unsafe_e = (20ULL << 12) | 0x60;

    (void)state;
    boot_dom1();
    env->l1tf_addr_mask = ((1ULL << 40) - 1) & ~0xfffULL;
    env->l1tf_safe_maddr = safe;
    /* off for the domain: anything goes (dom0's default) */
    assert_int_equal(mmu1(v1, L1A, 100, unsafe_e, 0, SELF), 0);
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
    fake_dom(fe, 1)->check_l1tf = true;
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, unsafe_e, 0, SELF), -XEN_EPERM);
    assert_int_equal(fe->crashed[1], 1);
    assert_int_equal(mmu1(v1, L2A, 9, pte(30, 0) & ~_PAGE_PRESENT, 0, SELF), -XEN_EPERM);
    assert_int_equal(mmu1(v1, L3A, 9, _PAGE_PSE, 0, SELF), -XEN_EPERM);   /* PSE, frame 0 */
    assert_int_equal(mmu1(v1, L4A, 9, _PAGE_PSE, 0, SELF), -XEN_EPERM);
    assert_int_equal(fe->crashed[1], 4);
    snap_same(s);
    /* safe: zero, frame 0, inverted (above the safe address), masked-off bits */
    assert_int_equal(mmu1(v1, L1A, 100, 0x2, 0, SELF), 0);
    assert_int_equal(mmu1(v1, L1A, 100, ~(20ULL << 12) & ~(u64)_PAGE_PRESENT & ((1ULL << 52) - 1), 0, SELF), 0);
    assert_int_equal(mmu1(v1, L1A, 100, (1ULL << 45) | 0x60, 0, SELF), 0);
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
    assert_int_equal(fe->crashed[1], 4);
    /* a table that holds one is refused whole at validation */
    unmap1(30);
    fe->mem[30][7] = unsafe_e;
    assert_int_equal(PIN(v1, 1, 30), -XEN_EPERM);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(fe->crashed[1], 5);
    fe->mem[30][7] = 0;
    unmap1(31);
    fe->mem[31][3] = (40ULL << 12);
    assert_int_equal(PIN(v1, 2, 31), -XEN_EPERM);
    assert_int_equal(tcount(31), 0);
    fe->mem[31][3] = 0;
    fake_dom(fe, 1)->check_l1tf = false;
    env->l1tf_safe_maddr = 0;
}

/* ---- Rule 3: one type at a time --------------------------------------- */

static void test_two_types_at_once(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    /* a live L1 cannot be mapped writable... */
    assert_int_equal(mmu1(v1, L1A, 100, pte(L1A, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    /* ...nor can a mapped-writable frame become a table */
    assert_int_equal(PIN(v1, 1, 30), -XEN_EINVAL);
    assert_int_equal(PIN(v1, 2, 30), -XEN_EINVAL);
    /* ...nor a table change level */
    assert_int_equal(PIN(v1, 2, L1A), -XEN_EINVAL);
    snap_same(s);
    /* read-only mappings of tables are fine */
    assert_int_equal(mmu1(v1, L1A, 100, pte(L1A, 0), 0, SELF), 0);
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
}

static void test_writable_mapping_of_pinned_l1(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(ttype(30), PGT_L1);
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(30, _PAGE_RW), 0, NULL),
                     -XEN_EBUSY);
    snap_same(s);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, 0), 0, SELF), 0);
    /* after unpinning it can be writable again */
    assert_int_equal(UNPIN(v1, 30), 0);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(ttype(30), PGT_WRITABLE);
}

/* ---- Rule 4: validation ----------------------------------------------- */

static void test_validation_undoes_on_bad_entry(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    fe->mem[30][0] = pte(20, _PAGE_RW);     /* fine */
    fe->mem[30][1] = pte(21, 0);            /* fine */
    fe->mem[30][2] = pte(50, 0);            /* dom2's frame */
    s = snap_take();
    assert_int_equal(PIN(v1, 1, 30), -XEN_EBUSY);
    assert_int_equal(tcount(30), 0);
    snap_same(s);
    fe->mem[30][2] = 0;
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(tcount(20), 2);
}

/* Validation and devalidation skip empty entries four at a time: entries
 * at every offset around those runs are still found, refused (L1TF),
 * adjusted (rule 7) and dropped again, also with a preemption due at each
 * step. */
static void test_validation_finds_entries_among_empty_ones(void **state)
{
    static const unsigned int at[] = { 1, 6, 11, 255, 256, 508, 511 };
    const unsigned int n = sizeof(at) / sizeof(at[0]);
    u64 c20;
    unsigned int i;

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    c20 = gcount(20);
    for (i = 0; i < n; i++)
        fe->mem[30][at[i]] = pte(20, _PAGE_GLOBAL);
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(gcount(20), c20 + n);
    for (i = 0; i < n; i++) {
        assert_true(fe->mem[30][at[i]] & _PAGE_USER);
        assert_false(fe->mem[30][at[i]] & _PAGE_GLOBAL);
    }
    assert_int_equal(UNPIN(v1, 30), 0);
    assert_int_equal(gcount(20), c20);
    /* an L2 whose only entry is its last, preempted before every entry */
    fe->mem[31][511] = pte(30, 0);
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    assert_int_equal(PIN(v1, 2, 31), 0);
    fe->preempt_countdown = -1;
    assert_int_equal(tcount(30), 1);
    assert_int_equal(gcount(20), c20 + n);
    assert_int_equal(UNPIN(v1, 31), 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(gcount(20), c20);
    fe->mem[31][511] = 0;
    for (i = 0; i < n; i++)
        fe->mem[30][at[i]] = 0;
    /* one non-present entry naming memory in an otherwise empty table */
    env->l1tf_addr_mask = ((1ULL << 40) - 1) & ~0xfffULL;
    env->l1tf_safe_maddr = 1ULL << 38;
    fake_dom(fe, 1)->check_l1tf = true;
    fe->mem[30][509] = (20ULL << 12) | 0x60;
    assert_int_equal(PIN(v1, 1, 30), -XEN_EPERM);
    assert_int_equal(tcount(30), 0);
    fe->mem[30][509] = 0;
    fake_dom(fe, 1)->check_l1tf = false;
    env->l1tf_safe_maddr = 0;
    CHECK();
}

static void test_deep_validation_failure(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    unmap1(32);
    /* L3 32 -> L2 31 -> L1 30 with a bad entry at the bottom */
    fe->mem[32][5] = pte(31, _PAGE_RW);
    fe->mem[31][0] = pte(L1A, 0);           /* a good L1 first */
    fe->mem[31][1] = pte(30, _PAGE_RW);
    fe->mem[30][0] = pte(20, _PAGE_RW);
    fe->mem[30][9] = pte(88, 0);            /* hypervisor heap */
    s = snap_take();
    assert_int_equal(PIN(v1, 3, 32), -XEN_EBUSY);
    snap_same(s);
    CHECK();
    fe->mem[30][9] = 0;
    assert_int_equal(PIN(v1, 3, 32), 0);
    assert_int_equal(ttype(31), PGT_L2);
    assert_int_equal(tcount(L1A), 2);
}

/* ---- Rule 5: pinning ---------------------------------------------------- */

static void test_pin_rules(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    s = snap_take();
    assert_int_equal(PIN(v1, 4, L4A), -XEN_EINVAL);         /* twice */
    assert_int_equal(UNPIN(v1, L1A), -XEN_EINVAL);          /* not pinned */
    assert_int_equal(PIN(v1, 1, 50), -XEN_EINVAL);          /* dom2's */
    assert_int_equal(UNPIN(v1, 50), -XEN_EINVAL);
    assert_int_equal(PIN(v1, 1, 88), -XEN_EINVAL);          /* hypervisor's */
    snap_same(s);
}

static void test_unpin_while_in_use(void **state)
{
    (void)state;
    boot_dom1();
    /* the base pointer still holds the tree */
    assert_int_equal(UNPIN(v1, L4A), 0);
    assert_false(pinned(L4A));
    assert_int_equal(tcount(L4A), 1);
    assert_true(fe->frames[L4A].type_info & PGT_VALIDATED);
    assert_int_equal(mmu1(v1, L1A, 0, pte(L4A, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    /* an L1 pinned and linked: unpin only drops the pin */
    unmap1(30);
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(UNPIN(v1, 30), 0);
    assert_int_equal(ttype(30), PGT_L1);
    assert_int_equal(tcount(30), 1);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), -XEN_EBUSY);
}

static void test_dom0_builds_domu(void **state)
{
    (void)state;
    boot_dom0();
    /* the toolstack writes dom2's tables with plain checked writes while
     * they are untyped, then pins them for dom2 */
    fake_build_tree(fe, 48, 49, 50, 51, VA1, 48, 16);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L4_TABLE, 48, 0, 2), 0);
    assert_true(pinned(48));
    assert_int_equal(ext1(v0, MMUEXT_UNPIN_TABLE, 48, 0, 2), 0);
    /* an unprivileged domain may not */
    assert_int_equal(ext1(v1, MMUEXT_PIN_L4_TABLE, 48, 0, 2), -XEN_EPERM);
    /* base pointers are only ever your own */
    assert_int_equal(ext1(v0, MMUEXT_NEW_BASEPTR, 48, 0, 2), -XEN_EPERM);
}

/* ---- Rules 6, 7: flags and adjustment --------------------------------- */

static void test_flags_per_level(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(PIN(v1, 2, 31), 0);
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_PCD), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_PAT), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_PSE), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_GLOBAL), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_PWT), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L3A, 3, pte(31, _PAGE_PSE), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L3A, 3, pte(31, _PAGE_PCD), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L4A, 3, pte(L3A, _PAGE_PSE), 0, SELF), -XEN_EINVAL);
    /* rule 19: the grant-PTE bit is the grant table's, in L1 */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_GNTTAB), 0, SELF), -XEN_EINVAL);
    snap_same(s);
    /* allowed: NX, AVL, AVAIL_HIGH (but the grant bit), A/D; G in L1 (stripped) */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_NX | _PAGE_AVAIL |
                                            (_PAGE_AVAIL_HIGH & ~_PAGE_GNTTAB) |
                                            _PAGE_GLOBAL | _PAGE_DIRTY), 0, SELF), 0);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_NX | _PAGE_AVAIL |
                                            (_PAGE_AVAIL_HIGH & ~_PAGE_GNTTAB) |
                                            _PAGE_DIRTY | _PAGE_USER));
    /* an I/O-capable domain may set cache attributes on RAM */
    boot_dom0();
    assert_int_equal(mmu1(v0, 67, 100, pte(70, _PAGE_PCD | _PAGE_PWT), 0, SELF), 0);
}

static void test_adjust_every_level(void **state)
{
    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    unmap1(32);
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(PIN(v1, 2, 31), 0);
    assert_int_equal(PIN(v1, 3, 32), 0);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), 0, SELF), 0);
    assert_true(fe->mem[L1A][100] & _PAGE_USER);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, 0), 0, SELF), 0);
    assert_true(fe->mem[L2A][3] & _PAGE_USER);
    assert_int_equal(mmu1(v1, L3A, 3, pte(31, 0), 0, SELF), 0);
    assert_true(fe->mem[L3A][3] & _PAGE_USER);
    assert_int_equal(mmu1(v1, L4A, 3, pte(32, 0), 0, SELF), 0);
    assert_int_equal(fe->mem[L4A][3], pte(32, _PAGE_USER | _PAGE_ACCESSED));
    /* validation adjusts too */
    assert_true(fe->mem[L4A][0] & _PAGE_ACCESSED);
}

/* ---- Rules 8, 9: what entries point at; no linear tables --------------- */

static void test_linear_entries_refused(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    fe->mem[30][0] = pte(L3A, _PAGE_RW);                    /* a second L4 */
    assert_int_equal(PIN(v1, 4, 30), 0);
    s = snap_take();
    /* L4 -> itself, read-only (Xen's default allows it; we do not) */
    assert_int_equal(mmu1(v1, L4A, 5, pte(L4A, 0), 0, SELF), -XEN_EINVAL);
    /* L4 -> another live L4 */
    assert_int_equal(mmu1(v1, L4A, 5, pte(30, 0), 0, SELF), -XEN_EINVAL);
    /* L3 -> L3, L2 -> L2 */
    assert_int_equal(mmu1(v1, L3A, 5, pte(L3A, 0), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 5, pte(L2A, 0), 0, SELF), -XEN_EINVAL);
    /* skipping levels: L4 -> L2, L3 -> L1 */
    assert_int_equal(mmu1(v1, L4A, 5, pte(L2A, 0), 0, SELF), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L3A, 5, pte(L1A, 0), 0, SELF), -XEN_EINVAL);
    snap_same(s);
    /* and at validation time */
    unmap1(31);
    fe->mem[31][7] = pte(31, 0);
    s = snap_take();
    assert_int_equal(PIN(v1, 4, 31), -XEN_EINVAL);
    assert_int_equal(PIN(v1, 3, 31), -XEN_EINVAL);
    assert_int_equal(PIN(v1, 2, 31), -XEN_EINVAL);
    snap_same(s);
    /* an L1 may map itself read-only (harmless) but not writable */
    assert_int_equal(PIN(v1, 1, 31), 0);
    assert_int_equal(UNPIN(v1, 31), 0);
    fe->mem[31][7] = 0;
    assert_int_equal(mmu1(v1, 31, 7, pte(31, _PAGE_RW), 0, SELF), 0);  /* plain write */
    s = snap_take();
    assert_int_equal(PIN(v1, 1, 31), -XEN_EBUSY);
    snap_same(s);
}

static void test_table_maps_itself_writable_one_level_down(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    /* L2 31 -> L1 30, and L1 30 maps L2 31 writable */
    fe->mem[31][0] = pte(30, _PAGE_RW);
    fe->mem[30][0] = pte(31, _PAGE_RW);
    s = snap_take();
    assert_int_equal(PIN(v1, 2, 31), -XEN_EBUSY);
    snap_same(s);
    /* the live tree: an L1 entry mapping its own L2 writable */
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(L2A, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    snap_same(s);
    /* and through a live L2: link an L1 that maps the L2 writable */
    fe->mem[30][0] = pte(L2A, _PAGE_RW);
    s = snap_take();
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    snap_same(s);
}

/* ---- Rule 10: hypervisor slots and the M2P ---------------------------- */

static void test_hypervisor_slots(void **state)
{
    struct snap *s;
    unsigned int i;

    (void)state;
    /* junk in the hypervisor slots before validation: ignored, replaced */
    fake_build_tree(fe, L4A, L3A, L2A, L1A, VA1, 8, 40);
    fe->mem[L4A][256] = pte(20, _PAGE_RW);
    fe->mem[L4A][271] = pte(L3A, _PAGE_RW);
    assert_int_equal(PIN(v1, 4, L4A), 0);
    for (i = 256; i <= 271; i++)
        assert_int_equal(fe->mem[L4A][i], fe->hv_slots[i - 256]);
    assert_int_equal(tcount(20), 1);
    assert_int_equal(BASEPTR(v1, L4A), 0);
    s = snap_take();
    for (i = 256; i <= 271; i++) {
        assert_int_equal(mmu1(v1, L4A, i, pte(L3A, _PAGE_RW), 0, SELF), -XEN_EINVAL);
        assert_int_equal(mmu1(v1, L4A, i, 0, 0, SELF), -XEN_EINVAL);
    }
    snap_same(s);
    /* slots 255 and 272 are the guest's */
    assert_int_equal(mmu1(v1, L4A, 255, pte(L3A, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(mmu1(v1, L4A, 272, pte(L3A, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(tcount(L3A), 3);
    /* after unpin + another base pointer the L4 is devalidated: the
     * hypervisor slots hold no references and stay */
    assert_int_equal(mmu1(v1, L4A, 255, 0, 0, SELF), 0);
    assert_int_equal(mmu1(v1, L4A, 272, 0, 0, SELF), 0);
}

static void test_m2p_updates(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    assert_int_equal(mmu1(v1, 20, 0, 0x1234, MMU_MACHPHYS_UPDATE, SELF), 0);
    assert_int_equal(fe->m2p[20], 0x1234);
    s = snap_take();
    assert_int_equal(mmu1(v1, 50, 0, 0x1, MMU_MACHPHYS_UPDATE, SELF), -XEN_EINVAL);  /* dom2 */
    assert_int_equal(mmu1(v1, 88, 0, 0x1, MMU_MACHPHYS_UPDATE, SELF), -XEN_EINVAL);  /* hv */
    assert_int_equal(mmu1(v1, 3, 0, 0x1, MMU_MACHPHYS_UPDATE, SELF), -XEN_EINVAL);   /* image */
    assert_int_equal(mmu1(v1, 50, 0, 0x1, MMU_MACHPHYS_UPDATE, 2), -XEN_EPERM);
    assert_int_equal(mmu1(v1, 20, 0, 0x1, MMU_MACHPHYS_UPDATE, (2 + 1) << 16 | SELF),
                     -XEN_EPERM);
    snap_same(s);
    /* dom0 for a domain it builds */
    assert_int_equal(mmu1(v0, 50, 0, 0x77, MMU_MACHPHYS_UPDATE, 2), 0);
    assert_int_equal(fe->m2p[50], 0x77);
    /* unknown commands */
    assert_int_equal(mmu1(v1, 20, 0, 0, 4, SELF), -XEN_ENOSYS);
}

/* ---- Rules 11, 12: entry updates -------------------------------------- */

static void test_update_is_one_atomic_write(void **state)
{
    unsigned int i, n = 0;

    (void)state;
    boot_dom1();
    fe->nr_writes = 0;
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW), 0, SELF), 0);
    for (i = 0; i < fe->nr_writes; i++)
        if (fe->writes[i].mfn == L1A) {
            n++;
            assert_int_equal(fe->writes[i].kind, 1);    /* cmpxchg */
            assert_int_equal(fe->writes[i].old, 0);
            assert_int_equal(fe->writes[i].val, fe->mem[L1A][100]);
        }
    assert_int_equal(n, 1);
}

static void test_preserve_ad(void **state)
{
    (void)state;
    boot_dom1();
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, _PAGE_RW), 0, SELF), 0);
    fe->mem[L1A][100] |= _PAGE_ACCESSED | _PAGE_DIRTY;     /* the CPU set them */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), MMU_PT_UPDATE_PRESERVE_AD, SELF), 0);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY));
    assert_int_equal(tcount(20), 1);
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), MMU_NORMAL_PT_UPDATE, SELF), 0);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_USER));
}

static void test_plain_write_to_non_table(void **state)
{
    (void)state;
    boot_dom1();
    unmap1(30);
    /* untyped frame: written verbatim, no validation, no type left */
    assert_int_equal(mmu1(v1, 30, 3, 0xdeadbeef, 0, SELF), 0);
    assert_int_equal(fe->mem[30][3], 0xdeadbeef);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(ttype(30), PGT_WRITABLE);
    /* a writable-mapped frame too */
    assert_int_equal(mmu1(v1, 31, 3, 0xfeed, 0, SELF), 0);
    assert_int_equal(fe->mem[31][3], 0xfeed);
    /* not someone else's frame */
    assert_int_equal(mmu1(v1, 50, 3, 0xfeed, 0, SELF), -XEN_EINVAL);
}

/* ---- Rule 14: TLB flush before a type change --------------------------- */

static void test_flush_before_type_change(void **state)
{
    unsigned int before;

    (void)state;
    boot_dom1();
    assert_int_equal(BASEPTR(v1b, L4A), 0);
    assert_true(fake_tlb_fill(fe, 0, va1(30)));
    assert_true(fake_tlb_fill(fe, 1, va1(30)));     /* both vCPUs cached it */
    unmap1(30);
    before = fe->nr_flush_since;
    /* stale writable TLB entries exist; becoming a table must flush them */
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(fe->nr_flush_since, before + 1);
    CHECK();
}

static void test_no_flush_needed_after_guest_flush(void **state)
{
    u32 at;

    (void)state;
    boot_dom1();
    assert_true(fake_tlb_fill(fe, 0, va1(30)));
    unmap1(30);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, SELF), 0);
    at = fe->flushed_at[0];
    assert_int_equal(PIN(v1, 1, 30), 0);
    assert_int_equal(fe->flushed_at[0], at);        /* filtered out by the stamp */
}

static void test_flush_when_table_becomes_writable(void **state)
{
    (void)state;
    boot_dom1();
    /* a second tree for dom1, then switch to it: the first is devalidated */
    unmap1(30);
    unmap1(31);
    unmap1(32);
    unmap1(33);
    assert_true(fake_tlb_fill(fe, 0, va1(20)));     /* walks 8, 9, 10, 11 */
    fake_build_tree(fe, 30, 31, 32, 33, VA1, 8, 40);
    fe->mem[33][L4A - 8] &= ~_PAGE_RW;              /* the old tables are now data: */
    fe->mem[33][L3A - 8] &= ~_PAGE_RW;              /* map them read-only for now */
    fe->mem[33][L2A - 8] &= ~_PAGE_RW;
    fe->mem[33][L1A - 8] &= ~_PAGE_RW;
    assert_int_equal(PIN(v1, 4, 30), 0);
    assert_int_equal(BASEPTR(v1, 30), 0);
    assert_int_equal(UNPIN(v1, L4A), 0);
    assert_int_equal(tcount(L1A), 0);
    /* the old L1 becomes writable: vcpu 0 may still walk through it */
    assert_int_equal(mmu1(v1, 33, L1A - 8, pte(L1A, _PAGE_RW), 0, SELF), 0);
    assert_int_equal(ttype(L1A), PGT_WRITABLE);
    CHECK();
}

/* ---- Rule 15: descriptors --------------------------------------------- */

static u64 desc(u32 base, u32 limit, u32 type, u32 dpl, bool s, bool p, bool l)
{
    u32 a = (limit & 0xffff) | (base << 16);
    u32 b = ((base >> 16) & 0xff) | (type << 8) | ((u32)s << 12) | (dpl << 13) |
            ((u32)p << 15) | (limit & 0xf0000) | ((u32)l << 21) | (1u << 23) |
            (base & 0xff000000);

    return a | ((u64)b << 32);
}

static u64 gate(u16 sel, u32 dpl, u32 params)
{
    return (u64)sel << 16 | ((u64)(params | (0xc << 8) | (dpl << 13) | (1u << 15)) << 32);
}

static void test_check_descriptor(void **state)
{
    u64 d;

    (void)state;
    d = desc(0, 0xfffff, 0xb, 0, true, true, true);         /* ring-0 64-bit code */
    assert_true(mm_check_descriptor(&d));
    assert_int_equal((d >> 45) & 3, 3);                     /* now DPL 3 */
    d = desc(0, 0xfffff, 0x3, 1, true, true, false);        /* ring-1 data */
    assert_true(mm_check_descriptor(&d));
    assert_int_equal((d >> 45) & 3, 3);
    d = desc(0, 0, 0x9, 0, false, false, false);            /* not present: anything */
    assert_true(mm_check_descriptor(&d));
    assert_int_equal(d, desc(0, 0, 0x9, 0, false, false, false));
    d = desc(0x1000, 0x67, 0x9, 0, false, true, false);     /* TSS */
    assert_false(mm_check_descriptor(&d));
    d = desc(0x1000, 0x67, 0x2, 3, false, true, false);     /* LDT */
    assert_false(mm_check_descriptor(&d));
    d = desc(0, 0, 0xe, 3, false, true, false);             /* interrupt gate */
    assert_false(mm_check_descriptor(&d));
    d = desc(0, 0, 0xf, 3, false, true, false);             /* trap gate */
    assert_false(mm_check_descriptor(&d));
    d = desc(0, 0, 0x5, 3, false, true, false);             /* task gate */
    assert_false(mm_check_descriptor(&d));
    d = desc(0, 0, 0x0, 0, false, true, false);             /* type 0: upper half */
    assert_true(mm_check_descriptor(&d));
    d = gate(0x0e033, 3, 0);                                /* to the flat kernel CS */
    assert_true(mm_check_descriptor(&d));
    assert_int_equal((d >> 45) & 3, 0);                     /* DPL forced 0 */
    assert_int_equal((d >> 16) & 3, 3);                     /* meant DPL in RPL */
    d = gate(0x10, 3, 0);                                   /* to a guest GDT selector */
    assert_true(mm_check_descriptor(&d));
    d = gate(0x14, 3, 0);                                   /* to an LDT selector */
    assert_true(mm_check_descriptor(&d));
    d = gate(0xe008, 3, 0);                                 /* to the hypervisor's CS */
    assert_false(mm_check_descriptor(&d));
    d = gate(0x10, 3, 2);                                   /* reserved bits set */
    assert_false(mm_check_descriptor(&d));
}

/* The frame list from hypervisor memory (a checked vCPU context): the
 * frames given are the ones installed, whatever guest memory holds. */
static void test_set_gdt_frames_from_host_copy(void **state)
{
    u64 frames[1] = { 30 }, other[1] = { 31 };

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    fake_gput(fe, 0x3000, other, sizeof(other));
    assert_int_equal(mm_set_gdt_frames(env, v1, frames, 10), 0);
    assert_int_equal(v1->gdt_frames[0], 30);
    assert_int_equal(ttype(30), PGT_SEG_DESC);
    assert_int_equal(tcount(30), 1);
    assert_int_equal(tcount(31), 0);
    assert_int_equal(mm_set_gdt_frames(env, v1, frames, MM_GDT_MAX_ENTRIES + 1), -XEN_EINVAL);
    assert_int_equal(mm_set_gdt_frames(env, v1, NULL, 0), 0);    /* frames given back */
    assert_int_equal(tcount(30), 0);
}

static void test_set_gdt(void **state)
{
    u64 frames[2] = { 30, 31 }, g;
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    unmap1(31);
    fe->mem[30][1] = desc(0, 0xfffff, 0xb, 0, true, true, true);
    g = fake_gput(fe, 0x3000, frames, sizeof(frames));
    assert_int_equal(mm_do_set_gdt(env, v1, g, 600), 0);
    assert_int_equal(ttype(30), PGT_SEG_DESC);
    assert_int_equal((fe->mem[30][1] >> 45) & 3, 3);        /* fixed up in place */
    assert_int_equal(v1->gdt_ents, 600);
    assert_int_equal(fe->nr_gdt, 1);
    s = snap_take();
    /* a GDT frame cannot be mapped writable nor become a page table */
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    assert_int_equal(PIN(v1, 1, 31), -XEN_EINVAL);
    /* mmu_update refuses to write into it */
    assert_int_equal(mmu1(v1, 30, 1, 0, 0, SELF), -XEN_EINVAL);
    snap_same(s);
    /* bad GDTs */
    fe->mem[32][0] = 0;
    unmap1(32);
    fe->mem[32][4] = desc(0x1000, 0x67, 0x9, 0, false, true, false);   /* TSS */
    frames[0] = 32;
    g = fake_gput(fe, 0x3000, frames, 8);
    s = snap_take();
    assert_int_equal(mm_do_set_gdt(env, v1, g, 10), -XEN_EINVAL);
    assert_int_equal(mm_do_set_gdt(env, v1, g, MM_GDT_MAX_ENTRIES + 1), -XEN_EINVAL);
    frames[0] = 20;                                         /* mapped writable */
    g = fake_gput(fe, 0x3000, frames, 8);
    assert_int_equal(mm_do_set_gdt(env, v1, g, 10), -XEN_EINVAL);
    frames[0] = 50;                                         /* dom2's */
    g = fake_gput(fe, 0x3000, frames, 8);
    assert_int_equal(mm_do_set_gdt(env, v1, g, 10), -XEN_EINVAL);
    assert_int_equal(mm_do_set_gdt(env, v1, 0x1234, 10), -XEN_EFAULT);
    snap_same(s);
    /* replacing the GDT releases the old frames */
    assert_int_equal(mm_do_set_gdt(env, v1, g, 0), 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), 0);
}

static void test_update_descriptor(void **state)
{
    u64 frames[1] = { 30 }, g;
    struct snap *s;

    (void)state;
    boot_dom1();
    unmap1(30);
    g = fake_gput(fe, 0x3000, frames, sizeof(frames));
    assert_int_equal(mm_do_set_gdt(env, v1, g, 512), 0);
    assert_int_equal(mm_do_update_descriptor(env, v1, (30ULL << 12) + 16,
                                             desc(0, 0xfffff, 0xb, 0, true, true, true)), 0);
    assert_int_equal((fe->mem[30][2] >> 45) & 3, 3);
    /* on a writable data frame: allowed (the guest could write it anyway) */
    assert_int_equal(mm_do_update_descriptor(env, v1, (20ULL << 12) + 8, 0), 0);
    s = snap_take();
    assert_int_equal(mm_do_update_descriptor(env, v1, (30ULL << 12) + 4, 0), -XEN_EINVAL);
    assert_int_equal(mm_do_update_descriptor(env, v1, (30ULL << 12) + 8,
                                             desc(0, 0x67, 0x9, 0, false, true, false)),
                     -XEN_EINVAL);
    assert_int_equal(mm_do_update_descriptor(env, v1, (u64)L1A << 12, 0), -XEN_EINVAL);
    assert_int_equal(mm_do_update_descriptor(env, v1, 50ULL << 12, 0), -XEN_EINVAL);
    snap_same(s);
}

static void test_ldt(void **state)
{
    struct snap *s;
    mfn_t m;

    (void)state;
    boot_dom1();
    s = snap_take();
    assert_int_equal(ext1(v1, MMUEXT_SET_LDT, va1(30) + 8, 16, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_SET_LDT, va1(30), 8193, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_SET_LDT, 0xffff808000000000ULL, 16, SELF), -XEN_EINVAL);
    snap_same(s);
    assert_int_equal(ext1(v1, MMUEXT_SET_LDT, va1(30), 1024, SELF), 0);
    assert_int_equal(v1->ldt_ents, 1024);
    /* the LDT page is mapped writable: it cannot be an LDT yet */
    assert_int_equal(mm_ldt_map_page(env, v1, 0, &m), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, 0), 0, SELF), 0);
    assert_int_equal(mm_ldt_map_page(env, v1, 0, &m), 0);
    assert_int_equal(m, 30);
    assert_int_equal(ttype(30), PGT_SEG_DESC);
    assert_int_equal(mm_ldt_map_page(env, v1, 8 * 1024, &m), -XEN_EINVAL);  /* past end */
    /* now it cannot be mapped writable */
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), -XEN_EBUSY);
    /* a new LDT drops the old pages */
    assert_int_equal(ext1(v1, MMUEXT_SET_LDT, 0, 0, SELF), 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(mmu1(v1, L1A, 22, pte(30, _PAGE_RW), 0, SELF), 0);
}

/* ---- mmuext odds and ends --------------------------------------------- */

static void test_mmuext_misc(void **state)
{
    u64 mask = 3;

    (void)state;
    boot_dom1();
    assert_int_equal(ext1(v1, MMUEXT_MARK_SUPER, 20, 0, SELF), -XEN_EOPNOTSUPP);
    assert_int_equal(ext1(v1, MMUEXT_UNMARK_SUPER, 20, 0, SELF), -XEN_EOPNOTSUPP);
    assert_int_equal(ext1(v1, 14, 0, 0, SELF), -XEN_ENOSYS);
    assert_int_equal(ext1(v1, 99, 0, 0, SELF), -XEN_ENOSYS);
    assert_int_equal(ext1(v1, MMUEXT_FLUSH_CACHE, 0, 0, SELF), -XEN_EACCES);
    assert_int_equal(ext1(v1, MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0, SELF), -XEN_EINVAL);
    boot_dom0();
    assert_int_equal(ext1(v0, MMUEXT_FLUSH_CACHE, 0, 0, SELF), 0);
    assert_int_equal(fe->nr_cache_flush, 1);
    /* flushes */
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, SELF), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_TLB | MM_FLUSH_LOCAL);
    assert_int_equal(ext1(v1, MMUEXT_INVLPG_LOCAL, 0x1234000, 0, SELF), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_INVLPG | MM_FLUSH_LOCAL);
    assert_int_equal(fe->last_guest_flush_va, 0x1234000);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_ALL, 0, 0, SELF), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_TLB | MM_FLUSH_ALL);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_MULTI, 0, fake_gput(fe, 0x3000, &mask, 8),
                          SELF), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_TLB | MM_FLUSH_MASK);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_MULTI, 0, 0x77, SELF), -XEN_EINVAL);
    /* foreign page owner: flushes and baseptrs are -EPERM even for dom0 */
    assert_int_equal(ext1(v0, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 1), -XEN_EPERM);
    assert_int_equal(ext1(v0, MMUEXT_SET_LDT, 0, 0, 1), -XEN_EPERM);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 2), -XEN_EPERM);
    assert_int_equal(ext1(v1, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 1), -XEN_ESRCH);
}

static void test_clear_copy_page(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    fe->mem[20][5] = 0x55;
    assert_int_equal(ext1(v1, MMUEXT_COPY_PAGE, 21, 20, SELF), 0);
    assert_int_equal(fe->mem[21][5], 0x55);
    assert_int_equal(ext1(v1, MMUEXT_CLEAR_PAGE, 21, 0, SELF), 0);
    assert_int_equal(fe->mem[21][5], 0);
    s = snap_take();
    assert_int_equal(ext1(v1, MMUEXT_CLEAR_PAGE, L1A, 0, SELF), -XEN_EINVAL);   /* table */
    assert_int_equal(ext1(v1, MMUEXT_COPY_PAGE, L1A, 20, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_CLEAR_PAGE, 50, 0, SELF), -XEN_EINVAL);    /* dom2 */
    assert_int_equal(ext1(v1, MMUEXT_COPY_PAGE, 21, 50, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_CLEAR_PAGE, 88, 0, SELF), -XEN_EINVAL);    /* hv */
    snap_same(s);
    /* copying *from* a table is fine: it is readable */
    assert_int_equal(ext1(v1, MMUEXT_COPY_PAGE, 21, L1A, SELF), 0);
}

static void test_new_user_baseptr(void **state)
{
    (void)state;
    boot_dom1();
    unmap1(30);
    fe->mem[30][0] = pte(L3A, _PAGE_RW);
    assert_int_equal(ext1(v1, MMUEXT_NEW_USER_BASEPTR, 30, 0, SELF), 0);
    assert_int_equal(v1->guest_table_user, 30);
    assert_int_equal(ttype(30), PGT_L4);
    assert_int_equal(ext1(v1, MMUEXT_NEW_USER_BASEPTR, 0, 0, SELF), 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(ext1(v1, MMUEXT_NEW_USER_BASEPTR, L1A, 0, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_NEW_BASEPTR, 20, 0, SELF), -XEN_EINVAL);
    assert_int_equal(ext1(v1, MMUEXT_NEW_BASEPTR, 50, 0, SELF), -XEN_EINVAL);
}

/* Base pointer switches preempted at every step, succeeding and failing
 * halfway: nothing may stay parked or keep a reference once the guest has
 * its answer (a -ERESTART dropped on the way would leave a half-validated
 * frame behind). */
static long ext1_preempted(struct mm_vcpu *v, unsigned int cmd, u64 mfn, unsigned int *restarts)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = mfn;
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    rc = mm_do_mmuext_op(env, v, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    while (rc == -XEN_ERESTART) {
        (*restarts)++;
        CHECK();
        rc = mm_do_mmuext_op(env, v, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    }
    fe->preempt_countdown = -1;
    return rc;
}

static bool nothing_parked(void)
{
    for (mfn_t m = 0; m < FAKE_FRAMES; m++)
        if (fe->frames[m].type_info & PGT_PARTIAL)
            return false;
    return true;
}

static void test_preempted_baseptr_switches(void **state)
{
    unsigned int restarts = 0;

    (void)state;
    boot_dom1();
    build_wide_tree();
    assert_int_equal(ext1_preempted(v1, MMUEXT_NEW_BASEPTR, 30, &restarts), 0);
    assert_int_equal(v1->guest_table, 30);
    assert_int_equal(ext1_preempted(v1, MMUEXT_NEW_BASEPTR, L4A, &restarts), 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(ext1_preempted(v1, MMUEXT_NEW_USER_BASEPTR, 30, &restarts), 0);
    assert_int_equal(ext1_preempted(v1, MMUEXT_NEW_USER_BASEPTR, 0, &restarts), 0);
    assert_int_equal(tcount(30), 0);
    assert_true(restarts > 10);
    assert_true(nothing_parked());
    assert_false(v1->old_valid);
    /* a bad entry deep in the tree: refused after several preemptions */
    fe->mem[40][21] = pte(3, 0);
    assert_true(ext1_preempted(v1, MMUEXT_NEW_BASEPTR, 30, &restarts) < 0);
    assert_int_equal(v1->guest_table, L4A);
    assert_true(ext1_preempted(v1, MMUEXT_NEW_USER_BASEPTR, 30, &restarts) < 0);
    assert_true(ext1_preempted(v1, MMUEXT_PIN_L4_TABLE, 30, &restarts) < 0);
    assert_true(nothing_parked());
    assert_false(v1->old_valid);
    for (mfn_t m = 30; m <= 40; m++)
        assert_int_equal(tcount(m), 0);
    fe->mem[40][21] = 0;
}

/* ---- update_va_mapping ------------------------------------------------- */

static void test_update_va_mapping(void **state)
{
    struct snap *s;
    u64 mask = 1;

    (void)state;
    boot_dom1();
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(31, _PAGE_RW),
                                             UVMF_INVLPG | UVMF_LOCAL, NULL), 0);
    assert_int_equal(fe->mem[L1A][22], pte(31, _PAGE_RW | _PAGE_USER));
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_INVLPG | MM_FLUSH_LOCAL);
    assert_int_equal(fe->last_guest_flush_va, va1(30));
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(30, _PAGE_RW),
                                             UVMF_TLB_FLUSH | UVMF_ALL, NULL), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_TLB | MM_FLUSH_ALL);
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(30, _PAGE_RW),
                                             UVMF_TLB_FLUSH | fake_gput(fe, 0x3000, &mask, 8),
                                             NULL), 0);
    assert_int_equal(fe->last_guest_flush_kind, MM_FLUSH_TLB | MM_FLUSH_MASK);
    /* a bad mask pointer: the update happened, -EFAULT reported (Xen) */
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(30, _PAGE_RW),
                                             UVMF_TLB_FLUSH | 0x1230, NULL), -XEN_EFAULT);
    s = snap_take();
    assert_int_equal(mm_do_update_va_mapping(env, v1, 0x7f0000000000ULL, pte(30, 0), 0, NULL),
                     -XEN_EINVAL);                              /* unmapped */
    assert_int_equal(mm_do_update_va_mapping(env, v1, 0xffff800000000000ULL, pte(30, 0), 0,
                                             NULL), -XEN_EINVAL);  /* hypervisor's */
    assert_int_equal(mm_do_update_va_mapping(env, v1, va1(30), pte(50, 0), 0, NULL),
                     -XEN_EBUSY);
    assert_int_equal(mm_do_update_va_mapping_otherdomain(env, v1, va1(30), pte(50, 0), 0, 2,
                                                         NULL), -XEN_EPERM);
    assert_int_equal(mm_do_update_va_mapping_otherdomain(env, v1, va1(30), pte(50, 0), 0, 1,
                                                         NULL), -XEN_ESRCH);
    snap_same(s);
    boot_dom0();
    assert_int_equal(mm_do_update_va_mapping_otherdomain(env, v0, va1(70), pte(50, _PAGE_RW),
                                                         0, 2, NULL), 0);
    assert_int_equal(tcount(50), 1);
    assert_int_equal(mm_do_update_va_mapping(env, v0, va1(70), 0, 0, NULL), 0);
}

/* ---- Rule 16: preemption and continuations ---------------------------- */

/* A wide tree for dom1: L4 30 -> L3 31 -> L2 32 -> L1s 33..40, each L1
 * mapping 8 data frames read-only (frames 12..19). */
static void build_wide_tree(void)
{
    unsigned int i, j;

    for (i = 30; i <= 40; i++)
        unmap1(i);
    fe->mem[30][1] = pte(31, _PAGE_RW);
    for (i = 0; i < 4; i++)
        fe->mem[31][i] = pte(32, _PAGE_RW);             /* the same L2 four times */
    for (i = 33; i <= 40; i++) {
        fe->mem[32][i] = pte(i, _PAGE_RW);
        for (j = 0; j < 8; j++)
            fe->mem[i][j * 3] = pte(12 + j, 0);
    }
}

static void test_preempted_pin_resumes(void **state)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;
    unsigned int restarts = 0;

    (void)state;
    boot_dom1();
    build_wide_tree();
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L4_TABLE;
    op.arg1.mfn = 30;
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    while (rc == -XEN_ERESTART) {
        restarts++;
        CHECK();                                /* parked states count right */
        rc = mm_do_mmuext_op(env, v1, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    }
    assert_int_equal(rc, 0);
    assert_true(restarts > 3);
    assert_true(pinned(30));
    assert_int_equal(tcount(32), 4);
    assert_int_equal(tcount(33), 1);
    CHECK();
    /* and the unpin, preempted, drains through the deferred slot */
    fe->preempt_countdown = 0;
    op.cmd = MMUEXT_UNPIN_TABLE;
    restarts = 0;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    while (rc == -XEN_ERESTART) {
        restarts++;
        CHECK();
        rc = mm_do_mmuext_op(env, v1, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    }
    assert_int_equal(rc, 0);
    assert_true(restarts > 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(tcount(33), 0);
    assert_false(v1->old_valid);
}

static void test_parked_table_resumed_by_another_user(void **state)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;

    (void)state;
    boot_dom1();
    build_wide_tree();
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L4_TABLE;
    op.arg1.mfn = 30;
    fe->preempt_countdown = 1;
    fe->preempt_every = 0;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    assert_int_equal(rc, -XEN_ERESTART);
    CHECK();
    /* the guest never re-issues; it pins the parked L3 directly instead */
    assert_true((fe->frames[30].type_info & PGT_PARTIAL) ||
                (fe->frames[31].type_info & PGT_PARTIAL) ||
                (fe->frames[32].type_info & PGT_PARTIAL));
    fe->preempt_countdown = -1;
    assert_int_equal(PIN(v1, 3, 31), 0);
    CHECK();
    /* now the original pin completes */
    assert_int_equal(PIN(v1, 4, 30), 0);
    assert_int_equal(tcount(31), 2);
    CHECK();
    assert_int_equal(UNPIN(v1, 30), 0);
    assert_int_equal(UNPIN(v1, 31), 0);
    assert_int_equal(tcount(32), 0);
}

static void test_parked_table_then_failure(void **state)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;

    (void)state;
    boot_dom1();
    build_wide_tree();
    fe->mem[40][500] = pte(88, 0);                  /* bad entry in the last L1 */
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L4_TABLE;
    op.arg1.mfn = 30;
    fe->preempt_countdown = 0;
    fe->preempt_every = 2;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    while (rc == -XEN_ERESTART) {
        CHECK();
        rc = mm_do_mmuext_op(env, v1, c.args[0], (unsigned int)c.args[1], c.args[2],
                             (unsigned int)c.args[3], &c);
    }
    assert_int_equal(rc, -XEN_EBUSY);
    CHECK();
    assert_int_equal(tcount(30), 0);
    assert_int_equal(tcount(31), 0);
    assert_int_equal(tcount(33), 0);
    assert_int_equal(gcount(12), 2);                /* allocation + L1A's mapping */
}

static void test_teardown(void **state)
{
    struct mmuext_op op;
    struct mm_cont c;
    long rc;
    mfn_t m;
    u64 frames[1] = { 45 };

    (void)state;
    boot_dom1();
    build_wide_tree();
    unmap1(45);
    assert_int_equal(mm_do_set_gdt(env, v1, fake_gput(fe, 0x3000, frames, 8), 1), 0);
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L4_TABLE;
    op.arg1.mfn = 30;
    fe->preempt_countdown = 2;
    rc = mm_do_mmuext_op(env, v1, fake_gput(fe, 0x2000, &op, sizeof(op)), 1, 0, SELF, &c);
    assert_int_equal(rc, -XEN_ERESTART);            /* abandoned half-way */
    fe->preempt_countdown = 0;
    fe->preempt_every = 3;
    while (mm_vcpu_teardown(env, v1) == -XEN_ERESTART)
        CHECK();
    for (m = 8; m < 48; m++)
        while (mm_frame_teardown(env, v1, m) == -XEN_ERESTART)
            CHECK();
    CHECK();
    for (m = 8; m < 48; m++) {
        assert_int_equal(fe->frames[m].type_info & PGT_COUNT_MASK, 0);
        mm_frame_release(env, m);
    }
    CHECK();
    for (m = 8; m < 48; m++)
        assert_true(fe->freed[m]);
}

/* ---- Rule 17: batches ---------------------------------------------------- */

static void test_batch_partial_failure(void **state)
{
    struct mmu_update reqs[3] = {
        { ptr_of(L1A, 100, 0), pte(20, 0) },
        { ptr_of(L1A, 101, 0), pte(50, 0) },        /* dom2's: refused */
        { ptr_of(L1A, 102, 0), pte(21, 0) },
    };
    unsigned int done = 99;

    (void)state;
    boot_dom1();
    assert_int_equal(mmu_n(v1, reqs, 3, SELF, &done), -XEN_EBUSY);
    assert_int_equal(done, 1);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_USER));
    assert_int_equal(fe->mem[L1A][101], 0);
    assert_int_equal(fe->mem[L1A][102], 0);
    /* a fault reading the request array is reported the same way */
    {
        struct mm_cont c;
        unsigned int zero = 0;
        u64 pd = fake_gput(fe, 0x800, &zero, 4);

        fake_gput(fe, FAKE_GMEM_SIZE - 16, &reqs[0], sizeof(reqs[0]));
        assert_int_equal(mm_do_mmu_update(env, v1, FAKE_GVA(FAKE_GMEM_SIZE - 16), 2, pd, SELF,
                                          &c), -XEN_EFAULT);
        fake_gget(fe, 0x800, &done, 4);
        assert_int_equal(done, 1);
    }
}

static void test_batch_preempted_done_counts(void **state)
{
    struct mmu_update reqs[6];
    unsigned int i, done, zero = 0, restarts = 0;
    struct mm_cont c;
    long rc;
    u64 g, pd;

    (void)state;
    boot_dom1();
    for (i = 0; i < 6; i++) {
        reqs[i].ptr = ptr_of(L1A, 100 + i, 0);
        reqs[i].val = pte(20 + i, 0);
    }
    g = fake_gput(fe, 0x1000, reqs, sizeof(reqs));
    pd = fake_gput(fe, 0x800, &zero, 4);
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    rc = mm_do_mmu_update(env, v1, g, 6, pd, SELF, &c);
    while (rc == -XEN_ERESTART) {
        restarts++;
        assert_true(c.args[1] & 0x80000000u);
        rc = mm_do_mmu_update(env, v1, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3], &c);
    }
    assert_int_equal(rc, 0);
    assert_true(restarts >= 2);
    fake_gget(fe, 0x800, &done, 4);
    assert_int_equal(done, 6);
    for (i = 0; i < 6; i++)
        assert_int_equal(fe->mem[L1A][100 + i], pte(20 + i, _PAGE_USER));
}

static void test_mmuext_batch_done(void **state)
{
    struct mmuext_op ops[3];
    unsigned int done;

    (void)state;
    boot_dom1();
    unmap1(30);
    memset(ops, 0, sizeof(ops));
    ops[0].cmd = MMUEXT_PIN_L1_TABLE;
    ops[0].arg1.mfn = 30;
    ops[1].cmd = MMUEXT_PIN_L1_TABLE;               /* twice: refused */
    ops[1].arg1.mfn = 30;
    ops[2].cmd = MMUEXT_UNPIN_TABLE;
    ops[2].arg1.mfn = 30;
    assert_int_equal(ext_n(v1, ops, 3, SELF, &done), -XEN_EINVAL);
    assert_int_equal(done, 1);
    assert_true(pinned(30));
}

/* Dispatcher for multicall tests: op 1000 "switches the vCPU to user mode"
 * (as iret or a context-changing call would), everything else is routed to
 * the module. */
#define FAKE_OP_SWITCH 1000
static long dispatch(void *ctx, struct mm_vcpu *v, unsigned long op,
                     const unsigned long args[6], struct mm_cont *cont)
{
    (void)ctx;
    switch (op) {
    case FAKE_OP_SWITCH:
        v->kernel_mode = false;
        return 0;
    case __HYPERVISOR_mmu_update:
        return mm_do_mmu_update(env, v, args[0], (unsigned int)args[1], args[2],
                                (unsigned int)args[3], cont);
    case __HYPERVISOR_mmuext_op:
        return mm_do_mmuext_op(env, v, args[0], (unsigned int)args[1], args[2],
                               (unsigned int)args[3], cont);
    case __HYPERVISOR_update_va_mapping:
        return mm_do_update_va_mapping(env, v, args[0], args[1], args[2], cont);
    case __HYPERVISOR_multicall:
        return mm_do_multicall(env, v, args[0], (unsigned int)args[1], dispatch, cont);
    case __HYPERVISOR_iret:
        return 42;
    default:
        return -XEN_ENOSYS;
    }
}

static long multicall(struct multicall_entry *calls, unsigned int n)
{
    struct mm_cont c;
    u64 g = fake_gput(fe, 0x4000, calls, n * sizeof(*calls));
    long rc = mm_do_multicall(env, v1, g, n, dispatch, &c);

    while (rc == -XEN_ERESTART)
        rc = mm_do_multicall(env, v1, c.args[0], (unsigned int)c.args[1], dispatch, &c);
    fake_gget(fe, 0x4000, calls, n * sizeof(*calls));
    return rc;
}

static void test_multicall_mode_switch_ends_batch(void **state)
{
    struct multicall_entry calls[2];
    struct mmu_update req = { ptr_of(L1A, 100, 0), pte(20, _PAGE_RW) };
    struct snap *s;

    (void)state;
    boot_dom1();
    memset(calls, 0, sizeof(calls));
    calls[0].op = FAKE_OP_SWITCH;
    calls[1].op = __HYPERVISOR_mmu_update;
    calls[1].args[0] = fake_gput(fe, 0x1000, &req, sizeof(req));
    calls[1].args[1] = 1;
    calls[1].args[3] = SELF;
    calls[1].result = 0x5a5a;
    s = snap_take();
    assert_int_equal(multicall(calls, 2), 0);
    assert_false(v1->kernel_mode);
    assert_int_equal(calls[0].result, 0);
    assert_int_equal(calls[1].result, 0x5a5a);      /* never ran */
    v1->kernel_mode = true;
    snap_same(s);
    /* iret ends the batch as well, with its result */
    calls[0].op = __HYPERVISOR_iret;
    assert_int_equal(multicall(calls, 2), 42);
    assert_int_equal(calls[1].result, 0x5a5a);
}

static void test_multicall_entries(void **state)
{
    struct multicall_entry calls[4];
    struct mmu_update reqs[2] = {
        { ptr_of(L1A, 100, 0), pte(20, 0) },
        { ptr_of(L1A, 101, 0), pte(50, 0) },
    };

    (void)state;
    boot_dom1();
    memset(calls, 0, sizeof(calls));
    /* each entry runs with its own result; a failure does not stop the rest */
    calls[0].op = __HYPERVISOR_mmu_update;
    calls[0].args[0] = fake_gput(fe, 0x1000, &reqs[1], sizeof(reqs[1]));
    calls[0].args[1] = 1;
    calls[0].args[3] = SELF;
    calls[1].op = __HYPERVISOR_multicall;           /* nested: refused */
    calls[2].op = __HYPERVISOR_update_va_mapping;
    calls[2].args[0] = va1(30);
    calls[2].args[1] = pte(31, _PAGE_RW);
    calls[3].op = __HYPERVISOR_mmu_update;
    calls[3].args[0] = fake_gput(fe, 0x1100, &reqs[0], sizeof(reqs[0]));
    calls[3].args[1] = 1;
    calls[3].args[3] = SELF;
    assert_int_equal(multicall(calls, 4), 0);
    assert_int_equal((long)calls[0].result, -XEN_EBUSY);
    assert_int_equal((long)calls[1].result, -XEN_EINVAL);
    assert_int_equal(calls[2].result, 0);
    assert_int_equal(calls[3].result, 0);
    assert_int_equal(fe->mem[L1A][22], pte(31, _PAGE_RW | _PAGE_USER));
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_USER));
    /* a preempted entry is continued in place */
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    reqs[1].val = pte(21, 0);
    memset(calls, 0, sizeof(calls));
    calls[0].op = __HYPERVISOR_mmu_update;
    calls[0].args[0] = fake_gput(fe, 0x1000, reqs, sizeof(reqs));
    calls[0].args[1] = 2;
    calls[0].args[3] = SELF;
    calls[1].op = __HYPERVISOR_update_va_mapping;
    calls[1].args[0] = va1(30);
    calls[1].args[1] = pte(30, _PAGE_RW);
    assert_int_equal(multicall(calls, 2), 0);
    fe->preempt_countdown = -1;
    assert_int_equal(calls[0].result, 0);
    assert_int_equal(calls[1].result, 0);
    assert_int_equal(fe->mem[L1A][101], pte(21, _PAGE_USER));
    assert_int_equal(fe->mem[L1A][22], pte(30, _PAGE_RW | _PAGE_USER));
}

static void test_update_commands(void **state)
{
    unsigned int flushes;
    u64 mask = 1;

    (void)state;
    boot_dom1();
    unmap1(30);
    assert_int_equal(PIN(v1, 1, 30), 0);
    /* NO_TRANSLATE is a normal update for PV */
    assert_int_equal(mmu1(v1, L1A, 100, pte(20, 0), MMU_PT_UPDATE_NO_TRANSLATE, SELF), 0);
    assert_int_equal(fe->mem[L1A][100], pte(20, _PAGE_USER));
    /* PRESERVE_AD at L2: the A bit the CPU set survives */
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, _PAGE_RW), 0, SELF), 0);
    fe->mem[L2A][3] |= _PAGE_ACCESSED;
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, 0), MMU_PT_UPDATE_PRESERVE_AD, SELF), 0);
    assert_int_equal(fe->mem[L2A][3], pte(30, _PAGE_USER | _PAGE_ACCESSED));
    assert_int_equal(tcount(30), 2);
    /* invlpg of a hypervisor address is silently skipped (Xen's __addr_ok) */
    flushes = fe->nr_guest_flush;
    assert_int_equal(ext1(v1, MMUEXT_INVLPG_ALL, 0xffff830000000000ULL, 0, SELF), 0);
    assert_int_equal(ext1(v1, MMUEXT_INVLPG_MULTI, 0xffff830000000000ULL,
                          fake_gput(fe, 0x3000, &mask, 8), SELF), 0);
    assert_int_equal(ext1(v1, MMUEXT_INVLPG_LOCAL, 0x0000900000000000ULL, 0, SELF), 0);
    assert_int_equal(fe->nr_guest_flush, flushes);
    assert_int_equal(ext1(v1, MMUEXT_INVLPG_ALL, VA1, 0, SELF), 0);
    assert_int_equal(fe->nr_guest_flush, flushes + 1);
}

/* Every refused request leaves a line in the log, with a reason. */
static void test_refusals_are_logged(void **state)
{
    unsigned int before;

    (void)state;
    boot_dom1();
#define LOGGED(expr, err) do { \
        before = fe->nr_log; \
        assert_int_equal(expr, err); \
        assert_true(fe->nr_log > before); \
        assert_true(fe->last_why[0]); \
    } while (0)
    LOGGED(mmu1(v1, L1A, 100, pte(50, 0), 0, SELF), -XEN_EBUSY);
    LOGGED(mmu1(v1, L1A, 100, pte(20, _PAGE_PCD), 0, SELF), -XEN_EINVAL);
    LOGGED(mmu1(v1, L4A, 256, 0, 0, SELF), -XEN_EINVAL);
    LOGGED(mmu1(v1, L1A, 100, 0, 5, SELF), -XEN_ENOSYS);
    LOGGED(mmu1(v1, L1A, 100, 0, 0, 2), -XEN_EPERM);
    LOGGED(mmu1(v1, L1A, 100, 0, 0, 7), -XEN_ESRCH);
    LOGGED(mmu1(v1, 50, 0, 0, MMU_MACHPHYS_UPDATE, SELF), -XEN_EINVAL);
    LOGGED(PIN(v1, 4, L4A), -XEN_EINVAL);
    LOGGED(UNPIN(v1, L1A), -XEN_EINVAL);
    LOGGED(ext1(v1, MMUEXT_MARK_SUPER, 20, 0, SELF), -XEN_EOPNOTSUPP);
    LOGGED(ext1(v1, 77, 20, 0, SELF), -XEN_ENOSYS);
    LOGGED(ext1(v1, MMUEXT_FLUSH_CACHE, 0, 0, SELF), -XEN_EACCES);
    LOGGED(ext1(v1, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 2), -XEN_EPERM);
    LOGGED(mm_do_update_va_mapping(env, v1, 0x7f0000000000ULL, 0, 0, NULL), -XEN_EINVAL);
    LOGGED(mm_do_update_descriptor(env, v1, 3, 0), -XEN_EINVAL);
    LOGGED(mm_do_set_gdt(env, v1, FAKE_GVA(0), 7), -XEN_EINVAL);
#undef LOGGED
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_boot_tree),
        T(test_map_own_frame),
        T(test_map_foreign_frame_refused),
        T(test_map_hypervisor_memory_refused),
        T(test_shared_frame),
        T(test_io_mappings),
        T(test_io_read_only),
        T(test_foreigndom),
        T(test_refcount_overflow),
        T(test_type_count_overflow),
        T(test_release_frees_last),
        T(test_release_held),
        T(test_frame_reap),
        T(test_stamp_never_goes_back),
        T(test_frames_reap),
        T(test_steal_page),
        T(test_l1tf),
        T(test_validation_finds_entries_among_empty_ones),
        T(test_foreign_update_defers_to_caller),
        T(test_two_types_at_once),
        T(test_writable_mapping_of_pinned_l1),
        T(test_validation_undoes_on_bad_entry),
        T(test_deep_validation_failure),
        T(test_pin_rules),
        T(test_unpin_while_in_use),
        T(test_dom0_builds_domu),
        T(test_flags_per_level),
        T(test_adjust_every_level),
        T(test_linear_entries_refused),
        T(test_table_maps_itself_writable_one_level_down),
        T(test_hypervisor_slots),
        T(test_m2p_updates),
        T(test_update_is_one_atomic_write),
        T(test_preserve_ad),
        T(test_plain_write_to_non_table),
        T(test_flush_before_type_change),
        T(test_no_flush_needed_after_guest_flush),
        T(test_flush_when_table_becomes_writable),
        T(test_check_descriptor),
        T(test_set_gdt),
        T(test_set_gdt_frames_from_host_copy),
        T(test_update_descriptor),
        T(test_ldt),
        T(test_mmuext_misc),
        T(test_clear_copy_page),
        T(test_new_user_baseptr),
        T(test_preempted_baseptr_switches),
        T(test_update_va_mapping),
        T(test_preempted_pin_resumes),
        T(test_parked_table_resumed_by_another_user),
        T(test_parked_table_then_failure),
        T(test_teardown),
        T(test_batch_partial_failure),
        T(test_batch_preempted_done_counts),
        T(test_mmuext_batch_done),
        T(test_multicall_mode_switch_ends_batch),
        T(test_multicall_entries),
        T(test_refusals_are_logged),
        T(test_update_commands),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
