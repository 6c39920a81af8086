/* Unit tests: pvstored's protocol handlers, watches, transactions, quotas,
 * slow readers, domains and control, driven through the core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "xs_core_test.h"
#include "xs_log.h"
#include "xs_quota.h"

static struct xs_core core;

/* A platform whose "rings" are plain connections. */
static int fake_connect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	(void)ctx;
	if (d->mfn == 666)
		return EIO;   /* a page that cannot be mapped */
	d->conn = tc_conn(c, d->domid);
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

static int setup(void **state)
{
	struct xs_limits lim = XS_LIMITS_DEFAULT;

	(void)state;
	assert_int_equal(xs_core_init(&core, &lim), 0);
	assert_int_equal(xs_core_populate(&core, "/usr/sbin/pvstored"), 0);
	core.plat = &fake_plat;
	return 0;
}

static int teardown(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(xs_store_check(&core.store, why, sizeof(why)), 0);
	xs_core_destroy(&core);
	return 0;
}

/* Introduces domid through dom0 and returns its connection. */
static struct xs_conn *guest(struct xs_conn *d0, unsigned domid)
{
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "%u%c1234%c7%c", domid, 0, 0, 0);

	assert_string_equal(tc_req(d0, XS_INTRODUCE, 0, buf, len, NULL, 0),
			    "INTRODUCE:OK|");
	return xs_domain_find(&core, domid)->conn;
}

