/*
 * pvstored: pvisor's xenstore daemon, a drop-in for Xen's xenstored.
 * Command line compatible with C xenstored where the options overlap.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_persist.h"
#include "xs_platform.h"
#include "xs_quota.h"

#define DEFAULT_SOCKET "/run/xenstored/socket"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pvstored [options]\n"
"  -N, --no-fork            stay in the foreground\n"
"  -F, --pid-file FILE      write the daemon's pid to FILE\n"
"      --socket PATH        listen on PATH (default " DEFAULT_SOCKET ");\n"
"                           clients find it through XENSTORED_PATH\n"
"      --ro-socket PATH     read-only socket (default: PATH_ro)\n"
"      --db PATH            keep the store in PATH (+ PATH.wal) across\n"
"                           restarts (default: pvstored.db next to the socket)\n"
"      --no-persist         keep the store in memory only\n"
"  -D, --no-domain-init     do not attach dom0's kernel or open /dev/xen\n"
"      --sim DIR            simulated guests for tests (rings in files)\n"
"  -p, --priv-domid ID      a privileged domain besides dom0\n"
"  -T, --trace-file FILE    log to FILE (default: stderr)\n"
"      --log-file FILE      same\n"
"      --log-level LEVEL    error, warn, info or debug (default warn)\n"
"      --log-max-size BYTES when the log file reaches BYTES it becomes\n"
"                           FILE.old and a new one starts (default 64 MiB;\n"
"                           0: no cap)\n"
"  -V, --verbose            log at debug level\n"
"  -E, --entry-nb N         nodes a domain may own (quota nodes)\n"
"  -S, --entry-size N       bytes in a value (quota node-size)\n"
"  -W, --watch-nb N         watches per connection (quota watches)\n"
"  -t, --transaction N      open transactions per connection\n"
"  -A, --perm-nb N          permission entries per node\n"
"  -M, --path-max N         path length\n"
"  -Q, --quota NAME=N       any quota; `xenstore-control quota` lists them\n"
"      --poll-us N          when clients come back within N microseconds,\n"
"                           poll for them instead of sleeping (default 50;\n"
"                           0: never poll)\n"
"  -H, --help               this text\n");
}

static const struct option options[] = {
	{ "no-fork", no_argument, NULL, 'N' },
	{ "pid-file", required_argument, NULL, 'F' },
	{ "socket", required_argument, NULL, 's' },
	{ "ro-socket", required_argument, NULL, 'r' },
	{ "db", required_argument, NULL, 'b' },
	{ "no-persist", no_argument, NULL, 'n' },
	{ "no-domain-init", no_argument, NULL, 'D' },
	{ "sim", required_argument, NULL, 'm' },
	{ "priv-domid", required_argument, NULL, 'p' },
	{ "trace-file", required_argument, NULL, 'T' },
	{ "log-file", required_argument, NULL, 'T' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "log-max-size", required_argument, NULL, 'X' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "entry-nb", required_argument, NULL, 'E' },
	{ "entry-size", required_argument, NULL, 'S' },
	{ "watch-nb", required_argument, NULL, 'W' },
	{ "transaction", required_argument, NULL, 't' },
	{ "perm-nb", required_argument, NULL, 'A' },
	{ "path-max", required_argument, NULL, 'M' },
	{ "quota", required_argument, NULL, 'Q' },
	{ "poll-us", required_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'H' },
	{ NULL, 0, NULL, 0 },
};

struct sigh {
	struct xs_handler h;
	struct xs_loop *loop;
	int fd;
	const char *log_path;
};

static void signal_ready(struct xs_handler *h, uint32_t events)
{
	struct sigh *s = (struct sigh *)h;
	struct signalfd_siginfo si;

	(void)events;
	while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (s->log_path)
				xs_log_open(s->log_path);
			xs_info("log reopened");
		} else {
			xs_info("signal %u: exiting", si.ssi_signo);
			xs_loop_stop(s->loop);
		}
	}
}

static void die(const char *fmt, const char *arg, int err)
{
	fprintf(stderr, "pvstored: ");
	fprintf(stderr, fmt, arg);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

/* Every client is a file descriptor: take all the kernel allows us. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		xs_warn("cannot raise the open file limit: %s", strerror(errno));
}

static void set_quota(struct xs_limits *lim, const char *name, const char *v)
{
	if (xs_quota_set(lim, name, v))
		die("invalid value for quota %s (see --help)", name, 0);
}

/* Forks into the background; the parent exits once the child is ready
 * (so `pvstored && xenstore-read /` works), with the child's status. */
