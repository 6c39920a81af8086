/*
 * Guests' connections over their shared ring (the struct xs_platform
 * that XS_INTRODUCE uses), built on the xs_xen primitives.
 *
 * A ring is serviced when its event channel fires, when its connection
 * has output, and every few seconds anyway (a lost notification must not
 * hang a guest). A guest that corrupts its indexes or breaks the protocol
 * gets intf->error set and is ignored until released; one that does not
 * consume its replies is throttled like a slow socket client. VIRQ_DOM_EXC
 * makes us look at domain states: a shut down domain fires @releaseDomain,
 * a dying or vanished one is released.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_persist.h"
#include "xs_ring.h"
#include "xs_ring_plat.h"
#include "xs_xen.h"

struct ringconn {
	struct xs_deferred flush;
	struct ringplat *rp;
	struct xs_conn *conn;
	struct xenstore_domain_interface *intf;
	uint32_t domid;
	int local_port;
	bool kernel;          /* dom0's own kernel ring: not ours to unmap */
	bool broken;
	bool closing;
	struct ringconn *next;
};

struct ringplat {
	struct xs_handler evh, timerh;
	struct xs_loop *loop;
	struct xs_core *core;
	struct xs_xen *x;
	struct ringconn *rings;
	int timer_fd;
};

static struct ringplat the_rp;

static void ring_notify(struct ringconn *rc)
{
	if (rc->local_port >= 0)
		rc->rp->x->ops->notify(rc->rp->x, rc->local_port);
}

static void ring_break(struct ringconn *rc, uint32_t err, const char *why)
{
	if (rc->broken)
		return;
	xs_warn("domain %u: %s; ignoring its connection until it is released",
		rc->domid, why);
	rc->broken = true;
	rc->conn->dead = true;
	xs_ring_set_error(rc->intf, err);
	ring_notify(rc);
}

/* Sends queued output into the ring; true if anything went. */
static bool ring_send(struct ringconn *rc)
{
	bool sent = false;

	while (!rc->broken && xs_outq_len(&rc->conn->out)) {
		int n;

		/* Nothing is acknowledged before it is logged: the replies
		 * may be to requests handled in this very call. */
		xs_persist_flush(rc->rp->core);
		n = xs_ring_write_rsp(rc->intf, xs_outq_data(&rc->conn->out),
					  xs_outq_len(&rc->conn->out));
		if (n == XS_RING_BAD) {
			ring_break(rc, XENSTORE_ERROR_RINGIDX, "bad response indexes");
			break;
		}
		if (!n)
			break;   /* full: the guest has to consume first */
		sent = true;
		xs_conn_sent(rc->conn, n);   /* may process throttled input */
	}
	return sent;
}

