/*
 * The record a toolstack reads about a domain (getdomaininfo and
 * getdomaininfolist), with Xen 4.17's rules:
 * - the run-state bits count only online vCPUs: blocked when all of them
 *   are blocked, running when any is on a CPU, none of the two when no
 *   vCPU is online (a freshly built domain);
 * - bits 16-31 hold the shutdown code shifted left by 16, and the code is
 *   ~0 until a shutdown or SCHEDOP_shutdown_code sets it, so a live domain
 *   reads 0xffff0000 there (libxl masks with XEN_DOMINF_shutdownmask);
 * - paused means paused by the controller (pausedomain: its count, which
 *   createdomain starts at 1), not by a shutdown or a pause inside Xen;
 * - cpu_time is the time the vCPUs spent running, the current stint included.
 */
#include <pvisor/domain_info.h>
#include <pvisor/time.h>
#include <pvisor/cpu.h>
#include <string.h>

/* Xen's SHUTDOWN_CODE_INVALID: no code recorded yet. */
#define NO_SHUTDOWN_CODE (~0u)

u64 vcpu_running_time(const struct vcpu *v)
{
    struct vcpu_runstate_info rs = v->runstate;
    u64 t = rs.time[RUNSTATE_running];

    if (rs.state == RUNSTATE_running) {
        s_time_t now = NOW();
        if (now > (s_time_t)rs.state_entry_time)
            t += (u64)(now - (s_time_t)rs.state_entry_time);
    }
    return t;
}

static unsigned int shutdown_code_of(const struct domain *d)
{
    if (d->is_shutting_down || d->has_shutdown_code)
        return d->shutdown_code;
    return NO_SHUTDOWN_CODE;
}

static u32 flags_and_vcpus(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    u32 run = XEN_DOMINF_blocked;
    unsigned int online = 0, max_id = XEN_INVALID_MAX_VCPU_ID;
    u64 cpu_time = 0;

    for (unsigned int i = 0; i < d->max_vcpus && i < MAX_VCPUS; i++) {
        struct vcpu *v = d->vcpu[i];
        unsigned int pf;

        if (!v)
            continue;
        max_id = v->vcpu_id;
        cpu_time += vcpu_running_time(v);
        pf = __atomic_load_n(&v->pause_flags, __ATOMIC_RELAXED);
        if (pf & VPF_down)
            continue;
        online++;
        if (!(pf & VPF_blocked))
            run &= ~XEN_DOMINF_blocked;
        if (__atomic_load_n(&v->is_running, __ATOMIC_RELAXED))
            run |= XEN_DOMINF_running;
    }
    if (info) {
        info->nr_online_vcpus = online;
        info->max_vcpu_id = max_id;
        info->cpu_time = cpu_time;
    }
    return (online ? run : 0) |
           (d->is_dying == DOMDYING_dead ? XEN_DOMINF_dying : 0) |   /* Xen: the zombie only */
           (d->is_shut_down ? XEN_DOMINF_shutdown : 0) |
           (d->controller_pause_count ? XEN_DOMINF_paused : 0) |
           (d->debugger_attached ? XEN_DOMINF_debugged : 0) |
           ((d->options & XEN_DOMCTL_CDF_xs_domain) ? XEN_DOMINF_xs_domain : 0) |
           (u32)(shutdown_code_of(d) << XEN_DOMINF_shutdownshift);
}

u32 domain_info_flags(struct domain *d)
{
    return flags_and_vcpus(d, NULL);
}

void domain_get_info(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    info->flags = flags_and_vcpus(d, info);
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    /* XENMEM_claim_pages: claimed, not yet populated (changes under the heap lock) */
    info->outstanding_pages = __atomic_load_n(&d->outstanding_pages, __ATOMIC_RELAXED);
    /* PV: the guest frame of shared_info is its machine frame. */
    info->shared_info_frame = d->shared_info_mfn;
    info->cpupool = 0;                       /* Pool-0, the only pool */
    memcpy(info->handle, d->handle, sizeof(info->handle));
    /* dom0 has PIT channel 2 emulated (arch/x86/pv/vpit.c), as Xen's PV
     * hardware domain has XEN_X86_EMU_PIT; a domU what createdomain asked. */
    info->arch_config.emulation_flags = d->emulation_flags | (d->is_initial ? XEN_X86_EMU_PIT : 0);
    /* Xen reports its HAP address width, the CPU's, for PV guests too. */
    info->gpaddr_bits = (u8)cpu_paddr_bits;
}
