/*
 * xs-bench: one xenstore client workload, run against any daemon.
 * Prints "name value unit" lines:
 *   write_lib / read_lib      ops/s through libxenstore (one request in flight)
 *   write_pipe / read_pipe    ops/s on the raw protocol, 64 requests in flight
 *   dir10k_create             s to create a directory of 10 000 children
 *   dir10k_list               s to list it with xs_directory (or "fail")
 *   txn_conflict              committed transactions/s, two clients
 *                             incrementing one counter (EAGAIN retried)
 *   txn_retry_pct             share of attempts that got EAGAIN
 *   watch_p50 / watch_p99     µs from a write to its watch event
 *   rss_base / rss_10k        daemon RSS (KiB) before and after 10 000 nodes
 *   rss_per_node              bytes of RSS per added node
 * Usage: xs-bench --socket PATH --pid DAEMON_PID [--scale N]
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

static const char *sock_path;
static long daemon_pid;
static int scale = 1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct xs_handle *open_xs(void)
{
	struct xs_handle *h;

	setenv("XENSTORED_PATH", sock_path, 1);
	h = xs_open(XS_OPEN_SOCKETONLY);
	if (!h) {
		fprintf(stderr, "xs-bench: cannot connect to %s: %s\n",
			sock_path, strerror(errno));
		exit(1);
	}
	return h;
}

static long rss_kib(void)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", daemon_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Daemon CPU time so far (us), from schedstat. */
static double daemon_cpu_us(void)
{
	char path[64], line[128];
	unsigned long long ns = 0;
	FILE *f;

	/* both daemons serve from one thread */
	snprintf(path, sizeof(path), "/proc/%ld/schedstat", daemon_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns / 1000.0;
}

/* ---- raw pipelined client ----------------------------------------------- */

struct hdr {
	uint32_t type, req_id, tx_id, len;
};

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xs-bench: connect %s: %s\n", sock_path,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* n requests of type (2 READ, 11 WRITE) with `depth` in flight. */
static double raw_run(int type, int n, int depth)
{
	int fd = raw_connect(), sent = 0, got = 0, errors = 0;
	static char out[1 << 16], body[8192];
	double t0 = now();

	while (got < n) {
		size_t olen = 0;
		while (sent < n && sent - got < depth && olen < sizeof(out) - 256) {
			struct hdr h = { type, sent + 1, 0, 0 };
			char pl[128];
			int len = type == 11
				? snprintf(pl, sizeof(pl), "/bench/pipe/k%d%cvalue-%d",
					   sent % 1000, 0, sent)
				: snprintf(pl, sizeof(pl), "/bench/pipe/k%d", sent % 1000) + 1;
			h.len = len;
			memcpy(out + olen, &h, sizeof(h));
			memcpy(out + olen + sizeof(h), pl, len);
			olen += sizeof(h) + len;
			sent++;
		}
		if (olen && write(fd, out, olen) != (ssize_t)olen) {
			fprintf(stderr, "xs-bench: write failed\n");
			exit(1);
		}
		do {
			struct hdr h;
			if (read_full(fd, &h, sizeof(h)) || h.len > sizeof(body) ||
			    read_full(fd, body, h.len)) {
				fprintf(stderr, "xs-bench: daemon closed the connection\n");
				exit(1);
			}
			if (h.type == 16)
				errors++;
			got++;
		} while (got < sent && sent - got >= depth);
	}
	close(fd);
	if (errors)
		fprintf(stderr, "xs-bench: %d errors in pipelined run\n", errors);
	return n / (now() - t0);
}

/* ---- workloads ---------------------------------------------------------------- */

static void bench_lib_rw(void)
{
	struct xs_handle *h = open_xs();
	int n = 20000 * scale, i;
	char path[64], val[64];
	double t0, c0;

	t0 = now();
	c0 = daemon_cpu_us();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/bench/lib/k%d", i % 1000);
		snprintf(val, sizeof(val), "value-%d", i);
		if (!xs_write(h, XBT_NULL, path, val, strlen(val))) {
			fprintf(stderr, "xs-bench: write %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	printf("write_lib %.0f ops/s\n", n / (now() - t0));
	printf("write_cpu %.2f us/op\n", (daemon_cpu_us() - c0) / n);
	t0 = now();
	c0 = daemon_cpu_us();
	for (i = 0; i < n; i++) {
		unsigned len;
		char *v;
		snprintf(path, sizeof(path), "/bench/lib/k%d", i % 1000);
		v = xs_read(h, XBT_NULL, path, &len);
		if (!v) {
			fprintf(stderr, "xs-bench: read %s: %s\n", path, strerror(errno));
			exit(1);
		}
		free(v);
	}
	printf("read_lib %.0f ops/s\n", n / (now() - t0));
	printf("read_cpu %.2f us/op\n", (daemon_cpu_us() - c0) / n);
	xs_close(h);
}

static void bench_pipe(void)
{
	int n = 100000 * scale;
	double c0 = daemon_cpu_us();

	printf("write_pipe %.0f ops/s\n", raw_run(11, n, 64));
	printf("write_pipe_cpu %.2f us/op\n", (daemon_cpu_us() - c0) / n);
	c0 = daemon_cpu_us();
	printf("read_pipe %.0f ops/s\n", raw_run(2, n, 64));
	printf("read_pipe_cpu %.2f us/op\n", (daemon_cpu_us() - c0) / n);
}

static void bench_dir(void)
{
	struct xs_handle *h = open_xs();
	char path[64];
	unsigned num;
	char **list;
	double t0;
	int i;

	t0 = now();
	for (i = 0; i < 10000; i++) {
		snprintf(path, sizeof(path), "/bench/dir/child%05d", i);
		if (!xs_write(h, XBT_NULL, path, "x", 1)) {
			fprintf(stderr, "xs-bench: write %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	printf("dir10k_create %.3f s\n", now() - t0);
	t0 = now();
	list = xs_directory(h, XBT_NULL, "/bench/dir", &num);
	if (list && num == 10000)
		printf("dir10k_list %.4f s\n", now() - t0);
	else
		printf("dir10k_list fail (%s)\n", list ? "short list" : strerror(errno));
	free(list);
	xs_close(h);
}

struct txn_arg {
	double until;
	long commits, retries;
};

static void *txn_worker(void *p)
{
	struct txn_arg *a = p;
	struct xs_handle *h = open_xs();

	while (now() < a->until) {
		xs_transaction_t t = xs_transaction_start(h);
		unsigned len;
		char *v, buf[32];
		long c;

		if (!t) {
			fprintf(stderr, "xs-bench: transaction_start: %s\n",
				strerror(errno));
			exit(1);
		}
		v = xs_read(h, t, "/bench/counter", &len);
		c = v ? atol(v) : 0;
		free(v);
		snprintf(buf, sizeof(buf), "%ld", c + 1);
		xs_write(h, t, "/bench/counter", buf, strlen(buf));
		if (xs_transaction_end(h, t, false))
			a->commits++;
		else if (errno == EAGAIN)
			a->retries++;
		else {
			fprintf(stderr, "xs-bench: transaction_end: %s\n",
				strerror(errno));
			exit(1);
		}
	}
	xs_close(h);
	return NULL;
}

static void bench_txn(void)
{
	struct xs_handle *h = open_xs();
	struct txn_arg a[2] = { { 0 } };
	pthread_t th[2];
	double secs = 2.0 * scale, t0;
	unsigned len;
	char *v;
	int i;

	xs_write(h, XBT_NULL, "/bench/counter", "0", 1);
	t0 = now();
	for (i = 0; i < 2; i++) {
		a[i].until = t0 + secs;
		pthread_create(&th[i], NULL, txn_worker, &a[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	v = xs_read(h, XBT_NULL, "/bench/counter", &len);
	if (!v || atol(v) != a[0].commits + a[1].commits)
		fprintf(stderr, "xs-bench: counter %s != %ld commits: lost update!\n",
			v ? v : "?", a[0].commits + a[1].commits);
	free(v);
	printf("txn_conflict %.0f commits/s\n",
	       (a[0].commits + a[1].commits) / secs);
	printf("txn_retry_pct %.1f %%\n",
	       100.0 * (a[0].retries + a[1].retries) /
	       (a[0].commits + a[1].commits + a[0].retries + a[1].retries));
	xs_close(h);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_watch(void)
{
	struct xs_handle *w = open_xs(), *h = open_xs();
	int n = 2000, i;
	double *lat = calloc(n, sizeof(*lat));
	unsigned num;
	char **ev;

	xs_write(h, XBT_NULL, "/bench/watch/x", "0", 1);
	if (!xs_watch(w, "/bench/watch", "tok")) {
		fprintf(stderr, "xs-bench: watch: %s\n", strerror(errno));
		exit(1);
	}
	ev = xs_read_watch(w, &num);   /* the registration event */
	free(ev);
	for (i = 0; i < n; i++) {
		double t0 = now();
		xs_write(h, XBT_NULL, "/bench/watch/x", "1", 1);
		ev = xs_read_watch(w, &num);
		lat[i] = (now() - t0) * 1e6;
		free(ev);
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("watch_p50 %.1f us\n", lat[n / 2]);
	printf("watch_p99 %.1f us\n", lat[n * 99 / 100]);
	free(lat);
	xs_close(w);
	xs_close(h);
}

static void bench_rss(void)
{
	struct xs_handle *h = open_xs();
	char path[96], val[32];
	long before, after;
	int i;

	before = rss_kib();
	for (i = 0; i < 10000; i++) {
		/* 100 directories of 100 keys with 14-byte values */
		snprintf(path, sizeof(path), "/bench/rss/dir%02d/key%02d",
			 i / 100, i % 100);
		snprintf(val, sizeof(val), "value-%08d", i);
		if (!xs_write(h, XBT_NULL, path, val, strlen(val))) {
			fprintf(stderr, "xs-bench: write %s: %s\n", path, strerror(errno));
			exit(1);
		}
	}
	usleep(200000);
	after = rss_kib();
	printf("rss_base %ld KiB\n", before);
	printf("rss_10k %ld KiB\n", after);
	/* 10 000 keys plus 100 directories */
	printf("rss_per_node %.0f bytes\n", (after - before) * 1024.0 / 10100);
	xs_close(h);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'p' },
		{ "scale", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock_path = optarg; break;
		case 'p': daemon_pid = atol(optarg); break;
		case 'n': scale = atoi(optarg); break;
		case 'o': only = optarg; break;
		default:
			fprintf(stderr, "usage: xs-bench --socket PATH --pid PID "
				"[--scale N] [--only NAME]\n");
			return 2;
		}
	}
	if (!sock_path || !daemon_pid) {
		fprintf(stderr, "xs-bench: --socket and --pid are required\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	{
		/* the socket may exist before the daemon serves it (oxsd-run) */
		struct xs_handle *h = open_xs();
		unsigned len;
		free(xs_read(h, XBT_NULL, "/", &len));
		xs_close(h);
	}
	if (!only || !strcmp(only, "rss"))
		bench_rss();
	if (!only || !strcmp(only, "lib"))
		bench_lib_rw();
	if (!only || !strcmp(only, "pipe"))
		bench_pipe();
	if (!only || !strcmp(only, "dir"))
		bench_dir();
	if (!only || !strcmp(only, "txn"))
		bench_txn();
	if (!only || !strcmp(only, "watch"))
		bench_watch();
	return 0;
}
