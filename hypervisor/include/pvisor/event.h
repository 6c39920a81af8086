/*
 * Event channels, 2-level ABI (the FIFO ABI is refused with -ENOSYS, as
 * Linux expects, so it falls back): ports, VIRQs, IPIs, interdomain
 * channels, and the pending/mask/selector protocol with the guest.
 */
#ifndef PVISOR_EVENT_H
#define PVISOR_EVENT_H
#include <pvisor/domain.h>

int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);
/* EVTCHNOP_close of port in d (an interdomain peer's end becomes unbound). */
long evtchn_close_port(struct domain *d, evtchn_port_t port);
/* Raise a port of d (from the hypervisor or a peer). */
void evtchn_set_pending(struct domain *d, evtchn_port_t port);
bool evtchn_port_is_pending(struct domain *d, evtchn_port_t port);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_guest_global_virq(struct domain *d, unsigned int virq);
/* Make v take an upcall (and wake it if it blocks). */
void vcpu_mark_events_pending(struct vcpu *v);
/* Domain shut down: tell dom0 (VIRQ_DOM_EXC) or, for dom0, stop the machine. */
/* Allocate a port of d bound to the hypervisor itself (domU console). */
#endif
