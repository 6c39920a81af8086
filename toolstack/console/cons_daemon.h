/*
 * pvconsoled's core: one console per domU, found through xenstore
 * (@introduceDomain, @releaseDomain, /local/domain/N/console) and the
 * domain list, its ring served into a log file and a pty.
 */
#ifndef CONS_DAEMON_H
#define CONS_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "cons_plat.h"

struct cons_opts {
	const char *log_dir;        /* NAME.log files */
	uint64_t log_max_size;      /* rotate past this (0: never) */
	size_t backlog_max;         /* bytes kept for the pty at most */
	unsigned int rate_allowance;
	unsigned int rate_period_ms;
};

/* Serves consoles until SIGTERM/SIGINT; ready_fd (>= 0) gets one byte
 * and is closed once the watches are set. Returns an exit status. */
int cons_daemon_run(const struct cons_opts *o, struct cons_plat *plat, int ready_fd);

#endif
