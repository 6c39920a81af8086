/*
 * Unit tests: the shared ring (pure module over a plain page) and guests'
 * ring connections driven through a fake event channel: normal traffic,
 * wrap-around, a guest writing garbage indexes, a guest that never
 * consumes, a protocol violation, reconnection and domain death.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xs_core_test.h"
#include "xs_loop.h"
#include "xs_persist.h"
#include "xs_ring.h"
#include "xs_ring_plat.h"
#include "xs_xen.h"

/* ---- the pure ring -------------------------------------------------------- */

static void test_ring_transfer(void **state)
{
	static struct xenstore_domain_interface intf;
	char in[3000], out[3000];
	unsigned i, total = 0, got = 0;

	(void)state;
	memset(&intf, 0, sizeof(intf));
	/* Start near the 32-bit wrap so indexes overflow during the test. */
	intf.req_cons = intf.req_prod = 0xfffffe00u;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)(i * 7);
	while (got < sizeof(in)) {
		int w = xs_ring_write_req(&intf, in + total, sizeof(in) - total);
		int r;
		assert_true(w >= 0);
		total += w;
		assert_true(intf.req_prod - intf.req_cons <= XENSTORE_RING_SIZE);
		r = xs_ring_read_req(&intf, out + got, 333);
		assert_true(r >= 0);
		got += r;
	}
	assert_memory_equal(in, out, sizeof(in));
	assert_false(xs_ring_req_pending(&intf));
	/* full ring: the writer gets 0, not an overwrite */
	assert_int_equal(xs_ring_write_rsp(&intf, in, 2000), XENSTORE_RING_SIZE);
	assert_int_equal(xs_ring_write_rsp(&intf, in, 10), 0);
	assert_false(xs_ring_rsp_room(&intf));
	assert_int_equal(xs_ring_read_rsp(&intf, out, 2000), XENSTORE_RING_SIZE);
	assert_memory_equal(in, out, XENSTORE_RING_SIZE);
}

static void test_ring_garbage(void **state)
{
	static struct xenstore_domain_interface intf;
	char buf[64];

	(void)state;
	memset(&intf, 0, sizeof(intf));
	intf.req_prod = XENSTORE_RING_SIZE + 1;   /* more than a ring's worth */
	assert_int_equal(xs_ring_read_req(&intf, buf, sizeof(buf)), XS_RING_BAD);
	assert_false(xs_ring_req_pending(&intf));
	intf.req_prod = 5;
	intf.req_cons = 10;                       /* consumer ahead of producer */
	assert_int_equal(xs_ring_read_req(&intf, buf, sizeof(buf)), XS_RING_BAD);
	intf.rsp_prod = 0;
	intf.rsp_cons = 3000;
	assert_int_equal(xs_ring_write_rsp(&intf, buf, 4), XS_RING_BAD);
	/* the indexes were not "repaired" behind the guest's back */
	assert_int_equal(intf.req_cons, 10);
	/* reconnect brings everything back to zero */
	intf.connection = XENSTORE_RECONNECT;
	assert_true(xs_ring_reconnect_requested(&intf));
	xs_ring_reconnect_done(&intf);
	assert_int_equal(intf.req_prod | intf.req_cons | intf.rsp_prod |
			 intf.rsp_cons, 0);
	assert_int_equal(intf.connection, XENSTORE_CONNECTED);
	xs_ring_server_init(&intf);
	assert_int_equal(intf.server_features,
			 XENSTORE_SERVER_FEATURE_RECONNECTION |
			 XENSTORE_SERVER_FEATURE_ERROR);
}

/* ---- ring connections over a fake event channel --------------------------- */

#define NDOM 4

struct fake_xen {
	struct xs_xen x;
	struct xenstore_domain_interface pages[NDOM];
	int pending[64];
	unsigned npending;
	unsigned notified[NDOM + 1];     /* per local port */
	enum xs_dom_state state[NDOM];
	bool closed;
	/* when set: at each notification, this path must be in the log */
	int wal_fd;
	const char *expect;
	unsigned checked, unlogged;
};

static struct fake_xen fx;

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
	return (int)domid + 1;   /* local port = domid + 1 */
}

static void fk_unbind(struct xs_xen *x, int port)
{
	(void)x;
	(void)port;
}

