/*
 * Unit tests: foreign memory (rule 13), what a toolstack does to the domain
 * it builds and what privcmd's MMAPBATCH_V2 issues: mappings of another
 * domain's frames, updates of its tables, pins on its behalf. Each rule is
 * attacked: a domain naming another it does not control, frames the
 * target does not own (a third domain's, the caller's own, free, the
 * hypervisor's), the target's page tables mapped writable, partial batch
 * failure with the exact done count Linux relies on, a dying target, a
 * target destroyed meanwhile. Every test ends with the invariant check,
 * which includes "every domain looked up was put back".
 */
#include "test_helpers.h"

static void boot_dom0(void)
{
    /* dom0: L4 64, L3 65, L2 66, L1 67 mapping 64..79 at VA1 */
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    assert_int_equal(PIN(v0, 4, 64), 0);
    assert_int_equal(BASEPTR(v0, 64), 0);
}

static long uvm_other(struct mm_vcpu *v, u64 va, u64 val, u16 domid)
{
    struct mm_cont c;

    return mm_do_update_va_mapping_otherdomain(env, v, va, val, 0, domid, &c);
}

/* Only a domain that controls the target names it; naming yourself by
 * number or a domain that does not exist is -ESRCH, as on Xen. */
static void test_foreign_needs_control(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    boot_dom0();
    s = snap_take();
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, 0), 0, 2), -XEN_EPERM);
    assert_int_equal(mmu1(v1, L1A, 100, pte(70, 0), 0, 0), -XEN_EPERM);
    assert_int_equal(uvm_other(v1, va1(30), pte(50, 0), 2), -XEN_EPERM);
    assert_int_equal(ext1(v1, MMUEXT_PIN_L1_TABLE, 50, 0, 2), -XEN_EPERM);
    assert_int_equal(ext1(v1, MMUEXT_COPY_PAGE, 50, 51, 2), -XEN_EPERM);
    /* itself by number, and a domain that does not exist */
    assert_int_equal(uvm_other(v1, va1(30), pte(20, 0), 1), -XEN_ESRCH);
    assert_int_equal(ext1(v1, MMUEXT_PIN_L1_TABLE, 20, 0, 1), -XEN_ESRCH);
    assert_int_equal(uvm_other(v0, va1(70), pte(20, 0), 9), -XEN_ESRCH);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L1_TABLE, 20, 0, 9), -XEN_ESRCH);
    /* a domain destroyed meanwhile is not found any more */
    fe->gone[2] = true;
    assert_int_equal(mmu1(v0, 67, 300, pte(50, 0), 0, 2), -XEN_ESRCH);
    assert_int_equal(uvm_other(v0, va1(70), pte(50, 0), 2), -XEN_ESRCH);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L1_TABLE, 50, 0, 2), -XEN_ESRCH);
    fe->gone[2] = false;
    snap_same(s);
}

/* Xen's XSM_TARGET: a device-model domain (set_target) may act on its
 * target, and only on it. */
static void test_foreign_target_domain(void **state)
{
    (void)state;
    boot_dom1();
    boot_dom0();
    fe->target_of[1] = 2;
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, _PAGE_RW), 0, 2), 0);
    assert_int_equal(gcount(50), 2);
    assert_int_equal(mmu1(v1, L1A, 101, pte(70, 0), 0, 0), -XEN_EPERM);
    /* the target's tables may be updated (the page owner must match) */
    fake_build_tree(fe, 48, 49, 51, 52, VA1, 53, 4);
    assert_int_equal(mmu1(v1, 52, 5, pte(55, 0), 0, (2 + 1) << 16 | 2), 0);
    assert_int_equal(mmu1(v1, 52, 5, 0, 0, (2 + 1) << 16 | 2), 0);
    assert_int_equal(mmu1(v1, L1A, 100, 0, 0, SELF), 0);
    fe->target_of[1] = -1;
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, 0), 0, 2), -XEN_EPERM);
}

/* Xen's get_page_from_l1e: a page owner named for another domain's table
 * passes on its right to its target's frames (a device model's), and
 * only that. */
