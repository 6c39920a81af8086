/* Unit tests: memory_op's extent-operation argument rules
 * (pvisor/memop_args.h), each with the values on both sides of its edge:
 * the caller's maximum order, continuation-encodable extent counts, the
 * start extent, address bits, NUMA nodes for the control domain and for
 * others (XENMEMF_vnode names nothing for PV). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/memop_args.h>

static struct xen_memory_reservation resv(unsigned long n, unsigned int order, unsigned int flags)
{
    struct xen_memory_reservation r;

    memset(&r, 0, sizeof(r));
    r.nr_extents = n;
    r.extent_order = order;
    r.mem_flags = flags;
    return r;
}

static void test_max_order(void **state)
{
    (void)state;
    assert_int_equal(memop_max_order(false, false, false), 9);
    assert_int_equal(memop_max_order(false, false, true), 12);
    assert_int_equal(memop_max_order(false, true, false), 12);
    assert_int_equal(memop_max_order(true, false, false), 18);
    assert_int_equal(memop_max_order(true, true, true), 18);
}

static void test_nothing_to_do(void **state)
{
    struct xen_memory_reservation r = resv(2, 0, 0);

    (void)state;
    assert_false(memop_nothing_to_do(&r, 0));
    assert_false(memop_nothing_to_do(&r, 1));
    assert_true(memop_nothing_to_do(&r, 2));
    assert_true(memop_nothing_to_do(&r, 3));
    r.nr_extents = ~0u >> MEMOP_SHIFT;          /* the last count a continuation encodes */
    assert_false(memop_nothing_to_do(&r, 0));
    r.nr_extents++;
    assert_true(memop_nothing_to_do(&r, 0));
    r.nr_extents = ~0ul;
    assert_true(memop_nothing_to_do(&r, 0));
    r.nr_extents = 0;
    assert_true(memop_nothing_to_do(&r, 0));
}

static void test_order(void **state)
{
    struct xen_memory_reservation r = resv(1, 9, 0);

    (void)state;
    assert_null(memop_refusal(&r, 9, false));
    r.extent_order = 10;
    assert_string_equal(memop_refusal(&r, 9, false), "extent order too large");
    assert_null(memop_refusal(&r, 18, true));
    r.extent_order = 19;
    assert_non_null(memop_refusal(&r, 18, true));
    r.extent_order = ~0u;
    assert_non_null(memop_refusal(&r, 18, true));
}

static void test_address_bits(void **state)
{
    static const unsigned int refused[] = { 1, 2, 11, 12 };
    static const unsigned int allowed[] = { 0, 13, 32, 52, 64, 255 };
    struct xen_memory_reservation r = resv(1, 0, 0);

    (void)state;
    for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        r.mem_flags = refused[i];
        assert_string_equal(memop_refusal(&r, 9, true), "address bits too few");
    }
    for (unsigned int i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        r.mem_flags = allowed[i];
        assert_null(memop_refusal(&r, 9, false));
    }
}

static void test_nodes(void **state)
{
    struct xen_memory_reservation r = resv(1, 0, 0);

    (void)state;
    /* the control domain names any node below 64, exactly or not */
    r.mem_flags = XENMEMF_node(0);
    assert_null(memop_refusal(&r, 18, true));
    r.mem_flags = XENMEMF_exact_node(63);
    assert_null(memop_refusal(&r, 18, true));
    r.mem_flags = XENMEMF_node(64);
    assert_string_equal(memop_refusal(&r, 18, true), "bad NUMA node");
    r.mem_flags = XENMEMF_node(200);
    assert_non_null(memop_refusal(&r, 18, true));
    /* others: a hint is ignored, insisting is refused */
    r.mem_flags = XENMEMF_node(3);
    assert_null(memop_refusal(&r, 9, false));
    r.mem_flags = XENMEMF_exact_node(0);
    assert_non_null(memop_refusal(&r, 9, false));
    /* no node named: an exact request means nothing */
    r.mem_flags = XENMEMF_exact_node_request;
    assert_null(memop_refusal(&r, 9, false));
    /* a virtual node: PV domains have none, nothing is checked */
    r.mem_flags = XENMEMF_vnode | XENMEMF_exact_node(200);
    assert_null(memop_refusal(&r, 9, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_order),
        cmocka_unit_test(test_nothing_to_do),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_address_bits),
        cmocka_unit_test(test_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
