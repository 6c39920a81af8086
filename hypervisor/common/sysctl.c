/*
 * sysctl: the toolstack's questions about the machine (Xen 4.17, interface
 * version XEN_SYSCTL_INTERFACE_VERSION), answered for a PV-only host:
 * physinfo, the domain list, the console history (`xl dmesg`), the
 * scheduler, CPU and NUMA topology, idle times, CPU pools. The x86 parts
 * (hardware caps, CPU topology, CPUID/MSR policies) are in
 * arch/x86/sysctl.c.
 *
 * As on Xen: the whole request is read first (-EFAULT), then the version
 * (-EACCES), then privilege (-EPERM); one request at a time, and a caller
 * that finds another running is restarted (continuation) rather than spun.
 * Every count and handle comes from the guest: output is bounded by what
 * exists, never by the guest's numbers, and each copy checks its range.
 */
#include <pvisor/perfc.h>
#include <pvisor/sysctl.h>
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/domain_info.h>
#include <pvisor/console.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/smp.h>
#include <pvisor/spinlock.h>
#include <pvisor/time.h>
#include <pvisor/guest_access.h>
#include <pvisor/xenctl_bitmap.h>
#include <string.h>

/* The scheduler id pvisor reports: PVISOR_SCHEDULER_ID (pvisor/sched.h). */

/* The only CPU pool: Pool-0, holding every CPU and every domain. */
#define POOL0 0u

static DEFINE_SPINLOCK(sysctl_lock);

static unsigned int count_domains(void)
{
    unsigned int n = 0;

    for (struct domain *d = get_domain_from(0); d; ) {
        domid_t next = d->domain_id + 1;
        n++;
        put_domain(d);
        d = next ? get_domain_from(next) : NULL;
    }
    return n;
}

static long physinfo(struct xen_sysctl_physinfo *pi)
{
    memset(pi, 0, sizeof(*pi));
    arch_sysctl_topology(pi);
    pi->nr_cpus = nr_cpus_online;
    pi->max_cpu_id = nr_cpus_possible - 1;
    pi->nr_nodes = 1;
    pi->max_node_id = SYSCTL_MAX_NUMNODES - 1;
    pi->cpu_khz = (u32)tsc_khz;
    pi->total_pages = total_ram_pages;
    /* Free pages and the claims on them, read together (Xen's get_outstanding_claims). */
    get_outstanding_claims(&pi->free_pages, &pi->outstanding_pages);
    pi->scrub_pages = 0;
    pi->max_mfn = max_mfn - 1;
    /* What pvisor runs: PV guests with grant tables v1. No HVM, HAP,
     * shadow paging, IOMMU, vmtrace, vPMU or grant v2. */
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
    arch_sysctl_physinfo(pi);
    return 0;
}

/* Xen's getdomaininfolist: domains from first_domain up, at most
 * max_domains records, in domid order. */
static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    u32 num = 0;
    struct domain *d = get_domain_from(l->first_domain);

    while (d && num < l->max_domains) {
        struct xen_domctl_getdomaininfo info;
        domid_t next = d->domain_id + 1;

        domain_get_info(d, &info);
        put_domain(d);
        if (copy_to_guest_offset(l->buffer, num, &info, 1))
            return -XEN_EFAULT;
        num++;
        d = next ? get_domain_from(next) : NULL;
    }
    if (d)
        put_domain(d);
    l->num_domains = num;
    return 0;
}

static u64 cpu_idle_time(unsigned int cpu)
{
    const struct vcpu *idle = idle_vcpu_of(cpu);
    struct vcpu_runstate_info rs = idle->runstate;
    u64 t = rs.time[RUNSTATE_running];

    if (rs.state == RUNSTATE_running && NOW() > (s_time_t)rs.state_entry_time)
        t += (u64)(NOW() - (s_time_t)rs.state_entry_time);
    return t;
}

static long getcpuinfo(struct xen_sysctl_getcpuinfo *ci)
{
    u32 n = ci->max_cpus < nr_cpus_possible ? ci->max_cpus : nr_cpus_possible, i;

    for (i = 0; i < n; i++) {
        struct xen_sysctl_cpuinfo info = { .idletime = cpu_idle_time(i) };
        if (copy_to_guest_offset(ci->info, i, &info, 1))
            return -XEN_EFAULT;
    }
    ci->nr_cpus = i;
    return 0;
}

