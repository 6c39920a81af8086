/*
 * domctl: how the control domain creates, inspects, pauses and destroys
 * domains, with Xen 4.17's semantics and errnos (common/domctl.c,
 * common/domain.c there). The order of refusals is Xen's: the copy
 * (-EFAULT), the interface version (-EACCES), the domain lookup (-ESRCH;
 * DOMID_SELF is no domain here), then privilege (-EPERM).
 *
 * Operations that change a domain run under one domctl lock, taken with a
 * trylock: a busy lock continues the hypercall instead of spinning, so a
 * domctl that pauses another domain never waits on one that holds it.
 * The x86/PV operations are in arch/x86/pv/domctl.c.
 */
#include <pvisor/hypercall.h>
#include <pvisor/compiler.h>
#include <pvisor/domain.h>
#include <pvisor/domain_info.h>
#include <pvisor/event.h>
#include <pvisor/sched.h>
#include <pvisor/smp.h>
#include <pvisor/guest_access.h>
#include <pvisor/printk.h>
#include <pvisor/page_alloc.h>
#include <pvisor/xenctl_bitmap.h>
#include <asm/domctl.h>
#include <asm/vcpu_context.h>
#include <xen/domctl.h>
#include <string.h>

static DEFINE_SPINLOCK(domctl_lock);

/* Xen's limits for createdomain (grant_table.c and domain.c defaults). */
#define GNTTAB_MAX_FRAMES       64
#define GNTTAB_MAX_MAPTRACK     1024
#define GNTTAB_MAX_VERSION      2
#define XEN_MAX_VIRT_CPUS       8192
#define DOMCTL_PAUSE_MAX        255

#define CDF_KNOWN (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity | \
                   XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu | \
                   XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu)

/* Xen's sanitise_domain_config, arch_sanitise_domain_config and the
 * checks of arch_domain_create and grant_table_init, in that order, for a
 * machine with neither HVM, an IOMMU, vPMU nor processor trace. */
/* One line per refused request (rate limited: the caller may be hostile). */
static long refuse(const char *what, const char *why, u64 val, long rc)
{
    gprintk(LOG_INFO "d%u: %s refused (%ld): %s [%#llx]\n", current->domain->domain_id,
            what, rc, why, (unsigned long long)val);
    return rc;
}

#define CONFIG_REFUSED(why, val, rc) refuse("createdomain", why, val, rc)

