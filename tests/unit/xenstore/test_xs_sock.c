/*
 * Unit tests: the Unix socket transport over a real socket and event loop.
 *  - No reply leaves before the change it acknowledges is in the log: a
 *    pipelining client that stops reading gets throttled, and when it reads
 *    again the writes processed while its output drains must be logged
 *    before their replies are sent. send() is interposed to check the log
 *    at the moment each reply goes out.
 *  - Shutting down with clients connected frees their connections
 *    (LeakSanitizer fails the test otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_core_test.h"
#include "xs_loop.h"
#include "xs_persist.h"

#define NWRITES 6000

static char dir[] = "/tmp/xs-sock-XXXXXX";
static char wal[128];
static int wal_fd = -1;
static char *walbuf;
static unsigned checked, unlogged;
static size_t rem;   /* bytes of the current outgoing message still to go */

/* Is "/s/k<req>" in the log? */
static bool logged(uint32_t req)
{
	char key[32];
	int klen = snprintf(key, sizeof(key), "/s/k%u", req) + 1;   /* + nul */
	ssize_t n = pread(wal_fd, walbuf, 512 << 10, 0);   /* all this test logs */

	return n > 0 && memmem(walbuf, n, key, klen);
}

/* Interposed: every WRITE reply about to be sent must already be logged. */
ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	const char *b = buf;
	size_t off = rem;
	ssize_t w;

	while (wal_fd >= 0 && off + 16 <= len) {
		struct xsd_sockmsg h;
		memcpy(&h, b + off, 16);
		if (h.type == XS_WRITE && h.req_id) {
			checked++;
			if (!logged(h.req_id))
				unlogged++;
		}
		off += 16 + h.len;
	}
	w = sendto(fd, buf, len, flags, NULL, 0);
	if (w > 0) {
		size_t p = rem;
		if ((size_t)w <= rem) {
			rem -= w;
		} else {
			for (;;) {
				struct xsd_sockmsg h;
				memcpy(&h, b + p, 16);
				if (p + 16 + h.len > (size_t)w) {
					rem = p + 16 + h.len - w;
					break;
				}
				p += 16 + h.len;
				if (p == (size_t)w) {
					rem = 0;
					break;
				}
			}
		}
	}
	return w;
}

static struct xs_core core;
static struct xs_loop *loop;
static struct xs_persist *persist;
static char sockpath[96];

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, sockpath);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	xs_loop_run_once(loop, 0);   /* accepted */
	return fd;
}

static int setup(void **state)
{
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	char db[112];
	bool restored;
	int err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	snprintf(wal, sizeof(wal), "%s.wal", db);
	snprintf(sockpath, sizeof(sockpath), "%s/socket", dir);
	assert_int_equal(xs_core_init(&core, &lim), 0);
	persist = xs_persist_open(db, &err);
	assert_non_null(persist);
	assert_int_equal(xs_persist_load(&core, persist, &restored), 0);
	assert_int_equal(xs_core_populate(&core, "pvstored"), 0);
	loop = xs_loop_new(&core);
	assert_non_null(loop);
	assert_int_equal(xs_sock_listen(loop, sockpath, true, 0600), 0);
	walbuf = malloc(512 << 10);
	wal_fd = open(wal, O_RDONLY);
	assert_true(wal_fd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	close(wal_fd);
	wal_fd = -1;
	free(walbuf);
	xs_sock_shutdown_all(loop);
	xs_persist_flush(&core);
	core.persist = NULL;
	core.store.hook = NULL;
	xs_core_destroy(&core);
	xs_persist_close(persist);
	xs_loop_free(loop);
	unlink(sockpath);
	unlink(wal);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Request i: odd ones read a 2 KB value (so unread replies pile up
 * fast), even ones write /s/k<i>. Returns false if it could not go. */
static bool request(int fd, unsigned i)
{
	char m[64];
	struct xsd_sockmsg h = { XS_WRITE, i, 0, 0 };
	int len;

	if (i % 2) {
		h.type = XS_READ;
		len = snprintf(m + 16, sizeof(m) - 16, "/big") + 1;
	} else {
		len = snprintf(m + 16, sizeof(m) - 16, "/s/k%u", i) + 1;
		m[16 + len++] = 'v';
	}
	h.len = len;
	memcpy(m, &h, 16);
	return write(fd, m, 16 + len) == 16 + len;
}

static void test_throttled_replies_durable(void **state)
{
	static char in[1 << 16];
	size_t have = 0;
	unsigned sent = 0, ok = 0, turns = 0;
	int fd;

	(void)state;
	fd = client();
	{
		static char big[16 + 2000];
		struct xsd_sockmsg h = { XS_WRITE, 0, 0, 2000 };
		memcpy(big, &h, 16);
		memcpy(big + 16, "/big", 5);
		memset(big + 21, 'b', 2000 - 5);
		assert_int_equal(write(fd, big, sizeof(big)), sizeof(big));
		xs_loop_run_once(loop, 0);
		assert_true(read(fd, in, sizeof(in)) == 19);
	}
	/* pipeline without reading: the daemon throttles us */
	while (sent < NWRITES && turns < 200) {
		if (!request(fd, sent + 1)) {
			xs_loop_run_once(loop, 0);
			turns++;
			continue;
		}
		sent++;
		if (sent % 32 == 0)
			xs_loop_run_once(loop, 0);
	}
	assert_true(sent < NWRITES);   /* it did stop reading us */
	xs_loop_run_once(loop, 0);
	/* now read everything, sending the rest as we go */
	for (turns = 0; ok < NWRITES && turns < 200000; turns++) {
		ssize_t r = read(fd, in + have, sizeof(in) - have);
		if (r > 0)
			have += r;
		while (have >= 16) {
			struct xsd_sockmsg h;
			memcpy(&h, in, 16);
			if (have < 16 + h.len)
				break;
			assert_int_equal(h.type, h.req_id % 2 ? XS_READ : XS_WRITE);
			ok++;
			memmove(in, in + 16 + h.len, have - 16 - h.len);
			have -= 16 + h.len;
		}
		while (sent < NWRITES && request(fd, sent + 1))
			sent++;
		xs_loop_run_once(loop, 0);
	}
	assert_int_equal(ok, NWRITES);
	assert_true(checked >= NWRITES / 2);   /* (re-checked after partial sends) */
	assert_int_equal(unlogged, 0);
	/* a client still connected at shutdown: teardown frees it */
	(void)fd;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_throttled_replies_durable,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