static void fk_notify(struct xs_xen *x, int port)
{
	static char buf[1 << 20];

	(void)x;
	fx.notified[port]++;
	if (fx.expect) {
		ssize_t n = pread(fx.wal_fd, buf, sizeof(buf), 0);
		fx.checked++;
		if (n <= 0 || !memmem(buf, n, fx.expect, strlen(fx.expect) + 1))
			fx.unlogged++;
	}
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
	fx.closed = true;
}


static const struct xs_xen_ops fake_ops = {
	fk_map, fk_unmap, fk_bind, fk_unbind, fk_notify, fk_pending, NULL,
	fk_state, fk_close,
};

static struct xs_core core;
static struct xs_loop *loop;

/* The guest kicks its event channel. */
static void kick(int local_port)
{
	uint64_t one = 1;

	fx.pending[fx.npending++] = local_port;
	assert_int_equal(write(fx.x.fd, &one, sizeof(one)), sizeof(one));
}

static void turn(void)
{
	xs_loop_run_once(loop, 0);
}

/* Guest side: send one request and wait for the reply. */
static void gsend(unsigned dom, uint32_t type, const char *payload, size_t len)
{
	char buf[16 + 512];
	struct xsd_sockmsg h = { type, 42, 0, (uint32_t)len };

	memcpy(buf, &h, 16);
	memcpy(buf + 16, payload, len);
	assert_int_equal(xs_ring_write_req(&fx.pages[dom], buf, 16 + len),
			 16 + len);
	kick(dom + 1);
	turn();
}

/* Guest side: next message from the response ring, as "TYPE:body". */
static const char *grecv(unsigned dom)
{
	static char out[600];
	struct xsd_sockmsg h;
	char body[512];
	size_t i, l;

	if (xs_ring_read_rsp(&fx.pages[dom], &h, 16) != 16)
		return "NONE";
	assert_true(h.len < sizeof(body));
	assert_int_equal(xs_ring_read_rsp(&fx.pages[dom], body, h.len), h.len);
	l = snprintf(out, sizeof(out), "%u:", h.type);
	for (i = 0; i < h.len && l + 1 < sizeof(out); i++)
		out[l++] = body[i] ? body[i] : '|';
	out[l] = 0;
	kick(dom + 1);   /* room in the response ring */
	return out;
}

static int ring_setup(void **state)
{
	struct xs_limits lim = XS_LIMITS_DEFAULT;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.x.ops = &fake_ops;
	fx.x.fd = eventfd(0, EFD_NONBLOCK);
	fx.x.virq_port = 99;
	assert_int_equal(xs_core_init(&core, &lim), 0);
	assert_int_equal(xs_core_populate(&core, "pvstored"), 0);
	loop = xs_loop_new(&core);
	assert_non_null(loop);
	assert_int_equal(xs_ring_plat_start(&core, loop, &fx.x), 0);
	return 0;
}

static int ring_teardown(void **state)
{
	(void)state;
	turn();
	xs_ring_plat_stop(&core);
	assert_true(fx.closed);
	xs_core_destroy(&core);
	xs_loop_free(loop);
	return 0;
}

static struct xs_conn *dom0;

static void introduce(unsigned domid)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%u%c100%c7%c", domid, 0, 0, 0);

	assert_string_equal(tc_req(dom0, XS_INTRODUCE, 0, buf, len, NULL, 0),
			    "INTRODUCE:OK|");
	turn();
}

static void test_ring_traffic(void **state)
{
	int i;

	(void)state;
	dom0 = tc_conn(&core, 0);
	/* a request already waiting when the domain is introduced */
	assert_int_equal(xs_ring_write_req(&fx.pages[1],
		&(struct xsd_sockmsg){ XS_GET_DOMAIN_PATH, 1, 0, 2 }, 16), 16);
	assert_int_equal(xs_ring_write_req(&fx.pages[1], "1", 2), 2);
	introduce(1);
	assert_int_equal(fx.pages[1].server_features,
			 XENSTORE_SERVER_FEATURE_RECONNECTION |
			 XENSTORE_SERVER_FEATURE_ERROR);
	assert_string_equal(grecv(1), "10:/local/domain/1|");
	assert_true(fx.notified[2] > 0);
	/* many round trips: indexes wrap around the ring many times */
	for (i = 0; i < 500; i++) {
		gsend(1, XS_GET_DOMAIN_PATH, "1", 2);
		assert_string_equal(grecv(1), "10:/local/domain/1|");
	}
	/* watch events reach the guest through its ring */
	assert_string_equal(TC(dom0, XS_SET_PERMS, 0, "/local\0n0\0r1\0"),
			    "SET_PERMS:OK|");
	gsend(1, XS_WATCH, "/local\0tok", 11);
	assert_string_equal(grecv(1), "4:OK|");
	assert_string_equal(grecv(1), "15:/local|tok|");
	assert_string_equal(TC(dom0, XS_WRITE, 0, "/local/x\0v"), "WRITE:OK|");
	turn();
	assert_string_equal(grecv(1), "15:/local/x|tok|");
}

