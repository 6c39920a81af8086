/*
 * XS_CONTROL (xenstore-control): inspect and tune the running daemon.
 *   help                        list the commands
 *   print <text>                write text to the log
 *   log <level>                 set the log level (error warn info debug)
 *   quota                       show the limits
 *   quota <name> <value>        set a limit (the names `quota` shows)
 *   quota <domid>               what a domain uses
 *   memreport                   counts of nodes, watches, transactions...
 *   check                       check the store's consistency
 *   snapshot                    write the store to disk now (if persistent)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_persist.h"
#include "xs_quota.h"

static int out_printf(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += n;
	return 0;
}

static int finish(char *out, size_t cap, size_t len)
{
	if (len + 1 > cap)
		return -E2BIG;
	out[len] = 0;
	return (int)len + 1;
}

int xs_control(struct xs_core *c, struct xs_conn *conn, const char *payload,
	       uint32_t len, char *out, size_t cap)
{
	const char *argv[8];
	unsigned argc = xs_arg_count(payload, len), i;
	size_t olen = 0;

	if (argc == 0 || argc > 8)
		return -EINVAL;
	for (i = 0; i < argc; i++)
		argv[i] = xs_arg_nth(payload, i);
	/* The read-only socket may look but not change the daemon. */
	if (!conn->id.can_write &&
	    (!strcmp(argv[0], "log") || !strcmp(argv[0], "snapshot") ||
	     (!strcmp(argv[0], "quota") && argc == 3)))
		return -EACCES;

	if (!strcmp(argv[0], "help")) {
		static const char help[] =
			"Available commands:\n"
			"help\n"
			"print <text>\n"
			"log <error|warn|info|debug>\n"
			"quota [<name> <value>|<domid>]\n"
			"memreport\n"
			"check\n"
			"snapshot\n";
		if (out_printf(out, cap, &olen, "%s", help))
			return -E2BIG;
		return finish(out, cap, olen);
	}
	if (!strcmp(argv[0], "print")) {
		if (argc < 2)
			return -EINVAL;
		xs_log_msg(XS_LOG_INFO, "control: %s", argv[1]);
		return finish(out, cap, snprintf(out, cap, "OK"));
	}
	if (!strcmp(argv[0], "log")) {
		int level;
		if (argc != 2 || (level = xs_log_parse_level(argv[1])) < 0)
			return -EINVAL;
		xs_log_level = level;
		return finish(out, cap, snprintf(out, cap, "OK"));
	}
	if (!strcmp(argv[0], "quota")) {
		if (argc == 1) {
			if (xs_quota_format(&c->lim, out, cap, &olen))
				return -E2BIG;
			return finish(out, cap, olen);
		}
		if (argc == 2) {
			char *end;
			unsigned long domid = strtoul(argv[1], &end, 10);
			struct xs_conn *i;
			unsigned w = 0, t = 0;
			if (*end || !*argv[1] || domid > 0xffff)
				return -EINVAL;
			for (i = c->conns; i; i = i->next)
				if (i->id.domid == domid) {
					w += i->nwatches;
					t += i->ntxns;
				}
			if (out_printf(out, cap, &olen,
				       "Domain %lu:\nnodes: %u\nwatches: %u\n"
				       "transactions: %u\n", domid,
				       xs_store_owner_nodes(&c->store, domid), w, t))
				return -E2BIG;
			return finish(out, cap, olen);
		}
		if (argc == 3) {
			int err = xs_quota_set(&c->lim, argv[1], argv[2]);
			if (err)
				return -err;
			return finish(out, cap, snprintf(out, cap, "OK"));
		}
		return -EINVAL;
	}
	if (!strcmp(argv[0], "memreport")) {
		if (out_printf(out, cap, &olen,
			       "nodes: %llu\nnode-bytes: %zu\npermission-sets: %u\n"
			       "connections: %u\nwatches: %u\ntransactions: %u\n"
			       "history-versions: %llu\npending-versions: %llu\n"
			       "requests: %llu\nevents-queued: %llu\n"
			       "events-dropped: %llu\n",
			       (unsigned long long)c->store.nnodes,
			       xs_store_bytes(&c->store), xs_permset_count(),
			       c->nconns, c->nwatches, c->ntxns,
			       (unsigned long long)c->store.hist_versions,
			       (unsigned long long)c->store.pending_versions,
			       (unsigned long long)c->requests,
			       (unsigned long long)c->events_queued,
			       (unsigned long long)c->events_dropped))
			return -E2BIG;
		return finish(out, cap, olen);
	}
	if (!strcmp(argv[0], "check")) {
		char why[200];
		if (xs_store_check(&c->store, why, sizeof(why)))
			return finish(out, cap, snprintf(out, cap, "store: %s", why));
		return finish(out, cap, snprintf(out, cap, "OK"));
	}
	if (!strcmp(argv[0], "snapshot")) {
		int err;
		if (!c->persist)
			return -EINVAL;
		if ((err = xs_persist_snapshot(c)))
			return -err;
		return finish(out, cap, snprintf(out, cap, "OK"));
	}
	return -EINVAL;
}
