/*
 * xs-libclient: a client linked with Xen's libxenstore that exercises its
 * API against a daemon and prints a transcript ("call -> result"), so the
 * transcript from pvstored can be compared with Xen's daemon's.
 *   --extended   also what only pvstored does (C xenstored's directory
 *                parts for big directories, control commands)
 * Connects through XENSTORED_PATH.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static struct xs_handle *h, *h2;

static const char *err(void)
{
	static char buf[80];

	snprintf(buf, sizeof(buf), "error %s", strerror(errno));
	return buf;
}

static void show_bool(const char *what, bool ok)
{
	printf("%s -> %s\n", what, ok ? "ok" : err());
}

static void show_read(struct xs_handle *x, xs_transaction_t t, const char *path)
{
	unsigned len;
	char *v = xs_read(x, t, path, &len);

	if (v)
		printf("read %s -> \"%.*s\" (%u)\n", path, (int)len, v, len);
	else
		printf("read %s -> %s\n", path, err());
	free(v);
}

static void show_dir(const char *path, bool count_only)
{
	unsigned n, i;
	char **d = xs_directory(h, XBT_NULL, path, &n);

	if (!d) {
		printf("directory %s -> %s\n", path, err());
		return;
	}
	printf("directory %s -> %u entries", path, n);
	for (i = 0; i < n && !count_only; i++)
		printf(" %s", d[i]);
	if (count_only && n)
		printf(" first %s last %s", d[0], d[n - 1]);
	printf("\n");
	free(d);
}

static void show_perms(const char *path)
{
	unsigned n, i;
	struct xs_permissions *p = xs_get_permissions(h, XBT_NULL, path, &n);
	static const char letters[] = "nrwb";

	if (!p) {
		printf("get_permissions %s -> %s\n", path, err());
		return;
	}
	printf("get_permissions %s ->", path);
	for (i = 0; i < n; i++)
		printf(" %c%u", letters[p[i].perms & 3], p[i].id);
	printf("\n");
	free(p);
}

/* Next watch event within ms, printed; false if none came. */
static bool show_event(struct xs_handle *x, int ms)
{
	struct pollfd pfd = { .fd = xs_fileno(x), .events = POLLIN };
	unsigned n;
	char **ev;

	for (;;) {
		ev = xs_check_watch(x);
		if (ev) {
			printf("event %s %s\n", ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
			free(ev);
			return true;
		}
		if (errno != EAGAIN || poll(&pfd, 1, ms) <= 0)
			return false;
		(void)n;
	}
}

static void drain_events(struct xs_handle *x)
{
	while (show_event(x, 100))
		;
	printf("no more events\n");
}

int main(int argc, char **argv)
{
	bool extended = argc > 1 && !strcmp(argv[1], "--extended");
	struct xs_permissions perms[3];
	xs_transaction_t t, t2;
	char path[64], *s;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	h = xs_open(0);
	h2 = xs_open(0);
	if (!h || !h2) {
		fprintf(stderr, "xs-libclient: cannot connect (XENSTORED_PATH=%s): %s\n",
			getenv("XENSTORED_PATH"), strerror(errno));
		return 1;
	}

	/* plain reads and writes */
	show_bool("write /lc/a/b", xs_write(h, XBT_NULL, "/lc/a/b", "hello", 5));
	show_read(h, XBT_NULL, "/lc/a/b");
	show_read(h, XBT_NULL, "/lc/a");
	show_read(h, XBT_NULL, "/lc/missing");
	show_bool("write binary", xs_write(h, XBT_NULL, "/lc/bin", "a\0b", 3));
	show_read(h, XBT_NULL, "/lc/bin");
	show_bool("write empty", xs_write(h, XBT_NULL, "/lc/empty", "", 0));
	show_read(h, XBT_NULL, "/lc/empty");
	show_bool("write bad path", xs_write(h, XBT_NULL, "/lc/bad path", "x", 1));
	show_bool("write trailing slash", xs_write(h, XBT_NULL, "/lc/a/", "x", 1));
	show_bool("mkdir /lc/d/e", xs_mkdir(h, XBT_NULL, "/lc/d/e"));
	show_bool("mkdir again", xs_mkdir(h, XBT_NULL, "/lc/d/e"));
	show_dir("/lc", false);
	show_dir("/lc/d/e", false);
	show_dir("/lc/nothere", false);
	show_bool("rm /lc/d", xs_rm(h, XBT_NULL, "/lc/d"));
	show_bool("rm /lc/d again", xs_rm(h, XBT_NULL, "/lc/d"));
	show_bool("rm /lc/x/y/z", xs_rm(h, XBT_NULL, "/lc/x/y/z"));
	show_dir("/lc", false);
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "/lc/list/k%02d", (i * 7) % 40);
		xs_write(h, XBT_NULL, path, "v", 1);
	}
	show_dir("/lc/list", true);
	s = xs_get_domain_path(h, 3);
	printf("get_domain_path 3 -> %s\n", s ? s : err());
	free(s);
	show_bool("write relative", xs_write(h, XBT_NULL, "lcrel", "r", 1));
	show_read(h, XBT_NULL, "/local/domain/0/lcrel");
	{
		char big[2100];
		memset(big, 'x', sizeof(big));
		show_bool("write 2048 bytes", xs_write(h, XBT_NULL, "/lc/big", big, 2048));
		show_bool("write 2100 bytes", xs_write(h, XBT_NULL, "/lc/big", big, 2100));
	}

	/* permissions */
	perms[0].id = 0;
	perms[0].perms = XS_PERM_NONE;
	perms[1].id = 5;
	perms[1].perms = XS_PERM_READ;
	perms[2].id = 6;
	perms[2].perms = XS_PERM_READ | XS_PERM_WRITE;
	show_bool("set_permissions /lc/a", xs_set_permissions(h, XBT_NULL, "/lc/a", perms, 3));
	show_perms("/lc/a");
	show_perms("/lc/a/b");
	show_bool("write /lc/a/new", xs_write(h, XBT_NULL, "/lc/a/new", "n", 1));
	show_perms("/lc/a/new");
	perms[0].id = 7;
	perms[0].perms = XS_PERM_READ;
	show_bool("set_permissions owner 7", xs_set_permissions(h, XBT_NULL, "/lc/a", perms, 1));
	show_perms("/lc/a");
	show_bool("set_permissions missing", xs_set_permissions(h, XBT_NULL, "/lc/zz", perms, 1));
	show_perms("/lc/zz");

	/* watches */
	show_bool("watch /lc/w", xs_watch(h2, "/lc/w", "tokw"));
	show_event(h2, 2000);
	show_bool("write /lc/w/x", xs_write(h, XBT_NULL, "/lc/w/x", "1", 1));
	show_event(h2, 2000);
	show_bool("write /lc/other", xs_write(h, XBT_NULL, "/lc/other", "1", 1));
	show_bool("rm /lc/w", xs_rm(h, XBT_NULL, "/lc/w"));
	show_event(h2, 2000);
	show_bool("watch relative", xs_watch(h2, "lcrel", "tokr"));
	show_event(h2, 2000);
	show_bool("write relative again", xs_write(h, XBT_NULL, "/local/domain/0/lcrel/q", "1", 1));
	show_event(h2, 2000);
	show_bool("watch special", xs_watch(h2, "@releaseDomain", "tokrel"));
	show_event(h2, 2000);
	show_bool("unwatch /lc/w", xs_unwatch(h2, "/lc/w", "tokw"));
	show_bool("write /lc/w/y", xs_write(h, XBT_NULL, "/lc/w/y", "1", 1));
	drain_events(h2);
	show_bool("unwatch again", xs_unwatch(h2, "/lc/w", "tokw"));

	/* transactions */
	show_bool("write counter", xs_write(h, XBT_NULL, "/lc/cnt", "0", 1));
	show_bool("watch counter", xs_watch(h2, "/lc/cnt", "tokc"));
	show_event(h2, 2000);
	t = xs_transaction_start(h);
	t2 = xs_transaction_start(h2);
	printf("transaction_start -> %s\n", t && t2 ? "ok" : err());
	show_read(h, t, "/lc/cnt");
	show_read(h2, t2, "/lc/cnt");
	show_bool("txn write", xs_write(h, t, "/lc/cnt", "1", 1));
	show_bool("txn2 write", xs_write(h2, t2, "/lc/cnt", "1", 1));
	show_read(h, t, "/lc/cnt");
	show_read(h, XBT_NULL, "/lc/cnt");
	show_bool("txn write new", xs_write(h, t, "/lc/txnnew", "t", 1));
	show_read(h, XBT_NULL, "/lc/txnnew");
	drain_events(h2);
	show_bool("transaction_end commit", xs_transaction_end(h, t, false));
	show_bool("transaction_end 2 commit", xs_transaction_end(h2, t2, false));
	show_read(h, XBT_NULL, "/lc/cnt");
	show_read(h, XBT_NULL, "/lc/txnnew");
	show_event(h2, 2000);
	drain_events(h2);
	t = xs_transaction_start(h);
	show_bool("txn write then abort", xs_write(h, t, "/lc/aborted", "x", 1));
	show_bool("transaction_end abort", xs_transaction_end(h, t, true));
	show_read(h, XBT_NULL, "/lc/aborted");
	t = xs_transaction_start(h);
	show_read(h, t, "/lc/cnt");
	show_bool("write outside", xs_write(h2, XBT_NULL, "/lc/cnt", "5", 1));
	show_read(h, t, "/lc/cnt");
	show_bool("read-only transaction_end", xs_transaction_end(h, t, false));
	show_bool("transaction_end bogus", xs_transaction_end(h, 4242, false));

	/* domains */
	show_bool("is_domain_introduced 9", xs_is_domain_introduced(h, 9));
	show_bool("release 9", xs_release_domain(h, 9));
	show_bool("resume 9", xs_resume_domain(h, 9));
	show_bool("set_target 9 10", xs_set_target(h, 9, 10));

	if (extended) {
		/* a directory too big for one reply: read in parts */
		for (i = 0; i < 1000; i++) {
			snprintf(path, sizeof(path), "/lcbig/child%04d", i);
			xs_write(h, XBT_NULL, path, "x", 1);
		}
		show_dir("/lcbig", true);
		s = xs_control_command(h, "print", "hello from xs-libclient",
				       sizeof("hello from xs-libclient"));
		printf("control print -> %s\n", s ? s : err());
		free(s);
		s = xs_control_command(h, "quota", NULL, 0);
		printf("control quota -> %s\n", s ? (strstr(s, "nodes") ? "lists nodes" : s) : err());
		free(s);
		s = xs_control_command(h, "nonsense", NULL, 0);
		printf("control nonsense -> %s\n", s ? s : err());
		free(s);
		show_bool("introduce 9 (no hypervisor)",
			  xs_introduce_domain(h, 9, 1234, 5));
	}
	show_bool("rm /lc", xs_rm(h, XBT_NULL, "/lc"));
	show_dir("/lc", false);
	xs_close(h2);
	xs_close(h);
	printf("done\n");
	return 0;
}
