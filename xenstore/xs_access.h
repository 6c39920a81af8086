/*
 * Store operations with xenstore's semantics: permission checks, implicit
 * creation of missing parents (which inherit the nearest existing
 * ancestor's permissions; an unprivileged creator owns what it creates),
 * limits, and the errno rules of Xen's C xenstored (a caller that may not
 * see a node's parent learns EACCES, not whether the node exists).
 * Paths given here are canonical (xs_path_canon).
 */
#ifndef XS_ACCESS_H
#define XS_ACCESS_H

#include "xs_perms.h"
#include "xs_store.h"
#include "xs_txn.h"

struct xs_limits {
	unsigned nodes;         /* nodes a domain may own */
	unsigned value_max;     /* bytes in a value */
	unsigned path_max;      /* path length (see xs_path.h) */
	unsigned watches;       /* watches per connection */
	unsigned transactions;  /* open transactions per connection */
	unsigned outstanding;   /* unanswered requests per connection */
	unsigned perms_max;     /* permission entries per node */
	unsigned watch_events;  /* queued watch events per connection */
	unsigned txn_nodes;     /* nodes a transaction may touch */
};

/* Xen's defaults (Debian's oxenstored.conf, C xenstored where it has none). */
#define XS_LIMITS_DEFAULT { .nodes = 1000, .value_max = 2048, \
	.path_max = 1024, .watches = 100, .transactions = 10, \
	.outstanding = 1024, .perms_max = 5, .watch_events = 1024, \
	.txn_nodes = 1024 }

struct xs_access {
	struct xs_store *s;
	struct xs_txn *t;              /* NULL outside transactions */
	const struct xs_caller *c;
	const struct xs_limits *lim;   /* quotas apply to unprivileged callers */
};

int xs_access_read(struct xs_access *a, const char *path, struct xs_state *st);
int xs_access_get_perms(struct xs_access *a, const char *path,
			struct xs_state *st);
/* On success *node is the directory; list kids visible in a->t. */
int xs_access_directory(struct xs_access *a, const char *path,
			struct xs_node **node, struct xs_state *st);
/* mkdir: no value, and an existing node is left alone (*changed false). */
int xs_access_write(struct xs_access *a, const char *path, const char *val,
		    uint32_t vlen, bool mkdir, bool *changed);
/* Removes path and everything below. *changed is false when it did not
 * exist (but its parent does, which is not an error). */
int xs_access_rm(struct xs_access *a, const char *path, bool *changed);
/* *old gets the previous permissions (a new reference) for watch checks. */
int xs_access_set_perms(struct xs_access *a, const char *path,
			const struct xs_perm *e, unsigned n,
			const struct xs_permset **old);

#endif
