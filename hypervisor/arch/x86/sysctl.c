/*
 * The x86 half of sysctl: the CPU's capability words and topology, CPU
 * hotplug and resource-control queries (refused as on a host without
 * them), and the CPUID/MSR policies serialised in Xen's format.
 */
#include <pvisor/sysctl.h>
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/pv_emul.h>
#include <pvisor/smp.h>
#include <pvisor/guest_access.h>
#include <pvisor/cpu.h>
#include <asm/processor.h>
#include <asm/cpu_policy.h>
#include <string.h>

/* The 0x80000001 EDX bits that repeat leaf 1's (FPU-PGE, CMOV-PSE36, MMX, FXSR). */
#define E1D_COMMON_WITH_LEAF1   0x0183f3ffu
#define MSR_INTEL_PLATFORM_INFO 0x000000ce
#define MSR_ARCH_CAPABILITIES   0x0000010a

static unsigned int log2_ceil(u32 n)
{
    unsigned int s = 0;

    while ((1u << s) < n)
        s++;
    return s;
}

/* Logical CPUs per package and threads per core, from CPUID. */
static void package_shape(u32 *logical, u32 *threads)
{
    struct cpuid_regs r;
    u32 cores = 1;

    cpuid(1, &r);
    *logical = (r.edx & (1u << 28)) ? ((r.ebx >> 16) & 0xff) : 1;
    if (!*logical)
        *logical = 1;
    if (!strcmp(cpu_vendor, "GenuineIntel") && cpu_max_leaf >= 4) {
        cpuid_count(4, 0, &r);
        if (r.eax & 0x1f)
            cores = (r.eax >> 26) + 1;
    } else if (cpu_max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, &r);
        cores = (r.ecx & 0xff) + 1;
    }
    if (cores > *logical)
        cores = *logical;
    *threads = *logical / cores;
    if (!*threads)
        *threads = 1;
}

void arch_sysctl_cpu_topo(unsigned int cpu, u32 *core, u32 *socket)
{
    u32 logical, threads, apic = cpu_apic_id(cpu);
    unsigned int pkg_shift, core_shift;

    package_shape(&logical, &threads);
    pkg_shift = log2_ceil(logical);
    core_shift = log2_ceil(threads);
    *socket = apic >> pkg_shift;
    *core = (apic & ((1u << pkg_shift) - 1)) >> core_shift;
}

void arch_sysctl_topology(struct xen_sysctl_physinfo *pi)
{
    u32 core0, socket0, in_socket = 0, in_core = 0;

    arch_sysctl_cpu_topo(0, &core0, &socket0);
    for (unsigned int cpu = 0; cpu < nr_cpus_online; cpu++) {
        u32 core, socket;
        arch_sysctl_cpu_topo(cpu, &core, &socket);
        if (socket != socket0)
            continue;
        in_socket++;
        if (core == core0)
            in_core++;
    }
    pi->threads_per_core = in_core;
    pi->cores_per_socket = in_socket / in_core;
}

void arch_sysctl_physinfo(struct xen_sysctl_physinfo *pi)
{
    struct cpuid_regs r;

    /* Xen's featureset words 0-7: 1.edx, 1.ecx, e1.edx, e1.ecx, 0xd:1.eax,
     * 7:0.ebx, 7:0.ecx, e7.edx. */
    cpuid(1, &r);
    pi->hw_cap[0] = r.edx;
    pi->hw_cap[1] = r.ecx;
    /* As Xen: no SYSENTER in long mode on AMD, and the AMD leaf's copies
     * of leaf-1 features are not repeated in word 2. */
    if (!strcmp(cpu_vendor, "AuthenticAMD"))
        pi->hw_cap[0] &= ~(1u << 11);
    if (cpu_max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &r);
        pi->hw_cap[2] = r.edx & ~E1D_COMMON_WITH_LEAF1;
        pi->hw_cap[3] = r.ecx;
    }
    if (cpu_max_leaf >= 0xd) {
        cpuid_count(0xd, 1, &r);
        pi->hw_cap[4] = r.eax;
    }
    if (cpu_max_leaf >= 7) {
        cpuid_count(7, 0, &r);
        pi->hw_cap[5] = r.ebx;
        pi->hw_cap[6] = r.ecx;
    }
    if (cpu_max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, &r);
        pi->hw_cap[7] = r.edx;
    }
}