static void test_ring_garbage_guest(void **state)
{
	(void)state;
	dom0 = tc_conn(&core, 0);
	introduce(1);
	introduce(2);
	/* a new connection is signalled at once (Linux's dom0 waits for it) */
	assert_true(fx.notified[3] > 0);
	/* domain 1 scribbles its request indexes */
	fx.pages[1].req_prod = fx.pages[1].req_cons + 4000;
	kick(2);
	turn();
	assert_int_equal(fx.pages[1].error, XENSTORE_ERROR_RINGIDX);
	/* it is ignored from now on... */
	fx.pages[1].req_prod = fx.pages[1].req_cons = 0;
	gsend(1, XS_GET_DOMAIN_PATH, "1", 2);
	assert_string_equal(grecv(1), "NONE");
	/* ...while everyone else carries on */
	gsend(2, XS_GET_DOMAIN_PATH, "2", 2);
	assert_string_equal(grecv(2), "10:/local/domain/2|");
	assert_string_equal(TC(dom0, XS_READ, 0, "/\0"), "READ:");
	/* releasing and introducing again gives it a fresh start */
	assert_string_equal(TC(dom0, XS_RELEASE, 0, "1\0"), "RELEASE:OK|");
	turn();
	memset(&fx.pages[1], 0, sizeof(fx.pages[1]));
	introduce(1);
	gsend(1, XS_GET_DOMAIN_PATH, "1", 2);
	assert_string_equal(grecv(1), "10:/local/domain/1|");
}

static void test_ring_protocol_violation(void **state)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };

	(void)state;
	dom0 = tc_conn(&core, 0);
	introduce(1);
	assert_int_equal(xs_ring_write_req(&fx.pages[1], &h, 16), 16);
	kick(2);
	turn();
	assert_int_equal(fx.pages[1].error, XENSTORE_ERROR_PROTO);
	assert_string_equal(TC(dom0, XS_READ, 0, "/\0"), "READ:");
}

static void test_ring_never_consumes(void **state)
{
	struct xs_domain *d;
	int i;

	(void)state;
	dom0 = tc_conn(&core, 0);
	introduce(1);
	assert_string_equal(TC(dom0, XS_SET_PERMS, 0, "/local\0n0\0r1\0"),
			    "SET_PERMS:OK|");
	gsend(1, XS_WATCH, "/local\0tok", 11);
	/* the guest never reads: the response ring fills, then the queue */
	for (i = 0; i < 20000; i++) {
		assert_string_equal(TC(dom0, XS_WRITE, 0, "/local/x\0v"),
				    "WRITE:OK|");
		if (i % 100 == 0)
			turn();
	}
	turn();
	d = xs_domain_find(&core, 1);
	assert_true(d->conn->out.events <= core.lim.watch_events);
	assert_true(xs_outq_len(&d->conn->out) < 128 * 1024);
	assert_true(d->conn->events_dropped > 0);
	/* requests keep coming: it is throttled once replies pile up */
	for (i = 0; i < 2000; i++) {
		char buf[16 + 2];
		struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, 1, 0, 2 };
		memcpy(buf, &h, 16);
		memcpy(buf + 16, "1", 2);
		if (xs_ring_write_req(&fx.pages[1], buf, sizeof(buf)) !=
		    sizeof(buf))
			break;
		kick(2);
		turn();
	}
	assert_true(d->conn->out.replies <= core.lim.outstanding);
	/* the daemon still serves others */
	assert_string_equal(TC(dom0, XS_READ, 0, "/local/x\0"), "READ:v");
	/* once the guest reads, it all flows again */
	for (i = 0; i < 100000 && strcmp(grecv(1), "NONE"); i++)
		turn();
	assert_int_equal(xs_outq_len(&d->conn->out), 0);
}