static long createdomain_check(const struct xen_domctl_createdomain *c)
{
    u32 f = c->flags;
    unsigned int gver = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    int gframes = c->max_grant_frames, mframes = c->max_maptrack_frames;

    if (f & ~CDF_KNOWN)
        return CONFIG_REFUSED("unknown flags", f, -XEN_EINVAL);
    if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
        return CONFIG_REFUSED("unknown grant options", c->grant_opts, -XEN_EINVAL);
    if (c->max_vcpus < 1)
        return CONFIG_REFUSED("no vCPUs", 0, -XEN_EINVAL);
    if ((f & XEN_DOMCTL_CDF_hap) && !(f & XEN_DOMCTL_CDF_hvm))
        return CONFIG_REFUSED("HAP for a PV domain", f, -XEN_EINVAL);
    if ((f & XEN_DOMCTL_CDF_iommu) || c->iommu_opts)
        return CONFIG_REFUSED("no IOMMU", c->iommu_opts, -XEN_EINVAL);
    if (c->vmtrace_size || (f & XEN_DOMCTL_CDF_vpmu))
        return CONFIG_REFUSED("no vmtrace or vPMU", c->vmtrace_size, -XEN_EINVAL);
    if (c->max_vcpus > XEN_MAX_VIRT_CPUS)
        return CONFIG_REFUSED("too many vCPUs", c->max_vcpus, -XEN_EINVAL);
    if (f & (XEN_DOMCTL_CDF_s3_integrity | XEN_DOMCTL_CDF_nested_virt))
        return CONFIG_REFUSED("no tboot or nested virtualisation", f, -XEN_EINVAL);
    if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
        return CONFIG_REFUSED("unknown arch flags", c->arch.misc_flags, -XEN_EINVAL);
    if (c->arch.emulation_flags & ~XEN_X86_EMU_ALL)
        return CONFIG_REFUSED("unknown emulation flags", c->arch.emulation_flags, -XEN_EINVAL);
    /* PV only: Xen refuses HVM at its paging set-up (no shadow paging). */
    if (f & XEN_DOMCTL_CDF_hvm)
        return CONFIG_REFUSED("PV domains only", f, -XEN_EOPNOTSUPP);
    if (c->arch.emulation_flags && c->arch.emulation_flags != XEN_X86_EMU_PIT)
        return CONFIG_REFUSED("emulation a PV domain cannot have", c->arch.emulation_flags,
                              -XEN_EOPNOTSUPP);
    if (gframes < 0)
        gframes = GNTTAB_MAX_FRAMES;
    if (mframes < 0)
        mframes = GNTTAB_MAX_MAPTRACK;
    if (!gver || gver > GNTTAB_MAX_VERSION)
        return CONFIG_REFUSED("grant table version", gver, -XEN_EINVAL);
    if (gframes < 1 || gframes > GNTTAB_MAX_FRAMES)
        return CONFIG_REFUSED("grant frames", (u32)gframes, -XEN_EINVAL);
    if (mframes > GNTTAB_MAX_MAPTRACK)
        return CONFIG_REFUSED("maptrack frames", (u32)mframes, -XEN_EINVAL);
    if (c->cpupool_id != 0)                            /* only pool 0 exists */
        return CONFIG_REFUSED("no such cpupool", c->cpupool_id, -XEN_ESRCH);
    return 0;
}

static bool domid_free(domid_t id)
{
    struct domain *d;

    if (id >= MAX_DOMAINS)
        return false;
    d = get_domain_by_id_any(id);       /* a dying domain holds its id */
    if (d)
        put_domain(d);
    return !d;
}

/* Xen's id choice: a valid explicit id must be free (-EEXIST); 0 or a
 * reserved id means the first free id after the rover, wrapping to 1. The
 * rover moves even if creation then fails, as on Xen. */
static long createdomain(struct xen_domctl *op)
{
    static domid_t rover;
    struct xen_domctl_createdomain *c = &op->u.createdomain;
    domid_t id = op->domain;
    struct domain *d;
    long rc;

    if (id > 0 && id < DOMID_FIRST_RESERVED) {
        if (!domid_free(id))
            return CONFIG_REFUSED("domid taken", id, -XEN_EEXIST);
    } else {
        for (id = rover + 1; id != rover; id++) {
            if (id >= MAX_DOMAINS)
                id = 1;
            if (domid_free(id))
                break;
        }
        if (id == rover)
            return -XEN_ENOMEM;
        rover = id;
    }

    rc = createdomain_check(c);
    if (rc)
        return rc;
    /* pvisor keeps at most MAX_VCPUS per domain (Xen 8192). */
    if (c->max_vcpus > MAX_VCPUS)
        return CONFIG_REFUSED("more vCPUs than pvisor keeps", c->max_vcpus, -XEN_EINVAL);
    d = domain_create(id, false, c->max_vcpus);
    if (!d)
        return -XEN_ENOMEM;
    /* Xen marks every PV domain out-of-sync-off. */
    d->options = c->flags | XEN_DOMCTL_CDF_oos_off;
    d->emulation_flags = c->arch.emulation_flags;
    evtchn_set_max_evtchn(d, c->max_evtchn_port > 0x7fffffff ? 0x7fffffff : c->max_evtchn_port);
    d->max_grant_frames = c->max_grant_frames < 0 ? GNTTAB_MAX_FRAMES : (unsigned int)c->max_grant_frames;
    d->max_maptrack_frames = c->max_maptrack_frames < 0 ? GNTTAB_MAX_MAPTRACK
                                                        : (unsigned int)c->max_maptrack_frames;
    d->max_grant_version = c->grant_opts & XEN_DOMCTL_GRANT_version_mask;
    gnttab_domain_set_limits(d);
    memcpy(d->handle, c->handle, sizeof(d->handle));
    /* Created paused: the toolstack's first unpause starts it. */
    d->controller_pause_count = 1;
    domain_pause(d);
    op->domain = id;
    return 0;
}

