/*
 * xs-probe: drive a xenstore daemon with raw wire messages from a script
 * and print every reply and watch event in a daemon-neutral form, so the
 * same script run against pvstored and against Xen's own daemon can be
 * compared with diff. Connections are Unix sockets, or simulated guests'
 * rings (pvstored --sim DIR).
 *
 * Script lines (one request per line, '#' starts a comment):
 *   [cN] OP[@TX] [PAYLOAD] [>VAR]   send OP on connection N (default 0);
 *                                   TX is a number or a variable; PAYLOAD is
 *                                   taken verbatim with escapes \0 \n \t \\
 *                                   \s (space) \xHH \R<count><char>;
 *                                   >VAR stores the reply
 *   open cN [ro]                    (re)open connection N (ro: read-only socket)
 *   guest cN DOMID MFN PORT         connection N is guest DOMID's ring: creates
 *                                   SIMDIR/page-MFN, listens for kicks on PORT
 *   ring cN FIELD VALUE             guest scribbles a ring field (req_prod,
 *                                   req_cons, rsp_prod, rsp_cons, connection)
 *   ringfield cN FIELD              print a ring field
 *   domstate DOMID STATE            simulated domain state + VIRQ_DOM_EXC
 *   close cN                        close connection N
 *   drain [MS]                      print what every connection has pending
 *   sleep MS
 *   raw cN HEX...                   write raw bytes (hex) on connection N
 *   alive cN [MS]                   print "cN alive" or "cN closed"
 *   echo TEXT                       print TEXT
 *   sh COMMAND                      run a shell command (e.g. restart the daemon)
 * Output masks values that legitimately differ between daemons: transaction
 * ids (<tx>) and directory generations (<gen>).
 *
 * Usage: xs-probe [-s SOCKET] [-g SIMDIR] [SCRIPT]
 *        (socket default: $XENSTORED_PATH)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_ring.h"

#define MAX_CONN 16
#define MAX_VARS 64
#define BODY_MAX (XENSTORE_PAYLOAD_MAX + 1024)

static const char *op_names[] = {
	"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
	"TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
	"GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS", "WATCH_EVENT",
	"ERROR", "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
	"RESET_WATCHES", "DIRECTORY_PART",
};

struct conn {
	int fd;                  /* socket, or the guest's kick socket */
	struct xenstore_domain_interface *intf;   /* guest ring */
	uint32_t domid, port;
	char in[BODY_MAX + 16];  /* ring bytes not yet a whole message */
	size_t inlen;
};

static const char *sock_path, *sim_dir;
static struct conn conns[MAX_CONN];
static uint32_t next_req = 1;
static struct { char name[32]; char val[64]; } vars[MAX_VARS];
static int nvars;

static const char *op_name(uint32_t t)
{
	static char buf[16];

	if (t < sizeof(op_names) / sizeof(op_names[0]))
		return op_names[t];
	snprintf(buf, sizeof(buf), "OP%u", t);
	return buf;
}

static int op_parse(const char *s, uint32_t *t)
{
	unsigned i;
	char *end;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (!strcmp(s, op_names[i])) {
			*t = i;
			return 0;
		}
	*t = strtoul(s, &end, 0);
	return (*s && !*end) ? 0 : -1;
}

static void print_escaped(const char *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == 0)
			fputs("\\0", stdout);
		else if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (isprint(c))
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('"');
}

/* ---- transports ---------------------------------------------------------- */

static void conn_close(int n)
{
	struct conn *c = &conns[n];

	if (c->fd >= 0)
		close(c->fd);
	if (c->intf)
		munmap(c->intf, 4096);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int conn_open(int n, int ro)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int fd;

	conn_close(n);
	snprintf(path, sizeof(path), "%s%s", sock_path, ro ? "_ro" : "");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("c%d open failed: %s\n", n, strerror(errno));
		close(fd);
		return -1;
	}
	conns[n].fd = fd;
	return 0;
}