static void test_basic_ops(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0);

	(void)state;
	assert_string_equal(TC(c, XS_WRITE, 0, "/a/b\0hello"), "WRITE:OK|");
	assert_string_equal(TC(c, XS_READ, 0, "/a/b\0"), "READ:hello");
	assert_string_equal(TC(c, XS_READ, 0, "/a\0"), "READ:");
	assert_string_equal(TC(c, XS_MKDIR, 0, "/a/c\0"), "MKDIR:OK|");
	assert_string_equal(TC(c, XS_DIRECTORY, 0, "/a\0"), "DIRECTORY:b|c|");
	assert_string_equal(TC(c, XS_GET_PERMS, 0, "/a/b\0"), "GET_PERMS:n0|");
	assert_string_equal(TC(c, XS_SET_PERMS, 0, "/a/b\0n3\0r4\0"), "SET_PERMS:OK|");
	assert_string_equal(TC(c, XS_GET_PERMS, 0, "/a/b\0"), "GET_PERMS:n3|r4|");
	assert_string_equal(TC(c, XS_RM, 0, "/a\0"), "RM:OK|");
	assert_string_equal(TC(c, XS_READ, 0, "/a/b\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(c, XS_RM, 0, "/a\0"), "RM:OK|");
	assert_string_equal(TC(c, XS_RM, 0, "/a/b/c\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(c, XS_RM, 0, "/\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_GET_DOMAIN_PATH, 0, "7\0"),
			    "DOMPATH:/local/domain/7|");
	assert_string_equal(TC(c, XS_READ, 0, "/tool/xenstored\0"),
			    "READ:/usr/sbin/pvstored");
	/* relative paths live under the caller's home */
	assert_string_equal(TC(c, XS_WRITE, 0, "rel\0v"), "WRITE:OK|");
	assert_string_equal(TC(c, XS_READ, 0, "/local/domain/0/rel\0"), "READ:v");
	/* special nodes are readable nodes under the root */
	assert_string_equal(TC(c, XS_READ, 0, "@introduceDomain\0"), "READ:");
}

static void test_malformed(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0);

	(void)state;
	assert_string_equal(TC(c, XS_READ, 0, "/a"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_READ, 0, "/a\0x\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_READ, 0, ""), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_READ, 0, "/a/\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_READ, 0, "/a//b\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_READ, 0, "/a b\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_WRITE, 0, "/nonul"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_WATCH, 0, "/a\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_WATCH, 0, "/a\0t\0x\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_SET_PERMS, 0, "/\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_SET_PERMS, 0, "/\0q1\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_SET_PERMS, 0, "/nope\0n0\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(c, 99, 0, "x\0"), "ERROR:ENOSYS|");
	assert_string_equal(TC(c, XS_WATCH_EVENT, 0, "x\0"), "ERROR:ENOSYS|");
	assert_string_equal(TC(c, XS_ERROR, 0, "x\0"), "ERROR:ENOSYS|");
	assert_string_equal(TC(c, 20, 0, "x\0"), "ERROR:ENOSYS|");
	assert_string_equal(TC(c, XS_READ, 77, "/\0"), "ERROR:EIO|");
	assert_false(c->dead);
	/* an oversized message ends this connection, and only this one */
	{
		struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
		struct xs_conn *other = tc_conn(&core, 0);
		tc_feed(c, &h, sizeof(h));
		assert_true(c->dead);
		assert_string_equal(TC(other, XS_READ, 0, "/\0"), "READ:");
	}
}

static void test_watches(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0), *w = tc_conn(&core, 0);
	char ev[1024] = "";

	(void)state;
	/* registration event follows the reply */
	assert_string_equal(TCE(w, XS_WATCH, 0, "/w\0t1\0", ev), "WATCH:OK|");
	assert_string_equal(ev, "/w|t1|;");
	assert_string_equal(TC(w, XS_WATCH, 0, "/w\0t1\0"), "ERROR:EEXIST|");
	assert_string_equal(TC(w, XS_WATCH, 0, "/w/x/y\0t2\0"), "WATCH:OK|");
	assert_string_equal(TC(w, XS_WATCH, 0, "local\0rel\0"), "WATCH:OK|");
	tc_flush(w);
	/* children fire ancestors' watches, root to leaf */
	assert_string_equal(TC(c, XS_WRITE, 0, "/w/x/y/z\0v"), "WRITE:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/w\0", ev), "READ:");
	assert_string_equal(ev, "/w/x/y/z|t1|;/w/x/y/z|t2|;");
	/* mkdir of an existing node fires nothing */
	assert_string_equal(TC(c, XS_MKDIR, 0, "/w/x\0"), "MKDIR:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/w\0", ev), "READ:");
	assert_string_equal(ev, "");
	/* removal fires watches below on nodes that existed, with their path */
	assert_string_equal(TC(w, XS_WATCH, 0, "/w/x/nothere\0t3\0"), "WATCH:OK|");
	tc_flush(w);
	assert_string_equal(TC(c, XS_RM, 0, "/w/x\0"), "RM:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/\0", ev), "READ:");
	assert_string_equal(ev, "/w/x|t1|;/w/x/y|t2|;");
	/* relative watch: relative event paths */
	assert_string_equal(TC(c, XS_WRITE, 0, "/local/domain/0/local/q\0v"),
			    "WRITE:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/\0", ev), "READ:");
	assert_string_equal(ev, "local/q|rel|;");
	/* unwatch stops events; unknown unwatch is ENOENT */
	assert_string_equal(TC(w, XS_UNWATCH, 0, "/w\0t1\0"), "UNWATCH:OK|");
	assert_string_equal(TC(w, XS_UNWATCH, 0, "/w\0t1\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(c, XS_WRITE, 0, "/w\0v"), "WRITE:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/\0", ev), "READ:");
	assert_string_equal(ev, "");
	/* reset drops all watches */
	assert_string_equal(TC(w, XS_RESET_WATCHES, 0, ""), "RESET_WATCHES:OK|");
	assert_int_equal(w->nwatches, 0);
}

static void test_guest_permissions(void **state)
{
	struct xs_conn *d0 = tc_conn(&core, 0), *g, *g2;
	char ev[1024] = "";

	(void)state;
	assert_string_equal(TC(d0, XS_MKDIR, 0, "/local/domain/5\0"), "MKDIR:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0r6\0"),
			    "SET_PERMS:OK|");
	g = guest(d0, 5);
	g2 = guest(d0, 6);
	assert_string_equal(TC(g, XS_WRITE, 0, "data/x\0v"), "WRITE:OK|");
	assert_string_equal(TC(g, XS_GET_PERMS, 0, "data/x\0"), "GET_PERMS:n5|r6|");
	assert_string_equal(TC(g2, XS_READ, 0, "/local/domain/5/data/x\0"), "READ:v");
	assert_string_equal(TC(g2, XS_WRITE, 0, "/local/domain/5/data/x\0w"),
			    "ERROR:EACCES|");
	assert_string_equal(TC(g, XS_READ, 0, "/tool/xenstored\0"), "ERROR:EACCES|");
	assert_string_equal(TC(g, XS_READ, 0, "/local/domain/0/x\0"), "ERROR:EACCES|");
	assert_string_equal(TC(g, XS_INTRODUCE, 0, "9\0001\0002\0"), "ERROR:EACCES|");
	assert_string_equal(TC(g, XS_CONTROL, 0, "help\0"), "ERROR:EACCES|");
	assert_string_equal(TC(g, XS_SET_PERMS, 0, "data/x\0n6\0"), "ERROR:EPERM|");
	/* a guest watching what it cannot read hears nothing of it */
	assert_string_equal(TC(g2, XS_WATCH, 0, "/tool\0t\0"), "WATCH:OK|");
	tc_flush(g2);
	assert_string_equal(TC(d0, XS_WRITE, 0, "/tool/secret\0s"), "WRITE:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(g2, XS_READ, 0, "/local/domain/5\0", ev), "READ:");
	assert_string_equal(ev, "");
	/* ... but of what it can */
	assert_string_equal(TC(g2, XS_WATCH, 0, "/local/domain/5\0t5\0"), "WATCH:OK|");
	tc_flush(g2);
	assert_string_equal(TC(g, XS_WRITE, 0, "data/y\0v"), "WRITE:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(g2, XS_READ, 0, "/local/domain/5\0", ev), "READ:");
	assert_string_equal(ev, "/local/domain/5/data/y|t5|;");
	/* special watches follow the special node's permissions */
	assert_string_equal(TC(g2, XS_WATCH, 0, "@introduceDomain\0i\0"), "WATCH:OK|");
	tc_flush(g2);
	guest(d0, 7);
	ev[0] = 0;
	assert_string_equal(TCE(g2, XS_READ, 0, "/local/domain/5\0", ev), "READ:");
	assert_string_equal(ev, "");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "@introduceDomain\0n0\0r6\0"),
			    "SET_PERMS:OK|");
	guest(d0, 8);
	ev[0] = 0;
	assert_string_equal(TCE(g2, XS_READ, 0, "/local/domain/5\0", ev), "READ:");
	assert_string_equal(ev, "@introduceDomain|i|;");
}