/* Xen's domain_kill: preemptible (the hypercall continues until it is
 * done), 0 again on a domain already dead; the caller's own is -EINVAL. */
static long destroydomain(struct domain *d, XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl)
{
    int rc = domain_kill(d);

    if (rc == -XEN_ERESTART)
        return hypercall_create_continuation(__HYPERVISOR_domctl, 1, guest_handle_va(u_domctl));
    return rc;
}

static long pausedomain(struct domain *d)
{
    if (d == current->domain)
        return -XEN_EINVAL;
    if (d->controller_pause_count + 1 > DOMCTL_PAUSE_MAX)
        return -XEN_EOVERFLOW;
    d->controller_pause_count++;
    domain_pause_sync(d);
    return 0;
}

static long unpausedomain(struct domain *d)
{
    if (!d->controller_pause_count)
        return -XEN_EINVAL;
    if (--d->controller_pause_count == 0)
        d->creation_finished = true;
    domain_unpause(d);
    return 0;
}

/* vCPU objects are made here, up to the count createdomain fixed. */
static long max_vcpus(struct domain *d, unsigned int max)
{
    long rc = 0;

    if (d == current->domain || max != d->max_vcpus)
        return -XEN_EINVAL;
    domain_pause_sync(d);
    for (unsigned int i = 0; i < max && !rc; i++)
        if (!d->vcpu[i] && !vcpu_create(d, i))
            rc = -XEN_ENOMEM;
    domain_unpause(d);
    return rc;
}

static long setvcpucontext(struct domain *d, struct xen_domctl_vcpucontext *op,
                           XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl)
{
    struct vcpu_guest_context *c;
    struct vcpu *v;
    long rc;

    if (d == current->domain || op->vcpu >= d->max_vcpus || !(v = d->vcpu[op->vcpu]))
        return -XEN_EINVAL;
    if (guest_handle_is_null(op->ctxt)) {
        /* A null context resets the vCPU: nothing to undo on one that
         * never had a context; resetting a running one is not supported. */
        if (arch_vcpu_initialised(v))
            return -XEN_EOPNOTSUPP;
        vcpu_pause_flags(v, VPF_down);
        return 0;
    }
    c = alloc_xenheap_pages(1);
    BUILD_BUG_ON(sizeof(*c) > 2 * PAGE_SIZE);
    if (!c)
        return -XEN_ENOMEM;
    if (copy_from_guest(c, op->ctxt, 1)) {
        rc = -XEN_EFAULT;
    } else {
        unsigned long flags;

        domain_pause_sync(d);
        flags = spin_lock_irqsave(&d->vcpu_ctx_lock);
        rc = arch_set_info_guest(v, c);
        spin_unlock_irqrestore(&d->vcpu_ctx_lock, flags);
        domain_unpause(d);
        if (rc == -XEN_ERESTART)
            rc = hypercall_create_continuation(__HYPERVISOR_domctl, 1, guest_handle_va(u_domctl));
    }
    free_xenheap_pages(c, 1);
    return rc;
}

static long getvcpucontext(struct domain *d, struct xen_domctl_vcpucontext *op)
{
    struct vcpu_guest_context *c;
    struct vcpu *v;
    long rc = 0;

    if (op->vcpu >= d->max_vcpus || !(v = d->vcpu[op->vcpu]) || v == current)
        return -XEN_EINVAL;
    if (!arch_vcpu_initialised(v))
        return -XEN_ENODATA;
    c = alloc_xenheap_pages(1);
    if (!c)
        return -XEN_ENOMEM;
    arch_get_info_guest(v, c);
    if (copy_to_guest(op->ctxt, c, 1))
        rc = -XEN_EFAULT;
    free_xenheap_pages(c, 1);
    return rc;
}

