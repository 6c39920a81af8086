/* CPUID and MSR policies serialised as Xen's x86_cpuid_copy_to_buffer and
 * x86_msr_copy_to_buffer (arch/x86/sysctl.c): sysctl get_cpu_policy and
 * domctl get_cpu_policy. */
#ifndef ASM_CPU_POLICY_H
#define ASM_CPU_POLICY_H
#include <pvisor/types.h>
#include <xen/xen.h>

/* Xen 4.17's serialised policy bounds (lib/x86 cpu-policy.h): basic leaves
 * 0-0xd, leaf 7 subleaves 0-2, cache 0-5, topology 0-1, xstate 0-62,
 * extended 0x80000000-0x80000021, plus the two hypervisor limits. */
#define NR_BASIC   (0xdu + 1)
#define NR_CACHE   (5u + 1)
#define NR_FEAT    (2u + 1)
#define NR_TOPO    (1u + 1)
#define NR_XSTATE  (62u + 1)
#define NR_EXTD    (0x21u + 1)
#define CPUID_MAX_SERIALISED_LEAVES \
    (NR_BASIC + NR_FEAT - 1 + NR_CACHE - 1 + NR_TOPO - 1 + NR_XSTATE - 1 + NR_EXTD + 2)
#define MSR_MAX_SERIALISED_ENTRIES 2

struct vcpu;
/* The hardware's view (pv NULL) or what PV vCPU pv is shown, into the
 * guest array `leaves` of *nr_leaves entries (-ENOBUFS when too small);
 * a null array asks for the maximum count. *nr_leaves becomes the count. */
long arch_cpuid_policy_to_guest(struct vcpu *pv, XEN_GUEST_HANDLE(xen_cpuid_leaf_t) leaves,
                                u32 *nr_leaves);
long arch_msr_policy_to_guest(struct vcpu *pv, XEN_GUEST_HANDLE(xen_msr_entry_t) msrs, u32 *nr_msrs);
#endif
