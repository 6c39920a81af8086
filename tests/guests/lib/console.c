/*
 * Output: dom0 writes through console_io(CONSOLEIO_write), the
 * hypervisor's console.  A domU may not (Xen's default policy refuses
 * console_io to every domain but the hardware domain), so it writes into
 * the console ring its builder announced in start_info and kicks the
 * ring's event channel, as a PV console frontend does; the builder copies
 * the ring to its own console.
 */
#include "guest.h"
#include <xen/io/console.h>

static struct xencons_interface *domu_ring(void)
{
	if (!start_info || (start_info->flags & SIF_INITDOMAIN) ||
	    !start_info->console.domU.mfn)
		return NULL;
	return (struct xencons_interface *)pfn_to_va(mfn_to_pfn(start_info->console.domU.mfn));
}

/* Copy into the ring as space frees up; yield to the builder when full. */
static void ring_write(struct xencons_interface *r, const char *s, size_t len)
{
	while (len) {
		XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod = r->out_prod;
		if (prod - cons >= sizeof(r->out)) {
			evtchn_send(start_info->console.domU.evtchn);
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			continue;
		}
		while (len && prod - cons < sizeof(r->out)) {
			r->out[MASK_XENCONS_IDX(prod, r->out)] = *s++;
			prod++;
			len--;
		}
		__atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
	}
	evtchn_send(start_info->console.domU.evtchn);
}

void console_write(const char *s, size_t len)
{
	struct xencons_interface *r = domu_ring();

	if (r)
		ring_write(r, s, len);
	else
		HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

void printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}