/* One node holding all memory and CPUs (no SRAT is read), as Xen reports a
 * machine without NUMA information: it spans frames [0, max_mfn). */
static long numainfo(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl_numainfo *ni = &op->u.numainfo;
    bool meminfo = !guest_handle_is_null(ni->meminfo), distance = !guest_handle_is_null(ni->distance);
    u32 nodes = 1, i;

    if (meminfo || distance) {
        if (nodes > ni->num_nodes)
            nodes = ni->num_nodes;
        for (i = 0; i < nodes; i++) {
            if (meminfo) {
                struct xen_sysctl_meminfo mi = {
                    .memsize = (u64)max_mfn << PAGE_SHIFT,
                    .memfree = free_pages_count() << PAGE_SHIFT,
                };
                if (copy_to_guest_offset(ni->meminfo, i, &mi, 1))
                    return -XEN_EFAULT;
            }
            if (distance) {
                u32 dist = SYSCTL_LOCAL_DISTANCE;   /* row i, one column */
                if (copy_to_guest_offset(ni->distance, (unsigned long)i * nodes, &dist, 1))
                    return -XEN_EFAULT;
            }
        }
    } else {
        i = nodes;
    }
    if (ni->num_nodes != i) {
        ni->num_nodes = i;
        if (copy_field_to_guest(u_sysctl, op, u.numainfo.num_nodes))
            return -XEN_EFAULT;
    }
    return 0;
}

static long cputopoinfo(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl_cputopoinfo *ti = &op->u.cputopoinfo;
    u32 cpus = nr_cpus_possible, i;

    if (!guest_handle_is_null(ti->cputopo)) {
        if (cpus > ti->num_cpus)
            cpus = ti->num_cpus;
        for (i = 0; i < cpus; i++) {
            struct xen_sysctl_cputopo t;
            arch_sysctl_cpu_topo(i, &t.core, &t.socket);
            t.node = 0;
            if (copy_to_guest_offset(ti->cputopo, i, &t, 1))
                return -XEN_EFAULT;
        }
    } else {
        i = cpus;
    }
    if (ti->num_cpus != i) {
        ti->num_cpus = i;
        if (copy_field_to_guest(u_sysctl, op, u.cputopoinfo.num_cpus))
            return -XEN_EFAULT;
    }
    return 0;
}

/* Xen's cpumask_to_xenctl_bitmap: as many bytes of the map as both sides
 * have, the rest of the guest's bytes zeroed. */
static long cpumap_to_guest(struct xenctl_bitmap *bm, u64 map)
{
    u64 ours = (nr_cpus_possible + 7) / 8;
    u8 bytes[8];

    for (unsigned int i = 0; i < 8; i++)
        bytes[i] = (u8)(map >> (i * 8));
    return xenctl_bitmap_to_guest(bm, bytes, ours < sizeof(bytes) ? (unsigned int)ours : sizeof(bytes));
}

static long cpupool_op(struct xen_sysctl_cpupool_op *op)
{
    u64 all = nr_cpus_possible >= 64 ? ~0ull : (1ull << nr_cpus_possible) - 1;

    switch (op->op) {
    case XEN_SYSCTL_CPUPOOL_OP_INFO:
        if (op->cpupool_id > POOL0)
            return -XEN_ENOENT;     /* no pool with this id or a higher one */
        op->cpupool_id = POOL0;
        op->sched_id = PVISOR_SCHEDULER_ID;
        op->n_dom = count_domains();
        return cpumap_to_guest(&op->cpumap, all);
    case XEN_SYSCTL_CPUPOOL_OP_FREEINFO:
        return cpumap_to_guest(&op->cpumap, 0);   /* every CPU is in Pool-0 */
    case XEN_SYSCTL_CPUPOOL_OP_CREATE:
    case XEN_SYSCTL_CPUPOOL_OP_DESTROY:
    case XEN_SYSCTL_CPUPOOL_OP_ADDCPU:
    case XEN_SYSCTL_CPUPOOL_OP_RMCPU:
    case XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN:
        return -XEN_EOPNOTSUPP;     /* one pool only (deviation) */
    }
    return -XEN_ENOSYS;
}