static void test_ring_reconnect(void **state)
{
	struct xs_domain *d;

	(void)state;
	dom0 = tc_conn(&core, 0);
	introduce(1);
	gsend(1, XS_WATCH, "/local\0tok", 11);
	assert_string_equal(grecv(1), "4:OK|");
	d = xs_domain_find(&core, 1);
	assert_int_equal(d->conn->nwatches, 1);
	fx.pages[1].req_prod += 3;   /* half a header left in the ring */
	fx.pages[1].connection = XENSTORE_RECONNECT;
	kick(2);
	turn();
	assert_int_equal(fx.pages[1].connection, XENSTORE_CONNECTED);
	assert_int_equal(fx.pages[1].req_prod, 0);
	assert_int_equal(d->conn->nwatches, 0);
	gsend(1, XS_GET_DOMAIN_PATH, "1", 2);
	assert_string_equal(grecv(1), "10:/local/domain/1|");
}

static void test_ring_domain_death(void **state)
{
	char ev[256] = "";

	(void)state;
	dom0 = tc_conn(&core, 0);
	introduce(1);
	introduce(2);
	assert_string_equal(TC(dom0, XS_WATCH, 0, "@releaseDomain\0r\0"), "WATCH:OK|");
	tc_flush(dom0);
	/* shut down: @releaseDomain once, the domain stays */
	fx.state[1] = XS_DOM_SHUTDOWN;
	kick(99);
	turn();
	kick(99);
	turn();
	assert_string_equal(TCE(dom0, XS_IS_DOMAIN_INTRODUCED, 0, "1\0", ev),
			    "INTRODUCED:T|");
	assert_string_equal(ev, "@releaseDomain|r|;");
	/* dying: released, @releaseDomain again */
	fx.state[2] = XS_DOM_DYING;
	kick(99);
	turn();
	ev[0] = 0;
	assert_string_equal(TCE(dom0, XS_IS_DOMAIN_INTRODUCED, 0, "2\0", ev),
			    "INTRODUCED:F|");
	assert_string_equal(ev, "@releaseDomain|r|;");
}

/* A guest gets no reply before its write is in the log: replies leave
 * from the event channel handler, which runs before the turn's flush. */
static void test_ring_reply_after_log(void **state)
{
	char dir[] = "/tmp/xs-ringlog-XXXXXX", db[64], wal[72], path[40];
	struct xs_persist *p;
	bool restored;
	int err, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(wal, sizeof(wal), "%s/db.wal", dir);
	p = xs_persist_open(db, &err);
	assert_non_null(p);
	assert_int_equal(xs_persist_load(&core, p, &restored), 0);
	fx.wal_fd = open(wal, O_RDONLY);
	assert_true(fx.wal_fd >= 0);
	dom0 = tc_conn(&core, 0);
	assert_string_equal(TC(dom0, XS_MKDIR, 0, "/local/domain/1\0"), "MKDIR:OK|");
	assert_string_equal(TC(dom0, XS_SET_PERMS, 0, "/local/domain/1\0n1\0"),
			    "SET_PERMS:OK|");
	introduce(1);
	for (i = 0; i < 20; i++) {
		char req[48];
		int len = snprintf(path, sizeof(path), "/local/domain/1/k%d", i);
		memcpy(req, path, len + 1);
		memcpy(req + len + 1, "v", 1);
		fx.expect = path;
		gsend(1, XS_WRITE, req, len + 2);
		fx.expect = NULL;
		assert_string_equal(grecv(1), "11:OK|");
	}
	assert_true(fx.checked >= 20);
	assert_int_equal(fx.unlogged, 0);
	close(fx.wal_fd);
	xs_persist_flush(&core);
	core.persist = NULL;
	core.store.hook = NULL;
	xs_persist_close(p);
	unlink(wal);
	unlink(db);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_transfer),
		cmocka_unit_test(test_ring_garbage),
		cmocka_unit_test_setup_teardown(test_ring_traffic, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_garbage_guest, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_protocol_violation, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_never_consumes, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_reconnect, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_domain_death, ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_ring_reply_after_log, ring_setup, ring_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