static long getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *op)
{
    struct vcpu *v;

    if (op->vcpu >= d->max_vcpus)
        return -XEN_EINVAL;
    if (!(v = d->vcpu[op->vcpu]))
        return -XEN_ESRCH;
    op->online = !(v->pause_flags & VPF_down);
    op->blocked = !!(v->pause_flags & VPF_blocked);
    op->running = v->is_running;
    op->cpu_time = vcpu_running_time(v);
    op->cpu = v->processor;
    return 0;
}

/* A guest bitmap as Xen reads one: whole bytes up to the pCPUs there are,
 * the bits past nr_bits in its last byte cleared. */
static long bitmap_bits_from_guest(u64 *map, const struct xenctl_bitmap *b, unsigned int nbits)
{
    unsigned int guest_bytes = (b->nr_bits + 7) / 8, hv_bytes = (nbits + 7) / 8;
    unsigned int n = guest_bytes < hv_bytes ? guest_bytes : hv_bytes;
    u8 bytes[8] = { 0 };

    if (n) {
        if (copy_from_guest(bytes, b->bitmap, n))
            return -XEN_EFAULT;
        if ((b->nr_bits & 7) && guest_bytes == n)
            bytes[n - 1] &= (u8)~(0xff << (b->nr_bits & 7));
    }
    memcpy(map, bytes, sizeof(*map));
    return 0;
}

/* Whole bytes up to the pCPUs there are, zeros for the rest of the
 * caller's bitmap. */
static long bitmap_bits_to_guest(const struct xenctl_bitmap *b, u64 map, unsigned int nbits)
{
    u8 bytes[8];

    memcpy(bytes, &map, sizeof(bytes));
    return xenctl_bitmap_to_guest(b, bytes, (nbits + 7) / 8 < 8 ? (nbits + 7) / 8 : 8);
}

static long bitmap_from_guest(u64 *map, const struct xenctl_bitmap *b)
{
    return bitmap_bits_from_guest(map, b, nr_cpus_online);
}

static long bitmap_to_guest(const struct xenctl_bitmap *b, u64 map)
{
    return bitmap_bits_to_guest(b, map, nr_cpus_online);
}

/* Xen's node affinity on a machine with one NUMA node (node 0) and
 * MAX_NUMNODES 64: a mask must hold node 0; the full mask means
 * "automatic", which reads back as the nodes of the vCPUs' pCPUs (node
 * 0) once there are vCPUs, and as before until then. */
static long nodeaffinity(struct domain *d, u32 cmd, struct xen_domctl_nodeaffinity *op)
{
    u64 map;
    long rc;

    if (cmd == XEN_DOMCTL_getnodeaffinity) {
        map = d->node_affinity ? d->node_affinity : ~0ull;     /* 0: all, as created */
        if (!d->node_affinity_manual && d->vcpu[0])
            map = 1;
        return bitmap_bits_to_guest(&op->nodemap, map, 64);
    }
    rc = bitmap_bits_from_guest(&map, &op->nodemap, 64);
    if (rc)
        return rc;
    if (!(map & 1))
        return -XEN_EINVAL;             /* disjoint from the online nodes */
    d->node_affinity_manual = map != ~0ull;
    if (d->node_affinity_manual)
        d->node_affinity = map;
    return 0;
}

/* Xen's vcpu_affinity_domctl: affinities hold only pCPUs that exist; the
 * hard one must meet an online pCPU; set reports back what the scheduler
 * will use. */