/* Xen's sched_adjust_global: the pool must exist and run the scheduler
 * named; the null scheduler has no global parameters. */
static long scheduler_op(const struct xen_sysctl_scheduler_op *op)
{
    if (op->cpupool_id != POOL0)
        return -XEN_ESRCH;
    if (op->sched_id != PVISOR_SCHEDULER_ID)
        return -XEN_EINVAL;
    return 0;
}

static long debug_keys(const struct xen_sysctl_debug_keys *k)
{
    /* Each key is read (a bad buffer is -EFAULT, as on Xen); the perf
     * counters' 'p' and 'P' are the only handlers, the rest is ignored. */
    for (u32 i = 0; i < k->nr_keys; i++) {
        char c;
        if (copy_from_guest_offset(&c, k->keys, i, 1))
            return -XEN_EFAULT;
        perfc_debug_key(c);
        if ((i & 0xfff) == 0xfff && hypercall_preempt_check())
            break;
    }
    return 0;
}

static long pcitopoinfo(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl_pcitopoinfo *ti = &op->u.pcitopoinfo;
    u32 i = 0;

    if (guest_handle_is_null(ti->devs) || guest_handle_is_null(ti->nodes))
        return -XEN_EINVAL;
    while (i < ti->num_devs) {
        physdev_pci_device_t dev;
        u32 node = XEN_INVALID_DEV;         /* pvisor tracks no PCI devices */

        if (copy_from_guest_offset(&dev, ti->devs, i, 1) ||
            copy_to_guest_offset(ti->nodes, i, &node, 1))
            return -XEN_EFAULT;
        if (++i > 0x3f && hypercall_preempt_check())
            break;
    }
    if (ti->num_devs != i) {
        ti->num_devs = i;
        if (copy_field_to_guest(u_sysctl, op, u.pcitopoinfo.num_devs))
            return -XEN_EFAULT;
    }
    return 0;
}

/* Xen's trace-buffer control on a hypervisor that never has trace buffers
 * (no tbuf_size=): the event mask is kept and reported, enabling fails. */
#define TRC_ALL_EVENTS 0x0ffff000u
static u32 trace_event_mask = TRC_ALL_EVENTS;

static long tbuf_op(struct xen_sysctl_tbuf_op *t)
{
    switch (t->cmd) {
    case XEN_SYSCTL_TBUFOP_get_info:
        t->evt_mask = trace_event_mask;
        t->buffer_mfn = 0;
        t->size = 0;
        return 0;
    case XEN_SYSCTL_TBUFOP_set_cpu_mask: {
        u32 bytes = (t->cpu_mask.nr_bits + 7) / 8;   /* 32-bit, as Xen */
        u8 b;
        /* Read as Xen does (a bad map is -EFAULT); nothing to apply it to. */
        for (u32 i = 0; i < bytes && i < 64; i++)
            if (copy_from_guest_offset(&b, t->cpu_mask.bitmap, i, 1))
                return -XEN_EFAULT;
        return 0;
    }
    case XEN_SYSCTL_TBUFOP_set_evt_mask:
        trace_event_mask = t->evt_mask;
        return 0;
    case XEN_SYSCTL_TBUFOP_set_size:
        return -XEN_EOPNOTSUPP;       /* no tracing in pvisor (deviation) */
    case XEN_SYSCTL_TBUFOP_enable:
        return -XEN_EINVAL;           /* as Xen with no buffers allocated */
    case XEN_SYSCTL_TBUFOP_disable:
        return 0;
    }
    return -XEN_EINVAL;
}

/* No processor power-management data is ever uploaded to pvisor: Xen's
 * answers for a CPU without it. */
static long get_pmstat(const struct xen_sysctl_get_pmstat *pm)
{
    if (pm->cpuid >= nr_cpus_online)
        return -XEN_EINVAL;
    return -XEN_ENODEV;
}

static long pm_op(const struct xen_sysctl_pm_op *pm)
{
    if (pm->cpuid >= nr_cpus_online)
        return -XEN_EINVAL;
    if ((pm->cmd & PM_PARA_CATEGORY_MASK) == CPUFREQ_PARA)
        return -XEN_EINVAL;        /* P-states supported, none uploaded */
    return -XEN_ENOSYS;
}