static void test_guest_quotas(void **state)
{
	struct xs_conn *d0 = tc_conn(&core, 0), *g;
	char buf[64];
	const char *r = "";
	int i;

	(void)state;
	assert_string_equal(TC(d0, XS_MKDIR, 0, "/local/domain/5\0"), "MKDIR:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0"),
			    "SET_PERMS:OK|");
	g = guest(d0, 5);
	for (i = 0; i < 200; i++) {
		int len = snprintf(buf, sizeof(buf), "w%d%ct", i, 0) + 1;
		r = tc_req(g, XS_WATCH, 0, buf, len, NULL, 0);
		if (strcmp(r, "WATCH:OK|"))
			break;
	}
	assert_int_equal(i, core.lim.watches);
	assert_string_equal(r, "ERROR:E2BIG|");
	for (i = 0; i < 20; i++) {
		r = TC(g, XS_TRANSACTION_START, 0, "\0");
		if (strncmp(r, "TXN_START:", 10))
			break;
	}
	assert_int_equal(i, core.lim.transactions);
	assert_string_equal(r, "ERROR:ENOSPC|");
	xs_conn_reset(g);
	for (i = 0; i < 2000; i++) {
		int len = snprintf(buf, sizeof(buf), "n%d%cv", i, 0) + 1;
		r = tc_req(g, XS_WRITE, 0, buf, len, NULL, 0);
		if (strcmp(r, "WRITE:OK|"))
			break;
	}
	assert_string_equal(r, "ERROR:ENOSPC|");
	assert_int_equal(xs_store_owner_nodes(&core.store, 5), core.lim.nodes);
	/* the quota is settable, at run time too */
	assert_int_equal(xs_quota_set(&core.lim, "nodes", "5000"), 0);
	assert_string_equal(TC(g, XS_WRITE, 0, "more\0v"), "WRITE:OK|");
	assert_int_not_equal(xs_quota_set(&core.lim, "nodes", "x"), 0);
	assert_int_not_equal(xs_quota_set(&core.lim, "bogus", "1"), 0);
	/* dom0 is exempt from node counts */
	assert_string_equal(TC(d0, XS_WRITE, 0, "/local/domain/5/by0\0v"), "WRITE:OK|");
}