static long vcpuaffinity(struct domain *d, u32 cmd, struct xen_domctl_vcpuaffinity *op)
{
    u64 online = nr_cpus_online >= 64 ? ~0ull : (1ull << nr_cpus_online) - 1, map;
    struct vcpu *v;
    long rc = 0;

    BUILD_BUG_ON(CONFIG_NR_CPUS > 64);
    if (op->vcpu >= d->max_vcpus)
        return -XEN_EINVAL;
    if (!(v = d->vcpu[op->vcpu]))
        return -XEN_ESRCH;
    if (!op->flags || ((op->flags & XEN_VCPUAFFINITY_HARD) && guest_handle_is_null(op->cpumap_hard.bitmap)) ||
        ((op->flags & XEN_VCPUAFFINITY_SOFT) && guest_handle_is_null(op->cpumap_soft.bitmap)))
        return -XEN_EINVAL;
    if (cmd == XEN_DOMCTL_getvcpuaffinity) {
        if (op->flags & XEN_VCPUAFFINITY_HARD)
            rc = bitmap_to_guest(&op->cpumap_hard, v->cpu_hard_affinity & online);
        if (op->flags & XEN_VCPUAFFINITY_SOFT)
            rc = bitmap_to_guest(&op->cpumap_soft, v->cpu_soft_affinity & online);
        return rc;
    }
    if (op->flags & XEN_VCPUAFFINITY_HARD) {
        rc = bitmap_from_guest(&map, &op->cpumap_hard);
        if (!rc && !(map & online))
            rc = -XEN_EINVAL;
        if (rc)
            return rc;
        vcpu_set_affinity(v, map & online);     /* the scheduler moves it if need be */
        rc = bitmap_to_guest(&op->cpumap_hard, map & online);
    }
    if (op->flags & XEN_VCPUAFFINITY_SOFT) {
        rc = bitmap_from_guest(&map, &op->cpumap_soft);
        if (rc)
            return rc;
        v->cpu_soft_affinity = map & online;
        rc = bitmap_to_guest(&op->cpumap_soft, map & online & v->cpu_hard_affinity);
    }
    return rc;
}

/* Xen's sched_adjust: the caller must name the scheduler pvisor reports
 * (sysctl sched_id); like Xen's null scheduler, it has no per-domain
 * parameters to set or read. */
static long scheduler_op(struct xen_domctl_scheduler_op *op)
{
    if (op->sched_id != PVISOR_SCHEDULER_ID ||
        (op->cmd != XEN_DOMCTL_SCHEDOP_putinfo && op->cmd != XEN_DOMCTL_SCHEDOP_getinfo))
        return -XEN_EINVAL;
    return 0;
}

static long max_mem(struct domain *d, u64 max_kb)
{
    unsigned long flags = spin_lock_irqsave(&d->page_lock);

    /* As Xen: a limit below what the domain has lets it shrink to it;
     * meanwhile every allocation fails. Xen keeps it in 32 bits. */
    d->max_pages = max_kb >> (PAGE_SHIFT - 10);
    if (d->max_pages > 0xffffffffu)
        d->max_pages = 0xffffffffu;
    spin_unlock_irqrestore(&d->page_lock, flags);
    return 0;
}

/* Xen's virq_is_global (the per-vCPU VIRQs cannot be redirected). */
static long set_virq_handler(struct domain *d, u32 virq)
{
    if (virq >= NR_VIRQS || virq == VIRQ_TIMER || virq == VIRQ_DEBUG ||
        virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU)
        return -XEN_EINVAL;
    /* Global VIRQs go to dom0; routing them elsewhere is not supported. */
    return d->is_initial ? 0 : -XEN_EOPNOTSUPP;
}