static void test_foreign_right_passed_on(void **state)
{
    (void)state;
    boot_dom1();
    boot_dom0();
    assert_int_equal(mmu1(v0, 67, 300, pte(50, 0), 0, 1), -XEN_EBUSY);
    fe->target_of[1] = 2;
    assert_int_equal(mmu1(v0, 67, 300, pte(50, _PAGE_RW), 0, 1), 0);
    assert_int_equal(gcount(50), 2);
    assert_int_equal(tcount(50), 1);
    /* not a frame of a domain dom1 does not control (dom0's own) */
    assert_int_equal(mmu1(v0, 67, 301, pte(70, 0), 0, 1), -XEN_EBUSY);
    /* not in dom1's own tables: naming yourself passes nothing on */
    assert_int_equal(mmu1(v1, L1A, 100, pte(50, 0), 0, SELF), -XEN_EBUSY);
    /* nor a free or hypervisor frame */
    assert_int_equal(mmu1(v0, 67, 301, pte(80, 0), 0, 1), -XEN_EBUSY);
    assert_int_equal(mmu1(v0, 67, 301, pte(88, 0), 0, 1), -XEN_EBUSY);
    assert_int_equal(mmu1(v0, 67, 300, 0, 0, SELF), 0);
    assert_int_equal(gcount(50), 1);
    fe->target_of[1] = -1;
}

/* Frames the target does not own are refused, whoever owns them. */
static void test_foreign_frames_must_be_the_targets(void **state)
{
    struct snap *s;

    (void)state;
    boot_dom1();
    boot_dom0();
    s = snap_take();
    assert_int_equal(mmu1(v0, 67, 300, pte(50, 0), 0, 1), -XEN_EBUSY);     /* dom2's */
    assert_int_equal(mmu1(v0, 67, 300, pte(70, 0), 0, 1), -XEN_EBUSY);     /* dom0's own */
    assert_int_equal(mmu1(v0, 67, 300, pte(80, 0), 0, 1), -XEN_EBUSY);     /* free */
    assert_int_equal(mmu1(v0, 67, 300, pte(88, 0), 0, 1), -XEN_EBUSY);     /* hypervisor heap */
    assert_int_equal(mmu1(v0, 67, 300, pte(3, 0), 0, 1), -XEN_EPERM);      /* hypervisor image */
    /* I/O through a domain without iomem permission */
    assert_int_equal(mmu1(v0, 67, 300, pte(95, 0), 0, 1), -XEN_EPERM);
    assert_int_equal(uvm_other(v0, va1(70), pte(50, 0), 1), -XEN_EBUSY);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L1_TABLE, 50, 0, 1), -XEN_EINVAL);
    assert_int_equal(ext1(v0, MMUEXT_CLEAR_PAGE, 70, 0, 1), -XEN_EINVAL);
    assert_int_equal(ext1(v0, MMUEXT_COPY_PAGE, 20, 50, 1), -XEN_EINVAL);
    /* dom1's table updated by dom0 with a frame of dom2 */
    assert_int_equal(mmu1(v0, L1A, 100, pte(50, 0), 0, (1 + 1) << 16 | 1), -XEN_EBUSY);
    snap_same(s);
    /* the target's shared_info is the target's to map (xc maps it so) */
    assert_int_equal(mmu1(v0, 67, 300, pte(FAKE_SHARED_MFN, _PAGE_RW), 0, 1), 0);
    assert_int_equal(mmu1(v0, 67, 300, 0, 0, SELF), 0);
}

/* The target's page tables are never writable through a foreign mapping,
 * and a frame mapped writable by the toolstack cannot become a table. */
