/*
 * Console ring transfer with untrusted indexes (see cons_ring.h). The
 * guest may change any index or byte at any moment; reading each index
 * once into a local is what makes the bounds checks mean something.
 */
#include "cons_ring.h"

#define READ_IDX(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_IDX(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

int cons_ring_read_out(struct xencons_interface *intf, void *dst, size_t max)
{
	XENCONS_RING_IDX cons = READ_IDX(intf->out_cons);
	XENCONS_RING_IDX prod = READ_IDX(intf->out_prod);
	XENCONS_RING_IDX avail = prod - cons;
	unsigned char *d = dst;
	size_t n, i;

	if (avail > sizeof(intf->out))
		return CONS_RING_BAD;
	/* the bytes up to prod are written before prod */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	n = avail < max ? avail : max;
	for (i = 0; i < n; i++)
		d[i] = ((volatile char *)intf->out)[MASK_XENCONS_IDX(cons + i, intf->out)];
	/* our copies are done before the guest may reuse the space */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_IDX(intf->out_cons, cons + (XENCONS_RING_IDX)n);
	return (int)n;
}

size_t cons_ring_in_space(const struct xencons_interface *intf)
{
	XENCONS_RING_IDX used = READ_IDX(intf->in_prod) - READ_IDX(intf->in_cons);

	return used > sizeof(intf->in) ? 0 : sizeof(intf->in) - used;
}

int cons_ring_write_in(struct xencons_interface *intf, const void *src, size_t len)
{
	XENCONS_RING_IDX prod = READ_IDX(intf->in_prod);
	XENCONS_RING_IDX cons = READ_IDX(intf->in_cons);
	XENCONS_RING_IDX used = prod - cons;
	const unsigned char *s = src;
	size_t n, i;

	if (used > sizeof(intf->in))
		return CONS_RING_BAD;
	/* the guest's reads of old bytes are done before we overwrite them */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	n = sizeof(intf->in) - used;
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		((volatile char *)intf->in)[MASK_XENCONS_IDX(prod + i, intf->in)] = s[i];
	/* the bytes are visible before the producer index that covers them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_IDX(intf->in_prod, prod + (XENCONS_RING_IDX)n);
	return (int)n;
}
