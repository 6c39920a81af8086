/*
 * Fuzz target: the whole request path of pvstored. The input is a byte
 * stream split among four clients (dom0, guests 5 and 6 whose homes
 * exist, and a read-only socket client), each run prefixed by who and
 * what: send bytes, read (part of) the output, or have a domain come or
 * go (@introduceDomain / @releaseDomain). Watches sit below the homes and
 * on the special paths, so removals of subtrees fire them. Connections
 * have real callbacks (kick, shutdown). Everything the daemon sends is
 * checked as it is read: framing, error strings from Xen's table, watch
 * events of exactly path and token, no reply to a client that broke the
 * protocol; the queues' accounting must come back to zero. After each
 * input the store must be consistent and all transactions closed cleanly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

struct peer {
	unsigned kicks;
	bool shut;
	size_t skip;          /* bytes of a partly read message still to skip */
};

static struct peer peers[4096];
static unsigned npeers;

static void fz_kick(struct xs_conn *c)
{
	struct peer *p = c->priv;

	if (p->shut)
		abort();   /* nothing is queued for a connection that is done */
	p->kicks++;
}

static void fz_shutdown(struct xs_conn *c)
{
	((struct peer *)c->priv)->shut = true;
}

static const struct xs_conn_ops fz_ops = { fz_kick, fz_shutdown };

static struct xs_conn *new_conn(struct xs_core *c, uint32_t domid,
				bool can_write)
{
	struct peer *p;

	if (npeers == sizeof(peers) / sizeof(peers[0]))
		return NULL;
	p = &peers[npeers++];
	memset(p, 0, sizeof(*p));
	return xs_conn_new(c, domid, can_write, &fz_ops, p, "fuzz");
}

static int fake_connect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	(void)ctx;
	if (d->domid > 10)
		return EINVAL;
	d->conn = new_conn(c, d->domid, true);
	return d->conn ? 0 : ENOMEM;
}

static void fake_disconnect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	(void)ctx;
	(void)c;
	if (d->conn)
		xs_conn_free(d->conn);
	d->conn = NULL;
}

static const struct xs_platform fake_plat = { fake_connect, fake_disconnect, NULL };

static bool known_error(const char *s, uint32_t len)
{
	static const char *const ok[] = { "EINVAL", "EACCES", "EEXIST",
		"EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY",
		"ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG",
		"EPERM" };
	unsigned i;

	if (!len || s[len - 1])
		return false;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(s, ok[i]))
			return true;
	return false;
}

/* The client reads up to n bytes of its output; what it reads must be
 * well-formed. */
static void drain(struct xs_conn *conn, size_t n)
{
	struct peer *pe = conn->priv;

	while (n && xs_outq_len(&conn->out)) {
		const char *q = xs_outq_data(&conn->out);
		size_t avail = xs_outq_len(&conn->out), take;

		if (pe->skip) {
			take = pe->skip < n ? pe->skip : n;
			pe->skip -= take;
		} else {
			struct xsd_sockmsg h;
			if (avail < 16)
				abort();   /* messages are queued whole */
			memcpy(&h, q, 16);
			if (h.len > XENSTORE_PAYLOAD_MAX || avail < 16 + h.len)
				abort();
			if (h.type == XS_ERROR && !known_error(q + 16, h.len))
				abort();
			if (h.type == XS_WATCH_EVENT &&
			    (xs_arg_count(q + 16, h.len) != 2 || q[16 + h.len - 1]))
				abort();
			if (h.type >= XS_TYPE_COUNT)
				abort();
			take = 16 + h.len;
			if (take > n) {
				pe->skip = take - n;
				take = n;
			}
		}
		xs_conn_sent(conn, take);
		n -= take;
	}
}

static void feed(struct xs_conn *conn, const uint8_t *data, size_t len)
{
	while (len && !conn->dead) {
		size_t room;
		char *p = xs_conn_in_space(conn, &room);
		if (!p) {
			/* a client that reads what it gets */
			drain(conn, xs_outq_len(&conn->out));
			if (!(p = xs_conn_in_space(conn, &room)))
				return;
		}
		if (room > len)
			room = len;
		memcpy(p, data, room);
		xs_conn_received(conn, room);
		data += room;
		len -= room;
	}
}

