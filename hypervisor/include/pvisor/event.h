/*
 * Event channels in the hypervisor: the hypercall shim and the hooks other
 * parts use, over the pure module of <pvisor/evtchn.h> (common/evtchn/).
 * 2-level ABI; FIFO is refused so Linux falls back to it.
 */
#ifndef PVISOR_EVENT_H
#define PVISOR_EVENT_H
#include <pvisor/domain.h>

int evtchn_domain_init(struct domain *d);
/* Closes every port (peers' ends go back to unbound) and frees the table. */
void evtchn_domain_destroy(struct domain *d);
/* domain_kill: no new ports, every port closed; the table stays until
 * evtchn_domain_destroy. */
void evtchn_domain_kill(struct domain *d);
/* createdomain's max_evtchn_port (Xen 4.17 has no set_max_evtchn domctl
 * any more; ports in use above it would stay). Always 0. */
int evtchn_set_max_evtchn(struct domain *d, unsigned int max_port);
/* EVTCHNOP_close of port in d (an interdomain peer's end becomes unbound). */
long evtchn_close_port(struct domain *d, evtchn_port_t port);
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_global_virq(struct domain *d, unsigned int virq);
/* Make v take an upcall (and wake it if it blocks). */
void vcpu_mark_events_pending(struct vcpu *v);
/* The module's environment in the hypervisor (for selftests). */
struct evtchn_env *evtchn_hv_env(void);
#endif
