/*
 * memory_op: reservations (the balloon's, and a toolstack's for the
 * domains it builds), claims, the memory maps a PV kernel reads at boot,
 * and the read-only M2P's location. Subop = cmd & 0x3f; the upper bits
 * carry the start extent of a preempted extent operation.
 */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/guest_access.h>
#include <pvisor/printk.h>
#include <pvisor/mm.h>
#include <pvisor/memop_args.h>
#include <pvisor/resource_args.h>
#include <xen/memory.h>

#define MEMOP_MASK  ((1u << MEMOP_SHIFT) - 1)

/* The public header defines no handles for these. */
DEFINE_XEN_GUEST_HANDLE(domid_t);
typedef struct { u64 addr, size; u32 type; } __attribute__((packed)) e820_entry_t;
DEFINE_XEN_GUEST_HANDLE(e820_entry_t);

/* domid_t argument: DOMID_SELF or a live domain the caller may inspect. */
static struct domain *domain_arg(XEN_GUEST_HANDLE_PARAM(domid_t) arg, long *rc)
{
    domid_t id;

    if (copy_from_guest(&id, arg, 1)) {
        *rc = -XEN_EFAULT;
        return NULL;
    }
    return domain_lookup_controlled(id, rc);
}

static void reservation_refuse(const struct domain *caller, unsigned int op, domid_t domid,
                               const char *why)
{
    gprintk(LOG_INFO "d%u: memory_op %u for d%u refused: %s\n", caller->domain_id, op,
            domid, why);
}

/* XENMEM_decrease_reservation, extent i of d: false stops the batch. As
 * Xen's guest_remove_page: only d's own frames, and only the allocation's
 * reference goes; a frame still mapped, pinned or granted lives on until
 * its last user lets go. */
static bool decrease_extent(struct domain *d, xen_pfn_t gmfn, unsigned int order)
{
    struct mm_env *env = arch_mm_env();

    for (unsigned long k = 0; k < (1ul << order); k++) {
        unsigned long mfn = gmfn + k;

        if (mfn < gmfn || !mfn_valid(mfn) || mfn_to_frame(mfn)->state != FRAME_DOMAIN ||
            !mm_get_page(env, mfn, &d->mm)) {
            gprintk(LOG_INFO "d%u: decrease_reservation: frame %#lx is not d%u's\n",
                    current->domain->domain_id, mfn, d->domain_id);
            return false;
        }
        m2p_set(mfn, ~0ul);
        mm_frame_release(env, mfn);
        mm_put_page(env, mfn);
    }
    return true;
}

/* increase_reservation / populate_physmap, one extent for d: its MFN, or
 * -1. max_pages is taken first (several vCPUs cannot overrun it), then
 * the frames, from d's claim if it has one. */
static long grow_extent(struct domain *d, const struct xen_memory_reservation *r)
{
    unsigned long n = 1ul << r->extent_order;
    long mfn;

    if (d->is_dying) {
        gprintk(LOG_INFO "d%u: cannot give memory to dying d%u\n", current->domain->domain_id,
                d->domain_id);
        return -1;
    }
    if (!domain_reserve_pages(d, n)) {
        gprintk(LOG_INFO "d%u: over-allocation for d%u: %llu + %lu > max_pages %llu\n",
                current->domain->domain_id, d->domain_id, (unsigned long long)d->tot_pages, n,
                (unsigned long long)d->max_pages);
        return -1;
    }
    /* XENMEMF_address_bits: frames below 2^bits (Linux's DMA-able pages). */
    mfn = alloc_domheap_pages_claimed(r->extent_order, d->domain_id,
                                      XENMEMF_get_address_bits(r->mem_flags),
                                      &d->outstanding_pages);
    if (mfn < 0) {
        domain_unreserve_pages(d, n);
        return -1;
    }
    arch_assign_reserved_pages(d, mfn, n);
    return mfn;
}

/* Extents start.. of the reservation for d; *preempted when it stopped to
 * let other work run. Returns the extents done. */
static unsigned long reservation_extents(unsigned int op, unsigned long start,
                                         const struct xen_memory_reservation *r,
                                         struct domain *d, bool *preempted)
{
    struct domain *caller = current->domain;
    bool has_list = !guest_handle_is_null(r->extent_start);
    bool pod = op == XENMEM_populate_physmap && (r->mem_flags & XENMEMF_populate_on_demand);
    unsigned long i;

