/*
 * Restart without losing the store: a snapshot file plus a write-ahead log
 * next to it. Every committed change (node written or deleted, domain
 * introduced or released, watch of a domain connection added or removed)
 * becomes a record; the records of one turn of the event loop go to the
 * log in one checksummed frame, before any reply of that turn is sent.
 * The log is a preallocated file mapped shared, so appending a frame is
 * a copy, not a system call, and survives the process being killed (it
 * is the file's page cache). On start the snapshot and then the log are
 * replayed, frame by frame, stopping at the log's torn tail (a frame
 * whose writing was cut short); a record inside an intact frame that
 * cannot be replayed fails the start. Then a new snapshot is written and
 * the log restarts empty. The log is folded into a new snapshot when it
 * is full or outgrows the snapshot, or when one turn has more records
 * than it holds. Transports flush the log before anything is sent.
 */
#ifndef XS_PERSIST_H
#define XS_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

struct xs_core;
struct xs_conn;
struct xs_domain;
struct xs_watch;
struct xs_node;

/* Opens (creating the directory's files as needed) the store at path;
 * path.wal is the log. NULL with *err set on failure. */
struct xs_persist *xs_persist_open(const char *path, int *err);
void xs_persist_close(struct xs_persist *p);
/* Replays into c (before any client connects). *restored tells whether
 * there was anything. Then attaches p to c: from now on changes are
 * recorded. Returns 0, EBADMSG (a record that cannot be replayed, or a
 * damaged snapshot: logged) or errno. */
int xs_persist_load(struct xs_core *c, struct xs_persist *p, bool *restored);
/* Writes the records of this turn. 0 or errno. */
int xs_persist_flush(struct xs_core *c);
/* Writes a snapshot now and empties the log. */
int xs_persist_snapshot(struct xs_core *c);

/* Recording hooks (no-ops when c->persist is NULL). */
void xs_persist_node(void *core, struct xs_node *n);
void xs_persist_domain(struct xs_core *c, struct xs_domain *d);
void xs_persist_release(struct xs_core *c, uint32_t domid);
void xs_persist_watch(struct xs_core *c, struct xs_watch *w, bool add);
/* path NULL: all of the connection's watches went. */
void xs_persist_unwatch(struct xs_core *c, struct xs_conn *conn,
			const char *path, const char *token);

#endif
