/*
 * Fuzz target: the shared ring as a hostile guest leaves it. The input
 * sets the page (indexes and contents) and a sequence of operations; the
 * server side must never read or write outside the rings, never return
 * more than asked, and report impossible indexes as XS_RING_BAD.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xenstore_domain_interface intf;
	static char buf[4096];
	size_t i;

	if (size < sizeof(intf))
		return 0;
	memcpy(&intf, data, sizeof(intf));
	for (i = sizeof(intf); i < size; i++) {
		size_t len = (data[i] & 0x7f) * 11;
		uint32_t before;
		int r;

		switch (data[i] >> 7) {
		case 0:
			before = intf.req_cons;
			r = xs_ring_read_req(&intf, buf, len);
			if (r != XS_RING_BAD &&
			    (r < 0 || (size_t)r > len || r > XENSTORE_RING_SIZE ||
			     intf.req_cons - before != (uint32_t)r))
				abort();
			break;
		default:
			before = intf.rsp_prod;
			r = xs_ring_write_rsp(&intf, buf, len);
			if (r != XS_RING_BAD &&
			    (r < 0 || (size_t)r > len ||
			     intf.rsp_prod - before != (uint32_t)r ||
			     intf.rsp_prod - intf.rsp_cons > XENSTORE_RING_SIZE))
				abort();
			break;
		}
		/* the guest moves its own index between our operations */
		if (i + 1 < size && (data[i] & 1))
			intf.req_prod += data[++i];
		else if (i + 1 < size && (data[i] & 2))
			intf.rsp_cons += data[++i];
	}
	return 0;
}
