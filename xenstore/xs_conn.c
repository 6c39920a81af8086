/* Connections: lifecycle, framing of input, throttling, replies, events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

/* A privileged client may pipeline this many requests before we stop
 * reading from it; a limited one lim.outstanding. */
#define XS_PRIV_OUTSTANDING 4096
/* Bytes of queued output beyond which we stop reading a client (a
 * limited one, a privileged one). */
#define XS_OUT_SOFT (256u << 10)
#define XS_PRIV_OUT_SOFT (1u << 20)
/* Privileged watchers may fall this many times further behind. */
#define XS_PRIV_EVENT_FACTOR 16
/* Bytes of queued watch events per limited connection (privileged:
 * XS_PRIV_EVENT_FACTOR times more). */
#define XS_EVENT_BYTES (256u << 10)
/* All connections' queued output together: beyond it no client with
 * output pending is read and watch events are dropped, however many
 * connections there are. */
#define XS_OUT_TOTAL (32u << 20)

bool xs_caller_privileged(const struct xs_core *c, uint32_t domid)
{
	return domid == 0 || domid == c->priv_domid;
}

struct xs_conn *xs_conn_new(struct xs_core *c, uint32_t domid, bool can_write,
			    const struct xs_conn_ops *ops, void *priv,
			    const char *label)
{
	struct xs_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->in = malloc(XS_IN_CAP);
	if (!conn->in) {
		free(conn);
		return NULL;
	}
	conn->core = c;
	conn->out.total = &c->out_bytes;
	conn->id.domid = domid;
	conn->id.target = XS_NO_TARGET;
	conn->id.privileged = xs_caller_privileged(c, domid);
	conn->id.can_write = can_write;
	conn->ops = ops;
	conn->priv = priv;
	conn->next_txid = 1;
	snprintf(conn->label, sizeof(conn->label), "%s", label);
	conn->next = c->conns;
	if (c->conns)
		c->conns->prev = conn;
	c->conns = conn;
	c->nconns++;
	xs_domain_apply_identity(c, conn);
	xs_debug("%s: connected (domain %u%s)", conn->label, domid,
		 can_write ? "" : ", read-only");
	return conn;
}

void xs_conn_reset(struct xs_conn *conn)
{
	while (conn->txns)
		xs_ctxn_free(conn->core, conn, conn->txns);
	xs_watch_remove_all(conn->core, conn);
}

void xs_conn_discard_io(struct xs_conn *conn)
{
	conn->in_start = conn->in_end = 0;
	xs_outq_consume(&conn->out, xs_outq_len(&conn->out));
}

void xs_conn_free(struct xs_conn *conn)
{
	struct xs_core *c = conn->core;

	xs_debug("%s: closed after %llu requests", conn->label,
		 (unsigned long long)conn->requests);
	xs_conn_reset(conn);
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		c->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	if (conn->dom && conn->dom->conn == conn)
		conn->dom->conn = NULL;
	c->nconns--;
	xs_outq_free(&conn->out);
	free(conn->in);
	free(conn);
}

bool xs_conn_throttled(const struct xs_conn *conn)
{
	bool limited = xs_conn_limited(conn);
	unsigned limit = limited ? conn->core->lim.outstanding
				 : XS_PRIV_OUTSTANDING;
	size_t queued = xs_outq_len(&conn->out);

	return conn->out.replies >= limit ||
	       queued > (limited ? XS_OUT_SOFT : XS_PRIV_OUT_SOFT) ||
	       (queued && conn->core->out_bytes > XS_OUT_TOTAL);
}

char *xs_conn_in_space(struct xs_conn *conn, size_t *room)
{
	if (conn->dead || xs_conn_throttled(conn))
		return NULL;
	if (conn->in_start && conn->in_end + 16 + XENSTORE_PAYLOAD_MAX > XS_IN_CAP) {
		memmove(conn->in, conn->in + conn->in_start,
			conn->in_end - conn->in_start);
		conn->in_end -= conn->in_start;
		conn->in_start = 0;
	}
	*room = XS_IN_CAP - conn->in_end;
	return *room ? conn->in + conn->in_end : NULL;
}

static void conn_fail(struct xs_conn *conn, const char *why)
{
	xs_warn("%s: %s; closing the connection", conn->label, why);
	conn->dead = true;
	if (conn->ops && conn->ops->shutdown)
		conn->ops->shutdown(conn);
}

