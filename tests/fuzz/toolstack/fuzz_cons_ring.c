/*
 * Fuzz target: pvconsoled's ring consumer and producer against a page a
 * hostile guest controls. The input sets the four indexes (the bytes
 * of the rings cannot matter to the bounds) and then a sequence of operations interleaved with the guest moving its indexes;
 * we must never touch memory outside the interface (ASan), never return
 * more than asked or than the ring holds, and move our own index by
 * exactly what we return.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cons_ring.h"
#include "../fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xencons_interface *intf;
	char buf[4096];
	struct in in = { data, size };

	intf = malloc(sizeof(*intf));     /* exact size: ASan sees any stray access */
	memset(intf, 0xa5, sizeof(*intf));
	intf->in_cons = u32_of(&in);
	intf->in_prod = u32_of(&in);
	intf->out_cons = u32_of(&in);
	intf->out_prod = u32_of(&in);
	while (in.n) {
		uint8_t op = byte(&in);
		size_t len = (size_t)(op & 0x3f) * 67;
		uint32_t before;
		int r;

		switch (op >> 6) {
		case 0:
			before = intf->out_cons;
			r = cons_ring_read_out(intf, buf, len);
			if (r == CONS_RING_BAD) {
				if (intf->out_cons != before || intf->out_prod - before <= sizeof(intf->out))
					abort();
			} else if (r < 0 || (size_t)r > len || (size_t)r > sizeof(intf->out) ||
				   intf->out_cons - before != (uint32_t)r) {
				abort();
			}
			break;
		case 1:
			before = intf->in_prod;
			r = cons_ring_write_in(intf, buf, len);
			if (r == CONS_RING_BAD) {
				if (intf->in_prod != before || before - intf->in_cons <= sizeof(intf->in))
					abort();
			} else if (r < 0 || (size_t)r > len || (size_t)r > sizeof(intf->in) ||
				   intf->in_prod - before != (uint32_t)r ||
				   intf->in_prod - intf->in_cons > sizeof(intf->in)) {
				abort();
			}
			if (cons_ring_in_space(intf) > sizeof(intf->in))
				abort();
			break;
		case 2:         /* the guest moves its producer */
			intf->out_prod += u32_of(&in) >> (op & 31);
			break;
		default:        /* the guest moves its consumer, or scribbles ours */
			if (op & 1)
				intf->in_cons += u32_of(&in) >> (op & 30);
			else
				intf->out_cons = u32_of(&in);
			break;
		}
	}
	free(intf);
	return 0;
}