static int daemonize(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		die("pipe", "", errno);
	pid = fork();
	if (pid < 0)
		die("fork", "", errno);
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

int main(int argc, char **argv)
{
	struct xs_limits lim = XS_LIMITS_DEFAULT;
	const char *sock = NULL, *ro_sock = NULL, *db = NULL, *pidfile = NULL;
	const char *log_path = NULL, *sim_dir = NULL;
	bool fork_off = true, persist = true, domain_init = true;
	char ro_buf[PATH_MAX], db_buf[PATH_MAX], self[PATH_MAX];
	static struct xs_core core;
	struct xs_persist *p = NULL;
	struct xs_loop *loop;
	struct sigh sh;
	sigset_t mask;
	int opt, err, ready_fd = -1;
	uint32_t priv_domid = 0;
	bool restored = false;
	ssize_t n;

	while ((opt = getopt_long(argc, argv, "NF:DHp:T:VE:S:W:t:A:M:Q:",
				  options, NULL)) != -1) {
		switch (opt) {
		case 'N': fork_off = false; break;
		case 'F': pidfile = optarg; break;
		case 's': sock = optarg; break;
		case 'r': ro_sock = optarg; break;
		case 'b': db = optarg; break;
		case 'n': persist = false; break;
		case 'D': domain_init = false; break;
		case 'm': sim_dir = optarg; break;
		case 'p': priv_domid = strtoul(optarg, NULL, 10); break;
		case 'T': log_path = optarg; break;
		case 'L':
			if ((xs_log_level = xs_log_parse_level(optarg)) < 0)
				die("unknown log level %s (error warn info debug)",
				    optarg, 0);
			break;
		case 'V': xs_log_level = XS_LOG_DEBUG; break;
		case 'X': xs_log_max_bytes = strtoull(optarg, NULL, 10); break;
		case 'E': set_quota(&lim, "nodes", optarg); break;
		case 'S': set_quota(&lim, "node-size", optarg); break;
		case 'W': set_quota(&lim, "watches", optarg); break;
		case 't': set_quota(&lim, "transactions", optarg); break;
		case 'A': set_quota(&lim, "node-permissions", optarg); break;
		case 'M': set_quota(&lim, "path-length", optarg); break;
		case 'Q':
			if (xs_quota_set_arg(&lim, optarg))
				die("invalid quota %s (want NAME=N, see --help)",
				    optarg, 0);
			break;
		case 'P': xs_loop_poll_us = strtoul(optarg, NULL, 10); break;
		case 'H': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc)
		die("unexpected argument %s (see --help)", argv[optind], 0);
	if (!sock)
		sock = DEFAULT_SOCKET;
	if (!ro_sock) {
		snprintf(ro_buf, sizeof(ro_buf), "%s_ro", sock);
		ro_sock = ro_buf;
	}
	if (!db) {
		const char *slash = strrchr(sock, '/');
		snprintf(db_buf, sizeof(db_buf), "%.*spvstored.db",
			 slash ? (int)(slash - sock + 1) : 0, sock);
		db = db_buf;
	}
	if (log_path && (err = xs_log_open(log_path)))
		die("cannot open log file %s", log_path, err);

	raise_fd_limit();
	if (xs_core_init(&core, &lim))
		die("out of memory", "", 0);
	core.priv_domid = priv_domid;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;

	if (fork_off)
		ready_fd = daemonize();

	loop = xs_loop_new(&core);
	if (!loop)
		die("epoll", "", errno);
	if ((err = xs_platform_setup(&core, loop, sim_dir, domain_init)))
		die("cannot set up the domain interface (%s); use -D to run "
		    "without guests", sim_dir ? sim_dir : "/dev/xen", err);
	if (persist) {
		p = xs_persist_open(db, &err);
		if (!p)
			die("cannot open the store %s (use --db PATH or "
			    "--no-persist)", db, err);
		if ((err = xs_persist_load(&core, p, &restored)))
			die(err == EBADMSG ?
			    "cannot replay the store %s (the log says where; "
			    "move it away to start empty)" :
			    "cannot write the store %s", db, err);
	}
	if (!restored && (err = xs_core_populate(&core, self)))
		die("cannot create the initial nodes", "", err);
	if (!restored && p)
		xs_persist_snapshot(&core);
	xs_platform_attach_dom0(&core);

	if ((err = xs_sock_listen(loop, sock, true, 0600)))
		die("cannot listen on %s", sock, err);
	if ((err = xs_sock_listen(loop, ro_sock, false, 0660)))
		die("cannot listen on %s", ro_sock, err);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sh.h.ready = signal_ready;
	sh.loop = loop;
	sh.log_path = log_path;
	sh.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sh.fd < 0 || xs_loop_add(loop, sh.fd, 0x001 /* EPOLLIN */, &sh.h))
		die("signalfd", "", errno);

	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (!f)
			die("cannot write pid file %s", pidfile, errno);
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	xs_info("serving %s (read-only %s)%s%s; %llu nodes", sock, ro_sock,
		p ? ", store in " : "", p ? db : "",
		(unsigned long long)core.store.nnodes);
	if (ready_fd >= 0) {
		if (!log_path)
			detach_stdio();
		if (write(ready_fd, "R", 1) != 1)
			return 1;
		close(ready_fd);
	}
	err = xs_loop_run(loop);
	xs_persist_flush(&core);
	xs_sock_shutdown_all(loop);
	unlink(sock);
	unlink(ro_sock);
	xs_platform_teardown(&core);
	xs_core_destroy(&core);
	xs_persist_close(p);
	xs_loop_free(loop);
	return err ? 1 : 0;
}