/* Xen's page_offline_op: one status word per frame of [start, end], those
 * not reached marked PG_OFFLINE_INVALID. pvisor answers queries (no frame
 * is ever offline or broken) and takes no frame offline (deviation). */
static long page_offline_op(const struct xen_sysctl_page_offline_op *po)
{
    u64 count, i;
    long ret = 0;

    if (po->end < po->start)
        return -XEN_EINVAL;
    count = (u64)po->end - po->start + 1;
    if (count > max_mfn)
        return -XEN_ENOMEM;    /* Xen's status array could not be allocated */
    for (i = 0; i < count; i++) {
        /* Xen fills its status array with memset(PG_OFFLINE_INVALID), byte
         * by byte: a frame not reached reads 0x01010101. */
        u32 status = PG_OFFLINE_INVALID * 0x01010101u;

        if (!ret) {
            unsigned long mfn = po->start + i;
            switch (po->cmd) {
            case sysctl_query_page_offline:
                if (mfn_valid(mfn) && mfn_is_ram(mfn))
                    status = 0;
                else
                    ret = -XEN_EINVAL;
                break;
            case sysctl_page_offline:
            case sysctl_page_online:
                ret = -XEN_EOPNOTSUPP;
                break;
            default:
                ret = -XEN_EINVAL;
                break;
            }
        }
        if (copy_to_guest_offset(po->status, i, &status, 1))
            return -XEN_EFAULT;
    }
    return ret;
}

long do_sysctl(XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl op;
    long ret = 0;
    int copyback = -1;    /* as Xen: -1 copy back on success, 1 always, 0 never */

    if (copy_from_guest(&op, u_sysctl, 1))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    while (!spin_trylock(&sysctl_lock))
        if (hypercall_preempt_check())
            return hypercall_create_continuation(__HYPERVISOR_sysctl, 1,
                                                 guest_handle_va(u_sysctl));

    switch (op.cmd) {
    case XEN_SYSCTL_readconsole:
        ret = console_readconsole(&op.u.readconsole);
        break;
    case XEN_SYSCTL_sched_id:
        op.u.sched_id.sched_id = PVISOR_SCHEDULER_ID;
        break;
    case XEN_SYSCTL_getdomaininfolist:
        ret = getdomaininfolist(&op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_debug_keys:
        ret = debug_keys(&op.u.debug_keys);
        copyback = 0;
        break;
    case XEN_SYSCTL_getcpuinfo:
        ret = getcpuinfo(&op.u.getcpuinfo);
        break;
    case XEN_SYSCTL_availheap:
        /* One node; address-width limits are not tracked per zone. */
        op.u.availheap.avail_bytes = free_pages_count() << PAGE_SHIFT;
        break;
    case XEN_SYSCTL_physinfo:
        ret = physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_numainfo:
        ret = numainfo(&op, u_sysctl);
        break;
    case XEN_SYSCTL_cputopoinfo:
        ret = cputopoinfo(&op, u_sysctl);
        break;
    case XEN_SYSCTL_cpupool_op:
        ret = cpupool_op(&op.u.cpupool_op);
        break;
    case XEN_SYSCTL_scheduler_op:
        ret = scheduler_op(&op.u.scheduler_op);
        break;
    case XEN_SYSCTL_pcitopoinfo:
        ret = pcitopoinfo(&op, u_sysctl);
        break;
    case XEN_SYSCTL_page_offline_op:
        ret = page_offline_op(&op.u.page_offline);
        copyback = 0;
        break;
    case XEN_SYSCTL_tbuf_op:
        ret = tbuf_op(&op.u.tbuf_op);
        break;
    case XEN_SYSCTL_get_pmstat:
        ret = get_pmstat(&op.u.get_pmstat);
        break;
    case XEN_SYSCTL_pm_op:
        ret = pm_op(&op.u.pm_op);
        break;
    case XEN_SYSCTL_coverage_op:
        ret = -XEN_EOPNOTSUPP;     /* Xen built without coverage */
        copyback = 1;
        break;
    default:
        ret = arch_do_sysctl(&op, u_sysctl);
        copyback = 0;
        break;
    }
    spin_unlock(&sysctl_lock);

    if (copyback && (!ret || copyback > 0) && copy_to_guest(u_sysctl, &op, 1))
        ret = -XEN_EFAULT;
    return ret;
}
