/* Helpers to drive pvstored's core without a transport (unit tests). */
#ifndef XS_CORE_TEST_H
#define XS_CORE_TEST_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_core.h"

struct tc_msg {
	uint32_t type, req_id, tx_id, len;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

static inline struct xs_conn *tc_conn(struct xs_core *c, uint32_t domid)
{
	char label[16];
	snprintf(label, sizeof(label), "t%u", domid);
	return xs_conn_new(c, domid, true, NULL, NULL, label);
}

/* Feeds raw bytes as if received. */
static inline void tc_feed(struct xs_conn *conn, const void *data, size_t len)
{
	while (len) {
		size_t room;
		char *p = xs_conn_in_space(conn, &room);
		if (!p)
			return;
		if (room > len)
			room = len;
		memcpy(p, data, room);
		xs_conn_received(conn, room);
		data = (const char *)data + room;
		len -= room;
	}
}

static inline void tc_send(struct xs_conn *conn, uint32_t type, uint32_t tx,
			   const char *payload, size_t len)
{
	static uint32_t req = 100;
	char buf[16 + XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = { type, ++req, tx, (uint32_t)len };
	memcpy(buf, &h, 16);
	memcpy(buf + 16, payload, len);
	tc_feed(conn, buf, 16 + len);
}

/* Next queued message (reply or event); 0, or -1 if none. */
static inline int tc_recv(struct xs_conn *conn, struct tc_msg *m)
{
	if (xs_outq_len(&conn->out) < 16)
		return -1;
	memcpy(m, xs_outq_data(&conn->out), 16);
	memcpy(m->body, xs_outq_data(&conn->out) + 16, m->len);
	m->body[m->len] = 0;
	xs_conn_sent(conn, 16 + m->len);
	return 0;
}

/* Drops everything queued. */
static inline void tc_flush(struct xs_conn *conn)
{
	struct tc_msg m;
	while (!tc_recv(conn, &m))
		;
}

/* Sends a request (payload given with explicit length) and returns the
 * reply as "TYPE:body" with nuls shown as '|'; events before or after
 * the reply are left queued unless *ev is given (then appended there as
 * "path|token|;"). */
static inline const char *tc_req(struct xs_conn *conn, uint32_t type,
				 uint32_t tx, const char *payload, size_t len,
				 char *ev, size_t evcap)
{
	static char out[XENSTORE_PAYLOAD_MAX + 64];
	struct tc_msg m;
	static const char *names[] = { "CONTROL", "DIRECTORY", "READ",
		"GET_PERMS", "WATCH", "UNWATCH", "TXN_START", "TXN_END",
		"INTRODUCE", "RELEASE", "DOMPATH", "WRITE", "MKDIR", "RM",
		"SET_PERMS", "EVENT", "ERROR", "INTRODUCED", "RESUME",
		"SET_TARGET", "RESTRICT", "RESET_WATCHES", "DIR_PART" };
	bool got = false;
	uint32_t i;

	tc_send(conn, type, tx, payload, len);
	out[0] = 0;
	while (!tc_recv(conn, &m)) {
		if (m.type == XS_WATCH_EVENT) {
			if (ev) {
				size_t l = strlen(ev);
				for (i = 0; i < m.len && l + 2 < evcap; i++)
					ev[l++] = m.body[i] ? m.body[i] : '|';
				ev[l++] = ';';
				ev[l] = 0;
			}
			continue;
		}
		if (got)
			continue;
		got = true;
		snprintf(out, sizeof(out), "%s:", m.type < 23 ? names[m.type] : "?");
		{
			size_t l = strlen(out);
			for (i = 0; i < m.len && l + 1 < sizeof(out); i++)
				out[l++] = m.body[i] ? m.body[i] : '|';
			out[l] = 0;
		}
	}
	return got ? out : "NONE";
}

/* Payload from a C string literal with embedded \0: length from sizeof. */
#define TC(conn, type, tx, lit) tc_req(conn, type, tx, lit, sizeof(lit) - 1, NULL, 0)
#define TCE(conn, type, tx, lit, ev) \
	tc_req(conn, type, tx, lit, sizeof(lit) - 1, ev, sizeof(ev))
#endif
