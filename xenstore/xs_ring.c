/* Shared-ring transfer with hostile indexes (rules in xs_ring.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xs_ring.h"

#define RING XENSTORE_RING_SIZE

static inline uint32_t load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint32_t load_once(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Copies n bytes out of ring starting at free-running index idx. */
static void ring_copy_out(void *dst, const char *ring, uint32_t idx, size_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(idx);
	size_t first = RING - off < n ? RING - off : n;

	memcpy(dst, ring + off, first);
	memcpy((char *)dst + first, ring, n - first);
}

static void ring_copy_in(char *ring, uint32_t idx, const void *src, size_t n)
{
	uint32_t off = MASK_XENSTORE_IDX(idx);
	size_t first = RING - off < n ? RING - off : n;

	memcpy(ring + off, src, first);
	memcpy(ring, (const char *)src + first, n - first);
}

/* Consumer half: cons is ours, prod the peer's. */
static int consume(char *ring, uint32_t *cons_p, const uint32_t *prod_p,
		   void *buf, size_t len)
{
	uint32_t cons = load_once(cons_p), prod = load_acquire(prod_p);
	uint32_t avail = prod - cons;

	if (avail > RING)
		return XS_RING_BAD;
	if (avail > len)
		avail = (uint32_t)len;
	if (!avail)
		return 0;
	ring_copy_out(buf, ring, cons, avail);
	/* Data must be read before the peer may reuse the space. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	store_release(cons_p, cons + avail);
	return (int)avail;
}

static int produce(char *ring, const uint32_t *cons_p, uint32_t *prod_p,
		   const void *buf, size_t len)
{
	uint32_t cons = load_acquire(cons_p), prod = load_once(prod_p);
	uint32_t used = prod - cons, room;

	if (used > RING)
		return XS_RING_BAD;
	room = RING - used;
	if (room > len)
		room = (uint32_t)len;
	if (!room)
		return 0;
	ring_copy_in(ring, prod, buf, room);
	store_release(prod_p, prod + room);   /* data before index */
	return (int)room;
}

int xs_ring_read_req(struct xenstore_domain_interface *intf, void *buf,
		     size_t len)
{
	return consume(intf->req, &intf->req_cons, &intf->req_prod, buf, len);
}

int xs_ring_write_rsp(struct xenstore_domain_interface *intf,
		      const void *buf, size_t len)
{
	return produce(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, buf, len);
}

int xs_ring_write_req(struct xenstore_domain_interface *intf,
		      const void *buf, size_t len)
{
	return produce(intf->req, &intf->req_cons, &intf->req_prod, buf, len);
}

int xs_ring_read_rsp(struct xenstore_domain_interface *intf, void *buf,
		     size_t len)
{
	return consume(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, buf, len);
}

bool xs_ring_req_pending(const struct xenstore_domain_interface *intf)
{
	uint32_t d = load_acquire(&intf->req_prod) - load_once(&intf->req_cons);

	return d && d <= RING;
}

bool xs_ring_rsp_room(const struct xenstore_domain_interface *intf)
{
	uint32_t d = load_once(&intf->rsp_prod) - load_acquire(&intf->rsp_cons);

	return d < RING;
}

void xs_ring_server_init(struct xenstore_domain_interface *intf)
{
	store_release(&intf->server_features,
		      XENSTORE_SERVER_FEATURE_RECONNECTION |
		      XENSTORE_SERVER_FEATURE_ERROR);
}

bool xs_ring_reconnect_requested(const struct xenstore_domain_interface *intf)
{
	return load_acquire(&intf->connection) == XENSTORE_RECONNECT;
}

void xs_ring_reconnect_done(struct xenstore_domain_interface *intf)
{
	store_release(&intf->req_cons, 0);
	store_release(&intf->req_prod, 0);
	store_release(&intf->rsp_cons, 0);
	store_release(&intf->rsp_prod, 0);
	store_release(&intf->error, XENSTORE_ERROR_NONE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	store_release(&intf->connection, XENSTORE_CONNECTED);
}

void xs_ring_set_error(struct xenstore_domain_interface *intf, uint32_t err)
{
	store_release(&intf->error, err);
}

/* The layout is ABI: a change must fail the build, not a guest. */
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "rsp");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048,
	       "req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060,
	       "rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072,
	       "error");
