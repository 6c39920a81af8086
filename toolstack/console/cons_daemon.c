/*
 * pvconsoled's event loop and domain table (see cons_daemon.h).
 *
 * One poll set: xenstore's watch fd, the event-channel fd shared by all
 * consoles, and each console's pty master. Work per wakeup is bounded
 * (at most EVENTS_PER_TURN ring events) and each console's ring events
 * are rate-limited (cons_rate), so a flooding guest cannot starve the
 * others or the watches. Everything a guest or xenstore supplies is
 * parsed strictly; failures are logged once per console.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "cons_buf.h"
#include "cons_daemon.h"
#include "cons_log.h"
#include "cons_rate.h"
#include "cons_ring.h"

#define EVENTS_PER_TURN 64
#define MAX_DOMAINS 4096
#define LIMIT_MIN 4096
#define LIMIT_MAX (1u << 20)

/* what has been logged about a console already (one line each) */
enum { SAID_BAD_OUT = 1, SAID_BAD_IN = 2, SAID_MAP = 4, SAID_BIND = 8,
       SAID_PTY = 16, SAID_LOG = 32, SAID_KEYS = 64, SAID_TYPE = 128 };

struct console {
	struct console *next;
	uint32_t domid;
	char name[72];
	char xspath[48];             /* /local/domain/N/console */
	char token[16];              /* domN */
	bool watching;
	struct xencons_interface *intf;
	uint64_t ring_ref;
	int local_port;              /* -1: unbound */
	uint32_t remote_port;
	int master_fd, slave_fd;     /* the slave stays open: no hangup while detached */
	struct cons_buf backlog;
	struct cons_log log;
	struct cons_rate rate;
	unsigned int said;
	unsigned int seen;
};