    /* As Xen: the whole list must be guest memory before anything is done. */
    if ((has_list || op != XENMEM_increase_reservation) &&
        (r->nr_extents > ~0ul / sizeof(xen_pfn_t) ||
         !guest_range_ok(guest_handle_elem_va(r->extent_start, start),
                         (r->nr_extents - start) * sizeof(xen_pfn_t))))
        return start;

    for (i = start; i < r->nr_extents; i++) {
        xen_pfn_t gpfn = 0, out;
        long mfn;

        if (i != start && hypercall_preempt_check()) {
            *preempted = true;
            break;
        }
        if (op != XENMEM_increase_reservation && copy_from_guest_offset(&gpfn, r->extent_start, i, 1))
            break;
        if (op == XENMEM_decrease_reservation) {
            if (!decrease_extent(d, gpfn, r->extent_order))
                break;
            continue;
        }
        if (pod) {
            /* Populate-on-demand is for HVM guests: a PV target gets
             * nothing, a domain asking for itself is refused (Xen). */
            if (d == caller)
                break;
            continue;
        }
        mfn = grow_extent(d, r);
        if (mfn < 0)
            break;
        for (unsigned long k = 0; k < (1ul << r->extent_order); k++)
            m2p_set(mfn + k, op == XENMEM_populate_physmap ? gpfn + k : ~0ul);
        out = mfn;
        if (has_list && copy_to_guest_offset(r->extent_start, i, &out, 1))
            break;
    }
    return i;
}

/*
 * increase_reservation, decrease_reservation, populate_physmap, for the
 * caller or a domain it controls (the toolstack filling a new domain).
 * As on Xen every refusal, also -ESRCH or -EPERM, answers with the number
 * of extents done, which the caller compares with what it asked for.
 */
static long reservation_op(unsigned int op, unsigned long start,
                           XEN_GUEST_HANDLE_PARAM(xen_memory_reservation_t) arg)
{
    struct xen_memory_reservation r;
    struct domain *caller = current->domain, *d;
    const char *why;
    bool preempted = false;
    unsigned long done;
    long rc;

    if (copy_from_guest(&r, arg, 1))
        return start;
    if (memop_nothing_to_do(&r, start))
        return start;
    d = domain_lookup_controlled(r.domid, &rc);
    if (!d) {
        reservation_refuse(caller, op, r.domid,
                           rc == -XEN_EPERM ? "not a domain it controls" : "no such domain");
        return start;
    }
    why = memop_refusal(&r, memop_max_order(caller->is_privileged, caller->is_initial,
                                            caller->mm.io_caps),
                        caller->is_privileged || caller->is_initial);
    if (why) {
        reservation_refuse(caller, op, r.domid, why);
        put_domain(d);
        return start;
    }
    done = reservation_extents(op, start, &r, d, &preempted);
    put_domain(d);
    if (preempted)
        return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
                                             op | (done << MEMOP_SHIFT), guest_handle_va(arg));
    return done;
}

/*
 * XENMEM_claim_pages: the control domain stakes memory for a domain it is
 * about to populate (pvisor/claims.h). As Xen: no extent list, order or
 * flags; DOMID_SELF is not a domain here (-EINVAL).
 */
static long claim_pages(XEN_GUEST_HANDLE_PARAM(xen_memory_reservation_t) arg)
{
    struct xen_memory_reservation r;
    struct domain *caller = current->domain, *d;
    unsigned long flags;
    long rc;

    if (copy_from_guest(&r, arg, 1))
        return -XEN_EFAULT;
    if (!guest_handle_is_null(r.extent_start) || r.extent_order || r.mem_flags)
        return -XEN_EINVAL;
    d = r.domid < DOMID_FIRST_RESERVED ? get_domain_by_id(r.domid) : NULL;
    if (!d)
        return -XEN_EINVAL;
    if (!caller->is_privileged) {
        put_domain(d);
        gprintk(LOG_INFO "d%u: claim_pages for d%u refused: not the control domain\n",
                caller->domain_id, r.domid);
        return -XEN_EPERM;
    }
    flags = spin_lock_irqsave(&d->page_lock);
    rc = claim_pages_set(&d->outstanding_pages, r.nr_extents, d->tot_pages, d->max_pages);
    spin_unlock_irqrestore(&d->page_lock, flags);
    put_domain(d);
    return rc;
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
    struct mm_env *env = arch_mm_env();
    unsigned long *claimed = scratch, *out = scratch + EXCH_MAX_FRAMES;
    unsigned long *gpfns = scratch + 2 * EXCH_MAX_FRAMES;
    unsigned long in_n = 1ul << in_chunk_order, out_n = 1ul << out_chunk_order;
    unsigned long in_pages = 1ul << x->in.extent_order, out_pages = 1ul << x->out.extent_order;
    unsigned long n = 0, got = 0, j, k;
    long rc = 0;

    for (j = 0; j < in_n && !rc; j++) {
        xen_pfn_t gmfn;
        if (copy_from_guest_offset(&gmfn, x->in.extent_start, (i << in_chunk_order) + j, 1)) {
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
        if (copy_from_guest_offset(&gpfn, x->out.extent_start, (i << out_chunk_order) + j, 1))
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
            arch_assign_page(d, mfn + k);
            m2p_set(mfn + k, gpfn + k);
        }
    }
    for (j = 0; j < n; j++) {
        m2p_set(claimed[j], ~0ul);
        mm_free_stolen(env, claimed[j]);
    }
    for (j = 0; j < out_n; j++) {
        xen_pfn_t mfn = out[j];
        if (copy_to_guest_offset(x->out.extent_start, (i << out_chunk_order) + j, &mfn, 1))
            rc = 1;                /* exchanged all the same; the guest lost the answer */
    }
    return rc;
}

