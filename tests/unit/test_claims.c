/* Unit tests: memory claims (pvisor/claims.h) with Xen's semantics. Each
 * rule is attacked: a second claim, claims at or below what a domain has
 * or above its max_mem, claims beyond free memory or beyond what other
 * claims left, other allocations eating claimed memory, the claimant's
 * allocations beyond its claim; and a random mix of claims, allocations
 * and cancels that must keep the books (outstanding = sum of claims <=
 * free memory). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/claims.h>

static u64 outstanding, free_pages;

struct dom { u64 claim, tot, max; };

/* The allocator's order of events (page_alloc.c heap_take). */
static bool alloc(struct dom *d, u64 n)
{
    if (!claim_allows(outstanding, d ? &d->claim : NULL, n, free_pages))
        return false;
    free_pages -= n;
    if (d) {
        claim_consume(&outstanding, &d->claim, n);
        d->tot += n;
    }
    return true;
}

static void test_claim_rules(void **state)
{
    struct dom a = { .tot = 10, .max = 1000 };

    (void)state;
    outstanding = 0;
    free_pages = 500;
    /* a claim is the size the domain will reach: not at or below it now */
    assert_int_equal(claim_set(&outstanding, &a.claim, 10, a.tot, a.max, free_pages), -XEN_EINVAL);
    assert_int_equal(claim_set(&outstanding, &a.claim, 5, a.tot, a.max, free_pages), -XEN_EINVAL);
    /* nor above max_mem */
    assert_int_equal(claim_set(&outstanding, &a.claim, 1001, a.tot, a.max, free_pages), -XEN_EINVAL);
    /* nor above free memory */
    assert_int_equal(claim_set(&outstanding, &a.claim, 511, a.tot, a.max, free_pages), -XEN_ENOMEM);
    assert_int_equal(outstanding, 0);
    /* exactly free memory fits: the claim is what the domain still lacks */
    assert_int_equal(claim_set(&outstanding, &a.claim, 510, a.tot, a.max, free_pages), 0);
    assert_int_equal(a.claim, 500);
    assert_int_equal(outstanding, 500);
    /* one claim per domain */
    assert_int_equal(claim_set(&outstanding, &a.claim, 20, a.tot, a.max, free_pages), -XEN_EINVAL);
    assert_int_equal(a.claim, 500);
    /* 0 cancels */
    assert_int_equal(claim_set(&outstanding, &a.claim, 0, a.tot, a.max, free_pages), 0);
    assert_int_equal(a.claim, 0);
    assert_int_equal(outstanding, 0);
    /* cancelling nothing is fine */
    assert_int_equal(claim_set(&outstanding, &a.claim, 0, a.tot, a.max, free_pages), 0);
}

static void test_claimed_memory_is_the_claimants(void **state)
{
    struct dom a = { .tot = 0, .max = 1000 }, b = { .tot = 0, .max = 1000 };

    (void)state;
    outstanding = 0;
    free_pages = 100;
    assert_int_equal(claim_set(&outstanding, &a.claim, 60, a.tot, a.max, free_pages), 0);
    /* another domain's claim gets only what a's left */
    assert_int_equal(claim_set(&outstanding, &b.claim, 41, b.tot, b.max, free_pages), -XEN_ENOMEM);
    /* other allocations (b, the hypervisor) take only unclaimed memory */
    assert_true(alloc(&b, 40));
    assert_false(alloc(&b, 1));
    assert_false(alloc(NULL, 1));
    assert_int_equal(free_pages, 60);
    /* the claimant takes its claim, which shrinks as it does */
    assert_true(alloc(&a, 16));
    assert_int_equal(a.claim, 44);
    assert_int_equal(outstanding, 44);
    assert_false(alloc(&b, 1));
    /* past its claim it competes like anyone: nothing is left */
    assert_true(alloc(&a, 44));
    assert_int_equal(a.claim, 0);
    assert_int_equal(outstanding, 0);
    assert_false(alloc(&a, 1));
    assert_int_equal(a.tot, 60);
}

static void test_claim_beyond_claim_uses_free_memory(void **state)
{
    struct dom a = { .tot = 0, .max = 1000 };

    (void)state;
    outstanding = 0;
    free_pages = 100;
    assert_int_equal(claim_set(&outstanding, &a.claim, 10, a.tot, a.max, free_pages), 0);
    /* a block larger than the claim: allowed from unclaimed memory, and
     * the whole claim is used up by it */
    assert_true(alloc(&a, 32));
    assert_int_equal(a.claim, 0);
    assert_int_equal(outstanding, 0);
    assert_int_equal(free_pages, 68);
    /* nothing wraps: a request above free memory is refused, claim or not */
    assert_int_equal(claim_set(&outstanding, &a.claim, 60, a.tot, a.max, free_pages), 0);
    assert_false(alloc(&a, 69));
    assert_false(claim_allows(outstanding, &a.claim, ~0ull, free_pages));
    assert_false(claim_allows(0, NULL, ~0ull, free_pages));
}

/* Random claims, allocations and cancels by 4 domains and the hypervisor:
 * outstanding is always the sum of the claims and never more than free
 * memory, and no allocation ever eats into another's claim. */
static void test_claim_books_random(void **state)
{
    struct dom d[4];
    unsigned int seed = 12345, i, k;

    (void)state;
    memset(d, 0, sizeof(d));
    for (k = 0; k < 4; k++)
        d[k].max = 300;
    outstanding = 0;
    free_pages = 1000;
    for (i = 0; i < 200000; i++) {
        unsigned int r = rand_r(&seed), who = r % 5, what = (r >> 4) % 4;
        u64 n = (u64)1 << ((r >> 8) % 6), sum = 0, before_free = free_pages, others = 0;
        struct dom *p = who < 4 ? &d[who] : NULL;

        for (k = 0; k < 4; k++)
            if (&d[k] != p)
                others += d[k].claim;
        if (p && what == 0) {
            claim_set(&outstanding, &p->claim, p->tot + ((r >> 12) % 200), p->tot, p->max,
                      free_pages);
        } else if (p && what == 1) {
            claim_set(&outstanding, &p->claim, 0, p->tot, p->max, free_pages);
        } else if (p && what == 2 && p->tot >= n) {
            p->tot -= n;                    /* the domain gives pages back */
            free_pages += n;
        } else if (alloc(p, n)) {
            /* what others claimed was still free afterwards */
            assert_true(before_free - n >= others);
        }
        for (k = 0; k < 4; k++)
            sum += d[k].claim;
        assert_int_equal(sum, outstanding);
        assert_true(outstanding <= free_pages);
        if (p && what == 3 && p->tot > 250) {   /* the domain dies: all back */
            claim_set(&outstanding, &p->claim, 0, 0, 0, 0);
            free_pages += p->tot;
            p->tot = 0;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim_rules),
        cmocka_unit_test(test_claimed_memory_is_the_claimants),
        cmocka_unit_test(test_claim_beyond_claim_uses_free_memory),
        cmocka_unit_test(test_claim_books_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
