/*
 * Unit test: the lock-free count and type transitions under contention
 * (rules 2, 3, 12). Threads race get/put of two exclusive types, page
 * locks against the last put, and ownership checks on the same frames;
 * exclusivity must hold at every instant and every count must return to
 * its start.
 */
#include <pthread.h>
#include "test_helpers.h"
#include "mm_internal.h"

#define ROUNDS 200000

static int holders[8];          /* by type: who holds it right now */
static volatile bool stop;

struct worker {
    mfn_t mfn;
    unsigned int type;
    unsigned long ok, refused;
};

static void *typer(void *arg)
{
    struct worker *w = arg;
    unsigned int other = w->type == PGT_WRITABLE ? PGT_L1 : PGT_WRITABLE;
    unsigned int i;

    for (i = 0; i < ROUNDS && !stop; i++) {
        if (!mm_get_page(env, w->mfn, fake_dom(fe, 1)))
            fail_msg("lost the frame");
        if (mm_get_type(env, v1, w->mfn, w->type, 0) == 0) {
            __atomic_add_fetch(&holders[w->type], 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&holders[other], __ATOMIC_SEQ_CST)) {
                stop = true;
                fail_msg("frame %lu held as type %u and %u at once", w->mfn, w->type, other);
            }
            if (pgt_type(__atomic_load_n(&fe->frames[w->mfn].type_info, __ATOMIC_SEQ_CST)) !=
                w->type)
                fail_msg("frame %lu changed type under a holder", w->mfn);
            __atomic_sub_fetch(&holders[w->type], 1, __ATOMIC_SEQ_CST);
            mm_put_type(env, v1, w->mfn, 0);
            w->ok++;
        } else {
            w->refused++;
        }
        mm_put_page(env, w->mfn);
    }
    return NULL;
}

static void test_exclusive_types_race(void **state)
{
    struct worker w[4] = {
        { 30, PGT_WRITABLE, 0, 0 }, { 30, PGT_L1, 0, 0 },
        { 30, PGT_WRITABLE, 0, 0 }, { 30, PGT_L1, 0, 0 },
    };
    pthread_t t[4];
    unsigned int i;

    (void)state;
    /* frame 30: an empty dom1 frame, content valid as an L1 */
    for (i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, typer, &w[i]);
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    assert_false(stop);
    /* One side may starve the other (as in Xen); exclusivity is the point. */
    assert_true(w[0].ok + w[1].ok + w[2].ok + w[3].ok > 0);
    assert_int_equal(tcount(30), 0);
    assert_int_equal(gcount(30), 1);
    assert_false(fe->freed[30]);
}

static void *locker(void *arg)
{
    mfn_t mfn = *(mfn_t *)arg;
    unsigned int i;

    for (i = 0; i < ROUNDS; i++) {
        if (mm_page_lock(env, mfn)) {
            if (!(fe->frames[mfn].type_info & PGT_VALIDATED))
                fail_msg("locked a table that is not validated");
            mm_page_unlock(env, mfn);
        }
    }
    return NULL;
}

static void *pinner(void *arg)
{
    mfn_t mfn = *(mfn_t *)arg;
    unsigned int i;

    for (i = 0; i < ROUNDS / 4; i++) {
        mm_get_page(env, mfn, fake_dom(fe, 1));
        if (mm_get_type(env, v1, mfn, PGT_L1, 0) == 0)
            mm_put_type(env, v1, mfn, 0);
        mm_put_page(env, mfn);
    }
    return NULL;
}

static void test_page_lock_vs_last_put(void **state)
{
    mfn_t mfn = 31;
    pthread_t a, b, c;

    (void)state;
    pthread_create(&a, NULL, locker, &mfn);
    pthread_create(&b, NULL, pinner, &mfn);
    pthread_create(&c, NULL, pinner, &mfn);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_join(c, NULL);
    assert_int_equal(tcount(31), 0);
    assert_int_equal(gcount(31), 1);
}

static void *owner_prober(void *arg)
{
    unsigned int i;

    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        if (mm_get_page(env, 32, fake_dom(fe, 2)))      /* never dom2's */
            fail_msg("dom2 got a reference to dom1's frame");
        if (mm_get_page(env, 32, fake_dom(fe, 1)))
            mm_put_page(env, 32);
    }
    return NULL;
}