static long memory_exchange(XEN_GUEST_HANDLE_PARAM(xen_memory_exchange_t) arg)
{
    struct xen_memory_exchange exch;
    struct domain *d = current->domain;
    unsigned int in_chunk_order, out_chunk_order;
    unsigned long i, start, nr_chunks, *scratch = NULL;
    long rc = 0;

    if (copy_from_guest(&exch, arg, 1))
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
    if (copy_field_to_guest(arg, &exch, nr_exchanged))
        return -XEN_EFAULT;
    if (rc)
        return rc;
    if (i < nr_chunks)
        return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, XENMEM_exchange,
                                             guest_handle_va(arg));
    return 0;
}

/*
 * XENMEM_acquire_resource (Xen 4.17, PV caller): the MFNs of a range of
 * another domain's grant-table frames, written to frame_list, which the
 * caller then maps with mmu_update naming that domain. A null frame_list
 * asks the resource's size. Argument rules and their order:
 * pvisor/resource_args.h. Works RESOURCE_CHUNK frames at a time; a
 * preempted call continues from the frames done (cmd's upper bits).
 */
static void resource_refuse(const struct domain *caller, const struct xen_mem_acquire_resource *x,
                            const char *why, long rc)
{
    gprintk(LOG_INFO "d%u: acquire_resource of d%u refused (%ld): %s [type %u id %u frame %#llx"
            " nr %u pad %#x%s]\n", caller->domain_id, x->domid, rc, why, x->type, x->id,
            (unsigned long long)x->frame, x->nr_frames, x->pad, x->frame_list.p ? "" : " query");
}

static long acquire_resource(unsigned long start,
                             XEN_GUEST_HANDLE_PARAM(xen_mem_acquire_resource_t) arg)
{
    struct xen_mem_acquire_resource x;
    struct domain *caller = current->domain, *d;
    unsigned int max_frames;
    bool query;
    long rc;

    if (copy_from_guest(&x, arg, 1))
        return -XEN_EFAULT;
    rc = resource_args_early(&x);
    if (rc) {
        resource_refuse(caller, &x, "bad frame range or padding", rc);
        return rc;
    }
    /* Xen's remote-domain lookup: any existing domain (dying too), never
     * the caller itself (DOMID_SELF names none). */
    d = x.domid < DOMID_FIRST_RESERVED ? get_domain_by_id_any(x.domid) : NULL;
    if (!d)
        return -XEN_ESRCH;
    if (d == caller || !domain_controls(caller, d)) {
        resource_refuse(caller, &x, d == caller ? "itself" : "not a domain it controls",
                        -XEN_EPERM);
        put_domain(d);
        return -XEN_EPERM;
    }
    max_frames = resource_max_frames(x.type, x.id, gnttab_domain_max_frames(d));
    rc = resource_args_late(&x, start, max_frames, &query);
    if (rc) {
        resource_refuse(caller, &x, "no such resource or bad frame count", rc);
        goto out;
    }
    if (query) {
        x.nr_frames = max_frames;
        rc = copy_field_to_guest(arg, &x, nr_frames) ? -XEN_EFAULT : 0;
        goto out;
    }
    x.nr_frames -= start;
    x.frame += start;
    while (x.nr_frames) {
        xen_pfn_t mfns[RESOURCE_CHUNK];
        unsigned int n = x.nr_frames < RESOURCE_CHUNK ? x.nr_frames : RESOURCE_CHUNK;

        if (x.type != XENMEM_resource_grant_table) {
            rc = -XEN_EOPNOTSUPP;       /* nothing else exists here */
            goto out;
        }
        rc = gnttab_domain_resource(d, x.id, (unsigned int)x.frame, n, mfns);
        if (rc < 0)
            goto out;
        if (copy_to_guest_offset(x.frame_list, start, mfns, n)) {
            rc = -XEN_EFAULT;
            goto out;
        }
        x.nr_frames -= n;
        x.frame += n;
        start += n;
        if (x.nr_frames && hypercall_preempt_check()) {
            put_domain(d);
            return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
                                                 XENMEM_acquire_resource | (start << MEMOP_SHIFT),
                                                 guest_handle_va(arg));
        }
    }
    rc = 0;
