/*
 * The x86/PV domctl operations (Xen 4.17's arch_do_domctl for a PV
 * domain): page-frame types, the hypercall page, address size, TSC mode,
 * I/O port permissions and paging (shadow) operations, each with Xen's
 * errno for a PV domain on a machine without HVM or an IOMMU.
 */
#include <asm/domctl.h>
#include <pvisor/domain.h>
#include <pvisor/pv_mm.h>
#include <pvisor/pv.h>
#include <pvisor/printk.h>
#include <pvisor/time.h>
#include <pvisor/guest_access.h>
#include <pvisor/mm_frame.h>
#include <pvisor/page_alloc.h>
#include <pvisor/pv_emul.h>
#include <asm/cpu_policy.h>
#include <string.h>

/* XEN_DOMCTL_PFINFO_* for one frame the caller names in d. */
static u64 pageframe_type(struct domain *d, unsigned long gfn)
{
    struct mm_env *env = arch_mm_env();
    u64 type, t;

    /* Hypervisor pages the domain may map (shared_info, grant frames) are
     * Xen's special pages: no type to report. */
    if (!mfn_valid(gfn) || (mfn_to_frame(gfn)->flags & FRAMEF_SHARED_XEN) ||
        !mm_get_page(env, gfn, &d->mm))
        return XEN_DOMCTL_PFINFO_XTAB;
    t = __atomic_load_n(&mfn_to_frame(gfn)->type_info, __ATOMIC_ACQUIRE);
    switch (pgt_type(t)) {
    case PGT_L1: type = XEN_DOMCTL_PFINFO_L1TAB; break;
    case PGT_L2: type = XEN_DOMCTL_PFINFO_L2TAB; break;
    case PGT_L3: type = XEN_DOMCTL_PFINFO_L3TAB; break;
    case PGT_L4: type = XEN_DOMCTL_PFINFO_L4TAB; break;
    default:     type = XEN_DOMCTL_PFINFO_NOTAB; break;
    }
    if (t & PGT_PINNED)
        type |= XEN_DOMCTL_PFINFO_LPINTAB;
    else if (!(t & PGT_VALIDATED))
        type = XEN_DOMCTL_PFINFO_NOTAB;
    mm_put_page(env, gfn);
    return type;
}

/* Each of up to 1024 frame numbers in the caller's array is replaced by
 * its type; a fault stops there (-EFAULT) with the earlier ones written. */
static long getpageframeinfo3(struct domain *d, struct xen_domctl_getpageframeinfo3 *op)
{
    if (op->num > 1024)
        return -XEN_E2BIG;
    for (u64 i = 0; i < op->num; i++) {
        xen_pfn_t gfn, type;

        if (copy_from_guest_offset(&gfn, op->array, i, 1))
            return -XEN_EFAULT;
        type = pageframe_type(d, gfn);
        if (copy_to_guest_offset(op->array, i, &type, 1))
            return -XEN_EFAULT;
    }
    return 0;
}

/* Write the hypercall page into a frame of d: -EINVAL when d does not own
 * it, -EPERM when it cannot be writable (a page table, a descriptor page). */
static long hypercall_init(struct domain *d, unsigned long gmfn)
{
    struct mm_env *env = arch_mm_env();

    if (!mfn_valid(gmfn) || !mm_get_page(env, gmfn, &d->mm))
        return -XEN_EINVAL;
    if (mm_get_type(env, &current->mm, gmfn, PGT_WRITABLE, 0)) {
        mm_put_page(env, gmfn);
        return -XEN_EPERM;
    }
    pv_write_hypercall_page(mfn_to_virt(gmfn));
    mm_put_type(env, &current->mm, gmfn, 0);
    mm_put_page(env, gmfn);
    return 0;
}

/* Xen's paging_domctl for a PV domain, built as Xen 4.17 is in Debian:
 * without shadow paging (every shadow operation -EINVAL) and log-dirty
 * mode refused for PV (-EOPNOTSUPP). */
static long shadow_op(struct domain *d, struct xen_domctl_shadow_op *sc, bool *copyback)
{
    *copyback = true;
    if (d == current->domain || !d->vcpu[0])
        return -XEN_EINVAL;
    switch (sc->op) {
    case XEN_DOMCTL_SHADOW_OP_ENABLE:
        if (!(sc->mode & XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY))
            break;
        /* fall through */
    case XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
        return -XEN_EOPNOTSUPP;
    case XEN_DOMCTL_SHADOW_OP_CLEAN:
    case XEN_DOMCTL_SHADOW_OP_PEEK:
        if (sc->mode & ~XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL)
            return -XEN_EINVAL;
        return -XEN_EOPNOTSUPP;                     /* no log-dirty bitmap */
    }
    return -XEN_EINVAL;
}

/* The policy the domain's vCPUs see (pvisor shows every PV domU one PV
 * policy; before its first vCPU exists, the caller's view of it). */
