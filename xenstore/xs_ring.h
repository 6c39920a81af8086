/*
 * The shared page of a guest's xenstore connection (struct
 * xenstore_domain_interface, xen/io/xs_wire.h): two 1 KiB byte rings with
 * free-running 32-bit indexes. Pure: only memory and compiler barriers,
 * so it runs over a plain page in unit tests (and could run anywhere).
 *
 * Every index lives in memory the guest can write at any time, so each
 * is read once into a local, and a pair is accepted only if
 * prod - cons <= XENSTORE_RING_SIZE; anything else is a hostile or
 * broken guest (XS_RING_BAD), whose connection is then abandoned with
 * intf->error = XENSTORE_ERROR_RINGIDX.
 *
 * Ordering: the consumer reads prod (acquire) before the data and
 * publishes cons (release) after it; the producer writes the data before
 * publishing prod (release).
 */
#ifndef XS_RING_H
#define XS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#define XS_RING_BAD (-1)

/* Server side. */
/* Takes up to len bytes of requests; returns the count or XS_RING_BAD. */
int xs_ring_read_req(struct xenstore_domain_interface *intf, void *buf,
		     size_t len);
/* Puts up to len bytes of replies; returns the count or XS_RING_BAD. */
int xs_ring_write_rsp(struct xenstore_domain_interface *intf,
		      const void *buf, size_t len);
/* Are there requests to read / is there room for replies? (false on bad
 * indexes: the next read or write reports them) */
bool xs_ring_req_pending(const struct xenstore_domain_interface *intf);
bool xs_ring_rsp_room(const struct xenstore_domain_interface *intf);
/* What the server advertises (reconnection, error field). */
void xs_ring_server_init(struct xenstore_domain_interface *intf);
/* Did the guest ask to reconnect (connection == XENSTORE_RECONNECT)? */
bool xs_ring_reconnect_requested(const struct xenstore_domain_interface *intf);
/* Completes a reconnection: indexes to 0, error cleared, CONNECTED. */
void xs_ring_reconnect_done(struct xenstore_domain_interface *intf);
/* Tells the guest its connection is broken (XENSTORE_ERROR_*). */
void xs_ring_set_error(struct xenstore_domain_interface *intf, uint32_t err);

/* Guest side (test guests and the simulator). */
int xs_ring_write_req(struct xenstore_domain_interface *intf,
		      const void *buf, size_t len);
int xs_ring_read_rsp(struct xenstore_domain_interface *intf, void *buf,
		     size_t len);

#endif