static int conn_guest(int n, uint32_t domid, uint64_t mfn, uint32_t port)
{
	struct conn *c = &conns[n];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[256];
	void *page;
	int fd;

	conn_close(n);
	if (!sim_dir) {
		printf("guest: no simulator directory (-g)\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/page-%llu", sim_dir,
		 (unsigned long long)mfn);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096)) {
		printf("guest: %s: %s\n", path, strerror(errno));
		return -1;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED)
		return -1;
	c->intf = page;
	c->domid = domid;
	c->port = port;
	c->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/guest-%u", sim_dir,
		 domid);
	unlink(sa.sun_path);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("guest: bind %s: %s\n", sa.sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void kick(struct conn *c, uint32_t domid, uint32_t port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint32_t msg[2] = { domid, port };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evtchn", sim_dir);
	sendto(c ? c->fd : socket(AF_UNIX, SOCK_DGRAM, 0), msg, sizeof(msg), 0,
	       (struct sockaddr *)&sa, sizeof(sa));
}

static int conn_get(int n)
{
	if (conns[n].fd < 0 && !conns[n].intf)
		conn_open(n, 0);
	return conns[n].fd;
}

static int conn_write(int n, const void *buf, size_t len)
{
	struct conn *c = &conns[n];
	size_t done = 0;
	int tries = 0;

	if (!c->intf)
		return write(c->fd, buf, len) == (ssize_t)len ? 0 : -1;
	while (done < len) {
		int w = xs_ring_write_req(c->intf, (const char *)buf + done,
					  len - done);
		if (w < 0)
			return -1;
		done += w;
		kick(c, c->domid, c->port);
		if (done < len) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
			char b[16];
			if (++tries > 200)
				return -1;
			if (poll(&pfd, 1, 10) > 0)
				recv(c->fd, b, sizeof(b), 0);
		}
	}
	return 0;
}

/* Waits for bytes; returns 1 if something may have arrived, 0 on timeout,
 * -1 when the peer closed. */
static int conn_wait(int n, int timeout_ms)
{
	struct conn *c = &conns[n];
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);

	if (r <= 0)
		return 0;
	if (c->intf) {
		char b[16];
		recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
	}
	return 1;
}

/* Reads one message; returns 0, -1 on timeout, -3 when the peer closed. */
static int read_msg(int n, struct xsd_sockmsg *hdr, char *body, int timeout_ms)
{
	struct conn *c = &conns[n];

	if (!c->intf) {
		size_t got = 0, want = sizeof(*hdr);
		char *dst = (char *)hdr;
		for (int phase = 0; phase < 2; phase++) {
			while (got < want) {
				ssize_t r;
				if (!conn_wait(n, phase ? 2000 : timeout_ms))
					return got || phase ? -3 : -1;
				r = read(c->fd, dst + got, want - got);
				if (r <= 0)
					return -3;
				got += r;
			}
			if (phase == 0) {
				if (hdr->len > BODY_MAX)
					return -3;
				got = 0;
				want = hdr->len;
				dst = body;
			}
		}
		return 0;
	}
	for (int waited = 0;;) {
		int r;
		if (c->inlen >= sizeof(*hdr)) {
			memcpy(hdr, c->in, sizeof(*hdr));
			if (hdr->len > BODY_MAX)
				return -3;
			if (c->inlen >= sizeof(*hdr) + hdr->len) {
				size_t m = sizeof(*hdr) + hdr->len;
				memcpy(body, c->in + sizeof(*hdr), hdr->len);
				memmove(c->in, c->in + m, c->inlen - m);
				c->inlen -= m;
				return 0;
			}
		}
		r = xs_ring_read_rsp(c->intf, c->in + c->inlen,
				     sizeof(c->in) - c->inlen);
		if (r < 0 || c->intf->error)
			return -3;
		if (r > 0) {
			c->inlen += r;
			kick(c, c->domid, c->port);   /* room in the rsp ring */
			continue;
		}
		if (waited >= timeout_ms)
			return -1;
		conn_wait(n, 20);
		waited += 20;
	}
}

static void print_msg(int n, const char *req, const struct xsd_sockmsg *hdr,
		      const char *body)
{
	if (hdr->type == XS_WATCH_EVENT) {
		printf("c%d EVENT ", n);
		print_escaped(body, hdr->len);
	} else {
		printf("c%d %s -> %s ", n, req, op_name(hdr->type));
		if (hdr->type == XS_TRANSACTION_START && hdr->len)
			fputs("<tx>", stdout);
		else if (hdr->type == XS_DIRECTORY_PART && memchr(body, 0, hdr->len)) {
			size_t g = strlen(body) + 1;
			fputs("<gen>+", stdout);
			print_escaped(body + g, hdr->len - g);
		} else
			print_escaped(body, hdr->len);
	}
	putchar('\n');
}

static const char *var_get(const char *name)
{
	int i;

	for (i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name))
			return vars[i].val;
	return NULL;
}

static void var_set(const char *name, const char *val, size_t len)
{
	int i;

	for (i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name))
			break;
	if (i == nvars) {
		if (nvars == MAX_VARS)
			return;
		nvars++;
	}
	snprintf(vars[i].name, sizeof(vars[i].name), "%s", name);
	snprintf(vars[i].val, sizeof(vars[i].val), "%.*s", (int)len, val);
}