static void test_foreign_tables_never_writable(void **state)
{
    (void)state;
    boot_dom1();
    boot_dom0();
    assert_int_equal(mmu1(v0, 67, 300, pte(L1A, _PAGE_RW), 0, 1), -XEN_EBUSY);
    assert_int_equal(mmu1(v0, 67, 300, pte(L4A, _PAGE_RW), 0, 1), -XEN_EBUSY);
    assert_int_equal(uvm_other(v0, va1(70), pte(L2A, _PAGE_RW), 1), -XEN_EBUSY);
    /* through dom1's own tables, written by dom0 */
    assert_int_equal(mmu1(v0, L1A, 100, pte(L3A, _PAGE_RW), 0, (1 + 1) << 16 | 1), -XEN_EBUSY);
    assert_int_equal(ttype(L1A), PGT_L1);
    /* read-only is fine */
    assert_int_equal(mmu1(v0, 67, 300, pte(L1A, 0), 0, 1), 0);
    assert_int_equal(mmu1(v0, 67, 300, 0, 0, SELF), 0);
    /* a writable foreign mapping keeps the frame from becoming a table */
    unmap1(30);
    assert_int_equal(mmu1(v0, 67, 301, pte(30, _PAGE_RW), 0, 1), 0);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L1_TABLE, 30, 0, 1), -XEN_EINVAL);
    assert_int_equal(mmu1(v1, L2A, 3, pte(30, 0), 0, SELF), -XEN_EINVAL);
    assert_false(pinned(30));
    /* unmapped, it may; then the writable mapping is refused */
    assert_int_equal(mmu1(v0, 67, 301, 0, 0, SELF), 0);
    assert_int_equal(ext1(v0, MMUEXT_PIN_L1_TABLE, 30, 0, 1), 0);
    assert_int_equal(mmu1(v0, 67, 301, pte(30, _PAGE_RW), 0, 1), -XEN_EBUSY);
    assert_int_equal(ext1(v0, MMUEXT_UNPIN_TABLE, 30, 0, 1), 0);
}

/* A foreign mapping holds a general reference: when the target gives the
 * frame up (decrease_reservation, death) it is freed only once the
 * mapping goes. */
static void test_foreign_mapping_holds_the_frame(void **state)
{
    (void)state;
    boot_dom1();
    boot_dom0();
    unmap1(30);
    assert_int_equal(gcount(30), 1);
    assert_int_equal(mmu1(v0, 67, 300, pte(30, _PAGE_RW), 0, 1), 0);
    assert_int_equal(uvm_other(v0, va1(70), pte(30, 0), 1), 0);
    assert_int_equal(gcount(30), 3);
    mm_frame_release(env, 30);
    CHECK();
    assert_false(fe->freed[30]);
    /* no longer the target's to map again */
    assert_int_equal(mmu1(v0, 67, 302, pte(30, 0), 0, 1), 0);   /* owner unchanged until freed */
    assert_int_equal(mmu1(v0, 67, 302, 0, 0, SELF), 0);
    assert_int_equal(mmu1(v0, 67, 300, 0, 0, SELF), 0);
    assert_false(fe->freed[30]);
    assert_int_equal(uvm_other(v0, va1(70), pte(70, _PAGE_RW), SELF), 0);
    assert_true(fe->freed[30]);
    assert_int_equal(fe->nr_freed, 1);
}

/* privcmd's MMAPBATCH_V2 loop (Linux's xen_remap_pfn): submit the batch,
 * record the error of request `done`, skip it, resubmit the rest. Only an
 * exact *done on failure gives every frame its own error. */
static void test_foreign_batch_done_exact(void **state)
{
    static const mfn_t frames[8] = { 20, 50, 21, L1A, 22, FAKE_FRAMES + 5, 23, 24 };
    static const int want[8] = { 0, -XEN_EBUSY, 0, -XEN_EBUSY, 0, -XEN_EPERM, 0, 0 };
    struct mmu_update reqs[8];
    int err[8];
    unsigned int index = 0, left = 8, i;

    (void)state;
    boot_dom1();
    boot_dom0();
    for (i = 0; i < 8; i++) {
        reqs[i].ptr = ptr_of(67, 300 + i, MMU_NORMAL_PT_UPDATE);
        reqs[i].val = pte(frames[i], _PAGE_RW | 0x200);     /* Linux's _PAGE_SPECIAL */
        err[i] = 1;
    }
    while (left) {
        unsigned int done = 77;
        long rc = mmu_n(v0, &reqs[index], left, 1, &done);

        assert_true(done <= left);
        for (i = index; i < index + done; i++)
            err[i] = 0;
        if (rc < 0) {
            assert_true(done < left);
            err[index + done] = (int)rc;
            done++;
        } else {
            assert_int_equal(done, left);
        }
        left -= done;
        index += done;
    }
    for (i = 0; i < 8; i++) {
        assert_int_equal(err[i], want[i]);
        assert_int_equal(fe->mem[67][300 + i] != 0, want[i] == 0);
    }
    CHECK();
    for (i = 0; i < 8; i++)
        assert_int_equal(mmu1(v0, 67, 300 + i, 0, 0, SELF), 0);
}

