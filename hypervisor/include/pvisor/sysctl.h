/*
 * sysctl (common/sysctl.c) and its x86 half (arch/x86/sysctl.c).
 */
#ifndef PVISOR_SYSCTL_H
#define PVISOR_SYSCTL_H
#include <pvisor/types.h>
#include <xen/xen.h>
#include <xen/sysctl.h>
#include <xen/domctl.h>

/* As Xen x86 reports them: MAX_NUMNODES (64) and the local distance. */
#define SYSCTL_MAX_NUMNODES   64
#define SYSCTL_LOCAL_DISTANCE 10

/* threads_per_core and cores_per_socket of CPU 0's package (online CPUs). */
void arch_sysctl_topology(struct xen_sysctl_physinfo *pi);
/* hw_cap and the arch capability bits. */
void arch_sysctl_physinfo(struct xen_sysctl_physinfo *pi);
/* Core and socket ids of a CPU, from its APIC id. */
void arch_sysctl_cpu_topo(unsigned int cpu, u32 *core, u32 *socket);
/* The x86 sysctls (cpu_hotplug, psr, levelling caps, CPU policies) and
 * -ENOSYS for unknown ones. */
long arch_do_sysctl(struct xen_sysctl *op, XEN_GUEST_HANDLE_PARAM(xen_sysctl_t) u_sysctl);
#endif