static size_t unescape(const char *s, char *out, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		if (*s != '\\') {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '0': out[n++] = 0; s++; break;
		case 'n': out[n++] = '\n'; s++; break;
		case 't': out[n++] = '\t'; s++; break;
		case 's': out[n++] = ' '; s++; break;
		case '\\': out[n++] = '\\'; s++; break;
		case 'x': {
			char hex[3] = { 0 };
			if (!s[1] || !s[2])
				return n;
			hex[0] = s[1];
			hex[1] = s[2];
			out[n++] = (char)strtoul(hex, NULL, 16);
			s += 3;
			break;
		}
		case 'R': { /* \R<count><char>: repeat a character */
			char *end;
			unsigned long cnt = strtoul(s + 1, &end, 10);
			if (!*end)
				return n;
			while (cnt-- && n < max)
				out[n++] = *end;
			s = end + 1;
			break;
		}
		default:
			out[n++] = *s ? *s++ : 0;
		}
	}
	return n;
}

static void drain(int timeout_ms)
{
	static char body[BODY_MAX];
	struct xsd_sockmsg hdr;
	int n, r;

	for (n = 0; n < MAX_CONN; n++) {
		if (conns[n].fd < 0 && !conns[n].intf)
			continue;
		while ((r = read_msg(n, &hdr, body, timeout_ms)) == 0)
			print_msg(n, "?", &hdr, body);
		if (r == -3) {
			printf("c%d closed\n", n);
			conn_close(n);
		}
	}
}

static void do_request(int n, const char *opname, uint32_t type, uint32_t tx,
		       const char *payload, size_t len, const char *store)
{
	static char body[BODY_MAX], msg[BODY_MAX + 16];
	struct xsd_sockmsg hdr = { .type = type, .req_id = next_req++,
				   .tx_id = tx, .len = len };
	int r;

	if (conn_get(n) < 0)
		return;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), payload, len);
	if (conn_write(n, msg, sizeof(hdr) + len)) {
		printf("c%d %s write failed\n", n, opname);
		return;
	}
	for (;;) {
		struct xsd_sockmsg rh;
		r = read_msg(n, &rh, body, 5000);
		if (r) {
			printf("c%d %s -> %s\n", n, opname,
			       r == -1 ? "TIMEOUT" : "CLOSED");
			if (r == -3)
				conn_close(n);
			return;
		}
		if (rh.type != XS_WATCH_EVENT && rh.req_id != hdr.req_id) {
			print_msg(n, "(late reply)", &rh, body);
			continue;
		}
		print_msg(n, opname, &rh, body);
		if (rh.type == XS_WATCH_EVENT)
			continue;
		if (store)
			var_set(store, body, rh.len && rh.type != XS_ERROR ?
				strnlen(body, rh.len) : 0);
		return;
	}
}

static int parse_conn(char **p)
{
	int n = 0;

	if ((*p)[0] == 'c' && isdigit((unsigned char)(*p)[1])) {
		n = strtol(*p + 1, p, 10) % MAX_CONN;
		while (**p == ' ')
			(*p)++;
	}
	return n;
}

static uint32_t *ring_field(struct conn *c, const char *name)
{
	if (!strcmp(name, "req_prod")) return &c->intf->req_prod;
	if (!strcmp(name, "req_cons")) return &c->intf->req_cons;
	if (!strcmp(name, "rsp_prod")) return &c->intf->rsp_prod;
	if (!strcmp(name, "rsp_cons")) return &c->intf->rsp_cons;
	if (!strcmp(name, "connection")) return &c->intf->connection;
	if (!strcmp(name, "error")) return &c->intf->error;
	if (!strcmp(name, "server_features")) return &c->intf->server_features;
	return NULL;
}

