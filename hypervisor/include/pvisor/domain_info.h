/*
 * The per-domain record of XEN_DOMCTL_getdomaininfo and
 * XEN_SYSCTL_getdomaininfolist (common/domain_info.c): one builder, so
 * both hypercalls report a domain the same way.
 */
#ifndef PVISOR_DOMAIN_INFO_H
#define PVISOR_DOMAIN_INFO_H
#include <pvisor/domain.h>
#include <xen/domctl.h>

/* Fill *info for d (the caller holds a reference). */
void domain_get_info(struct domain *d, struct xen_domctl_getdomaininfo *info);

/* Time v spent running, the current stint included (ns): getvcpuinfo. */
u64 vcpu_running_time(const struct vcpu *v);

/* XEN_DOMINF_* flags alone (shutdown code included), as Xen computes them. */
u32 domain_info_flags(struct domain *d);
#endif
