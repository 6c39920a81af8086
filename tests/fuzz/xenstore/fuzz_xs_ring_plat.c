/*
 * Fuzz target: the ring glue (xs_ring_plat.c), where a hostile guest
 * meets the daemon. Guests' pages are plain memory and event channels a
 * fake provider; the input is a sequence of guest and domain actions:
 * write requests (well or badly framed), scribble any index or the
 * connection and error fields, ask for reconnection, read replies, kick
 * without reason, change domain state (shutdown, dying, gone), and dom0
 * introducing or releasing domains. The real event loop runs a turn
 * after each action. The daemon must not crash or leak, must never put
 * more than a ring's worth of replies in front of a guest that keeps its
 * indexes sane, and the store must stay consistent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_ring.h"
#include "xs_ring_plat.h"
#include "xs_xen.h"

#define NDOM 4
#define VIRQ 99

static struct {
	struct xs_xen x;
	struct xenstore_domain_interface pages[NDOM];
	bool scribbled[NDOM];        /* the guest broke its own indexes */
	int pending[256];
	unsigned npending;
	enum xs_dom_state state[NDOM];
} fx;

static void *fk_map(struct xs_xen *x, uint32_t domid, uint64_t mfn)
{
	(void)x;
	(void)mfn;
	if (domid >= NDOM) {
		errno = EINVAL;
		return NULL;
	}
	return &fx.pages[domid];
}

static void fk_unmap(struct xs_xen *x, uint32_t domid, void *page)
{
	(void)x;
	(void)domid;
	(void)page;
}

static int fk_bind(struct xs_xen *x, uint32_t domid, uint32_t port)
{
	(void)x;
	(void)port;
	return (int)domid + 1;
}

static void fk_unbind(struct xs_xen *x, int port)
{
	(void)x;
	(void)port;
}

static void fk_notify(struct xs_xen *x, int port)
{
	(void)x;
	(void)port;
}

static int fk_pending(struct xs_xen *x)
{
	uint64_t v;

	if (!fx.npending) {
		if (read(x->fd, &v, sizeof(v)) < 0)
			return -1;
		return -1;
	}
	return fx.pending[--fx.npending];
}

static enum xs_dom_state fk_state(struct xs_xen *x, uint32_t domid)
{
	(void)x;
	return domid < NDOM ? fx.state[domid] : XS_DOM_GONE;
}

static void fk_close(struct xs_xen *x)
{
	close(x->fd);
}

static const struct xs_xen_ops fake_ops = {
	fk_map, fk_unmap, fk_bind, fk_unbind, fk_notify, fk_pending, NULL,
	fk_state, fk_close,
};

static void kick(int port)
{
	uint64_t one = 1;

	if (fx.npending < sizeof(fx.pending) / sizeof(fx.pending[0]))
		fx.pending[fx.npending++] = port;
	if (write(fx.x.fd, &one, sizeof(one)) < 0)
		abort();
}

static void introduce(struct xs_core *c, unsigned d)
{
	memset(&fx.pages[d], 0, sizeof(fx.pages[d]));
	fx.scribbled[d] = false;
	fx.state[d] = XS_DOM_RUNNING;
	xs_domain_introduce(c, NULL, d, 100 + d, 7);
	xs_watch_flush(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_core core;
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	struct xs_loop *loop;
	size_t off = 0;
	char why[128];
	unsigned d;

	xs_log_level = -1;
	memset(&fx, 0, sizeof(fx));
	fx.x.ops = &fake_ops;
	fx.x.fd = eventfd(0, EFD_NONBLOCK);
	fx.x.virq_port = VIRQ;
	lim.outstanding = 8;   /* reach throttling quickly */
	lim.watch_events = 8;
	if (fx.x.fd < 0 || xs_core_init(&core, &lim) ||
	    xs_core_populate(&core, "fuzz") || !(loop = xs_loop_new(&core)) ||
	    xs_ring_plat_start(&core, loop, &fx.x))
		abort();
	{
		static const struct xs_caller dom0 = { 0, XS_NO_TARGET, true, true };
		struct xs_access a = { &core.store, NULL, &dom0, &core.lim };
		static const struct xs_perm p1[] = { { 1, 0 }, { 2, XS_P_READ } };
		const struct xs_permset *ps = xs_permset_get(p1, 2);
		const struct xs_permset *old = NULL;
		bool did;
		xs_access_write(&a, "/local/domain/1", NULL, 0, true, &did);
		xs_access_set_perms(&a, "/local/domain/1", ps->e, 2, &old);
		xs_permset_put(old);
		xs_permset_put(ps);
	}
	introduce(&core, 1);
	introduce(&core, 2);
	xs_loop_run_once(loop, 0);

	while (off + 2 <= size) {
		unsigned op = data[off] & 7, arg = data[off + 1];
		struct xenstore_domain_interface *pg;
		d = 1 + (data[off] >> 3) % (NDOM - 1);
		pg = &fx.pages[d];
		off += 2;
		switch (op) {
		case 0: {   /* the guest writes request bytes */
			unsigned len = arg;
			if (len > size - off)
				len = size - off;
			if (!fx.scribbled[d])
				xs_ring_write_req(pg, data + off, len);
			off += len;
			kick(d + 1);
			break;
		}
		case 1: {   /* the guest scribbles a field */
			uint32_t v = 0;
			unsigned n = size - off < 4 ? size - off : 4;
			memcpy(&v, data + off, n);
			off += n;
			switch (arg % 6) {
			case 0: pg->req_cons = v; break;
			case 1: pg->req_prod = v; break;
			case 2: pg->rsp_cons = v; break;
			case 3: pg->rsp_prod = v; break;
			case 4: pg->connection = v; break;
			case 5: pg->error = v; break;
			}
			fx.scribbled[d] = true;
			kick(d + 1);
			break;
		}
		case 2:     /* reconnect: the server zeroes the indexes */
			pg->connection = XENSTORE_RECONNECT;
			kick(d + 1);
			break;
		case 3: {   /* the guest reads replies */
			char buf[XENSTORE_RING_SIZE];
			if (!fx.scribbled[d])
				xs_ring_read_rsp(pg, buf, arg * 8 > sizeof(buf) ?
						 sizeof(buf) : arg * 8);
			kick(d + 1);
			break;
		}
		case 4:     /* the domain's state changes */
			fx.state[d] = (enum xs_dom_state)(arg % 4);
			kick(VIRQ);
			break;
		case 5:     /* dom0 introduces or releases it */
			if (arg & 1) {
				xs_domain_release(&core, d);
				xs_watch_flush(&core);
			} else if (!xs_domain_find(&core, d)) {
				introduce(&core, d);
			}
			break;
		case 6:     /* a kick for nobody, or for the wrong port */
			kick(arg);
			break;
		case 7:
			break;
		}
		xs_loop_run_once(loop, 0);
		/* the connection was reset: the guest starts clean */
		if (pg->connection == XENSTORE_CONNECTED && !pg->req_prod &&
		    !pg->req_cons && !pg->rsp_prod && !pg->rsp_cons &&
		    !pg->error)
			fx.scribbled[d] = false;
		for (d = 1; d < NDOM; d++)
			if (!fx.scribbled[d] &&
			    fx.pages[d].rsp_prod - fx.pages[d].rsp_cons >
			    XENSTORE_RING_SIZE)
				abort();
	}
	if (xs_store_check(&core.store, why, sizeof(why)))
		abort();
	xs_ring_plat_stop(&core);
	xs_core_destroy(&core);
	xs_loop_free(loop);
	if (xs_permset_count())
		abort();
	return 0;
}
