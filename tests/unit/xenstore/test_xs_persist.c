/* Unit tests: the store survives a restart (snapshot + write-ahead log),
 * including domains and their watches, and a torn log tail is ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs_core_test.h"
#include "xs_persist.h"

static char dir[] = "/tmp/xs-persist-XXXXXX";
static char db[64];

static int fake_connect(void *ctx, struct xs_core *c, struct xs_domain *d)
{
	(void)ctx;
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

/* Starts a core on the store in db; *restored says if it found one. */
static void start(struct xs_core *c, struct xs_persist **p, bool *restored)
{
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	int err;

	assert_int_equal(xs_core_init(c, &lim), 0);
	c->plat = &fake_plat;
	*p = xs_persist_open(db, &err);
	assert_non_null(*p);
	assert_int_equal(xs_persist_load(c, *p, restored), 0);
	if (!*restored)
		assert_int_equal(xs_core_populate(c, "pvstored"), 0);
}

static void stop(struct xs_core *c, struct xs_persist *p)
{
	assert_int_equal(xs_persist_flush(c), 0);
	c->persist = NULL;
	c->store.hook = NULL;
	xs_core_destroy(c);
	xs_persist_close(p);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* The log is a preallocated file: empty means no frame at its start. */
static uint32_t wal_first_word(const char *path)
{
	uint32_t w = 0xffffffffu;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &w, 4) != 4)
			w = 0xffffffffu;
		close(fd);
	}
	return w;
}