void xs_conn_process(struct xs_conn *conn)
{
	struct xs_core *c = conn->core;
	size_t queued = xs_outq_len(&conn->out);

	while (!conn->dead && !xs_conn_throttled(conn)) {
		struct xsd_sockmsg hdr;
		size_t mlen;
		enum xs_frame f = xs_frame_parse(conn->in + conn->in_start,
						 conn->in_end - conn->in_start,
						 &hdr, &mlen);
		if (f == XS_FRAME_MORE)
			break;
		if (f == XS_FRAME_BAD) {
			char why[64];
			snprintf(why, sizeof(why), "message of %u bytes", hdr.len);
			conn_fail(conn, why);
			return;
		}
		memcpy(c->req, conn->in + conn->in_start + XS_HDR_LEN, hdr.len);
		c->req[hdr.len] = 0;
		conn->in_start += mlen;
		xs_ops_dispatch(conn, &hdr);
	}
	if (conn->in_start == conn->in_end)
		conn->in_start = conn->in_end = 0;
	if (!conn->dead && xs_outq_len(&conn->out) != queued && conn->ops &&
	    conn->ops->kick)
		conn->ops->kick(conn);
}

void xs_conn_received(struct xs_conn *conn, size_t n)
{
	conn->in_end += n;
	xs_conn_process(conn);
}

void xs_conn_sent(struct xs_conn *conn, size_t n)
{
	bool was = xs_conn_throttled(conn);

	xs_outq_consume(&conn->out, n);
	if (was && !xs_conn_throttled(conn) && conn->in_end > conn->in_start)
		xs_conn_process(conn);
}

void xs_reply(struct xs_conn *conn, const struct xsd_sockmsg *req,
	      uint32_t type, const void *data, uint32_t len)
{
	char *p;

	if (len > XENSTORE_PAYLOAD_MAX) {
		xs_reply_error(conn, req, E2BIG);
		return;
	}
	p = xs_outq_begin(&conn->out, len);
	if (!p) {
		conn_fail(conn, "out of memory for a reply");
		return;
	}
	memcpy(p, data, len);
	xs_outq_end(&conn->out, type, req->req_id, req->tx_id, len, false);
}

void xs_reply_error(struct xs_conn *conn, const struct xsd_sockmsg *req,
		    int err)
{
	const char *s = xs_err_string(err);

	xs_debug("%s: %s -> %s", conn->label, xs_type_name(req->type), s);
	xs_reply(conn, req, XS_ERROR, s, strlen(s) + 1);
}

void xs_reply_ok(struct xs_conn *conn, const struct xsd_sockmsg *req)
{
	xs_reply(conn, req, req->type, "OK", 3);
}

void xs_send_event(struct xs_conn *conn, const char *path, uint32_t plen,
		   const char *token)
{
	struct xs_core *c = conn->core;
	uint32_t tlen = strlen(token), len = plen + 1 + tlen + 1;
	unsigned limit = c->lim.watch_events;
	uint64_t bytes = XS_EVENT_BYTES;
	char *p;

	if (conn->dead || len > XENSTORE_PAYLOAD_MAX)
		return;
	if (!xs_conn_limited(conn)) {
		limit *= XS_PRIV_EVENT_FACTOR;
		bytes *= XS_PRIV_EVENT_FACTOR;
	}
	if (conn->out.events >= limit ||
	    conn->out.event_bytes + 16 + len > bytes ||
	    c->out_bytes + 16 + len > XS_OUT_TOTAL ||
	    !(p = xs_outq_begin(&conn->out, len))) {
		/* A watcher that does not read cannot make us buffer
		 * without bound: it loses events, and we say so. */
		if (!conn->events_dropped++ || !(conn->events_dropped % 1000))
			xs_warn("%s: not reading its watch events; %llu dropped",
				conn->label,
				(unsigned long long)conn->events_dropped);
		c->events_dropped++;
		return;
	}
	memcpy(p, path, plen);
	p[plen] = 0;
	memcpy(p + plen + 1, token, tlen + 1);
	xs_outq_end(&conn->out, XS_WATCH_EVENT, 0, 0, len, true);
	c->events_queued++;
	if (conn->ops && conn->ops->kick)
		conn->ops->kick(conn);
}