static long get_cpu_policy(struct domain *d, struct xen_domctl_cpu_policy *cp, bool *copyback)
{
    struct vcpu *v = d->vcpu[0] ? d->vcpu[0] : current;
    long rc;

    if ((rc = arch_cpuid_policy_to_guest(v, cp->leaves, &cp->nr_leaves)) ||
        (rc = arch_msr_policy_to_guest(v, cp->msrs, &cp->nr_msrs)))
        return rc;
    *copyback = true;
    return 0;
}

/* Xen's checks (not the caller's own domain, not once it has run, the
 * counts, readable arrays); the policy is accepted but not applied:
 * pvisor shows every PV domain its own PV policy, the one get_cpu_policy
 * reported, which is what a toolstack sets back unless told to mask. */
static long set_cpu_policy(struct domain *d, const struct xen_domctl_cpu_policy *cp)
{
    xen_cpuid_leaf_t leaf;
    xen_msr_entry_t msr;

    if (d == current->domain)
        return -XEN_EINVAL;
    if (d->creation_finished)
        return -XEN_EEXIST;
    if (cp->nr_leaves > CPUID_MAX_SERIALISED_LEAVES || cp->nr_msrs > MSR_MAX_SERIALISED_ENTRIES)
        return -XEN_E2BIG;
    for (u32 i = 0; i < cp->nr_leaves; i++)
        if (copy_from_guest_offset(&leaf, cp->leaves, i, 1))
            return -XEN_EFAULT;
    for (u32 i = 0; i < cp->nr_msrs; i++)
        if (copy_from_guest_offset(&msr, cp->msrs, i, 1))
            return -XEN_EFAULT;
    return 0;
}

long arch_do_domctl(struct xen_domctl *op, struct domain *d, bool *copyback)
{
    switch (op->cmd) {
    case XEN_DOMCTL_shadow_op:
        return shadow_op(d, &op->u.shadow_op, copyback);

    case XEN_DOMCTL_getpageframeinfo3:
        return getpageframeinfo3(d, &op->u.getpageframeinfo3);

    case XEN_DOMCTL_hypercall_init:
        return hypercall_init(d, op->u.hypercall_init.gmfn);

    case XEN_DOMCTL_set_address_size:
        if (op->u.address_size.size == 64)
            return 0;
        /* 32-bit PV (Xen's switch_compat) is not supported. */
        return op->u.address_size.size == 32 ? -XEN_EOPNOTSUPP : -XEN_EINVAL;

    case XEN_DOMCTL_get_address_size:
        op->u.address_size.size = 64;
        *copyback = true;
        return 0;

    case XEN_DOMCTL_gettscinfo:
        if (d == current->domain)
            return -XEN_EINVAL;
        /* TSC_MODE_DEFAULT: the guest reads the host TSC. */
        op->u.tsc_info.tsc_mode = 0;
        op->u.tsc_info.gtsc_khz = (u32)(tsc_khz);
        op->u.tsc_info.incarnation = 0;
        op->u.tsc_info.elapsed_nsec = 0;
        *copyback = true;
        return 0;

    case XEN_DOMCTL_settscinfo:
        if (d == current->domain)
            return -XEN_EINVAL;
        switch (op->u.tsc_info.tsc_mode) {
        case 0:                                     /* TSC_MODE_DEFAULT */
            return 0;
        case 1:                                     /* ALWAYS_EMULATE */
        case 2:                                     /* NEVER_EMULATE */
            return -XEN_EOPNOTSUPP;                 /* pvisor never emulates the TSC */
        }
        return -XEN_EINVAL;

    case XEN_DOMCTL_ioport_permission: {
        unsigned int fp = op->u.ioport_permission.first_port;
        unsigned int np = op->u.ioport_permission.nr_ports;

        if (fp + np <= fp || fp + np > 0x10000)
            return -XEN_EINVAL;
        if (!current->domain->is_privileged)
            return -XEN_EPERM;
        /* Nothing is ever granted to another domain, so revoking is done;
         * granting ports (passthrough) is not supported. */
        return op->u.ioport_permission.allow_access ? -XEN_EOPNOTSUPP : 0;
    }

    case XEN_DOMCTL_ioport_mapping:
        return -XEN_EOPNOTSUPP;                     /* HVM only */

    case XEN_DOMCTL_bind_pt_irq:
    case XEN_DOMCTL_unbind_pt_irq:
        return -XEN_EINVAL;                         /* HVM only */

    case XEN_DOMCTL_set_ext_vcpucontext:
    case XEN_DOMCTL_get_ext_vcpucontext:
    case XEN_DOMCTL_setvcpuextstate:
    case XEN_DOMCTL_getvcpuextstate:
    case XEN_DOMCTL_get_vcpu_msrs:
    case XEN_DOMCTL_set_vcpu_msrs:
        /* Save/restore state: not implemented yet. */
        return -XEN_EOPNOTSUPP;

    case XEN_DOMCTL_get_cpu_policy:
        return get_cpu_policy(d, &op->u.cpu_policy, copyback);

    case XEN_DOMCTL_set_cpu_policy:
        return set_cpu_policy(d, &op->u.cpu_policy);
    }
    return -XEN_ENOSYS;
}
