/*
 * xs-probe: drive a xenstore daemon with raw wire messages from a script
 * and print every reply and watch event in a daemon-neutral form, so the
 * same script run against pvstored and against Xen's own daemon can be
 * compared with diff.
 *
 * Script lines (one request per line, '#' starts a comment):
 *   [cN] OP[@TX] [PAYLOAD] [>VAR]   send OP on connection N (default 0);
 *                                   TX is a number or a variable; PAYLOAD is
 *                                   taken verbatim with escapes \0 \n \t \\
 *                                   \s (space) \xHH; >VAR stores the reply
 *   open cN [ro]                    (re)open connection N (ro: read-only socket)
 *   close cN                        close connection N
 *   drain [MS]                      print what every connection has pending
 *   sleep MS
 *   raw cN HEX...                   write raw bytes (hex) on connection N
 *   alive cN [MS]                   print "cN alive" or "cN closed"
 *   echo TEXT                       print TEXT
 * Output masks values that legitimately differ between daemons: transaction
 * ids (<tx>) and directory generations (<gen>).
 *
 * Usage: xs-probe [-s SOCKET] [SCRIPT]   (socket default: $XENSTORED_PATH)
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#define MAX_CONN 16
#define MAX_VARS 64

static const char *op_names[] = {
	"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH", "UNWATCH",
	"TRANSACTION_START", "TRANSACTION_END", "INTRODUCE", "RELEASE",
	"GET_DOMAIN_PATH", "WRITE", "MKDIR", "RM", "SET_PERMS", "WATCH_EVENT",
	"ERROR", "IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
	"RESET_WATCHES", "DIRECTORY_PART",
};

static const char *sock_path;
static int conns[MAX_CONN];
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

static int conn_open(int n, int ro)
{
	struct sockaddr_un sa;
	char path[sizeof(sa.sun_path)];
	int fd;

	if (conns[n] >= 0)
		close(conns[n]);
	conns[n] = -1;
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
	conns[n] = fd;
	return 0;
}

static int conn_get(int n)
{
	if (conns[n] < 0)
		conn_open(n, 0);
	return conns[n];
}

static int read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return got ? -2 : -1; /* -1: nothing arrived in time */
		r = read(fd, (char *)buf + got, len - got);
		if (r <= 0)
			return -3; /* closed */
		got += r;
	}
	return 0;
}

/* Reads one message; returns 0, -1 on timeout, -3 when the peer closed. */
static int read_msg(int fd, struct xsd_sockmsg *hdr, char *body, int timeout_ms)
{
	int r = read_full(fd, hdr, sizeof(*hdr), timeout_ms);

	if (r)
		return r == -1 ? -1 : -3;
	if (hdr->len > XENSTORE_PAYLOAD_MAX + 1024)
		return -3;
	if (hdr->len && read_full(fd, body, hdr->len, 2000))
		return -3;
	return 0;
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
	static char body[XENSTORE_PAYLOAD_MAX + 1024];
	struct xsd_sockmsg hdr;
	int n, r;

	for (n = 0; n < MAX_CONN; n++) {
		if (conns[n] < 0)
			continue;
		while ((r = read_msg(conns[n], &hdr, body, timeout_ms)) == 0)
			print_msg(n, "?", &hdr, body);
		if (r == -3) {
			printf("c%d closed\n", n);
			close(conns[n]);
			conns[n] = -1;
		}
	}
}

static void do_request(int n, const char *opname, uint32_t type, uint32_t tx,
		       const char *payload, size_t len, const char *store)
{
	static char body[XENSTORE_PAYLOAD_MAX + 1024];
	struct xsd_sockmsg hdr = { .type = type, .req_id = next_req++,
				   .tx_id = tx, .len = len };
	int fd = conn_get(n), r;

	if (fd < 0)
		return;
	if (write(fd, &hdr, sizeof(hdr)) != sizeof(hdr) ||
	    (len && write(fd, payload, len) != (ssize_t)len)) {
		printf("c%d %s write failed\n", n, opname);
		return;
	}
	for (;;) {
		struct xsd_sockmsg rh;
		r = read_msg(fd, &rh, body, 5000);
		if (r) {
			printf("c%d %s -> %s\n", n, opname,
			       r == -1 ? "TIMEOUT" : "CLOSED");
			if (r == -3) {
				close(fd);
				conns[n] = -1;
			}
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

static void run_line(char *line)
{
	static char payload[XENSTORE_PAYLOAD_MAX * 2 + 64];
	char *p = line, *tok, *store = NULL, *at;
	uint32_t type, tx = 0;
	size_t len = 0;
	int n;

	line[strcspn(line, "\r\n")] = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return;
	if (!strncmp(p, "echo", 4)) {
		printf("%s\n", p[4] ? p + 5 : "");
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
	if (!strncmp(p, "open ", 5) || !strncmp(p, "close ", 6) ||
	    !strncmp(p, "raw ", 4) || !strncmp(p, "alive ", 6)) {
		char *cmd = p;
		p = strchr(p, ' ') + 1;
		n = parse_conn(&p);
		if (cmd[0] == 'o') {
			conn_open(n, !strncmp(p, "ro", 2));
		} else if (cmd[0] == 'c') {
			if (conns[n] >= 0)
				close(conns[n]);
			conns[n] = -1;
		} else if (cmd[0] == 'r') {
			char bytes[8192];
			size_t nb = 0;
			while (p[0] && p[1] && nb < sizeof(bytes)) {
				char hex[3] = { p[0], p[1], 0 };
				bytes[nb++] = (char)strtoul(hex, NULL, 16);
				p += 2;
				while (*p == ' ')
					p++;
			}
			if (conn_get(n) >= 0 && write(conns[n], bytes, nb) != (ssize_t)nb)
				printf("c%d raw write failed\n", n);
		} else {
			struct pollfd pfd = { .fd = conns[n], .events = POLLIN };
			char c;
			int ms = *p ? atoi(p) : 300;
			if (conns[n] < 0) {
				printf("c%d closed\n", n);
				return;
			}
			if (poll(&pfd, 1, ms) > 0 && recv(conns[n], &c, 1, MSG_PEEK) <= 0) {
				printf("c%d closed\n", n);
				close(conns[n]);
				conns[n] = -1;
			} else
				printf("c%d alive\n", n);
		}
		return;
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
	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt == 's')
			sock_path = optarg;
		else {
			fprintf(stderr, "usage: xs-probe [-s SOCKET] [SCRIPT]\n");
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
		conns[i] = -1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), in))
		run_line(line);
	drain(50);
	return 0;
}
