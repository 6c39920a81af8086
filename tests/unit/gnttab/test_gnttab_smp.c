/*
 * Unit test: grant operations racing on one entry from several vCPUs. Two
 * vCPUs of d1 map and unmap the same grant of d2 (one writable by linear
 * address, one read-only by PTE address, each its own PTE), d0 keeps trying to pin it (the
 * entry is not granted to d0: always refused, whatever the pin count), and
 * the granter keeps trying to revoke and re-grant it as Linux's
 * end_foreign_access does. While a mapping is held its status bits must be
 * set and the granter's revoke must fail; at the end every pin, reference
 * and status bit is back (rules G2-G5).
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_unmap_revoke_race, gsetup, gteardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
