/*
 * 2-level event channel upcall: the guest side of Xen's evtchn_2l ABI.
 * Clear upcall_pending, take the selector word, then every pending and
 * unmasked port of each selected word, clearing its pending bit.
 */
#include "guest.h"

#define NR_HANDLED_PORTS 1024

volatile unsigned long upcalls;
volatile unsigned long events_seen;
volatile unsigned int port_events[NR_HANDLED_PORTS];
static evtchn_handler_t handlers[NR_HANDLED_PORTS];

void set_evtchn_handler(evtchn_port_t port, evtchn_handler_t fn)
{
	if (port < NR_HANDLED_PORTS)
		handlers[port] = fn;
}

void evtchn_do_upcall(void)
{
	struct vcpu_info *vi = this_vcpu_info();

	upcalls++;
	while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		unsigned long sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0,
							 __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzl(sel);
			sel &= sel - 1;
			unsigned long pend = shared_info->evtchn_pending[w] &
					     ~shared_info->evtchn_mask[w];
			while (pend) {
				unsigned int b = (unsigned int)__builtin_ctzl(pend);
				pend &= pend - 1;
				evtchn_port_t port = w * 64 + b;
				__atomic_fetch_and(&shared_info->evtchn_pending[w], ~(1UL << b),
						   __ATOMIC_SEQ_CST);
				events_seen++;
				if (port < NR_HANDLED_PORTS) {
					port_events[port]++;
					if (handlers[port])
						handlers[port](port);
				}
			}
		}
	}
}

/* Linux's xen_force_evtchn_callback: any hypercall returns through the
 * event check, xen_version(0) is the cheapest. */
void events_poke(void)
{
	HYPERVISOR_xen_version(XENVER_version, 0);
}

/* Small wrappers; they return the port (>= 0) or the hypercall's error. */
long evtchn_bind_ipi(unsigned int vcpu_id)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu_id };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
	return rc ? rc : (long)op.port;
}

long evtchn_bind_virq(unsigned int virq, unsigned int vcpu_id)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu_id };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
	return rc ? rc : (long)op.port;
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return (shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&shared_info->evtchn_mask[port / 64], 1UL << (port % 64), __ATOMIC_SEQ_CST);
}

void evtchn_clear(evtchn_port_t port)
{
	__atomic_fetch_and(&shared_info->evtchn_pending[port / 64], ~(1UL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}