/* The operations that need the domctl lock and a privileged caller. */
static long domctl_locked(struct xen_domctl *op, struct domain *d, XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl,
                          bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_createdomain: {
        long rc = createdomain(op);

        *copyback = rc == 0;
        return rc;
    }
    case XEN_DOMCTL_destroydomain:
        return destroydomain(d, u_domctl);
    case XEN_DOMCTL_pausedomain:
        return pausedomain(d);
    case XEN_DOMCTL_unpausedomain:
        return unpausedomain(d);
    case XEN_DOMCTL_resumedomain:
        if (d == current->domain)
            return -XEN_EINVAL;
        domain_resume(d);
        return 0;
    case XEN_DOMCTL_max_vcpus:
        return max_vcpus(d, op->u.max_vcpus.max);
    case XEN_DOMCTL_setvcpucontext:
        return setvcpucontext(d, &op->u.vcpucontext, u_domctl);
    case XEN_DOMCTL_getvcpucontext: {
        long rc = getvcpucontext(d, &op->u.vcpucontext);

        *copyback = rc == 0 || rc == -XEN_EFAULT;
        return rc;
    }
    case XEN_DOMCTL_getvcpuinfo: {
        long rc = getvcpuinfo(d, &op->u.getvcpuinfo);

        *copyback = rc == 0;
        return rc;
    }
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
        return vcpuaffinity(d, op->cmd, &op->u.vcpuaffinity);
    case XEN_DOMCTL_scheduler_op:
        *copyback = true;
        return scheduler_op(&op->u.scheduler_op);
    case XEN_DOMCTL_max_mem:
        return max_mem(d, op->u.max_mem.max_memkb);
    case XEN_DOMCTL_setdomainhandle:
        memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
        return 0;
    case XEN_DOMCTL_setdebugging:
        if (d == current->domain)
            return -XEN_EINVAL;
        d->debugger_attached = !!op->u.setdebugging.enable;
        return 0;
    case XEN_DOMCTL_settimeoffset:
        /* Only an HVM guest's RTC uses it; stored. */
        d->time_offset_seconds = op->u.settimeoffset.time_offset_seconds;
        return 0;
    case XEN_DOMCTL_subscribe:
        d->suspend_evtchn = op->u.subscribe.port;
        return 0;
    case XEN_DOMCTL_set_virq_handler:
        return set_virq_handler(d, op->u.set_virq_handler.virq);
    case XEN_DOMCTL_soft_reset:
        if (d == current->domain)
            return -XEN_EINVAL;
        return -XEN_EOPNOTSUPP;
    case XEN_DOMCTL_setnodeaffinity:
    case XEN_DOMCTL_getnodeaffinity:
        return nodeaffinity(d, op->cmd, &op->u.nodeaffinity);
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_test_assign_device:
    case XEN_DOMCTL_deassign_device:
        return -XEN_EOPNOTSUPP;             /* no IOMMU (Xen's iommu_do_domctl) */
    case XEN_DOMCTL_gethvmcontext:
    case XEN_DOMCTL_sethvmcontext:
    case XEN_DOMCTL_gethvmcontext_partial:
        return -XEN_EINVAL;                 /* HVM only */
    case XEN_DOMCTL_vmtrace_op:
        return -XEN_EINVAL;                 /* no trace buffer (vmtrace_size 0) */
    case XEN_DOMCTL_psr_cmt_op:
        return -XEN_ENODEV;                 /* no cache monitoring */
    }
    return arch_do_domctl(op, d, copyback);
}

/* domctl from the xenstore domain may read domain records (XSM_XS_PRIV). */
static bool may_getdomaininfo(const struct domain *cur)
{
    return cur->is_privileged || (cur->options & XEN_DOMCTL_CDF_xs_domain);
}

