/*
 * Unit test: grant operations racing on one entry from several vCPUs. Two
 * vCPUs of d1 map and unmap the same grant of d2 (one writable by linear
 * address, one read-only by PTE address, each its own PTE), d0 keeps trying to pin it (the
 * entry is not granted to d0: always refused, whatever the pin count), and
 * the granter keeps trying to revoke and re-grant it as Linux's
 * end_foreign_access does. While a mapping is held its status bits must be
 * set and the granter's revoke must fail; at the end every pin, reference
 * and status bit is back (rules G2-G5). The same for copy batches that keep
 * the entry pinned across a run of entries (rule G6).
 */
#include <pthread.h>
#include <sched.h>
#include "gnt_test.h"

#define ROUNDS 20000
#define REF 5

static volatile bool stop;
static unsigned long maps_ok[3], revokes;

struct racer {
    struct mm_vcpu *v;
    u32 flags;
    u64 addr;
    unsigned int i;
};

static void *mapper(void *arg)
{
    struct racer *r = arg;

    for (unsigned int n = 0; n < ROUNDS && !stop; n++) {
        struct gnttab_map_grant_ref op = map_op(D2, REF, r->flags, r->addr);
        struct gnt_unmap_done done;
        s16 st;

        gnt_map(genv, r->v, T(r->v->dom->domid), &op);
        if (op.status != GNTST_okay)
            continue;
        if (r->v->dom->domid != D1) {
            stop = true;
            fail_msg("d%u pinned an entry granted to d1", r->v->dom->domid);
        }
        maps_ok[r->i]++;
        {
            u16 f = gnt_fake_flags(g, D2, REF);
            u16 want = GTF_reading | (r->flags & GNTMAP_readonly ? 0 : GTF_writing);

            if ((f & want) != want) {
                stop = true;
                fail_msg("mapped, but the entry's flags are %#x", f);
            }
        }
        gnt_unmap(genv, r->v, T(D1), op.handle, r->addr, 0, 0, &st, &done);
        if (st != GNTST_okay) {
            stop = true;
            fail_msg("unmap of a live mapping: %d", st);
        }
        gnt_unmap_complete(genv, r->v, &done);
    }
    return NULL;
}

static void *granter(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        if (gnt_fake_end_access(g, D2, REF)) {
            revokes++;
            gnt_fake_grant(g, D2, REF, D1, GF, GTF_permit_access);
        }
        for (unsigned int i = 0; i < 64; i++)
            sched_yield();
    }
    return NULL;
}

static void test_map_unmap_revoke_race(void **state)
{
    struct racer r[3] = {
        { v1, GNTMAP_host_map, VAG, 0 },
        { v1b, GNTMAP_host_map | GNTMAP_readonly | GNTMAP_contains_pte,
          ((u64)L1A << 12) | (101 * 8), 1 },
        { v0, GNTMAP_device_map | GNTMAP_readonly, 0, 2 },
    };
    pthread_t t[4];
    u64 base = gcount(GF);

    (void)state;
    gnt_fake_grant(g, D2, REF, D1, GF, GTF_permit_access);
    for (unsigned int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, mapper, &r[i]);
    pthread_create(&t[3], NULL, granter, NULL);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    pthread_join(t[3], NULL);
    print_message("maps: %lu writable, %lu read-only; %lu revokes\n", maps_ok[0], maps_ok[1], revokes);
    assert_true(maps_ok[0] > 0 && maps_ok[1] > 0);
    assert_int_equal(maps_ok[2], 0);
    assert_int_equal(gnt_act(T(D2), REF)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, REF) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gcount(GF), base);
    assert_int_equal(l1e(100), 0);
    assert_int_equal(l1e(101), 0);
    GCHECK();
}

/* Two vCPUs of d1 copy in batches of 4 entries naming the same ref (one
 * from the grant into its own frame, one from its own frame into the
 * grant: each batch keeps the entry pinned across its run) while the
 * granter revokes and re-grants. Every entry is okay or general_error (not
 * granted at its first claim), the bytes moved are the granter's, and a
 * revoke that succeeds finds no pin: a run holds the status bits for as
 * long as it holds the pin. */
#define COPY_PATTERN 0x3d

static unsigned long copies_ok[2];

static void *copier(void *arg)
{
    struct racer *r = arg;
    mfn_t own = r->i ? 31 : 30;

    for (unsigned int n = 0; n < ROUNDS / 4 && !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); n++) {
        struct gnttab_copy ops[4];
        struct gnt_cont c;
        u64 a;
        long rc;

        memset(ops, 0, sizeof(ops));
        for (unsigned int k = 0; k < 4; k++) {
            struct gnttab_copy *op = &ops[k];

            op->len = 1024;
            op->source.offset = op->dest.offset = (u16)(k * 1024);
            if (r->i) {         /* own frame -> grant */
                op->flags = GNTCOPY_dest_gref;
                op->source.domid = DOMID_SELF;
                op->source.u.gmfn = own;
                op->dest.domid = D2;
                op->dest.u.ref = REF;
            } else {            /* grant -> own frame */
                op->flags = GNTCOPY_source_gref;
                op->source.domid = D2;
                op->source.u.ref = REF;
                op->dest.domid = DOMID_SELF;
                op->dest.u.gmfn = own;
            }
            op->status = 99;
        }
        a = fake_gput(fe, 0x4000 + r->i * 0x1000, ops, sizeof(ops));
        rc = gnt_do_op(genv, r->v, T(D1), GNTTABOP_copy, a, 4, &c);
        fake_gget(fe, 0x4000 + r->i * 0x1000, ops, sizeof(ops));
        if (rc) {
            stop = true;
            fail_msg("copy batch: %ld", rc);
        }
        for (unsigned int k = 0; k < 4; k++) {
            if (ops[k].status == GNTST_okay)
                copies_ok[r->i]++;
            else if (ops[k].status != GNTST_general_error) {
                stop = true;
                fail_msg("copy entry status %d", ops[k].status);
            }
        }
        for (unsigned int b = 0; b < 4096; b++)
            if (((u8 *)fe->mem[own])[b] != COPY_PATTERN || ((u8 *)fe->mem[GF])[b] != COPY_PATTERN) {
                stop = true;
                fail_msg("byte %u not the pattern", b);
            }
    }
    return NULL;
}