/* ---- CPUID/MSR policies ---- */

/* A CPUID view: the hardware's (v NULL) or what PV vCPU v is shown. */
typedef void (*cpuid_fn)(struct vcpu *v, u32 leaf, u32 sub, u32 out[4]);

static void raw_leaf(struct vcpu *v, u32 leaf, u32 sub, u32 out[4])
{
    struct cpuid_regs r;

    (void)v;
    cpuid_count(leaf, sub, &r);
    out[0] = r.eax; out[1] = r.ebx; out[2] = r.ecx; out[3] = r.edx;
}

static void pv_leaf(struct vcpu *v, u32 leaf, u32 sub, u32 out[4])
{
    pv_cpuid(v, leaf, sub, out);
}

struct leaf_writer {
    XEN_GUEST_HANDLE(xen_cpuid_leaf_t) buf;
    u32 n, max;
};

static long put_leaf(struct leaf_writer *w, u32 leaf, u32 sub, const u32 v[4])
{
    xen_cpuid_leaf_t e = { leaf, sub, v[0], v[1], v[2], v[3] };

    if (w->n == w->max)
        return -XEN_ENOBUFS;
    if (copy_to_guest_offset(w->buf, w->n, &e, 1))
        return -XEN_EFAULT;
    w->n++;
    return 0;
}

/* Xen's x86_cpuid_copy_to_buffer order: basic leaves with their subleaves,
 * the two hypervisor-leaf limits, the extended leaves. */
static long serialise_cpuid(cpuid_fn fn, struct vcpu *pv, struct leaf_writer *w)
{
    u32 v[4], max_basic, max_extd;
    long rc;

#define PUT(l, s, val) do { if ((rc = put_leaf(w, (l), (s), (val)))) return rc; } while (0)
    fn(pv, 0, 0, v);
    max_basic = v[0] < NR_BASIC - 1 ? v[0] : NR_BASIC - 1;
    for (u32 leaf = 0; leaf <= max_basic; leaf++) {
        switch (leaf) {
        case 0x4:
            for (u32 s = 0; s < NR_CACHE; s++) {
                fn(pv, leaf, s, v);
                PUT(leaf, s, v);
                if (!(v[0] & 0x1f))
                    break;
            }
            break;
        case 0x7: {
            u32 max_sub;
            fn(pv, leaf, 0, v);
            max_sub = v[0] < NR_FEAT - 1 ? v[0] : NR_FEAT - 1;
            for (u32 s = 0; s <= max_sub; s++) {
                fn(pv, leaf, s, v);
                PUT(leaf, s, v);
            }
            break;
        }
        case 0xb:
            for (u32 s = 0; s < NR_TOPO; s++) {
                fn(pv, leaf, s, v);
                PUT(leaf, s, v);
                if (!((v[2] >> 8) & 0xff))
                    break;
            }
            break;
        case 0xd: {
            u64 xstates;
            fn(pv, leaf, 0, v);
            xstates = v[0] | ((u64)v[3] << 32);
            PUT(leaf, 0, v);
            fn(pv, leaf, 1, v);
            xstates |= v[2] | ((u64)v[3] << 32);
            PUT(leaf, 1, v);
            xstates >>= 2;
            for (u32 s = 2; xstates && s < NR_XSTATE; xstates >>= 1, s++) {
                fn(pv, leaf, s, v);
                PUT(leaf, s, v);
            }
            break;
        }
        default:
            fn(pv, leaf, 0, v);
            PUT(leaf, XEN_CPUID_NO_SUBLEAF, v);
            break;
        }
    }
    memset(v, 0, sizeof(v));
    PUT(0x40000000, XEN_CPUID_NO_SUBLEAF, v);    /* hv_limit */
    PUT(0x40000100, XEN_CPUID_NO_SUBLEAF, v);    /* hv2_limit */
    fn(pv, 0x80000000, 0, v);
    max_extd = (v[0] & 0xffff) < NR_EXTD - 1 ? (v[0] & 0xffff) : NR_EXTD - 1;
    if ((v[0] & 0xffff0000) != 0x80000000)
        max_extd = 0;
    for (u32 leaf = 0; leaf <= max_extd; leaf++) {
        fn(pv, 0x80000000 | leaf, 0, v);
        PUT(0x80000000 | leaf, XEN_CPUID_NO_SUBLEAF, v);
    }
#undef PUT
    return 0;
}