long do_domctl(XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl)
{
    struct xen_domctl op;
    struct domain *cur = current->domain, *d = NULL;
    bool copyback = false;
    long rc;

    BUILD_BUG_ON(sizeof(op) != 16 + 128);
    if (copy_from_guest(&op, u_domctl, 1))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;

    switch (op.cmd) {
    case XEN_DOMCTL_createdomain:
        break;
    case XEN_DOMCTL_assign_device:
    case XEN_DOMCTL_deassign_device:
        if (op.domain == DOMID_IO)
            break;
        if (op.domain == DOMID_INVALID)
            return -XEN_ESRCH;
        /* fall through */
    case XEN_DOMCTL_test_assign_device:
    case XEN_DOMCTL_vm_event_op:
        if (op.domain == DOMID_INVALID)
            break;
        /* fall through */
    default:
        /* Xen finds a dying domain too: destroying it again continues or
         * is done; every other operation wants a live one. */
        d = op.cmd == XEN_DOMCTL_destroydomain ? get_domain_by_id_any(op.domain)
                                                : get_domain_by_id(op.domain);
        if (!d && op.cmd != XEN_DOMCTL_getdomaininfo)
            return -XEN_ESRCH;
    }

    switch (op.cmd) {
    case XEN_DOMCTL_getdomaininfo:
        /* An absent id names the next domain up (how toolstacks list). */
        if (!d) {
            if (op.domain >= DOMID_FIRST_RESERVED)
                return -XEN_EINVAL;
            d = get_domain_from(op.domain);
            if (!d)
                return -XEN_ESRCH;
        }
        rc = -XEN_EPERM;
        if (may_getdomaininfo(cur)) {
            domain_get_info(d, &op.u.getdomaininfo);
            op.domain = op.u.getdomaininfo.domain;
            copyback = true;
            rc = 0;
        }
        goto out;

    case XEN_DOMCTL_set_target: {
        struct domain *e = get_domain_by_id(op.u.set_target.target);

        rc = -XEN_ESRCH;
        if (e) {
            /* Xen lets only an HVM domain be another's target. */
            rc = d == e ? -XEN_EINVAL : -XEN_EOPNOTSUPP;
            put_domain(e);
        }
        goto out;
    }

    case XEN_DOMCTL_iomem_permission: {
        u64 mfn = op.u.iomem_permission.first_mfn, nr = op.u.iomem_permission.nr_mfns;

        if (mfn + nr - 1 < mfn)
            rc = -XEN_EINVAL;
        else if (!cur->is_privileged)
            rc = -XEN_EPERM;
        else    /* nothing is granted to other domains, so revoking is done */
            rc = op.u.iomem_permission.allow_access ? -XEN_EOPNOTSUPP : 0;
        goto out;
    }

    case XEN_DOMCTL_memory_mapping: {
        u64 gfn = op.u.memory_mapping.first_gfn, mfn = op.u.memory_mapping.first_mfn;
        u64 nr = op.u.memory_mapping.nr_mfns, end = mfn + nr - 1;

        if (end < mfn || ((mfn | end) >> (52 - PAGE_SHIFT)) || gfn + nr - 1 < gfn)
            rc = -XEN_EINVAL;
        else if (!cur->is_privileged)
            rc = -XEN_EPERM;
        else
            rc = 0;     /* a PV domain has no p2m to map into: Xen does nothing */
        goto out;
    }

    case XEN_DOMCTL_irq_permission:
        /* Only a physical IRQ the caller holds could be granted; dom0 gets
         * none from pvisor. */
        rc = -XEN_EPERM;
        goto out;

    case XEN_DOMCTL_get_device_group:
        rc = -XEN_EOPNOTSUPP;               /* no IOMMU */
        goto out;

    case XEN_DOMCTL_ioport_permission:
    case XEN_DOMCTL_ioport_mapping:
    case XEN_DOMCTL_bind_pt_irq:
    case XEN_DOMCTL_unbind_pt_irq:
        /* Their own permission checks, no domctl lock (as Xen). */
        rc = arch_do_domctl(&op, d, &copyback);
        goto out;
    }

    rc = -XEN_EPERM;
    if (!cur->is_privileged)
        goto out;
    if (!spin_trylock(&domctl_lock)) {
        if (d)
            put_domain(d);
        return hypercall_create_continuation(__HYPERVISOR_domctl, 1, guest_handle_va(u_domctl));
    }
    rc = domctl_locked(&op, d, u_domctl, &copyback);
    spin_unlock(&domctl_lock);

out:
    if (d)
        put_domain(d);
    if (copyback && copy_to_guest(u_domctl, &op, 1))
        rc = -XEN_EFAULT;
    return rc;
}