static unsigned long revokes_pinned;

static void *copy_granter(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        if (gnt_fake_end_access(g, D2, REF)) {
            revokes++;
            /* revoked: no copy held the entry, and none can pin it now */
            revokes_pinned += __atomic_load_n(&gnt_act(T(D2), REF)->pin, __ATOMIC_ACQUIRE) != 0;
            for (unsigned int i = 0; i < 4; i++)    /* copies meanwhile fail */
                sched_yield();
            gnt_fake_grant(g, D2, REF, D1, GF, GTF_permit_access);
        }
        for (unsigned int i = 0; i < 16; i++)
            sched_yield();
    }
    return NULL;
}

static void test_copy_batch_revoke_race(void **state)
{
    struct racer r[2] = { { v1, 0, 0, 0 }, { v1b, 0, 0, 1 } };
    u64 base = gcount(GF), b30 = gcount(30), b31 = gcount(31);
    pthread_t t[3];

    (void)state;
    stop = false;
    revokes = 0;
    memset(fe->mem[GF], COPY_PATTERN, 4096);
    memset(fe->mem[30], COPY_PATTERN, 4096);
    memset(fe->mem[31], COPY_PATTERN, 4096);
    gnt_fake_grant(g, D2, REF, D1, GF, GTF_permit_access);
    for (unsigned int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, copier, &r[i]);
    pthread_create(&t[2], NULL, copy_granter, NULL);
    for (unsigned int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    pthread_join(t[2], NULL);
    print_message("copies: %lu from, %lu into the grant (of %u each); %lu revokes\n",
                  copies_ok[0], copies_ok[1], ROUNDS / 4 * 4, revokes);
    assert_true(copies_ok[0] > 0 && copies_ok[1] > 0);
    assert_int_equal(revokes_pinned, 0);
    assert_int_equal(gnt_act(T(D2), REF)->pin, 0);
    assert_int_equal(gnt_fake_flags(g, D2, REF) & (GTF_reading | GTF_writing), 0);
    assert_int_equal(gcount(GF), base);
    assert_int_equal(gcount(30), b30);
    assert_int_equal(gcount(31), b31);
    GCHECK();
}

/* The grant code holds the L1 it writes only by the table's page lock
 * (no reference of its own): d2 keeps making its frame 52 an L1 table and
 * dropping it again (validation, devalidation, back to no type) while d1
 * names that frame as its PTE table (always refused: not d1's) and, on
 * another vCPU, maps into its own L1 by PTE address (always accepted). At
 * the end every count is back. */
static void *l1_churner(void *arg)
{
    (void)arg;
    for (unsigned int n = 0; n < ROUNDS && !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); n++) {
        if (!mm_get_page(&fe->env, 52, v2->dom))
            fail_msg("d2 lost its frame 52");
        if (mm_get_type(&fe->env, v2, 52, PGT_L1, 0) == 0)
            mm_put_type(&fe->env, v2, 52, 0);
        mm_put_page(&fe->env, 52);
    }
    return NULL;
}

static void *foreign_pte_mapper(void *arg)
{
    struct racer *r = arg;

    for (unsigned int n = 0; n < ROUNDS && !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); n++) {
        struct gnttab_map_grant_ref op = map_op(D2, REF, r->flags, r->addr);

        gnt_map(genv, r->v, T(D1), &op);
        if (op.status == GNTST_okay) {
            stop = true;
            fail_msg("d1 wrote a grant PTE into d2's table");
        }
    }
    return NULL;
}

static void test_pte_table_churn(void **state)
{
    struct racer own = { v1, GNTMAP_host_map | GNTMAP_contains_pte,
                         ((u64)L1A << 12) | (101 * 8), 0 };
    struct racer foreign = { v1b, GNTMAP_host_map | GNTMAP_contains_pte,
                             ((u64)52 << 12) | (3 * 8), 1 };
    u64 base = gcount(GF), base52 = gcount(52);
    pthread_t t[3];

    (void)state;
    stop = false;
    maps_ok[0] = 0;
    gnt_fake_grant(g, D2, REF, D1, GF, GTF_permit_access);
    pthread_create(&t[0], NULL, mapper, &own);
    pthread_create(&t[1], NULL, foreign_pte_mapper, &foreign);
    pthread_create(&t[2], NULL, l1_churner, NULL);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    print_message("maps into its own table: %lu\n", maps_ok[0]);
    assert_true(maps_ok[0] > 0);
    assert_int_equal(gnt_act(T(D2), REF)->pin, 0);
    assert_int_equal(gcount(GF), base);
    assert_int_equal(gcount(52), base52);
    assert_int_equal(pgt_count(fe->frames[52].type_info), 0);
    assert_int_equal(fe->mem[52][3], 0);
    assert_int_equal(l1e(101), 0);
    GCHECK();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_unmap_revoke_race, gsetup, gteardown),
        cmocka_unit_test_setup_teardown(test_pte_table_churn, gsetup, gteardown),
        cmocka_unit_test_setup_teardown(test_copy_batch_revoke_race, gsetup, gteardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