out:
    put_domain(d);
    return rc;
}

long do_memory_op(unsigned long cmd, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    unsigned int op = cmd & MEMOP_MASK;
    unsigned long start = cmd >> MEMOP_SHIFT;
    struct domain *d;
    long rc = 0;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(op, start, guest_handle_cast(arg, xen_memory_reservation_t));
    case XENMEM_acquire_resource:
        return acquire_resource(start, guest_handle_cast(arg, xen_mem_acquire_resource_t));
    }
    if (start)
        return -XEN_EINVAL;           /* only extent operations continue */

    switch (op) {
    case XENMEM_exchange:
        return memory_exchange(guest_handle_cast(arg, xen_memory_exchange_t));
    case XENMEM_claim_pages:
        return claim_pages(guest_handle_cast(arg, xen_memory_reservation_t));
    case XENMEM_maximum_ram_page:
        return max_mfn;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        d = domain_arg(guest_handle_cast(arg, domid_t), &rc);
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
        return copy_to_guest(guest_handle_cast(arg, xen_machphys_mapping_t), &m, 1) ? -XEN_EFAULT : 0;
    }
    case XENMEM_memory_map:
        /* A PV dom0 has no pseudo-physical map; domUs get one RAM range. */
        if (current->domain->is_initial)
            return -XEN_ENOSYS;
        /* fall through */
    case XENMEM_machine_memory_map: {
        XEN_GUEST_HANDLE(xen_memory_map_t) umap = guest_handle_cast(arg, xen_memory_map_t);
        struct xen_memory_map map;
        e820_entry_t e820 = { 0, 0, 1 };
        if (op == XENMEM_machine_memory_map && !current->domain->is_privileged)
            return -XEN_EPERM;
        if (copy_from_guest(&map, umap, 1))
            return -XEN_EFAULT;
        /* One RAM range the size of the caller: no machine holes are
         * passed through, so Linux has nothing to remap (see docs). */
        e820.size = (u64)current->domain->max_pages << PAGE_SHIFT;
        if (!guest_handle_is_null(map.buffer)) {
            if (map.nr_entries < 1)
                return -XEN_EINVAL;
            if (copy_to_guest(guest_handle_cast(map.buffer, e820_entry_t), &e820, 1))
                return -XEN_EFAULT;
        }
        map.nr_entries = 1;
        return copy_to_guest(umap, &map, 1) ? -XEN_EFAULT : 0;
    }
    case XENMEM_machphys_mfn_list: {
        XEN_GUEST_HANDLE(xen_machphys_mfn_list_t) ul = guest_handle_cast(arg, xen_machphys_mfn_list_t);
        struct xen_machphys_mfn_list l;
        unsigned long nr = 0, chunk = 1ul << (L2_SHIFT - PAGE_SHIFT);
        if (copy_from_guest(&l, ul, 1))
            return -XEN_EFAULT;
        for (unsigned long m = 0; m * sizeof(unsigned long) < m2p_max_mfn * sizeof(unsigned long) &&
                                  nr < l.max_extents; m += chunk * PAGE_SIZE / sizeof(unsigned long), nr++) {
            xen_pfn_t mfn = m2p_backing_mfn(m);
            if (copy_to_guest_offset(l.extent_start, nr, &mfn, 1))
                return -XEN_EFAULT;
        }
        l.nr_extents = nr;
        return copy_to_guest(ul, &l, 1) ? -XEN_EFAULT : 0;
    }
    }
    return -XEN_ENOSYS;
}