static void ring_free(struct ringconn *rc)
{
	struct ringplat *rp = rc->rp;
	struct ringconn **pp;

	for (pp = &rp->rings; *pp && *pp != rc; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = rc->next;
	if (rc->local_port >= 0)
		rp->x->ops->unbind(rp->x, rc->local_port);
	if (!rc->kernel)
		rp->x->ops->unmap(rp->x, rc->domid, rc->intf);
	if (rc->conn)
		xs_conn_free(rc->conn);
	free(rc);
}

static void ring_service(struct ringconn *rc)
{
	bool notify = false;

	if (rc->closing || rc->broken)
		return;
	if (xs_ring_reconnect_requested(rc->intf)) {
		xs_info("domain %u: reconnecting its ring", rc->domid);
		xs_conn_reset(rc->conn);
		xs_conn_discard_io(rc->conn);
		xs_ring_reconnect_done(rc->intf);
		notify = true;
	}
	for (;;) {
		size_t room;
		char *buf = xs_conn_in_space(rc->conn, &room);
		int n;

		if (!buf)
			break;
		n = xs_ring_read_req(rc->intf, buf, room);
		if (n == XS_RING_BAD) {
			ring_break(rc, XENSTORE_ERROR_RINGIDX, "bad request indexes");
			return;
		}
		if (!n)
			break;
		notify = true;   /* room freed in the request ring */
		xs_conn_received(rc->conn, n);
		if (rc->broken || rc->closing)
			return;
	}
	if (ring_send(rc))
		notify = true;
	if (notify)
		ring_notify(rc);
}

static void ring_flush(struct xs_deferred *d)
{
	struct ringconn *rc = (struct ringconn *)d;

	if (rc->closing) {
		ring_free(rc);
		return;
	}
	ring_service(rc);
}

static void ring_kick(struct xs_conn *conn)
{
	struct ringconn *rc = conn->priv;

	xs_loop_defer(rc->rp->loop, &rc->flush);
}

static void ring_shutdown(struct xs_conn *conn)
{
	struct ringconn *rc = conn->priv;

	if (!rc->closing)
		ring_break(rc, XENSTORE_ERROR_PROTO, "protocol violation");
}

static const struct xs_conn_ops ring_ops = { ring_kick, ring_shutdown };

static int rp_connect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	struct ringplat *rp = ctx;
	struct ringconn *rc = calloc(1, sizeof(*rc));
	char label[24];
	int port;

	if (!rc)
		return ENOMEM;
	rc->rp = rp;
	rc->domid = d->domid;
	rc->flush.run = ring_flush;
	if (d->mfn == XS_MFN_KERNEL) {
		uint32_t rport;
		rc->kernel = true;
		rc->intf = rp->x->ops->map_dom0 ?
			   rp->x->ops->map_dom0(rp->x, &rport) : NULL;
		if (rc->intf)
			d->port = rport;
	} else {
		rc->intf = rp->x->ops->map(rp->x, d->domid, d->mfn);
	}
	if (!rc->intf) {
		int err = errno ? errno : ENODEV;
		free(rc);
		return err;
	}
	port = rp->x->ops->bind(rp->x, d->domid, d->port);
	if (port < 0) {
		if (!rc->kernel)
			rp->x->ops->unmap(rp->x, d->domid, rc->intf);
		free(rc);
		return -port;
	}
	rc->local_port = port;
	snprintf(label, sizeof(label), "dom%u", d->domid);
	rc->conn = xs_conn_new(c, d->domid, true, &ring_ops, rc, label);
	if (!rc->conn) {
		rp->x->ops->unbind(rp->x, port);
		if (!rc->kernel)
			rp->x->ops->unmap(rp->x, d->domid, rc->intf);
		free(rc);
		return ENOMEM;
	}
	rc->conn->dom = d;
	d->conn = rc->conn;
	d->plat = rc;
	rc->next = rp->rings;
	rp->rings = rc;
	xs_ring_server_init(rc->intf);
	/* Tell the domain we are here: Linux's dom0 only probes its xenbus
	 * devices once the store first signals it. */
	ring_notify(rc);
	/* The guest may have written requests before it was introduced:
	 * look at the end of this turn (not now, inside another request). */
	xs_loop_defer(rp->loop, &rc->flush);
	return 0;
}

static void rp_disconnect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	struct ringconn *rc = d->plat;

	(void)ctx;
	(void)c;
	if (!rc)
		return;
	d->plat = NULL;
	/* The request being handled may be this connection's own: free it
	 * at the end of the turn. */
	rc->closing = true;
	if (rc->conn) {
		rc->conn->dead = true;
		rc->conn->dom = NULL;
		xs_conn_reset(rc->conn);
	}
	xs_loop_defer(rc->rp->loop, &rc->flush);
}

static int rp_rebind(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	struct ringplat *rp = ctx;
	struct ringconn *rc = d->plat;
	int port;

	(void)c;
	if (!rc)
		return ENOENT;
	port = rp->x->ops->bind(rp->x, d->domid, d->port);
	if (port < 0)
		return -port;
	if (rc->local_port >= 0)
		rp->x->ops->unbind(rp->x, rc->local_port);
	rc->local_port = port;
	xs_loop_defer(rp->loop, &rc->flush);
	return 0;
}

static const struct xs_platform ring_platform = {
	rp_connect, rp_disconnect, rp_rebind,
};