static void test_owner_checks_race(void **state)
{
    pthread_t t[3];
    unsigned int i;

    (void)state;
    for (i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, owner_prober, NULL);
    for (i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(gcount(32), 1);
}

/* ---- A foreign mapping racing the owner's release (rules 2, 13) ---- */

struct mapper {
    struct mm_vcpu *v;
    mfn_t table;
    unsigned int idx, fd, gmem;         /* its own request slot in guest memory */
    unsigned long mapped, refused;
};

static long map_one(struct mapper *m, u64 val)
{
    struct mmu_update r = { ((u64)m->table << 12) | ((u64)m->idx << 3), val };
    struct mm_cont c;

    fake_gput(fe, m->gmem, &r, sizeof(r));
    return mm_do_mmu_update(env, m->v, FAKE_GVA(m->gmem), 1, 0, m->fd, &c);
}

static void *mapper_thread(void *arg)
{
    struct mapper *m = arg;
    unsigned int i;

    for (i = 0; i < ROUNDS / 4; i++) {
        long rc = map_one(m, pte(33, 0));

        if (rc == 0) {
            if (fe->freed[33])
                fail_msg("mapped frame 33 after it was freed");
            __atomic_add_fetch(&m->mapped, 1, __ATOMIC_RELAXED);
            if (map_one(m, 0))
                fail_msg("could not unmap");
        } else if (rc == -XEN_EBUSY) {
            __atomic_add_fetch(&m->refused, 1, __ATOMIC_RELAXED);
        } else {
            fail_msg("unexpected %ld", rc);
        }
    }
    return NULL;
}

/* dom0 (through a foreign mmu_update) and dom1 (itself) mapping and
 * unmapping dom1's frame 33 in two threads, both running once this
 * returns; mappers_end joins them and checks the frame was freed exactly
 * once and refused at least once after. */
static void mappers_start(struct mapper m[2], pthread_t t[2])
{
    static const struct mapper init[2] = {
        { NULL, 67, 300, 1, 0x3000, 0, 0 },
        { NULL, L1A, 100, SELF, 0x3100, 0, 0 },
    };

    m[0] = init[0];
    m[1] = init[1];
    m[0].v = v0;
    m[1].v = v1;
    boot_dom1();
    fake_build_tree(fe, 64, 65, 66, 67, VA1, 64, 16);
    assert_int_equal(PIN(v0, 4, 64), 0);
    assert_int_equal(BASEPTR(v0, 64), 0);
    unmap1(33);
    fe->nr_writes = FAKE_MAX_WRITES;     /* the write log is not thread-safe: off */
    for (unsigned int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, mapper_thread, &m[i]);
    while (__atomic_load_n(&m[0].mapped, __ATOMIC_RELAXED) +
           __atomic_load_n(&m[1].mapped, __ATOMIC_RELAXED) < 1000 &&
           !__atomic_load_n(&m[0].refused, __ATOMIC_RELAXED))
        ;
}

static void mappers_end(struct mapper m[2], pthread_t t[2])
{
    for (unsigned int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_true(fe->freed[33]);
    assert_int_equal(fe->nr_freed, 1);
    assert_int_equal(gcount(33), 0);
    assert_true(m[0].refused + m[1].refused > 0);
}

/* dom0 maps dom1's frame through foreign mmu_update while dom1 maps it
 * itself, and meanwhile dom1 gives it up (decrease_reservation, death):
 * the frame is freed exactly once, after the last mapping went, and never
 * mapped again afterwards. */
static void test_foreign_map_vs_release(void **state)
{
    struct mapper m[2];
    pthread_t t[2];

    (void)state;
    mappers_start(m, t);
    mm_frame_release(env, 33);
    mappers_end(m, t);
}

/* The same mappers while a relinquish gives the frame back as a dying
 * domain's does: freed at once when nothing else holds it (mm_frame_reap),
 * else the allocation's reference dropped (the last mapping frees it).
 * Freed exactly once, never mapped afterwards. */
static void test_foreign_map_vs_release_held(void **state)
{
    struct mapper m[2];
    pthread_t t[2];

    (void)state;
    mappers_start(m, t);
    /* relinquish's way (pv_domain.c relmem_frame) */
    if (!mm_frame_reap(env, 33, fake_dom(fe, 1))) {
        assert_true(mm_get_page(env, 33, fake_dom(fe, 1)));
        mm_frame_release(env, 33);
        mm_put_page(env, 33);
    }
    mappers_end(m, t);
}

/* The same mappers while relinquish reaps a run of frames into its free
 * batch (mm_frames_reap, pv_domain.c relmem_frames): a frame taken into
 * the batch is never mapped again, one a mapping holds stops the run and
 * goes the long way; freed exactly once either way. */
static void test_foreign_map_vs_frames_reap(void **state)
{
    struct mapper m[2];
    pthread_t t[2];
    mfn_t out[8];
    unsigned int n = 0;

    (void)state;
    mappers_start(m, t);
    if (mm_frames_reap(env, 33, 1, fake_dom(fe, 1), out, &n, 8) == 1) {
        assert_int_equal(n, 1);
        assert_int_equal(out[0], 33);
        env->ops->free_frame(env->ctx, 33);     /* the batch's drain */
    } else {
        assert_int_equal(n, 0);
        assert_true(mm_get_page(env, 33, fake_dom(fe, 1)));
        mm_frame_release(env, 33);
        mm_put_page(env, 33);
    }
    mappers_end(m, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exclusive_types_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_lock_vs_last_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_checks_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_map_vs_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_map_vs_release_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_map_vs_frames_reap, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