static void test_transactions(void **state)
{
	struct xs_conn *a = tc_conn(&core, 0), *b = tc_conn(&core, 0),
		       *w = tc_conn(&core, 0);
	char ev[1024] = "";
	uint32_t ta, tb;

	(void)state;
	assert_string_equal(TC(a, XS_WRITE, 0, "/cnt\0000"), "WRITE:OK|");
	assert_string_equal(TC(w, XS_WATCH, 0, "/cnt\0tw\0"), "WATCH:OK|");
	tc_flush(w);
	ta = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	tb = atoi(TC(b, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_true(ta && tb);
	assert_string_equal(TC(a, XS_TRANSACTION_START, ta, "\0"), "ERROR:EBUSY|");
	assert_string_equal(TC(b, XS_READ, tb + 5, "/cnt\0"), "ERROR:EIO|");
	assert_string_equal(TC(a, XS_READ, ta, "/cnt\0"), "READ:0");
	assert_string_equal(TC(b, XS_READ, tb, "/cnt\0"), "READ:0");
	assert_string_equal(TC(a, XS_WRITE, ta, "/cnt\0001"), "WRITE:OK|");
	assert_string_equal(TC(b, XS_WRITE, tb, "/cnt\0001"), "WRITE:OK|");
	/* no events before commit */
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/cnt\0", ev), "READ:0");
	assert_string_equal(ev, "");
	assert_string_equal(TC(a, XS_TRANSACTION_END, ta, "T\0"), "TXN_END:OK|");
	assert_string_equal(TC(b, XS_TRANSACTION_END, tb, "T\0"), "ERROR:EAGAIN|");
	assert_string_equal(TC(b, XS_TRANSACTION_END, tb, "T\0"), "ERROR:EIO|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/cnt\0", ev), "READ:1");
	assert_string_equal(ev, "/cnt|tw|;");
	/* abort leaves nothing; bad argument is EINVAL */
	ta = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(a, XS_WRITE, ta, "/gone\0x"), "WRITE:OK|");
	assert_string_equal(TC(a, XS_TRANSACTION_END, ta, "X\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(a, XS_TRANSACTION_END, ta, "F\0"), "TXN_END:OK|");
	assert_string_equal(TC(a, XS_READ, 0, "/gone\0"), "ERROR:ENOENT|");
	/* a transaction that only read commits even after changes */
	ta = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(a, XS_READ, ta, "/cnt\0"), "READ:1");
	assert_string_equal(TC(b, XS_WRITE, 0, "/cnt\0002"), "WRITE:OK|");
	assert_string_equal(TC(a, XS_READ, ta, "/cnt\0"), "READ:1");
	assert_string_equal(TC(a, XS_TRANSACTION_END, ta, "T\0"), "TXN_END:OK|");
	/* removal inside a transaction fires recursively at commit */
	assert_string_equal(TC(a, XS_WRITE, 0, "/tr/a/b\0x"), "WRITE:OK|");
	assert_string_equal(TC(w, XS_WATCH, 0, "/tr/a/b\0tb\0"), "WATCH:OK|");
	tc_flush(w);
	ta = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(a, XS_RM, ta, "/tr\0"), "RM:OK|");
	assert_string_equal(TC(a, XS_TRANSACTION_END, ta, "T\0"), "TXN_END:OK|");
	ev[0] = 0;
	assert_string_equal(TCE(w, XS_READ, 0, "/\0", ev), "READ:");
	assert_string_equal(ev, "/tr/a/b|tb|;");
	assert_int_equal(core.store.hist_versions, 0);
	assert_int_equal(core.store.pending_versions, 0);
}

