/* Unit tests: XENMEM_acquire_resource's argument rules
 * (pvisor/resource_args.h), each with the values on both sides of its
 * edge: padding, 32-bit frame ranges and their overflow, the sizes of
 * each resource type for a PV target, the query form, the start extent
 * and the continuation-encodable frame count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/resource_args.h>
#include <xen/errno.h>

static xen_pfn_t list[4];

static struct xen_mem_acquire_resource res(u64 frame, u32 nr, bool with_list)
{
    struct xen_mem_acquire_resource x;

    memset(&x, 0, sizeof(x));
    x.domid = 1;
    x.type = XENMEM_resource_grant_table;
    x.frame = frame;
    x.nr_frames = nr;
    if (with_list)
        set_xen_guest_handle(x.frame_list, list);
    return x;
}

static void test_padding(void **state)
{
    struct xen_mem_acquire_resource x = res(0, 1, true);

    (void)state;
    assert_int_equal(resource_args_early(&x), 0);
    x.pad = 1;          /* once the caller_owned output bit: now must be 0 */
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
    x.pad = 0x80000000u;
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
}

static void test_frame_range(void **state)
{
    struct xen_mem_acquire_resource x = res(0xffffffffull, 0, true);

    (void)state;
    assert_int_equal(resource_args_early(&x), 0);        /* last 32-bit frame */
    x.nr_frames = 1;                                     /* ends at 2^32 */
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
    x = res(1ull << 32, 0, true);
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
    x = res(~0ull, 1, true);                             /* wraps to 0 in 64 bits */
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
    x = res(~0ull - 0xfffffffeull, 0xffffffffu, true);   /* sum wraps to 0 */
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
    x = res(1, 0xfffffffeu, true);                       /* ends at 2^32 - 1 */
    assert_int_equal(resource_args_early(&x), 0);
    x = res(2, 0xfffffffeu, true);
    assert_int_equal(resource_args_early(&x), -XEN_EINVAL);
}

static void test_sizes(void **state)
{
    (void)state;
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_shared, 64), 64);
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_shared, 1), 1);
    /* status frames: 2 bytes for each of 256 v2 entries per frame, rounded up */
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_status, 64), 8);
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_status, 1), 1);
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_status, 9), 2);
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table, 2, 64), 0);
    assert_int_equal(resource_max_frames(XENMEM_resource_grant_table, ~0u, 64), 0);
    /* a PV target has no ioreq servers and no trace buffers */
    assert_int_equal(resource_max_frames(XENMEM_resource_ioreq_server, 0, 64), 0);
    assert_int_equal(resource_max_frames(XENMEM_resource_vmtrace_buf, 0, 64), 0);
    /* unknown types: Xen's -EOPNOTSUPP read as a size */
    assert_int_equal(resource_max_frames(3, 0, 64), (unsigned int)-XEN_EOPNOTSUPP);
    assert_int_equal(resource_max_frames(0xffff, 0, 64), (unsigned int)-XEN_EOPNOTSUPP);
}

static void test_query(void **state)
{
    struct xen_mem_acquire_resource x = res(0, 0, false);
    bool query = false;

    (void)state;
    assert_int_equal(resource_args_late(&x, 0, 64, &query), 0);
    assert_true(query);
    /* no resource: refused before the query is answered */
    assert_int_equal(resource_args_late(&x, 0, 0, &query), -XEN_EINVAL);
    assert_false(query);
    x.nr_frames = 1;                /* a null list with frames asked */
    assert_int_equal(resource_args_late(&x, 0, 64, &query), -XEN_EINVAL);
    assert_false(query);
    x.nr_frames = 0;                /* a query never continues */
    assert_int_equal(resource_args_late(&x, 1, 64, &query), -XEN_EINVAL);
    x.frame = 12345;                /* the frame is not looked at */
    assert_int_equal(resource_args_late(&x, 0, 64, &query), 0);
    assert_true(query);
}

static void test_counts(void **state)
{
    struct xen_mem_acquire_resource x = res(0, 1, true);
    bool query = true;

    (void)state;
    assert_int_equal(resource_args_late(&x, 0, 64, &query), 0);
    assert_false(query);
    x.nr_frames = 0;                /* a list but no frames */
    assert_int_equal(resource_args_late(&x, 0, 64, &query), -XEN_EINVAL);
    x.nr_frames = 2;                /* start extent: below nr_frames */
    assert_int_equal(resource_args_late(&x, 1, 64, &query), 0);
    assert_int_equal(resource_args_late(&x, 2, 64, &query), -XEN_EINVAL);
    assert_int_equal(resource_args_late(&x, ~0ul, 64, &query), -XEN_EINVAL);
    /* frames beyond the size are the type's refusal, not this one */
    x.nr_frames = 100;
    assert_int_equal(resource_args_late(&x, 0, 64, &query), 0);
    /* the most a continuation can encode */
    x.nr_frames = ~0u >> MEMOP_SHIFT;
    assert_int_equal(resource_args_late(&x, 0, 64, &query), 0);
    x.nr_frames++;
    assert_int_equal(resource_args_late(&x, 0, 64, &query), -XEN_EINVAL);
    x.nr_frames = ~0u;
    assert_int_equal(resource_args_late(&x, 0, (unsigned int)-XEN_EOPNOTSUPP, &query),
                     -XEN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_frame_range),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