/* A batch keeps its reference on the table it last named while the next
 * request names the same one (mmu_update.c): every request still has its
 * table's owner checked when the table changes - also back to one named
 * before -, an error or a preemption mid-batch gives the reference back,
 * and the batch leaves every count as it found it. */
static void test_foreign_batch_table_switch(void **state)
{
    struct mmu_update reqs[6] = {
        { ptr_of(67, 300, MMU_NORMAL_PT_UPDATE), pte(20, _PAGE_RW) },
        { ptr_of(67, 301, MMU_NORMAL_PT_UPDATE), pte(21, _PAGE_RW) },
        { ptr_of(L1A, 5, MMU_NORMAL_PT_UPDATE), 0 },            /* dom1's table */
        { ptr_of(67, 302, MMU_NORMAL_PT_UPDATE), pte(22, _PAGE_RW) },
    };
    u64 g67, gl1a;
    unsigned int done = 77, i;

    (void)state;
    boot_dom1();
    boot_dom0();
    g67 = gcount(67), gl1a = gcount(L1A);
    assert_int_equal(mmu_n(v0, reqs, 4, 1, &done), -XEN_EINVAL);
    assert_int_equal(done, 2);
    assert_int_equal(gcount(67), g67);
    assert_int_equal(gcount(L1A), gl1a);
    assert_int_not_equal(fe->mem[67][301], 0);
    assert_int_equal(fe->mem[67][302], 0);
    CHECK();

    /* 67, dom0's data frame 70 (a plain checked write), 67 again, with a
     * preemption after every request: each continuation takes it anew */
    reqs[0] = (struct mmu_update){ ptr_of(67, 300, MMU_NORMAL_PT_UPDATE), 0 };
    reqs[1] = (struct mmu_update){ ptr_of(70, 7, MMU_NORMAL_PT_UPDATE), 0x1234 };
    reqs[2] = (struct mmu_update){ ptr_of(67, 301, MMU_NORMAL_PT_UPDATE), 0 };
    reqs[3] = (struct mmu_update){ ptr_of(67, 302, MMU_NORMAL_PT_UPDATE), pte(23, _PAGE_RW) };
    reqs[4] = (struct mmu_update){ ptr_of(67, 303, MMU_NORMAL_PT_UPDATE), pte(24, 0) };
    reqs[5] = (struct mmu_update){ ptr_of(67, 302, MMU_NORMAL_PT_UPDATE), 0 };
    fe->preempt_countdown = 0;
    fe->preempt_every = 1;
    assert_int_equal(mmu_n(v0, reqs, 6, 1, &done), 0);
    fe->preempt_countdown = -1;
    assert_int_equal(done, 6);
    assert_int_equal(fe->mem[70][7], 0x1234);
    assert_int_equal(gcount(67), g67);
    assert_int_equal(gcount(70), 2);        /* allocation + dom0's own mapping */
    for (i = 300; i < 303; i++)
        assert_int_equal(fe->mem[67][i], 0);
    assert_int_not_equal(fe->mem[67][303], 0);
    CHECK();
    assert_int_equal(mmu1(v0, 67, 303, 0, 0, SELF), 0);
}

/* Pins on behalf of a dying domain are undone at once (Xen): nothing is
 * left behind that its teardown would not find. */
static void test_foreign_pin_dying(void **state)
{
    (void)state;
    boot_dom0();
    fake_build_tree(fe, 48, 49, 50, 51, VA1, 52, 4);
    fe->doms[2].dying = true;
    assert_int_equal(ext1(v0, MMUEXT_PIN_L4_TABLE, 48, 0, 2), 0);
    assert_false(pinned(48));
    assert_int_equal(tcount(48), 0);
    assert_int_equal(gcount(48), 1);
    fe->doms[2].dying = false;
    assert_int_equal(ext1(v0, MMUEXT_PIN_L4_TABLE, 48, 0, 2), 0);
    assert_true(pinned(48));
    assert_int_equal(ext1(v0, MMUEXT_UNPIN_TABLE, 48, 0, 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_foreign_needs_control),
        T(test_foreign_target_domain),
        T(test_foreign_right_passed_on),
        T(test_foreign_frames_must_be_the_targets),
        T(test_foreign_tables_never_writable),
        T(test_foreign_mapping_holds_the_frame),
        T(test_foreign_batch_done_exact),
        T(test_foreign_batch_table_switch),
        T(test_foreign_pin_dying),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