static long serialise_msrs(bool pv, XEN_GUEST_HANDLE(xen_msr_entry_t) buf, u32 *nr)
{
    /* Neither CPUID faulting nor ARCH_CAPABILITIES is reported (as Xen
     * under QEMU's AMD models). */
    (void)pv;
    xen_msr_entry_t e[MSR_MAX_SERIALISED_ENTRIES] = {
        { MSR_INTEL_PLATFORM_INFO, 0, 0 },
        { MSR_ARCH_CAPABILITIES, 0, 0 },
    };

    for (u32 i = 0; i < MSR_MAX_SERIALISED_ENTRIES; i++) {
        if (i == *nr)
            return -XEN_ENOBUFS;
        if (copy_to_guest_offset(buf, i, &e[i], 1))
            return -XEN_EFAULT;
    }
    *nr = MSR_MAX_SERIALISED_ENTRIES;
    return 0;
}

long arch_cpuid_policy_to_guest(struct vcpu *pv, XEN_GUEST_HANDLE(xen_cpuid_leaf_t) leaves,
                                u32 *nr_leaves)
{
    struct leaf_writer w = { leaves, 0, *nr_leaves };
    long rc;

    if (guest_handle_is_null(leaves)) {
        *nr_leaves = CPUID_MAX_SERIALISED_LEAVES;
        return 0;
    }
    if ((rc = serialise_cpuid(pv ? pv_leaf : raw_leaf, pv, &w)))
        return rc;
    *nr_leaves = w.n;
    return 0;
}

long arch_msr_policy_to_guest(struct vcpu *pv, XEN_GUEST_HANDLE(xen_msr_entry_t) msrs, u32 *nr_msrs)
{
    if (guest_handle_is_null(msrs)) {
        *nr_msrs = MSR_MAX_SERIALISED_ENTRIES;
        return 0;
    }
    return serialise_msrs(pv != NULL, msrs, nr_msrs);
}

static long get_cpu_policy(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl_cpu_policy *cp = &op->u.cpu_policy;
    struct vcpu *pv;
    long rc;

    if (cp->_rsvd || cp->index > XEN_SYSCTL_cpu_policy_hvm_default)
        return -XEN_EINVAL;
    switch (cp->index) {
    case XEN_SYSCTL_cpu_policy_raw:
    case XEN_SYSCTL_cpu_policy_host:
        pv = NULL;
        break;
    case XEN_SYSCTL_cpu_policy_pv_max:
    case XEN_SYSCTL_cpu_policy_pv_default:
        pv = current;
        break;
    default:
        return -XEN_EOPNOTSUPP;          /* no HVM */
    }
    if ((rc = arch_cpuid_policy_to_guest(pv, cp->leaves, &cp->nr_leaves)))
        return rc;
    if (copy_field_to_guest(u_sysctl, op, u.cpu_policy.nr_leaves))
        return -XEN_EFAULT;
    if ((rc = arch_msr_policy_to_guest(pv, cp->msrs, &cp->nr_msrs)))
        return rc;
    if (copy_field_to_guest(u_sysctl, op, u.cpu_policy.nr_msrs))
        return -XEN_EFAULT;
    return 0;
}

/* Xen 4.17's featureset: 19 words, in the order of its cpufeatureset.h. */
#define FSCAPINTS 19

static void featureset_of(cpuid_fn fn, struct vcpu *pv, bool guard, u32 fs[FSCAPINTS])
{
    static const struct { u32 leaf, sub; u8 reg; } words[FSCAPINTS] = {
        { 1, 0, 3 }, { 1, 0, 2 }, { 0x80000001, 0, 3 }, { 0x80000001, 0, 2 },
        { 0xd, 1, 0 }, { 7, 0, 1 }, { 7, 0, 2 }, { 0x80000007, 0, 3 },
        { 0x80000008, 0, 1 }, { 7, 0, 3 }, { 7, 1, 0 }, { 0x80000021, 0, 0 },
        { 7, 1, 1 }, { 7, 2, 3 }, { 7, 1, 2 }, { 7, 1, 3 },
        { 0, 0, 4 }, { 0, 0, 4 },      /* ARCH_CAPS words: none reported */
        { 0x80000021, 0, 2 },
    };
    u32 v[4];

    for (unsigned int i = 0; i < FSCAPINTS; i++) {
        u32 leaf = words[i].leaf;
        fs[i] = 0;
        if (words[i].reg > 3)
            continue;
        /* Raw CPUID answers a leaf past the maximum with another leaf's
         * values: ask only within range. */
        if (guard && (leaf & 0x80000000 ? leaf > cpu_max_ext_leaf : leaf > cpu_max_leaf))
            continue;
        fn(pv, leaf, words[i].sub, v);
        fs[i] = v[words[i].reg];
    }
    fs[2] &= ~E1D_COMMON_WITH_LEAF1;
}

