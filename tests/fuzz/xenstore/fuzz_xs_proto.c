/*
 * Fuzz target: the whole request path of pvstored. The input is a byte
 * stream split among three clients (dom0, and guests 5 and 6 whose homes
 * exist), each byte run prefixed by who sends it; everything parses,
 * handlers run, watches fire, transactions commit. After each input the
 * store must be consistent and all transactions closed cleanly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

static int fake_connect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	(void)ctx;
	if (d->domid > 10)
		return EINVAL;
	d->conn = xs_conn_new(c, d->domid, true, NULL, NULL, "fuzz");
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

static void feed(struct xs_conn *conn, const uint8_t *data, size_t len)
{
	while (len && !conn->dead) {
		size_t room;
		char *p = xs_conn_in_space(conn, &room);
		if (!p) {
			/* a client that reads what it gets */
			xs_conn_sent(conn, xs_outq_len(&conn->out));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xs_core core;
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	struct xs_conn *who[3];
	char why[128];
	size_t off = 0;

	xs_log_level = -1;
	lim.nodes = 50;   /* reach the quotas quickly */
	lim.watches = 8;
	if (xs_core_init(&core, &lim) || xs_core_populate(&core, "fuzz"))
		abort();
	core.plat = &fake_plat;
	who[0] = xs_conn_new(&core, 0, true, NULL, NULL, "d0");
	xs_domain_introduce(&core, who[0], 5, 1, 1);
	xs_domain_introduce(&core, who[0], 6, 2, 2);
	who[1] = xs_domain_find(&core, 5)->conn;
	who[2] = xs_domain_find(&core, 6)->conn;
	{
		static const char msgs[] =
			"\x0c\0\0\0\1\0\0\0\0\0\0\0\x10\0\0\0/local/domain/5\0"
			"\x0e\0\0\0\2\0\0\0\0\0\0\0\x16\0\0\0/local/domain/5\0n5\0r6\0";
		feed(who[0], (const uint8_t *)msgs, sizeof(msgs) - 1);
	}
	while (off + 2 <= size) {
		unsigned sel = data[off] % 3, len = data[off + 1];
		struct xs_conn *c;
		off += 2;
		if (len > size - off)
			len = size - off;
		/* a released guest's connection is gone: fall back to dom0 */
		if (sel && (!xs_domain_find(&core, sel == 1 ? 5 : 6) ||
			    !xs_domain_find(&core, sel == 1 ? 5 : 6)->conn))
			sel = 0;
		c = sel ? xs_domain_find(&core, sel == 1 ? 5 : 6)->conn : who[0];
		if (!c->dead)
			feed(c, data + off, len);
		off += len;
	}
	if (xs_store_check(&core.store, why, sizeof(why)))
		abort();
	xs_core_destroy(&core);
	if (xs_permset_count())
		abort();
	return 0;
}
