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
#include <pvisor/printk.h>
#include <pvisor/mm.h>
#include <xen/memory.h>

#define MEMOP_SHIFT 6
#define MEMOP_MASK  ((1u << MEMOP_SHIFT) - 1)

/* domid_t argument: DOMID_SELF or a live domain the caller may inspect. */
static struct domain *domain_arg(unsigned long arg, long *rc)
{
    domid_t id;

    if (copy_from_guest(&id, arg, sizeof(id))) {
        *rc = -XEN_EFAULT;
        return NULL;
    }
    return domain_lookup_controlled(id, rc);
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
        if (!domain_reserve_pages(d, 1ul << r.extent_order)) {
            gprintk(LOG_INFO "d%u: over-allocation: %llu + %lu > max_pages %llu\n", d->domain_id,
                    (unsigned long long)d->tot_pages, 1ul << r.extent_order,
                    (unsigned long long)d->max_pages);
            return i;
        }
        /* XENMEMF_address_bits: frames below 2^bits (Linux's DMA-able pages). */
        long mfn = alloc_domheap_pages_below(r.extent_order, d->domain_id,
                                             XENMEMF_get_address_bits(r.mem_flags));
        if (mfn < 0) {
            domain_unreserve_pages(d, 1ul << r.extent_order);
            return i;
        }
        for (unsigned long k = 0; k < (1ul << r.extent_order); k++) {
            pv_mm_assign_reserved_page(d, mfn + k);
            m2p_set(mfn + k, op == XENMEM_populate_physmap ? gpfn + k : ~0ul);
        }
        xen_pfn_t out = mfn;
        if (r.extent_start.p && copy_to_guest(base, &out, sizeof(out)))
            return i;
    }
    return r.nr_extents;
}

/*
 * XENMEM_exchange: give back in.nr_extents extents of the caller's frames
 * (MFN bases, as a PV guest names them) for freshly scrubbed ones of another
 * order, optionally below 2^address_bits (Linux's swiotlb asks for runs
 * below 4 GiB this way). out.extent_start holds the PFNs to give the new
 * frames in the M2P and receives their MFNs. Works in chunks of the larger
 * order, each all or nothing: its input frames are stolen (atomically taken
 * from the domain while held by nothing but their allocation: not mapped,
 * not a page table, not granted; afterwards nobody can take a reference, so
 * another vCPU cannot map one meanwhile, and a duplicate in the list fails);
 * then the output is allocated; only then is anything committed. The new
 * frames join before the old ones go, so tot_pages never dips below what
 * it was and a racing increase_reservation cannot use the room meanwhile.
 * nr_exchanged counts the input extents exchanged, also on failure.
 */
#define EXCH_MAX_ORDER 9
#define EXCH_MAX_FRAMES (1ul << EXCH_MAX_ORDER)

static void exch_refuse(const struct domain *d, const char *why, unsigned long what, long rc)
{
    gprintk(LOG_INFO "d%u: memory_exchange refused (%ld): %s [%#lx]\n", d->domain_id, rc, why, what);
}

/* Exchange chunk i: 0, <0 errno (nothing changed), or 1: exchanged but the
 * new MFNs could not be written back. scratch: 3 * EXCH_MAX_FRAMES entries. */