struct daemon {
	const struct cons_opts *o;
	struct cons_plat *plat;
	struct xs_handle *xs;
	int dir_fd;
	struct console *cons;
	unsigned int pass;
	uint64_t next_rescan;
	struct cons_dominfo info[MAX_DOMAINS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pvconsoled: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* once per console and kind */
#define SAY_ONCE(c, bit, ...) do { if (!((c)->said & (bit))) { (c)->said |= (bit); say(__VA_ARGS__); } } while (0)

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A decimal number in [0, max], nothing else (xenstore values are strings
 * a misbehaving writer could fill with anything). */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static char *xs_get(struct daemon *d, const char *dir, const char *key)
{
	char path[96];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(d->xs, XBT_NULL, path, &len);
}

static struct console *find_domid(struct daemon *d, uint32_t domid)
{
	struct console *c;

	for (c = d->cons; c; c = c->next)
		if (c->domid == domid)
			return c;
	return NULL;
}

static struct console *find_port(struct daemon *d, int port)
{
	struct console *c;

	for (c = d->cons; c; c = c->next)
		if (c->local_port == port)
			return c;
	return NULL;
}

/* ---- output: ring -> log + pty backlog */

static void deliver(struct daemon *d, struct console *c, const char *buf, size_t n)
{
	int rc;

	(void)d;
	if (c->log.fd >= 0 && (rc = cons_log_write(&c->log, buf, n)) < 0)
		SAY_ONCE(c, SAID_LOG, "dom%u: writing %s: %s", c->domid, c->log.name, strerror(-rc));
	if (c->master_fd >= 0)
		cons_buf_put(&c->backlog, buf, n);
}

static void drain_ring(struct daemon *d, struct console *c)
{
	char buf[sizeof(c->intf->out)];
	int n;

	if (!c->intf)
		return;
	n = cons_ring_read_out(c->intf, buf, sizeof(buf));
	if (n == CONS_RING_BAD) {
		SAY_ONCE(c, SAID_BAD_OUT, "dom%u: console output indexes out of range, ignored", c->domid);
		return;
	}
	if (n > 0) {
		deliver(d, c, buf, (size_t)n);
		d->plat->ops->notify(d->plat, c->local_port);
	}
}

/* ---- pty */

static void close_pty(struct console *c)
{
	if (c->master_fd >= 0)
		close(c->master_fd);
	if (c->slave_fd >= 0)
		close(c->slave_fd);
	c->master_fd = c->slave_fd = -1;
	cons_buf_free(&c->backlog);
}

static size_t backlog_limit(struct daemon *d, struct console *c)
{
	char *s = xs_get(d, c->xspath, "limit");
	uint64_t v = d->o->backlog_max;

	if (s && parse_u64(s, UINT64_MAX, &v)) {
		if (v < LIMIT_MIN)
			v = LIMIT_MIN;
		if (v > d->o->backlog_max)
			v = d->o->backlog_max;
	}
	free(s);
	return (size_t)v;
}

/* console/tty, only while the console is still there: a destroy racing
 * this setup removes /local/domain/N first, and a plain write after it
 * would bring /local/domain/N/console/tty back for a domain that is gone
 * (seen after a crash the monitor destroys at once). false on an error. */
static bool write_tty(struct daemon *d, struct console *c, const char *tty)
{
	char key[96], ref[96];

	snprintf(key, sizeof(key), "%s/tty", c->xspath);
	snprintf(ref, sizeof(ref), "%s/ring-ref", c->xspath);
	for (int attempt = 0; attempt < 8; attempt++) {
		xs_transaction_t t = xs_transaction_start(d->xs);
		unsigned len;
		char *r;
		bool ok;

		if (t == XBT_NULL)
			return false;
		r = xs_read(d->xs, t, ref, &len);
		ok = !r || xs_write(d->xs, t, key, tty, strlen(tty));
		free(r);
		if (!ok) {
			xs_transaction_end(d->xs, t, true);
			return false;
		}
		if (xs_transaction_end(d->xs, t, false))
			return true;
		if (errno != EAGAIN)
			return false;
	}
	return false;
}

static int open_pty(struct daemon *d, struct console *c)
{
	char path[64];
	struct termios t;

	c->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (c->master_fd < 0 || grantpt(c->master_fd) < 0 || unlockpt(c->master_fd) < 0 ||
	    ptsname_r(c->master_fd, path, sizeof(path)) != 0)
		goto fail;
	c->slave_fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave_fd < 0 || tcgetattr(c->slave_fd, &t) < 0)
		goto fail;
	/* raw: the guest's bytes must never be echoed back to it as input */
	cfmakeraw(&t);
	if (tcsetattr(c->slave_fd, TCSANOW, &t) < 0)
		goto fail;
	if (cons_buf_init(&c->backlog, backlog_limit(d, c)) < 0)
		goto fail;
	if (!write_tty(d, c, path))
		goto fail;
	return 0;
fail:
	SAY_ONCE(c, SAID_PTY, "dom%u: no pty for the console: %s", c->domid, strerror(errno));
	close_pty(c);
	return -1;
}

static void pty_write(struct console *c)
{
	size_t n;
	const char *p = cons_buf_peek(&c->backlog, &n);
	ssize_t w;

	if (!p)
		return;
	w = write(c->master_fd, p, n);
	if (w > 0)
		cons_buf_consume(&c->backlog, (size_t)w);
}

static void pty_read(struct daemon *d, struct console *c)
{
	char buf[sizeof(c->intf->in)];
	size_t space = cons_ring_in_space(c->intf);
	ssize_t n;
	int w;

	if (!space)
		return;
	n = read(c->master_fd, buf, space < sizeof(buf) ? space : sizeof(buf));
	if (n <= 0)
		return;
	w = cons_ring_write_in(c->intf, buf, (size_t)n);
	if (w == CONS_RING_BAD)
		SAY_ONCE(c, SAID_BAD_IN, "dom%u: console input indexes out of range, input dropped", c->domid);
	else
		d->plat->ops->notify(d->plat, c->local_port);
}

/* ---- connecting a console to its ring */

static void disconnect(struct daemon *d, struct console *c)
{
	if (c->local_port >= 0)
		d->plat->ops->unbind(d->plat, c->local_port);
	if (c->intf)
		d->plat->ops->unmap(d->plat, c->intf);
	c->local_port = -1;
	c->intf = NULL;
}

static void open_log(struct daemon *d, struct console *c)
{
	char path[48], *name;
	unsigned int len;
	int rc;

	if (c->log.fd >= 0 || d->dir_fd < 0)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", c->domid);
	name = xs_read(d->xs, XBT_NULL, path, &len);
	cons_log_safe_name(c->name, sizeof(c->name), name, c->domid);
	free(name);
	rc = cons_log_open(&c->log, d->dir_fd, c->name, d->o->log_max_size);
	if (rc < 0)
		SAY_ONCE(c, SAID_LOG, "dom%u: cannot open %s/%s.log: %s", c->domid,
			 d->o->log_dir, c->name, strerror(-rc));
}

static void connect_console(struct daemon *d, struct console *c)
{
	char *ref_s = xs_get(d, c->xspath, "ring-ref");
	char *port_s = xs_get(d, c->xspath, "port");
	char *type = xs_get(d, c->xspath, "type");
	uint64_t ref, port;
	int lp;

	if (!ref_s || !port_s) {
		/* Not written yet (the watch brings us back), or removed by a
		 * toolstack tearing the domain down: let go of the page now so
		 * the dying domain is not kept as a zombie by our mapping, and
		 * so a later domain with this id starts afresh. */
		if (c->intf) {
			drain_ring(d, c);
			disconnect(d, c);
			close_pty(c);
			cons_log_close(&c->log);
		}
		goto out;
	}
	if (type && strcmp(type, "xenconsoled") != 0) {
		SAY_ONCE(c, SAID_TYPE, "dom%u: console type '%.32s' is not ours", c->domid, type);
		goto out;
	}
	if (!parse_u64(ref_s, UINT64_MAX, &ref) || !parse_u64(port_s, 0xfffffffeu, &port) || !port) {
		SAY_ONCE(c, SAID_KEYS, "dom%u: bad console ring-ref '%.32s' or port '%.32s'",
			 c->domid, ref_s, port_s);
		goto out;
	}
	if (c->intf && (ref != c->ring_ref || port != c->remote_port))
		disconnect(d, c);
	if (!c->intf) {
		c->intf = d->plat->ops->map(d->plat, c->domid, ref);
		if (!c->intf) {
			SAY_ONCE(c, SAID_MAP, "dom%u: cannot map the console page: %s",
				 c->domid, strerror(errno));
			goto out;
		}
		c->ring_ref = ref;
	}
	if (c->local_port < 0) {
		lp = d->plat->ops->bind(d->plat, c->domid, (uint32_t)port);
		if (lp < 0) {
			SAY_ONCE(c, SAID_BIND, "dom%u: cannot bind console port %u: %s",
				 c->domid, (unsigned int)port, strerror(-lp));
			disconnect(d, c);
			goto out;
		}
		c->local_port = lp;
		c->remote_port = (uint32_t)port;
		cons_rate_init(&c->rate, now_ms(), d->o->rate_allowance, d->o->rate_period_ms);
	}
	open_log(d, c);
	if (c->master_fd < 0)
		open_pty(d, c);
	/* output written before we bound is waiting */
	drain_ring(d, c);
out:
	free(ref_s);
	free(port_s);
	free(type);
}

/* ---- domains coming and going */

static struct console *add_console(struct daemon *d, uint32_t domid)
{
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->domid = domid;
	c->local_port = -1;
	c->master_fd = c->slave_fd = -1;
	c->log.fd = -1;
	snprintf(c->xspath, sizeof(c->xspath), "/local/domain/%u/console", domid);
	snprintf(c->token, sizeof(c->token), "dom%u", domid);
	c->watching = xs_watch(d->xs, c->xspath, c->token);
	c->next = d->cons;
	d->cons = c;
	connect_console(d, c);
	return c;
}

static void remove_console(struct daemon *d, struct console *c)
{
	struct console **pp;

	drain_ring(d, c);           /* what the guest wrote last */
	if (c->watching)
		xs_unwatch(d->xs, c->xspath, c->token);
	disconnect(d, c);
	close_pty(c);
	cons_log_close(&c->log);
	for (pp = &d->cons; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	free(c);
}

static void scan_domains(struct daemon *d)
{
	int n = d->plat->ops->list(d->plat, d->info, MAX_DOMAINS), i;
	struct console *c, *next;

	if (n < 0) {
		say("cannot list domains: %s", strerror(errno));
		return;
	}
	d->pass++;
	for (i = 0; i < n; i++) {
		c = find_domid(d, d->info[i].domid);
		if (d->info[i].dying)
			continue;      /* not seen: removed below */
		if (!c)
			c = add_console(d, d->info[i].domid);
		if (c)
			c->seen = d->pass;
	}
	for (c = d->cons; c; c = next) {
		next = c->next;
		if (c->seen != d->pass)
			remove_console(d, c);
	}
}

static void handle_watches(struct daemon *d)
{
	char **w;

	while ((w = xs_check_watch(d->xs))) {
		const char *token = w[XS_WATCH_TOKEN];
		uint64_t id;

		if (!strcmp(token, "intro") || !strcmp(token, "release")) {
			scan_domains(d);
		} else if (!strncmp(token, "dom", 3) && parse_u64(token + 3, 0x7fef, &id)) {
			struct console *c = find_domid(d, (uint32_t)id);

			if (c)
				connect_console(d, c);
		}
		free(w);
	}
}

/* ---- ring events with the rate limit */

static void handle_events(struct daemon *d)
{
	int i, port;

	for (i = 0; i < EVENTS_PER_TURN; i++) {
		struct console *c;

		port = d->plat->ops->pending(d->plat);
		if (port < 0)
			break;
		c = find_port(d, port);
		if (!c) {
			d->plat->ops->unmask(d->plat, port);
			continue;
		}
		drain_ring(d, c);
		if (cons_rate_event(&c->rate, now_ms()))
			d->plat->ops->unmask(d->plat, port);
	}
}

static void unthrottle(struct daemon *d, uint64_t now)
{
	struct console *c;

	for (c = d->cons; c; c = c->next)
		if (c->local_port >= 0 && cons_rate_expired(&c->rate, now)) {
			d->plat->ops->unmask(d->plat, c->local_port);
			drain_ring(d, c);
		}
}

/* ---- the loop */

/* The log directory and its missing parents (/var/log/pvisor/console on
 * a fresh dom0). */
static void mkdir_p(const char *dir)
{
	char p[4096], *s;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return;
	for (s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

int cons_daemon_run(const struct cons_opts *o, struct cons_plat *plat, int ready_fd)
{
	struct daemon *d = calloc(1, sizeof(*d));
	struct pollfd *fds = NULL;
	struct console **owner = NULL;
	size_t nfds_max = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int status = 0;

	if (!d)
		return 1;
	d->o = o;
	d->plat = plat;
	mkdir_p(o->log_dir);
	d->dir_fd = open(o->log_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dir_fd < 0)
		say("log directory %s: %s (console output is not kept)", o->log_dir, strerror(errno));
	d->xs = xs_open(0);
	if (!d->xs) {
		say("cannot connect to xenstore: %s", strerror(errno));
		status = 1;
		goto out;
	}
	if (!xs_watch(d->xs, "@introduceDomain", "intro") ||
	    !xs_watch(d->xs, "@releaseDomain", "release")) {
		say("cannot watch @introduceDomain/@releaseDomain: %s", strerror(errno));
		status = 1;
		goto out;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	scan_domains(d);
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "", 1);
		close(ready_fd);
	}

	while (!stop) {
		size_t n = 0, want = 2, i;
		uint64_t now = now_ms(), deadline = UINT64_MAX;
		struct console *c;
		int timeout;

		for (c = d->cons; c; c = c->next)
			want++;
		if (want > nfds_max) {
			nfds_max = want * 2;
			free(fds);
			free(owner);
			fds = calloc(nfds_max, sizeof(*fds));
			owner = calloc(nfds_max, sizeof(*owner));
			if (!fds || !owner) {
				say("out of memory");
				status = 1;
				break;
			}
		}
		fds[n].fd = xs_fileno(d->xs);
		fds[n++].events = POLLIN;
		fds[n].fd = plat->fd;
		fds[n++].events = POLLIN;
		for (c = d->cons; c; c = c->next) {
			short ev = 0;

			if (cons_rate_deadline(&c->rate) < deadline)
				deadline = cons_rate_deadline(&c->rate);
			if (c->master_fd < 0 || !c->intf)
				continue;
			if (cons_ring_in_space(c->intf))
				ev |= POLLIN;
			if (c->backlog.len)
				ev |= POLLOUT;
			if (!ev)
				continue;
			owner[n] = c;
			fds[n].fd = c->master_fd;
			fds[n++].events = ev;
		}
		if (plat->rescan_ms > 0) {
			if (!d->next_rescan)
				d->next_rescan = now + (uint64_t)plat->rescan_ms;
			if (d->next_rescan < deadline)
				deadline = d->next_rescan;
		}
		timeout = deadline == UINT64_MAX ? -1 :
			  deadline <= now ? 0 : (int)(deadline - now > 60000 ? 60000 : deadline - now);
		if (poll(fds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			status = 1;
			break;
		}
		now = now_ms();
		if (fds[1].revents & POLLIN)
			handle_events(d);
		/* ptys before watches: a watch may free a console owner[] points to */
		for (i = 2; i < n; i++) {
			c = owner[i];
			if (fds[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				/* cannot happen while we hold the slave; never spin on it */
				SAY_ONCE(c, SAID_PTY, "dom%u: console pty broke, opening a new one", c->domid);
				close_pty(c);
				open_pty(d, c);
				continue;
			}
			if (fds[i].revents & POLLOUT)
				pty_write(c);
			if (fds[i].revents & POLLIN)
				pty_read(d, c);
		}
		unthrottle(d, now);
		if (plat->rescan_ms > 0 && now >= d->next_rescan) {
			d->next_rescan = now + (uint64_t)plat->rescan_ms;
			scan_domains(d);
		}
		if (fds[0].revents & POLLIN)
			handle_watches(d);
	}
	while (d->cons)
		remove_console(d, d->cons);
out:
	free(fds);
	free(owner);
	if (d->xs)
		xs_close(d->xs);
	if (d->dir_fd >= 0)
		close(d->dir_fd);
	free(d);
	return status;
}