static long get_cpu_featureset(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    struct xen_sysctl_cpu_featureset *f = &op->u.cpu_featureset;
    u32 fs[FSCAPINTS], nr;
    long ret = 0;

    if (guest_handle_is_null(f->features)) {
        f->nr_features = FSCAPINTS;
        return copy_field_to_guest(u_sysctl, op, u.cpu_featureset.nr_features);
    }
    nr = f->nr_features < FSCAPINTS ? f->nr_features : FSCAPINTS;
    switch (f->index) {
    case XEN_SYSCTL_cpu_featureset_raw:
    case XEN_SYSCTL_cpu_featureset_host:
        featureset_of(raw_leaf, NULL, true, fs);
        break;
    case XEN_SYSCTL_cpu_featureset_pv:
    case XEN_SYSCTL_cpu_featureset_pv_max:
        featureset_of(pv_leaf, current, false, fs);
        break;
    case XEN_SYSCTL_cpu_featureset_hvm:
    case XEN_SYSCTL_cpu_featureset_hvm_max:
        ret = -XEN_EOPNOTSUPP;         /* no HVM */
        break;
    default:
        ret = -XEN_EINVAL;
        break;
    }
    if (!ret && copy_to_guest(f->features, fs, nr))
        ret = -XEN_EFAULT;
    f->nr_features = nr;
    if (!ret && copy_field_to_guest(u_sysctl, op, u.cpu_featureset.nr_features))
        ret = -XEN_EFAULT;
    if (!ret && nr < FSCAPINTS)
        ret = -XEN_ENOBUFS;
    return ret;
}

static long cpu_hotplug(const struct xen_sysctl_cpu_hotplug *h)
{
    switch (h->op) {
    case XEN_SYSCTL_CPU_HOTPLUG_ONLINE:
        if (h->cpu >= nr_cpus_possible)
            return -XEN_EINVAL;
        return -XEN_EEXIST;              /* every present CPU is online */
    case XEN_SYSCTL_CPU_HOTPLUG_OFFLINE:
        if (h->cpu >= nr_cpus_possible || h->cpu == 0)
            return -XEN_EINVAL;
        return -XEN_EOPNOTSUPP;          /* pvisor keeps its CPUs (deviation) */
    case XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE:
    case XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE:
    default:
        return -XEN_EOPNOTSUPP;
    }
}

long arch_do_sysctl(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl)
{
    switch (op->cmd) {
    case XEN_SYSCTL_cpu_hotplug:
        return cpu_hotplug(&op->u.cpu_hotplug);
    case XEN_SYSCTL_psr_cmt_op:
        return -XEN_ENODEV;              /* no cache monitoring */
    case XEN_SYSCTL_psr_alloc:
        switch (op->u.psr_alloc.cmd) {
        case XEN_SYSCTL_PSR_get_l3_info:
        case XEN_SYSCTL_PSR_get_l2_info:
        case XEN_SYSCTL_PSR_get_mba_info:
            return -XEN_ENODEV;          /* no allocation technology */
        }
        return -XEN_EOPNOTSUPP;
    case XEN_SYSCTL_get_cpu_levelling_caps:
        op->u.cpu_levelling_caps.caps = 0;
        if (copy_field_to_guest(u_sysctl, op, u.cpu_levelling_caps.caps))
            return -XEN_EFAULT;
        return 0;
    case XEN_SYSCTL_get_cpu_featureset:
        return get_cpu_featureset(op, u_sysctl);
    case XEN_SYSCTL_get_cpu_policy:
        return get_cpu_policy(op, u_sysctl);
    }
    return -XEN_ENOSYS;
}