static void test_restart(void **state)
{
	static struct xs_core c;
	struct xs_persist *p;
	struct xs_conn *d0, *g;
	char wal[80], ev[256] = "";
	bool restored;
	uint32_t t;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	snprintf(wal, sizeof(wal), "%s.wal", db);

	start(&c, &p, &restored);
	assert_false(restored);
	d0 = tc_conn(&c, 0);
	assert_string_equal(TC(d0, XS_WRITE, 0, "/a/b\0hello"), "WRITE:OK|");
	assert_string_equal(TC(d0, XS_WRITE, 0, "/a/long\0a value longer than inline"),
			    "WRITE:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/a/b\0n5\0r6\0"), "SET_PERMS:OK|");
	assert_string_equal(TC(d0, XS_SET_PERMS, 0, "/a\0n0\0r5\0"), "SET_PERMS:OK|");
	assert_string_equal(TC(d0, XS_WRITE, 0, "/gone/x\0y"), "WRITE:OK|");
	assert_string_equal(TC(d0, XS_RM, 0, "/gone\0"), "RM:OK|");
	t = atoi(TC(d0, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(d0, XS_WRITE, t, "/txn/v\0committed"), "WRITE:OK|");
	assert_string_equal(TC(d0, XS_TRANSACTION_END, t, "T\0"), "TXN_END:OK|");
	t = atoi(TC(d0, XS_TRANSACTION_START, 0, "\0") + 10);
	assert_string_equal(TC(d0, XS_WRITE, t, "/txn/w\0aborted"), "WRITE:OK|");
	assert_string_equal(TC(d0, XS_TRANSACTION_END, t, "F\0"), "TXN_END:OK|");
	assert_string_equal(TC(d0, XS_INTRODUCE, 0, "5\0004242\0009\0"), "INTRODUCE:OK|");
	assert_string_equal(TC(d0, XS_SET_TARGET, 0, "5\0003\0"), "SET_TARGET:OK|");
	g = xs_domain_find(&c, 5)->conn;
	assert_string_equal(TC(g, XS_WATCH, 0, "/a\0gtok\0"), "WATCH:OK|");
	assert_string_equal(TC(g, XS_WATCH, 0, "/x\0drop\0"), "WATCH:OK|");
	assert_string_equal(TC(g, XS_UNWATCH, 0, "/x\0drop\0"), "UNWATCH:OK|");
	assert_string_equal(TC(d0, XS_WATCH, 0, "/a\0sock\0"), "WATCH:OK|");
	stop(&c, p);
	assert_true(file_size(wal) > 0);

	/* restart: everything is back, except socket clients' watches */
	start(&c, &p, &restored);
	assert_true(restored);
	assert_int_equal(wal_first_word(wal), 0);   /* folded into the snapshot */
	d0 = tc_conn(&c, 0);
	assert_string_equal(TC(d0, XS_READ, 0, "/a/b\0"), "READ:hello");
	assert_string_equal(TC(d0, XS_READ, 0, "/a/long\0"),
			    "READ:a value longer than inline");
	assert_string_equal(TC(d0, XS_GET_PERMS, 0, "/a/b\0"), "GET_PERMS:n5|r6|");
	assert_string_equal(TC(d0, XS_READ, 0, "/gone\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(d0, XS_READ, 0, "/txn/v\0"), "READ:committed");
	assert_string_equal(TC(d0, XS_READ, 0, "/txn/w\0"), "ERROR:ENOENT|");
	assert_string_equal(TC(d0, XS_READ, 0, "/tool/xenstored\0"), "READ:pvstored");
	assert_string_equal(TC(d0, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "INTRODUCED:T|");
	g = xs_domain_find(&c, 5)->conn;
	assert_int_equal(g->id.target, 3);
	assert_int_equal(g->nwatches, 1);
	assert_string_equal(g->watches->path, "/a");
	assert_string_equal(TC(d0, XS_WRITE, 0, "/a/c\0x"), "WRITE:OK|");
	assert_string_equal(TCE(g, XS_READ, 0, "/a/c\0", ev), "READ:x");
	assert_string_equal(ev, "/a/c|gtok|;");
	/* releasing is remembered too */
	assert_string_equal(TC(d0, XS_RELEASE, 0, "5\0"), "RELEASE:OK|");
	stop(&c, p);

	/* a torn tail (crash mid-write) costs only that tail */
	{
		int fd = open(wal, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "PVXF\x40\0\0\0garbage", 15), 15);
		close(fd);
	}
	start(&c, &p, &restored);
	assert_true(restored);
	d0 = tc_conn(&c, 0);
	assert_string_equal(TC(d0, XS_READ, 0, "/a/c\0"), "READ:x");
	assert_string_equal(TC(d0, XS_IS_DOMAIN_INTRODUCED, 0, "5\0"), "INTRODUCED:F|");
	/* many changes: the log is compacted on its own */
	for (i = 0; i < 40000; i++) {
		char buf[160];
		int len = snprintf(buf, sizeof(buf), "/many/k%d%c%0100d", i % 500, 0, i);
		tc_req(d0, XS_WRITE, 0, buf, len, NULL, 0);
		if (i % 100 == 0)
			xs_persist_flush(&c);
	}
	assert_true(file_size(wal) <= (8 << 20));   /* never grows: compacted */
	stop(&c, p);
	start(&c, &p, &restored);
	d0 = tc_conn(&c, 0);
	{
		char want[160];
		snprintf(want, sizeof(want), "READ:%0100d", 39999);
		assert_string_equal(TC(d0, XS_READ, 0, "/many/k499\0"), want);
	}
	stop(&c, p);
	unlink(wal);
	unlink(db);
	rmdir(dir);
}


/* Maps a page right after the log's mapping (if that room is free), to
 * see that the log is never unmapped with a length it was not mapped
 * with. */
static void *guard_after_wal(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi = 0;
	char line[512];
	void *g;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "store.db.wal"))
			sscanf(line, "%lx-%lx", &lo, &hi);
	if (f)
		fclose(f);
	if (!hi)
		return NULL;
	g = mmap((void *)hi, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	return g == (void *)hi ? g : NULL;
}

static bool still_mapped(void *g)
{
	unsigned char v;

	return mincore(g, 4096, &v) == 0;
}

/* One turn logging more than the whole log holds (a dom0 transaction of
 * ~4100 nodes of 2 KiB) used to crash the daemon (the log was unmapped
 * with a length it had not been mapped with); twice in a row, then a
 * restart finds every node. */
static void test_turn_bigger_than_log(void **state)
{
	static struct xs_core c;
	static char buf[16 + XENSTORE_PAYLOAD_MAX];
	struct xs_persist *p;
	struct xs_conn *d0;
	char wal[80];
	bool restored;
	int round, i;

	(void)state;
	snprintf(wal, sizeof(wal), "%s.wal", db);
	start(&c, &p, &restored);
	d0 = tc_conn(&c, 0);
	for (round = 0; round < 2; round++) {
		uint32_t t = atoi(TC(d0, XS_TRANSACTION_START, 0, "\0") + 10);
		void *guard = guard_after_wal();
		for (i = 0; i < 4100; i++) {
			int len = snprintf(buf, sizeof(buf), "/big%d/n%d", round, i);
			memset(buf + len + 1, 'a' + round, 2048);
			tc_req(d0, XS_WRITE, t, buf, len + 1 + 2048, NULL, 0);
		}
		assert_string_equal(TC(d0, XS_TRANSACTION_END, t, "T\0"),
				    "TXN_END:OK|");
		assert_int_equal(xs_persist_flush(&c), 0);   /* one turn */
		if (guard) {
			assert_true(still_mapped(guard));
			munmap(guard, 4096);
		}
		assert_true(file_size(wal) <= (8 << 20));   /* never grows */
		/* the log is usable afterwards */
		assert_string_equal(TC(d0, XS_WRITE, 0, "/after\0x"), "WRITE:OK|");
		assert_int_equal(xs_persist_flush(&c), 0);
	}
	stop(&c, p);
	start(&c, &p, &restored);
	assert_true(restored);
	d0 = tc_conn(&c, 0);
	assert_string_equal(TC(d0, XS_READ, 0, "/after\0"), "READ:x");
	for (round = 0; round < 2; round++)
		for (i = 0; i < 4100; i += 1000) {
			int len = snprintf(buf, sizeof(buf), "/big%d/n%d", round, i);
			const char *got = tc_req(d0, XS_READ, 0, buf, len + 1, NULL, 0);
			assert_int_equal(strlen(got), 5 + 2048);
			assert_int_equal(got[5], 'a' + round);
		}
	stop(&c, p);
}

/* Whatever the daemon accepts, replay reads: dom0 may give a node more
 * than a thousand permission entries. */
static void test_many_permissions(void **state)
{
	static struct xs_core c;
	static char buf[XENSTORE_PAYLOAD_MAX];
	struct xs_persist *p;
	struct xs_conn *d0;
	bool restored;
	int i, len, pass;

	(void)state;
	start(&c, &p, &restored);
	d0 = tc_conn(&c, 0);
	len = snprintf(buf, sizeof(buf), "/acl%cn0", 0) + 1;
	for (i = 0; len + 3 <= (int)sizeof(buf); i++)
		len += snprintf(buf + len, 4, "r%d", i % 10) + 1;
	assert_true(i > 1300);
	assert_string_equal(tc_req(d0, XS_SET_PERMS, 0, buf, len, NULL, 0),
			    "ERROR:ENOENT|");
	assert_string_equal(TC(d0, XS_WRITE, 0, "/acl\0v"), "WRITE:OK|");
	assert_string_equal(tc_req(d0, XS_SET_PERMS, 0, buf, len, NULL, 0),
			    "SET_PERMS:OK|");
	assert_string_equal(TC(d0, XS_WRITE, 0, "/acl/kid\0k"), "WRITE:OK|");
	stop(&c, p);
	/* from the log, then from the snapshot written at start */
	for (pass = 0; pass < 2; pass++) {
		start(&c, &p, &restored);
		d0 = tc_conn(&c, 0);
		assert_string_equal(TC(d0, XS_READ, 0, "/acl/kid\0"), "READ:k");
		assert_int_equal(xs_store_walk(&c.store, NULL, "/acl", NULL,
					       NULL)->perms->n, i + 1);
		stop(&c, p);
	}
}

static uint32_t test_crc32(const void *data, size_t len)
{
	const unsigned char *b = data;
	uint32_t c = 0xffffffffu;
	int k;

	while (len--) {
		c ^= *b++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

/* An intact frame holding a record replay cannot read stops the start
 * (loudly) instead of starting with part of the store. */
static void test_unreadable_record(void **state)
{
	static struct xs_core c;
	struct xs_persist *p;
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	char wal[80], frame[12 + 5 + 3];
	uint32_t v;
	bool restored;
	int fd, err;

	(void)state;
	start(&c, &p, &restored);
	stop(&c, p);
	snprintf(wal, sizeof(wal), "%s.wal", db);
	memcpy(frame + 12, "\x63\x03\0\0\0abc", 8);   /* type 99: unknown */
	v = 0x46585650u;
	memcpy(frame, &v, 4);
	v = 8;
	memcpy(frame + 4, &v, 4);
	v = test_crc32(frame + 12, 8);
	memcpy(frame + 8, &v, 4);
	fd = open(wal, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, frame, 20, 0), 20);
	close(fd);
	assert_int_equal(xs_core_init(&c, &lim), 0);
	c.plat = &fake_plat;
	p = xs_persist_open(db, &err);
	assert_non_null(p);
	assert_int_equal(xs_persist_load(&c, p, &restored), EBADMSG);
	xs_core_destroy(&c);
	xs_persist_close(p);
	unlink(wal);
}

static int fresh_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/xs-persist-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char path[96];

	(void)state;
	snprintf(path, sizeof(path), "%s.wal", db);
	unlink(path);
	unlink(db);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart),
		cmocka_unit_test_setup_teardown(test_turn_bigger_than_log, fresh_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_many_permissions, fresh_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_unreadable_record, fresh_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