static struct xs_conn *guest_conn(struct xs_core *c, uint32_t domid)
{
	struct xs_domain *d = xs_domain_find(c, domid);

	return d ? d->conn : NULL;
}

static void send_msg(struct xs_conn *c, uint32_t type, const char *p,
		     uint32_t len)
{
	char buf[16 + 256];
	struct xsd_sockmsg h = { type, 0, 0, len };

	memcpy(buf, &h, 16);
	memcpy(buf + 16, p, len);
	feed(c, (const uint8_t *)buf, 16 + len);
}
#define SEND(c, type, lit) send_msg(c, type, lit, sizeof(lit) - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_core core;
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	struct xs_conn *who[4];
	char why[128];
	size_t off = 0;
	uint64_t queued;
	unsigned i;

	xs_log_level = -1;
	npeers = 0;
	lim.nodes = 50;   /* reach the quotas quickly */
	lim.watches = 8;
	lim.watch_events = 16;
	if (xs_core_init(&core, &lim) || xs_core_populate(&core, "fuzz"))
		abort();
	core.plat = &fake_plat;
	who[0] = new_conn(&core, 0, true);
	who[3] = new_conn(&core, 0, false);   /* read-only socket */
	xs_domain_introduce(&core, who[0], 5, 1, 1);
	xs_domain_introduce(&core, who[0], 6, 2, 2);
	who[1] = guest_conn(&core, 5);
	who[2] = guest_conn(&core, 6);
	{
		static const char msgs[] =
			"\x0c\0\0\0\1\0\0\0\0\0\0\0\x10\0\0\0/local/domain/5\0"
			"\x0e\0\0\0\2\0\0\0\0\0\0\0\x16\0\0\0/local/domain/5\0n5\0r6\0";
		feed(who[0], (const uint8_t *)msgs, sizeof(msgs) - 1);
	}
	/* a subtree with watches below its top, and the special watches */
	SEND(who[1], XS_WRITE, "a/b/c\0v");
	SEND(who[1], XS_WATCH, "a/b\0t5\0");
	SEND(who[2], XS_WATCH, "/local/domain/5/a/b/c\0t6\0");
	SEND(who[0], XS_WATCH, "/local/domain/5/a\0t0\0");
	SEND(who[0], XS_WATCH, "@introduceDomain\0i\0");
	SEND(who[3], XS_WATCH, "@releaseDomain\0r\0");
	SEND(who[3], XS_WATCH, "/local\0ro\0");
	for (i = 0; i < 4; i++)
		drain(who[i], SIZE_MAX);

	while (off + 2 <= size) {
		unsigned sel = data[off] & 3, act = (data[off] >> 2) & 3;
		unsigned len = data[off + 1];
		struct xs_conn *c;
		off += 2;
		if (len > size - off)
			len = size - off;
		/* a released guest's connection is gone: fall back to dom0 */
		c = sel == 1 || sel == 2 ? guest_conn(&core, sel == 1 ? 5 : 6)
					 : who[sel];
		if (!c)
			c = who[0];
		switch (act) {
		case 0:
		case 3:
			if (!c->dead)
				feed(c, data + off, len);
			off += len;
			break;
		case 1:   /* the client reads some of its output */
			drain(c, (size_t)len * 7);
			break;
		case 2:   /* a domain comes or goes */
			if (len & 1) {
				xs_domain_release(&core, 7 + (len >> 1) % 2);
			} else {
				xs_domain_introduce(&core, NULL, 7 + (len >> 1) % 2,
						    3, 3);
			}
			xs_watch_flush(&core);
			break;
		}
	}
	/* everything queued is accounted for, and drains to nothing */
	queued = 0;
	for (struct xs_conn *c = core.conns; c; c = c->next) {
		queued += xs_outq_len(&c->out);
		if (c->out.events > c->out.mcount || c->out.replies > c->out.mcount)
			abort();
	}
	if (queued != core.out_bytes)
		abort();
	for (struct xs_conn *c = core.conns; c; c = c->next) {
		drain(c, SIZE_MAX);
		if (c->out.events || c->out.replies || c->out.event_bytes)
			abort();
	}
	if (core.out_bytes)
		abort();
	if (xs_store_check(&core.store, why, sizeof(why)))
		abort();
	xs_core_destroy(&core);
	if (xs_permset_count())
		abort();
	return 0;
}
