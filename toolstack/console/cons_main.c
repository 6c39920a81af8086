/*
 * pvconsoled: dom0's console backend (see README.md). Command line,
 * daemonizing, and the --attach client.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenstore.h>

#include "attach.h"
#include "cons_daemon.h"
#include "cons_rate.h"

#define DEFAULT_LOG_DIR "/var/log/pvisor/console"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvconsoled [options]        serve every domU's console\n"
		"       pvconsoled --attach DOM     attach this terminal to DOM's console (Ctrl-] detaches)\n"
		"  --log-dir DIR        NAME.log per domain (default " DEFAULT_LOG_DIR ")\n"
		"  --log-max-size N     rotate NAME.log to NAME.log.1 past N bytes (K/M/G; default 1M; 0: never)\n"
		"  --backlog N          bytes kept for a pty no one reads (default 1M, also capped by console/limit)\n"
		"  --rate EVENTS/MS     ring events served per period per console (default %d/%d)\n"
		"  --no-fork            stay in the foreground, messages on stderr\n"
		"  --pid-file FILE      write the daemon's pid there (forked: default /run/pvconsoled.pid)\n"
		"  --sim DIR            no hypervisor: DIR/N files are the consoles (tests)\n",
		CONS_RATE_ALLOWANCE, CONS_RATE_PERIOD_MS);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (*end || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

/* DOM (name or id) to its console tty path through xenstore; malloc'd. */
static char *tty_of(const char *dom)
{
	struct xs_handle *xs = xs_open(XS_OPEN_READONLY);
	char path[64], *tty = NULL, **ids, *end;
	unsigned int n, i, len;
	long id = strtol(dom, &end, 10);

	if (!xs) {
		fprintf(stderr, "pvconsoled: cannot connect to xenstore: %s\n", strerror(errno));
		return NULL;
	}
	if (*end || end == dom) {
		id = -1;
		ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
		for (i = 0; ids && i < n && id < 0; i++) {
			char *name;

			snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
			name = xs_read(xs, XBT_NULL, path, &len);
			if (name && !strcmp(name, dom))
				id = strtol(ids[i], NULL, 10);
			free(name);
		}
		free(ids);
	}
	if (id < 0) {
		fprintf(stderr, "pvconsoled: no domain '%s'\n", dom);
	} else {
		snprintf(path, sizeof(path), "/local/domain/%ld/console/tty", id);
		tty = xs_read(xs, XBT_NULL, path, &len);
		if (!tty || !*tty) {
			fprintf(stderr, "pvconsoled: domain %s has no console tty yet\n", dom);
			free(tty);
			tty = NULL;
		}
	}
	xs_close(xs);
	return tty;
}

/* The daemon's own log goes next to the consoles' logs: make the way. */
static void mkdir_parents(const char *file)
{
	char p[4096], *s;

	snprintf(p, sizeof(p), "%s", file);
	for (s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-dir", required_argument, NULL, 'l' },
		{ "log-max-size", required_argument, NULL, 'm' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "no-fork", no_argument, NULL, 'F' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "sim", required_argument, NULL, 's' },
		{ "attach", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cons_opts o = {
		.log_dir = DEFAULT_LOG_DIR, .log_max_size = 1 << 20, .backlog_max = 1 << 20,
		.rate_allowance = CONS_RATE_ALLOWANCE, .rate_period_ms = CONS_RATE_PERIOD_MS,
	};
	const char *pid_file = NULL, *sim = NULL, *attach = NULL;
	struct cons_plat *plat;
	int fg = 0, ready[2] = { -1, -1 }, c, status;
	uint64_t v;
	unsigned int ev, ms;
	char extra;

	while ((c = getopt_long(argc, argv, "Fh", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.log_dir = optarg; break;
		case 'm':
			if (parse_size(optarg, &o.log_max_size) < 0)
				goto bad;
			break;
		case 'b':
			if (parse_size(optarg, &v) < 0 || v > (1u << 30))
				goto bad;
			o.backlog_max = (size_t)v;
			break;
		case 'r':
			if (sscanf(optarg, "%u/%u%c", &ev, &ms, &extra) != 2 || !ev || !ms)
				goto bad;
			o.rate_allowance = ev;
			o.rate_period_ms = ms;
			break;
		case 'F': fg = 1; break;
		case 'p': pid_file = optarg; break;
		case 's': sim = optarg; break;
		case 'a': attach = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pvconsoled: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (attach) {
		char *tty = tty_of(attach);

		if (!tty)
			return 1;
		status = cons_attach(tty, STDIN_FILENO, STDOUT_FILENO);
		free(tty);
		return status < 0 ? 1 : 0;
	}

	plat = sim ? cons_plat_sim_open(sim) : cons_plat_xen_open();
	if (!plat) {
		fprintf(stderr, "pvconsoled: cannot open %s: %s\n",
			sim ? sim : "Xen's event channel and control devices", strerror(errno));
		return 1;
	}
	if (!fg && !pid_file && !sim)
		pid_file = "/run/pvconsoled.pid";   /* what dom0's init stops it by */
	if (!fg) {
		char b;
		pid_t pid;

		if (pipe2(ready, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
			fprintf(stderr, "pvconsoled: cannot fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid > 0) {      /* the parent returns once the daemon serves */
			close(ready[1]);
			return read(ready[0], &b, 1) == 1 ? 0 : 1;
		}
		close(ready[0]);
		setsid();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/pvconsoled.log", o.log_dir);
		mkdir_parents(path);
		int lf = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (lf >= 0) {
			dup2(lf, STDERR_FILENO);
			close(lf);
		}
	}
	if (pid_file) {
		FILE *f = fopen(pid_file, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	status = cons_daemon_run(&o, plat, ready[1]);
	plat->ops->close(plat);
	if (pid_file)
		unlink(pid_file);
	return status;
bad:
	fprintf(stderr, "pvconsoled: bad value '%s' for --%s\n", optarg,
		c == 'l' ? "log-dir" : c == 'm' ? "log-max-size" : c == 'b' ? "backlog" : "rate");
	return 2;
}