static void run_command(const char *cmd, char *p)
{
	int n = parse_conn(&p);

	if (!strcmp(cmd, "open")) {
		conn_open(n, !strncmp(p, "ro", 2));
	} else if (!strcmp(cmd, "close")) {
		conn_close(n);
	} else if (!strcmp(cmd, "guest")) {
		unsigned domid, port;
		unsigned long long mfn;
		if (sscanf(p, "%u %llu %u", &domid, &mfn, &port) != 3)
			printf("guest: want cN DOMID MFN PORT\n");
		else
			conn_guest(n, domid, mfn, port);
	} else if (!strcmp(cmd, "ring") || !strcmp(cmd, "ringfield")) {
		char field[32];
		unsigned long v = 0;
		uint32_t *f;
		if (!conns[n].intf || sscanf(p, "%31s %lu", field, &v) < 1 ||
		    !(f = ring_field(&conns[n], field))) {
			printf("ring: c%d is not a guest or bad field\n", n);
			return;
		}
		if (cmd[4]) {
			printf("c%d %s %u\n", n, field, *f);
		} else {
			if (f == &conns[n].intf->connection)
				conns[n].inlen = 0;   /* a guest resets its side too */
			__atomic_store_n(f, (uint32_t)v, __ATOMIC_SEQ_CST);
			kick(&conns[n], conns[n].domid, conns[n].port);
		}
	} else if (!strcmp(cmd, "domstate")) {
		unsigned domid;
		char state[16], path[256];
		FILE *f;
		if (sscanf(p, "%u %15s", &domid, state) != 2)
			return;
		snprintf(path, sizeof(path), "%s/state-%u", sim_dir, domid);
		f = fopen(path, "w");
		if (f) {
			fputs(state, f);
			fclose(f);
		}
		kick(NULL, 0xffffffffu, 3);
	} else if (!strcmp(cmd, "raw")) {
		char bytes[8192];
		size_t nb = 0;
		while (p[0] && p[1] && nb < sizeof(bytes)) {
			char hex[3] = { p[0], p[1], 0 };
			bytes[nb++] = (char)strtoul(hex, NULL, 16);
			p += 2;
			while (*p == ' ')
				p++;
		}
		if (conn_get(n) >= 0 && conn_write(n, bytes, nb))
			printf("c%d raw write failed\n", n);
	} else if (!strcmp(cmd, "alive")) {
		struct conn *c = &conns[n];
		int ms = *p ? atoi(p) : 300;
		char ch;
		if (c->intf) {
			usleep(ms * 1000);
			printf("c%d %s\n", n, c->intf->error ? "closed" : "alive");
			return;
		}
		if (c->fd < 0) {
			printf("c%d closed\n", n);
			return;
		}
		if (conn_wait(n, ms) > 0 && recv(c->fd, &ch, 1, MSG_PEEK) <= 0) {
			printf("c%d closed\n", n);
			conn_close(n);
		} else
			printf("c%d alive\n", n);
	}
}

static void run_line(char *line)
{
	static char payload[XENSTORE_PAYLOAD_MAX * 2 + 64];
	static const char *const cmds[] = {
		"open", "close", "guest", "ring", "ringfield", "domstate",
		"raw", "alive", NULL,
	};
	char *p = line, *tok, *store = NULL, *at;
	uint32_t type, tx = 0;
	size_t len = 0;
	int n, i;

	line[strcspn(line, "\r\n")] = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return;
	if (!strncmp(p, "echo", 4) && (!p[4] || p[4] == ' ')) {
		printf("%s\n", p[4] ? p + 5 : "");
		return;
	}
	if (!strncmp(p, "sh ", 3)) {
		fflush(stdout);
		if (system(p + 3))
			printf("sh: %s failed\n", p + 3);
		return;
	}
	if (!strncmp(p, "sleep ", 6)) {
		usleep(atoi(p + 6) * 1000);
		return;
	}
	if (!strncmp(p, "drain", 5)) {
		drain(p[5] ? atoi(p + 6) : 100);
		return;
	}
	for (i = 0; cmds[i]; i++) {
		size_t l = strlen(cmds[i]);
		if (!strncmp(p, cmds[i], l) && (p[l] == ' ' || !p[l])) {
			char *args = p[l] ? p + l + 1 : p + l;
			run_command(cmds[i], args);
			return;
		}
	}
	n = parse_conn(&p);
	tok = p;
	p += strcspn(p, " ");
	if (*p)
		*p++ = 0;
	at = strchr(tok, '@');
	if (at) {
		const char *v;
		*at++ = 0;
		v = var_get(at);
		tx = strtoul(v ? v : at, NULL, 0);
	}
	if (op_parse(tok, &type)) {
		printf("bad op %s\n", tok);
		return;
	}
	/* trailing " >var" */
	{
		char *gt = strrchr(p, '>');
		if (gt && (gt == p || gt[-1] == ' ') && gt[1] && !strchr(gt, ' ')) {
			store = gt + 1;
			*gt = 0;
			if (gt > p)
				gt[-1] = 0;
		}
	}
	len = unescape(p, payload, sizeof(payload));
	do_request(n, tok, type, tx, payload, len, store);
}

int main(int argc, char **argv)
{
	FILE *in = stdin;
	char line[16384];
	int i, opt;

	sock_path = getenv("XENSTORED_PATH");
	while ((opt = getopt(argc, argv, "s:g:")) != -1) {
		if (opt == 's')
			sock_path = optarg;
		else if (opt == 'g')
			sim_dir = optarg;
		else {
			fprintf(stderr, "usage: xs-probe [-s SOCKET] [-g SIMDIR] "
				"[SCRIPT]\n");
			return 2;
		}
	}
	if (!sock_path)
		sock_path = "/run/xenstored/socket";
	if (optind < argc && !(in = fopen(argv[optind], "r"))) {
		fprintf(stderr, "xs-probe: cannot open %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	for (i = 0; i < MAX_CONN; i++)
		conns[i].fd = -1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), in))
		run_line(line);
	drain(50);
	return 0;
}
