/* memory_op extent-operation arguments (pvisor/memop_args.h). */
#include <pvisor/memop_args.h>

unsigned int memop_max_order(bool control, bool hardware, bool io_caps)
{
    unsigned int order = 9;

    if (io_caps && order < 12)
        order = 12;
    if (control && order < 18)
        order = 18;
    if (hardware && order < 12)
        order = 12;
    return order;
}

bool memop_nothing_to_do(const struct xen_memory_reservation *r, unsigned long start)
{
    return r->nr_extents > (~0u >> MEMOP_SHIFT) || start >= r->nr_extents;
}

const char *memop_refusal(const struct xen_memory_reservation *r, unsigned int max_order,
                          bool may_name_node)
{
    unsigned int bits = XENMEMF_get_address_bits(r->mem_flags);
    unsigned int node = XENMEMF_get_node(r->mem_flags);

    /* No frame lies below one page. */
    if (bits && bits <= 12)
        return "address bits too few";
    /* One node here (PV domains have no virtual NUMA: XENMEMF_vnode names
     * nothing); only the control domain may name one, below 64. */
    if (!(r->mem_flags & XENMEMF_vnode) && node != 0xff &&
        (may_name_node ? node >= 64 : !!(r->mem_flags & XENMEMF_exact_node_request)))
        return "bad NUMA node";
    if (r->extent_order > max_order)
        return "extent order too large";
    return NULL;
}