/* VIRQ_DOM_EXC: some domain changed state. */
static void scan_domains(struct ringplat *rp)
{
	struct xs_core *c = rp->core;
	struct xs_domain *d, *next;
	bool fire = false;

	if (!rp->x->ops->domain_state)
		return;
	for (d = c->domains; d; d = next) {
		enum xs_dom_state st;
		next = d->next;
		if (d->domid == 0)
			continue;
		st = rp->x->ops->domain_state(rp->x, d->domid);
		if (st == XS_DOM_DYING || st == XS_DOM_GONE) {
			xs_info("domain %u is %s", d->domid,
				st == XS_DOM_GONE ? "gone" : "dying");
			xs_domain_release(c, d->domid);   /* fires itself */
		} else if (st == XS_DOM_SHUTDOWN && !d->shutdown) {
			d->shutdown = true;
			fire = true;
		}
	}
	if (fire)
		xs_watch_fire_special(c, "@releaseDomain");
	xs_watch_flush(c);
}

static void events_ready(struct xs_handler *h, uint32_t events)
{
	struct ringplat *rp = (struct ringplat *)h;
	int port, budget = 256;

	(void)events;
	while (budget-- && (port = rp->x->ops->pending(rp->x)) >= 0) {
		struct ringconn *rc;
		if (port == rp->x->virq_port) {
			scan_domains(rp);
			continue;
		}
		for (rc = rp->rings; rc; rc = rc->next)
			if (rc->local_port == port) {
				ring_service(rc);
				break;
			}
	}
}

static void timer_ready(struct xs_handler *h, uint32_t events)
{
	struct ringplat *rp = (struct ringplat *)((char *)h -
						  offsetof(struct ringplat, timerh));
	struct ringconn *rc, *next;
	uint64_t ticks;

	(void)events;
	if (read(rp->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (rc = rp->rings; rc; rc = next) {
		next = rc->next;
		ring_service(rc);
	}
}

int xs_ring_plat_start(struct xs_core *c, struct xs_loop *l, struct xs_xen *x)
{
	struct ringplat *rp = &the_rp;
	struct itimerspec its = { { 5, 0 }, { 5, 0 } };
	int err;

	memset(rp, 0, sizeof(*rp));
	rp->loop = l;
	rp->core = c;
	rp->x = x;
	rp->evh.ready = events_ready;
	rp->timerh.ready = timer_ready;
	if ((err = xs_loop_add(l, x->fd, EPOLLIN, &rp->evh)))
		return err;
	rp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rp->timer_fd < 0 || timerfd_settime(rp->timer_fd, 0, &its, NULL) ||
	    (err = xs_loop_add(l, rp->timer_fd, EPOLLIN, &rp->timerh)))
		return err ? err : errno;
	c->plat = &ring_platform;
	c->plat_ctx = rp;
	return 0;
}

void xs_ring_plat_attach_dom0(struct xs_core *c)
{
	struct ringplat *rp = &the_rp;
	uint32_t port;

	if (!rp->x || !rp->x->ops->map_dom0 || xs_domain_find(c, 0))
		return;
	/* Probe first (providers cache the mapping): a dom0 without a
	 * kernel ring is not an error. */
	if (!rp->x->ops->map_dom0(rp->x, &port))
		return;
	if (xs_domain_introduce(c, NULL, 0, XS_MFN_KERNEL, port))
		xs_warn("cannot connect dom0's kernel ring");
	xs_watch_flush(c);
}

void xs_ring_plat_stop(struct xs_core *c)
{
	struct ringplat *rp = &the_rp;
	struct xs_domain *d;

	if (!rp->x)
		return;
	/* Domains keep their records; their rings go now. */
	for (d = c->domains; d; d = d->next) {
		d->plat = NULL;
		d->conn = NULL;
	}
	while (rp->rings)
		ring_free(rp->rings);
	xs_loop_del(rp->loop, rp->x->fd);
	xs_loop_del(rp->loop, rp->timer_fd);
	close(rp->timer_fd);
	rp->x->ops->close(rp->x);
	rp->x = NULL;
	c->plat = NULL;
}
