/*
 * memory_op: reservations (balloon), the memory maps a PV kernel reads at
 * boot, and the read-only M2P's location. Subop = cmd & 0x3f; the upper
 * bits carry the start extent of a preempted extent operation.
 */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/uaccess.h>
#include <xen/memory.h>

#define MEMOP_SHIFT 6
#define MEMOP_MASK  ((1u << MEMOP_SHIFT) - 1)

/* domid_t argument: DOMID_SELF or a live domain the caller may inspect. */
static struct domain *domain_arg(unsigned long arg, long *rc)
{
    domid_t id;
    struct domain *d;

    if (copy_from_guest(&id, arg, sizeof(id))) {
        *rc = -XEN_EFAULT;
        return NULL;
    }
    if (id == DOMID_SELF)
        id = current->domain->domain_id;
    d = get_domain_by_id(id);
    if (!d) {
        *rc = -XEN_ESRCH;
        return NULL;
    }
    if (d != current->domain && !current->domain->is_privileged) {
        put_domain(d);
        *rc = -XEN_EPERM;
        return NULL;
    }
    return d;
}

static long reservation_op(unsigned int op, unsigned long start, unsigned long arg)
{
    struct xen_memory_reservation r;
    struct domain *d = current->domain;
    unsigned long i;

    if (copy_from_guest(&r, arg, sizeof(r)))
        return -XEN_EFAULT;
    if (r.domid != DOMID_SELF && r.domid != d->domain_id)
        return -XEN_EPERM;             /* foreign reservations: toolstack, later */
    if (r.extent_order > 9 || start > r.nr_extents)
        return -XEN_EINVAL;
    for (i = start; i < r.nr_extents; i++) {
        xen_pfn_t gpfn = 0;
        unsigned long base = (unsigned long)r.extent_start.p + i * sizeof(xen_pfn_t);

        if (i != start && hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
                                                 op | (i << MEMOP_SHIFT), arg);
        if (op == XENMEM_decrease_reservation) {
            if (copy_from_guest(&gpfn, base, sizeof(gpfn)))
                return i;
            for (unsigned long k = 0; k < (1ul << r.extent_order); k++) {
                unsigned long mfn = gpfn + k;
                if (!mfn_valid(mfn) || mfn_to_frame(mfn)->state != FRAME_DOMAIN ||
                    mfn_to_frame(mfn)->owner != d->domain_id)
                    return i;
                m2p_set(mfn, ~0ul);
                mm_frame_release(pv_mm_env(), mfn);
            }
            continue;
        }
        /* increase_reservation / populate_physmap */
        if (op == XENMEM_populate_physmap && copy_from_guest(&gpfn, base, sizeof(gpfn)))
            return i;
        if (d->tot_pages + (1ul << r.extent_order) > d->max_pages)
            return i;
        long mfn = alloc_domheap_pages(r.extent_order, d->domain_id);
        if (mfn < 0)
            return i;
        for (unsigned long k = 0; k < (1ul << r.extent_order); k++) {
            pv_mm_assign_page(d, mfn + k);
            m2p_set(mfn + k, op == XENMEM_populate_physmap ? gpfn + k : ~0ul);
        }
        xen_pfn_t out = mfn;
        if (r.extent_start.p && copy_to_guest(base, &out, sizeof(out)))
            return i;
    }
    return r.nr_extents;
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
    unsigned int op = cmd & MEMOP_MASK;
    unsigned long start = cmd >> MEMOP_SHIFT;
    struct domain *d;
    long rc = 0;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(op, start, arg);
    }
    if (start)
        return -XEN_EINVAL;           /* only extent operations continue */

    switch (op) {
    case XENMEM_maximum_ram_page:
        return max_mfn;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        d = domain_arg(arg, &rc);
        if (!d)
            return rc;
        if (op == XENMEM_current_reservation)
            rc = d->tot_pages;
        else if (op == XENMEM_maximum_reservation)
            rc = d->max_pages;
        else
            rc = (d->shared_info->arch.max_pfn ? (long)d->shared_info->arch.max_pfn : 1) - 1;
        put_domain(d);
        return rc;
    case XENMEM_machphys_mapping: {
        struct xen_machphys_mapping m = {
            .v_start = MACH2PHYS_VIRT_START,
            .v_end = MACH2PHYS_VIRT_END,
            .max_mfn = max_mfn - 1,
        };
        return copy_to_guest(arg, &m, sizeof(m)) ? -XEN_EFAULT : 0;
    }
    case XENMEM_memory_map:
        /* A PV dom0 has no pseudo-physical map; domUs get one RAM range. */
        if (current->domain->is_initial)
            return -XEN_ENOSYS;
        /* fall through */
    case XENMEM_machine_memory_map: {
        struct xen_memory_map map;
        struct { u64 addr, size; u32 type; } __attribute__((packed)) e820 = { 0, 0, 1 };
        if (op == XENMEM_machine_memory_map && !current->domain->is_privileged)
            return -XEN_EPERM;
        if (copy_from_guest(&map, arg, sizeof(map)))
            return -XEN_EFAULT;
        /* One RAM range the size of the caller: no machine holes are
         * passed through, so Linux has nothing to remap (see docs). */
        e820.size = (u64)current->domain->max_pages << PAGE_SHIFT;
        if (map.buffer.p) {
            if (map.nr_entries < 1)
                return -XEN_EINVAL;
            if (copy_to_guest((unsigned long)map.buffer.p, &e820, sizeof(e820)))
                return -XEN_EFAULT;
        }
        map.nr_entries = 1;
        return copy_to_guest(arg, &map, sizeof(map)) ? -XEN_EFAULT : 0;
    }
    case XENMEM_machphys_mfn_list: {
        struct xen_machphys_mfn_list l;
        unsigned long nr = 0, chunk = 1ul << (L2_SHIFT - PAGE_SHIFT);
        if (copy_from_guest(&l, arg, sizeof(l)))
            return -XEN_EFAULT;
        for (unsigned long m = 0; m * sizeof(unsigned long) < m2p_max_mfn * sizeof(unsigned long) &&
                                  nr < l.max_extents; m += chunk * PAGE_SIZE / sizeof(unsigned long), nr++) {
            xen_pfn_t mfn = m2p_backing_mfn(m);
            if (copy_to_guest((unsigned long)l.extent_start.p + nr * sizeof(mfn), &mfn, sizeof(mfn)))
                return -XEN_EFAULT;
        }
        l.nr_extents = nr;
        return copy_to_guest(arg, &l, sizeof(l)) ? -XEN_EFAULT : 0;
    }
    }
    return -XEN_ENOSYS;
}