static long exchange_chunk(struct domain *d, const struct xen_memory_exchange *x, unsigned long i,
                           unsigned int in_chunk_order, unsigned int out_chunk_order,
                           unsigned long *scratch)
{
    struct mm_env *env = pv_mm_env();
    unsigned long *claimed = scratch, *out = scratch + EXCH_MAX_FRAMES;
    unsigned long *gpfns = scratch + 2 * EXCH_MAX_FRAMES;
    unsigned long in_n = 1ul << in_chunk_order, out_n = 1ul << out_chunk_order;
    unsigned long in_pages = 1ul << x->in.extent_order, out_pages = 1ul << x->out.extent_order;
    unsigned long n = 0, got = 0, j, k;
    unsigned long in_base = (unsigned long)x->in.extent_start.p;
    unsigned long out_base = (unsigned long)x->out.extent_start.p;
    long rc = 0;

    for (j = 0; j < in_n && !rc; j++) {
        xen_pfn_t gmfn;
        if (copy_from_guest(&gmfn, in_base + ((i << in_chunk_order) + j) * sizeof(gmfn), sizeof(gmfn))) {
            rc = -XEN_EFAULT;
            break;
        }
        for (k = 0; k < in_pages; k++) {
            if (gmfn + k < gmfn || !mm_steal_page(env, gmfn + k, &d->mm)) {
                exch_refuse(d, "input frame not exclusively the caller's", gmfn + k, -XEN_EINVAL);
                rc = -XEN_EINVAL;
                break;
            }
            claimed[n++] = gmfn + k;
        }
    }
    for (j = 0; j < out_n && !rc; j++) {
        long m = alloc_domheap_pages_below(x->out.extent_order, d->domain_id,
                                           XENMEMF_get_address_bits(x->out.mem_flags));
        if (m < 0)
            rc = -XEN_ENOMEM;
        else
            out[got++] = (unsigned long)m;
    }
    /* The PFNs the new frames get, read before anything is committed. */
    for (j = 0; j < out_n && !rc; j++) {
        xen_pfn_t gpfn;
        if (copy_from_guest(&gpfn, out_base + ((i << out_chunk_order) + j) * sizeof(gpfn), sizeof(gpfn)))
            rc = -XEN_EFAULT;
        else
            gpfns[j] = gpfn;
    }
    if (rc) {
        for (j = 0; j < got; j++)
            free_domheap_pages(out[j], x->out.extent_order);
        for (j = 0; j < n; j++)
            mm_unsteal_page(env, claimed[j]);
        return rc;
    }
    /* Commit: the new frames join the domain under the PFNs asked for,
     * then the old ones are freed. */
    for (j = 0; j < out_n; j++) {
        xen_pfn_t gpfn = gpfns[j], mfn = out[j];
        for (k = 0; k < out_pages; k++) {
            pv_mm_assign_page(d, mfn + k);
            m2p_set(mfn + k, gpfn + k);
        }
    }
    for (j = 0; j < n; j++) {
        m2p_set(claimed[j], ~0ul);
        mm_free_stolen(env, claimed[j]);
    }
    for (j = 0; j < out_n; j++) {
        xen_pfn_t mfn = out[j];
        if (copy_to_guest(out_base + ((i << out_chunk_order) + j) * sizeof(mfn), &mfn, sizeof(mfn)))
            rc = 1;                /* exchanged all the same; the guest lost the answer */
    }
    return rc;
}

static long memory_exchange(unsigned long arg)
{
    struct xen_memory_exchange exch;
    struct domain *d = current->domain;
    unsigned int in_chunk_order, out_chunk_order;
    unsigned long i, start, nr_chunks, *scratch = NULL;
    long rc = 0;

    if (copy_from_guest(&exch, arg, sizeof(exch)))
        return -XEN_EFAULT;
    if (exch.in.extent_order > EXCH_MAX_ORDER || exch.out.extent_order > EXCH_MAX_ORDER) {
        unsigned int order = exch.in.extent_order > exch.out.extent_order ?
                             exch.in.extent_order : exch.out.extent_order;
        /* As Xen: larger orders only for domains with I/O capabilities;
         * pvisor has no runs that large to give them. */
        rc = d->mm.io_caps ? -XEN_ENOMEM : -XEN_EPERM;
        exch_refuse(d, "extent order above 9", order, rc);
        return rc;
    }
    if (exch.nr_exchanged > exch.in.nr_extents || exch.in.domid != exch.out.domid ||
        (~0ul >> exch.in.extent_order) < exch.in.nr_extents ||
        (~0ul >> exch.out.extent_order) < exch.out.nr_extents ||
        (exch.in.nr_extents << exch.in.extent_order) != (exch.out.nr_extents << exch.out.extent_order)) {
        exch_refuse(d, "inconsistent extent counts", exch.in.nr_extents, -XEN_EINVAL);
        return -XEN_EINVAL;
    }
    if (exch.in.domid != DOMID_SELF && exch.in.domid != d->domain_id) {
        /* PV guests exchange their own memory only */
        exch_refuse(d, "another domain's memory", exch.in.domid, -XEN_ESRCH);
        return -XEN_ESRCH;
    }
    if (exch.in.extent_order <= exch.out.extent_order) {
        in_chunk_order = exch.out.extent_order - exch.in.extent_order;
        out_chunk_order = 0;
    } else {
        in_chunk_order = 0;
        out_chunk_order = exch.in.extent_order - exch.out.extent_order;
    }
    start = exch.nr_exchanged >> in_chunk_order;
    nr_chunks = exch.in.nr_extents >> in_chunk_order;   /* a whole number: sizes match */
    if (start < nr_chunks && !(scratch = alloc_xenheap_pages(2)))
        return -XEN_ENOMEM;
    for (i = start; i < nr_chunks; i++) {
        if (i != start && hypercall_preempt_check())
            break;
        rc = exchange_chunk(d, &exch, i, in_chunk_order, out_chunk_order, scratch);
        if (rc == 1) {
            i++;
            rc = -XEN_EFAULT;
        }
        if (rc)
            break;
    }
    if (start < nr_chunks)
        free_xenheap_pages(scratch, 2);
    exch.nr_exchanged = i << in_chunk_order;
    if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
                      &exch.nr_exchanged, sizeof(exch.nr_exchanged)))
        return -XEN_EFAULT;
    if (rc)
        return rc;
    if (i < nr_chunks)
        return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, XENMEM_exchange, arg);
    return 0;
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
    case XENMEM_exchange:
        return memory_exchange(arg);
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