static void test_slow_reader(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0), *w;
	struct xs_conn *d0 = c, *g;
	int i;

	(void)state;
	/* a guest that registers a watch and never reads events */
	assert_string_equal(TC(d0, XS_MKDIR, 0, "/local/domain/5\0"), "MKDIR:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0"),
			    "SET_PERMS:OK|");
	g = guest(d0, 5);
	tc_send(g, XS_WATCH, 0, "/local/domain/5\0t\0", 18);
	for (i = 0; i < 5000; i++)
		TC(d0, XS_WRITE, 0, "/local/domain/5/x\0v");
	assert_true(g->out.events <= core.lim.watch_events);
	assert_true(g->events_dropped > 0);
	assert_true(xs_outq_len(&g->out) < 256 * 1024);
	/* a client that pipelines requests and reads nothing is throttled */
	w = tc_conn(&core, 5);
	for (i = 0; i < 3000; i++)
		tc_send(w, XS_READ, 0, "/local/domain/5/x\0", 18);
	assert_true(w->out.replies <= core.lim.outstanding);
	assert_true(xs_conn_throttled(w));
	/* reading replies lets it go on */
	tc_flush(w);
	assert_false(xs_conn_throttled(w));
}

static void test_domains(void **state)
{
	struct xs_conn *d0 = tc_conn(&core, 0), *dm, *g;
	char ev[1024] = "";

	(void)state;
	assert_string_equal(TC(d0, XS_WATCH, 0, "@introduceDomain\0in\0"), "WATCH:OK|");
	assert_string_equal(TC(d0, XS_WATCH, 0, "@releaseDomain\0out\0"), "WATCH:OK|");
	tc_flush(d0);
	assert_string_equal(TC(d0, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "INTRODUCED:F|");
	assert_string_equal(TCE(d0, XS_INTRODUCE, 0, "5\0001234\0007\0", ev),
			    "INTRODUCE:OK|");
	assert_string_equal(ev, "@introduceDomain|in|;");
	assert_string_equal(TC(d0, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "INTRODUCED:T|");
	/* same again: fine; different ring: EINVAL; unmappable: EINVAL */
	assert_string_equal(TC(d0, XS_INTRODUCE, 0, "5\0001234\0007\0"), "INTRODUCE:OK|");
	assert_string_equal(TC(d0, XS_INTRODUCE, 0, "5\0009999\0007\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(d0, XS_INTRODUCE, 0, "9\000666\0007\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(d0, XS_INTRODUCE, 0, "x\0001\0007\0"), "ERROR:EINVAL|");
	/* a device model acts for its target */
	assert_string_equal(TC(d0, XS_MKDIR, 0, "/local/domain/5\0"), "MKDIR:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0"),
			    "SET_PERMS:OK|");
	dm = guest(d0, 10);
	assert_string_equal(TC(dm, XS_READ, 0, "/local/domain/5\0"), "ERROR:EACCES|");
	assert_string_equal(TC(d0, XS_SET_TARGET, 0, "10\0005\0"), "SET_TARGET:OK|");
	assert_string_equal(TC(dm, XS_READ, 0, "/local/domain/5\0"), "READ:");
	assert_string_equal(TC(d0, XS_SET_TARGET, 0, "11\0005\0"), "ERROR:ENOENT|");
	/* release: @releaseDomain, and the domain is forgotten in perms */
	g = xs_domain_find(&core, 5)->conn;
	assert_string_equal(TC(g, XS_WRITE, 0, "/local/domain/5/mine\0x"), "WRITE:OK|");
	ev[0] = 0;
	tc_flush(d0);
	assert_string_equal(TCE(d0, XS_RELEASE, 0, "5\0", ev), "RELEASE:OK|");
	assert_string_equal(ev, "@releaseDomain|out|;");
	assert_string_equal(TC(d0, XS_GET_PERMS, 0, "/local/domain/5/mine\0"),
			    "GET_PERMS:n0|");
	assert_string_equal(TC(d0, XS_RELEASE, 0, "5\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(d0, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "INTRODUCED:F|");
	assert_string_equal(TC(d0, XS_RESUME, 0, "10\0"), "RESUME:OK|");
	assert_string_equal(TC(d0, XS_RESUME, 0, "5\0"), "ERROR:EINVAL|");
}

static void test_control(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0);
	const char *r;

	(void)state;
	r = TC(c, XS_CONTROL, 0, "quota\0");
	assert_non_null(strstr(r, "nodes"));
	assert_string_equal(TC(c, XS_CONTROL, 0, "quota\0nodes\00042\0"), "CONTROL:OK|");
	assert_int_equal(core.lim.nodes, 42);
	assert_string_equal(TC(c, XS_CONTROL, 0, "quota\0nodes\0x\0"), "ERROR:EINVAL|");
	r = TC(c, XS_CONTROL, 0, "quota\0000\0");
	assert_non_null(strstr(r, "Domain 0"));
	r = TC(c, XS_CONTROL, 0, "memreport\0");
	assert_non_null(strstr(r, "nodes:"));
	assert_string_equal(TC(c, XS_CONTROL, 0, "check\0"), "CONTROL:OK|");
	assert_string_equal(TC(c, XS_CONTROL, 0, "log\0info\0"), "CONTROL:OK|");
	assert_string_equal(TC(c, XS_CONTROL, 0, "log\0loud\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_CONTROL, 0, "bogus\0"), "ERROR:EINVAL|");
	assert_string_equal(TC(c, XS_CONTROL, 0, "snapshot\0"), "ERROR:EINVAL|");
	xs_log_level = 0;
}

static void test_directory_part(void **state)
{
	struct xs_conn *c = tc_conn(&core, 0);
	char buf[128], *list = calloc(1, 200000);
	size_t have = 0;
	int i, off = 0, rounds = 0;

	(void)state;
	for (i = 0; i < 3000; i++) {
		int len = snprintf(buf, sizeof(buf), "/big/child%04d%cx", i, 0) + 2;
		assert_string_equal(tc_req(c, XS_WRITE, 0, buf, len, NULL, 0),
				    "WRITE:OK|");
	}
	assert_string_equal(TC(c, XS_DIRECTORY, 0, "/big\0"), "ERROR:E2BIG|");
	/* gather with DIRECTORY_PART the way libxenstore does */
	for (;;) {
		struct tc_msg m;
		int len = snprintf(buf, sizeof(buf), "/big%c%d", 0, off) + 1;
		size_t g;
		tc_send(c, XS_DIRECTORY_PART, 0, buf, len);
		assert_int_equal(tc_recv(c, &m), 0);
		assert_int_equal(m.type, XS_DIRECTORY_PART);
		g = strlen(m.body) + 1;
		memcpy(list + have, m.body + g, m.len - g);
		have += m.len - g;
		rounds++;
		if (m.len >= g + 1 && m.body[m.len - 1] == 0 &&
		    (m.len == g + 1 || m.body[m.len - 2] == 0))
			break;
		off += m.len - g;
	}
	assert_true(rounds > 5);
	/* all 3000 names, in order, then the final empty string */
	for (i = 0, off = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "child%04d", i);
		assert_string_equal(list + off, buf);
		off += strlen(buf) + 1;
	}
	free(list);
}

static void test_read_only_socket(void **state)
{
	struct xs_conn *rw = tc_conn(&core, 0);
	struct xs_conn *ro = xs_conn_new(&core, 0, false, NULL, NULL, "ro");

	(void)state;
	assert_string_equal(TC(rw, XS_WRITE, 0, "/r/x\0v"), "WRITE:OK|");
	assert_string_equal(TC(ro, XS_READ, 0, "/r/x\0"), "READ:v");
	assert_string_equal(TC(ro, XS_WRITE, 0, "/r/x\0w"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_WRITE, 0, "/r/new\0w"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_MKDIR, 0, "/r/new\0"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_RM, 0, "/r\0"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_SET_PERMS, 0, "/r\0n0\0"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_INTRODUCE, 0, "5\0001\0002\0"), "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_CONTROL, 0, "quota\0nodes\0001\0"),
			    "ERROR:EACCES|");
	assert_string_equal(TC(ro, XS_CONTROL, 0, "check\0"), "CONTROL:OK|");
	assert_string_equal(TC(ro, XS_WATCH, 0, "/r\0t\0"), "WATCH:OK|");
}

static void test_history_bound(void **state)
{
	struct xs_conn *a = tc_conn(&core, 0), *b = tc_conn(&core, 0);
	uint32_t t;
	int i;

	(void)state;
	core.history_max = 500;
	assert_string_equal(TC(a, XS_WRITE, 0, "/h\0000"), "WRITE:OK|");
	for (i = 0; i < 2000; i++) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "/h/k%d%cv", i, 0) + 1;
		tc_req(b, XS_WRITE, 0, buf, len, NULL, 0);
	}
	/* a transaction left open while others change many nodes: each
	 * change keeps the version the snapshot sees */
	t = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(a, XS_READ, t, "/h\0"), "READ:0");
	for (i = 0; i < 2000; i++) {
		char buf[32];
		int len = snprintf(buf, sizeof(buf), "/h/k%d%cw", i, 0) + 1;
		tc_req(b, XS_WRITE, 0, buf, len, NULL, 0);
	}
	assert_true(core.store.hist_versions <= 500);
	/* the old transaction fails instead, and can be retried */
	assert_string_equal(TC(a, XS_READ, t, "/h\0"), "ERROR:EAGAIN|");
	assert_string_equal(TC(a, XS_TRANSACTION_END, t, "T\0"), "ERROR:EAGAIN|");
	assert_int_equal(a->ntxns, 0);
	assert_int_equal(core.store.hist_versions, 0);
}

/* Nodes in the tree in any state (live, tombstones, pending). */
static unsigned tree_nodes(const struct xs_node *n)
{
	unsigned c = 1, i;

	for (i = 0; i < n->nkids; i++)
		c += tree_nodes(n->kids[i]);
	return c;
}

/* A guest creating and deleting nodes while a transaction is open must
 * not grow the daemon: nodes no snapshot saw go at once. And ending
 * other transactions meanwhile does not cost a pass over everything
 * the open one pins. */
static void test_open_transaction_growth(void **state)
{
	struct xs_conn *d0 = tc_conn(&core, 0), *g, *b = tc_conn(&core, 0);
	unsigned before, i;
	uint64_t visits = 0;
	uint32_t t;

	(void)state;
	assert_string_equal(TC(d0, XS_MKDIR, 0, "/local/domain/5\0"), "MKDIR:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/local/domain/5\0n5\0"),
			    "SET_PERMS:OK|");
	g = guest(d0, 5);
	t = atoi(TC(g, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(g, XS_READ, t, "/local/domain/5\0"), "READ:");
	before = tree_nodes(core.store.root);
	for (i = 0; i < 20000; i++) {
		char buf[64];
		int len = snprintf(buf, sizeof(buf), "/local/domain/5/n%u%cv", i, 0);
		assert_string_equal(tc_req(g, XS_WRITE, 0, buf, len, NULL, 0),
				    "WRITE:OK|");
		assert_string_equal(tc_req(g, XS_RM, 0, buf, len - 1, NULL, 0),
				    "RM:OK|");
	}
	assert_true(tree_nodes(core.store.root) <= before + 2);
	assert_true(core.store.ngcq <= 2);
	/* dom0 changes 5000 nodes the open snapshot sees: history it pins */
	for (i = 0; i < 5000; i++) {
		char buf[64];
		int len = snprintf(buf, sizeof(buf), "/h/k%u%cv", i, 0);
		tc_req(d0, XS_WRITE, 0, buf, len, NULL, 0);
	}
	t = atoi(TC(g, XS_TRANSACTION_START, 0, "\0") + 10);
	for (i = 0; i < 5000; i++) {
		char buf[64];
		int len = snprintf(buf, sizeof(buf), "/h/k%u%cw", i, 0);
		tc_req(d0, XS_WRITE, 0, buf, len, NULL, 0);
	}
	assert_true(core.store.ngcq >= 5000);
	/* 200 small transactions of dom0: after the first, each end looks
	 * at a few entries, not at all 5000 */
	for (i = 0; i < 201; i++) {
		if (i == 1)
			visits = core.store.gc_visits;
		uint32_t bt = atoi(TC(b, XS_TRANSACTION_START, 0, "\0") + 10);
		char buf[64];
		int len = snprintf(buf, sizeof(buf), "/t/k%u%cv", i, 0);
		tc_req(b, XS_WRITE, bt, buf, len, NULL, 0);
		assert_string_equal(TC(b, XS_TRANSACTION_END, bt, "T\0"),
				    "TXN_END:OK|");
	}
	assert_true(core.store.gc_visits - visits < 200 * 8);
	assert_string_equal(TC(g, XS_TRANSACTION_END, t, "F\0"), "TXN_END:OK|");
}

/* XS_DIRECTORY_PART in a transaction reports the transaction's view:
 * its generation does not move when others change the directory
 * (libxenstore restarts a listing whenever it does). */
static void test_txn_directory_generation(void **state)
{
	struct xs_conn *a = tc_conn(&core, 0), *b = tc_conn(&core, 0);
	char first[64];
	uint32_t t;

	(void)state;
	assert_string_equal(TC(a, XS_WRITE, 0, "/dir/a\0v"), "WRITE:OK|");
	t = atoi(TC(a, XS_TRANSACTION_START, 0, "\0") + 10);
	snprintf(first, sizeof(first), "%s", TC(a, XS_DIRECTORY_PART, t, "/dir\0" "0\0"));
	assert_string_equal(TC(b, XS_WRITE, 0, "/dir/b\0v"), "WRITE:OK|");
	assert_string_equal(TC(a, XS_DIRECTORY_PART, t, "/dir\0" "0\0"), first);
	assert_string_equal(TC(b, XS_RM, 0, "/dir/a\0"), "RM:OK|");
	assert_string_equal(TC(a, XS_DIRECTORY_PART, t, "/dir\0" "0\0"), first);
	assert_string_equal(TC(a, XS_TRANSACTION_END, t, "F\0"), "TXN_END:OK|");
	/* outside a transaction it moves, as before */
	assert_string_not_equal(TC(a, XS_DIRECTORY_PART, 0, "/dir\0" "0\0"), first);
}

/* Watchers on the read-only socket that never read: each has the
 * guests' limits (events, bytes, watches, transactions), and all queued
 * output together is bounded too. */
static void test_slow_readonly_watchers(void **state)
{
	struct xs_conn *d0 = tc_conn(&core, 0), *ro[8];
	static char buf[XENSTORE_PAYLOAD_MAX];
	char tok[1001];
	unsigned i, k;

	(void)state;
	memset(tok, 't', 1000);
	tok[1000] = 0;
	for (k = 0; k < 8; k++) {
		int len = snprintf(buf, sizeof(buf), "/w%c%s", 0, tok) + 1;
		ro[k] = xs_conn_new(&core, 0, false, NULL, NULL, "ro");
		assert_string_equal(tc_req(ro[k], XS_WATCH, 0, buf, len, NULL, 0),
				    "WATCH:OK|");
		tc_flush(ro[k]);
	}
	for (i = 0; i < 5000; i++) {
		int len = snprintf(buf, sizeof(buf), "/w/%0900u%cv", i, 0) + 1;
		tc_req(d0, XS_WRITE, 0, buf, len - 1, NULL, 0);
	}
	for (k = 0; k < 8; k++) {
		assert_true(ro[k]->out.events <= core.lim.watch_events);
		assert_true(xs_outq_len(&ro[k]->out) <= 260 * 1024);
		assert_true(ro[k]->events_dropped > 0);
	}
	assert_true(core.out_bytes <= 8 * 260 * 1024);
	/* the read-only socket's watches and transactions are limited too */
	for (i = 1; i < core.lim.watches; i++) {
		int len = snprintf(buf, sizeof(buf), "/w%c%u", 0, i) + 1;
		assert_string_equal(tc_req(ro[0], XS_WATCH, 0, buf, len, NULL, 0),
				    "WATCH:OK|");
	}
	assert_string_equal(TC(ro[0], XS_WATCH, 0, "/w\0over\0"), "ERROR:E2BIG|");
	for (i = 0; i < core.lim.transactions; i++)
		assert_memory_equal(TC(ro[1], XS_TRANSACTION_START, 0, "\0"),
				    "TXN_START:", 10);
	assert_string_equal(TC(ro[1], XS_TRANSACTION_START, 0, "\0"),
			    "ERROR:ENOSPC|");
	/* once they read, the accounting comes back to nothing */
	for (k = 0; k < 8; k++)
		tc_flush(ro[k]);
	tc_flush(d0);
	assert_int_equal(core.out_bytes, 0);
	for (k = 0; k < 8; k++)
		assert_int_equal(ro[k]->out.event_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_transaction_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_directory_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_readonly_watchers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
