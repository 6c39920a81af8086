/*
 * pvstored's core: connections, the request handlers, watches, domains.
 * Transport-neutral: a transport (Unix socket, shared ring) puts the bytes
 * a client sent into conn->in and calls xs_conn_process(); it sends what
 * xs_conn_output() holds. Everything runs on one thread.
 *
 * Map of the files:
 *   xs_conn.c     connection lifecycle, framing, throttling, replies
 *   xs_ops.c      one handler per message type
 *   xs_ops_txn.c  transaction start/end at the protocol level
 *   xs_watch.c    watch index (a trie of path components) and firing
 *   xs_domain.c   introduce/release/set_target, special watches
 *   xs_control.c  XS_CONTROL commands
 */
#ifndef XS_CORE_H
#define XS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_access.h"
#include "xs_outq.h"
#include "xs_path.h"
#include "xs_store.h"
#include "xs_txn.h"
#include "xs_wire.h"

struct xs_core;
struct xs_conn;
struct xs_domain;

/* ---- watches ------------------------------------------------------------ */

struct xs_wnode {                 /* one path component of watched paths */
	struct xs_wnode *parent;
	struct xs_wnode **kids;       /* sorted by name */
	uint32_t nkids, kcap;
	struct xs_watch *watches;     /* newest first */
	uint16_t namelen;
	char name[];
};

struct xs_watch {
	struct xs_watch *wn_next;     /* same trie node / special list */
	struct xs_watch *conn_next;   /* same connection, in order of creation */
	struct xs_conn *conn;
	struct xs_wnode *wn;          /* NULL: special watch ("@...") */
	uint32_t rel_len;             /* prefix stripped from event paths */
	const char *path;             /* canonical: "/..." or "@..." */
	const char *token;
	char data[];                  /* path\0token\0 */
};

/* An event decided during a request, queued after its reply. */
struct xs_fire {
	struct xs_watch *w;
	uint32_t off, len;            /* path in the fire arena */
};

/* ---- transactions at the protocol level -------------------------------- */

#define XS_OP_WRITE    1
#define XS_OP_MKDIR    2
#define XS_OP_RM       3
#define XS_OP_SETPERMS 4

struct xs_ctxn {
	struct xs_ctxn *next;
	uint32_t id;
	struct xs_txn st;             /* snapshot, pending versions, deps */
	/* changed paths, to fire watches at commit: op byte + path + nul */
	char *ops;
	size_t ops_len, ops_cap;
};

/* ---- connections ---------------------------------------------------------- */

struct xs_conn_ops {
	/* Output was queued: send what can be sent now or arrange to. */
	void (*kick)(struct xs_conn *c);
	/* The core is done with the connection (protocol error, release). */
	void (*shutdown)(struct xs_conn *c);
};

/* room for a whole message plus the start of the next */
#define XS_IN_CAP (2 * (16 + 4096))

struct xs_conn {
	struct xs_conn *next, *prev;
	struct xs_core *core;
	struct xs_caller id;
	struct xs_domain *dom;        /* ring connections */
	const struct xs_conn_ops *ops;
	void *priv;                   /* transport's */
	/* input: bytes received and not yet processed */
	char *in;
	size_t in_start, in_end;
	struct xs_outq out;
	struct xs_ctxn *txns;
	unsigned ntxns;
	uint32_t next_txid;
	struct xs_watch *watches, *watches_tail;
	unsigned nwatches;
	uint64_t requests, events_dropped;
	bool dead;                    /* protocol error: no more processing */
	char label[24];               /* for logs: "sock3", "dom5" */
};

/* ---- domains ---------------------------------------------------------------- */

struct xs_domain {
	struct xs_domain *next;
	uint32_t domid;
	uint64_t mfn;
	uint32_t port;                /* the guest's (remote) event channel */
	uint32_t target;              /* set_target, XS_NO_TARGET if none */
	struct xs_conn *conn;         /* its ring connection, if connected */
	void *plat;                   /* platform's state (mapping, port) */
	bool introduced;
	bool shutdown;                /* @releaseDomain fired for its shutdown */
};

/* Maps guests' rings and event channels (Linux /dev/xen, or a simulator). */
struct xs_platform {
	/* Connect d's ring: create d->conn (xs_conn_new) or return errno. */
	int (*connect)(void *ctx, struct xs_core *c, struct xs_domain *d);
	/* Tear down what connect made; d->conn is already gone. */
	void (*disconnect)(void *ctx, struct xs_core *c, struct xs_domain *d);
	/* Re-bind the event channel to d->port after a new XS_INTRODUCE. */
	int (*rebind)(void *ctx, struct xs_core *c, struct xs_domain *d);
};

/* ---- the daemon ------------------------------------------------------------- */

struct xs_persist;

struct xs_core {
	struct xs_store store;
	struct xs_limits lim;
	uint32_t priv_domid;          /* privileged besides dom0 */
	/* versions kept for open snapshots before the oldest transaction is
	 * made to fail (EAGAIN, which clients retry) */
	uint64_t history_max;
	struct xs_conn *conns;
	struct xs_wnode *wroot;       /* watch trie ("/") */
	struct xs_watch *special;     /* "@..." watches */
	struct xs_domain *domains;
	const struct xs_platform *plat;
	void *plat_ctx;
	struct xs_persist *persist;   /* NULL: nothing is saved */
	/* per request */
	char req[XENSTORE_PAYLOAD_MAX + 1];
	char path[XS_PATH_CAP];
	struct xs_fire *fires;
	size_t nfires, fires_cap;
	char *arena;
	size_t arena_len, arena_cap;
	uint64_t out_bytes;           /* output queued on all connections */
	/* statistics */
	uint64_t requests, events_queued, events_dropped;
	unsigned nconns, nwatches, ntxns;
};

int xs_core_init(struct xs_core *c, const struct xs_limits *lim);
void xs_core_destroy(struct xs_core *c);
/* Creates the initial nodes: /local, /tool/xenstored and the special
 * nodes @introduceDomain and @releaseDomain (all "n0"). */
int xs_core_populate(struct xs_core *c, const char *daemon_path);

/* Connections (xs_conn.c). */
struct xs_conn *xs_conn_new(struct xs_core *c, uint32_t domid, bool can_write,
			    const struct xs_conn_ops *ops, void *priv,
			    const char *label);
void xs_conn_free(struct xs_conn *conn);
/* Space where a transport may put received bytes; NULL when the connection
 * should not read now (throttled, or its buffer is full). */
char *xs_conn_in_space(struct xs_conn *conn, size_t *room);
/* n bytes were put there: process what is complete. */
void xs_conn_received(struct xs_conn *conn, size_t n);
/* Processes buffered input (after output drained). */
void xs_conn_process(struct xs_conn *conn);
/* The connection may not take more input until its output drains. */
bool xs_conn_throttled(const struct xs_conn *conn);
/* Output was sent: n bytes. */
void xs_conn_sent(struct xs_conn *conn, size_t n);
/* Forgets buffered input and unsent output (ring reconnection). */
void xs_conn_discard_io(struct xs_conn *conn);
/* Drops all watches and transactions (XS_RESET_WATCHES, ring reset). */
void xs_conn_reset(struct xs_conn *conn);
bool xs_caller_privileged(const struct xs_core *c, uint32_t domid);
/* Bound by the guests' limits (queues, watches, transactions): guests,
 * and the read-only socket, which anyone in its group may open. */
static inline bool xs_conn_limited(const struct xs_conn *conn)
{
	return !conn->id.privileged || !conn->id.can_write;
}

/* Replies (xs_conn.c); used by the handlers. */
void xs_reply(struct xs_conn *conn, const struct xsd_sockmsg *req,
	      uint32_t type, const void *data, uint32_t len);
void xs_reply_error(struct xs_conn *conn, const struct xsd_sockmsg *req,
		    int err);
void xs_reply_ok(struct xs_conn *conn, const struct xsd_sockmsg *req);
/* Queues a watch event (subject to the connection's event limit). */
void xs_send_event(struct xs_conn *conn, const char *path, uint32_t plen,
		   const char *token);

/* Handlers (xs_ops.c). The payload is c->req (nul-guarded). */
void xs_ops_dispatch(struct xs_conn *conn, const struct xsd_sockmsg *hdr);
struct xs_ctxn *xs_ctxn_find(struct xs_conn *conn, uint32_t id);
void xs_ctxn_free(struct xs_core *c, struct xs_conn *conn, struct xs_ctxn *t);
void xs_op_txn_start(struct xs_conn *conn, const struct xsd_sockmsg *hdr,
		     struct xs_ctxn *t);
void xs_op_txn_end(struct xs_conn *conn, const struct xsd_sockmsg *hdr,
		   struct xs_ctxn *t);
int xs_ctxn_log(struct xs_ctxn *t, int op, const char *path);

/* Watches (xs_watch.c). */
int xs_watch_add(struct xs_core *c, struct xs_conn *conn, const char *path,
		 uint32_t rel_len, const char *token, struct xs_watch **out);
int xs_watch_remove(struct xs_core *c, struct xs_conn *conn, const char *path,
		    const char *token);
void xs_watch_remove_all(struct xs_core *c, struct xs_conn *conn);
/* Decides the events for a change of `path` seen in `view` (NULL: live).
 * recurse: the subtree was removed, fire watches on its nodes too.
 * old: previous permissions of path (set_perms), or NULL. */
void xs_watch_fire(struct xs_core *c, const char *path,
		   const struct xs_txn *view, bool recurse,
		   const struct xs_permset *old);
void xs_watch_fire_special(struct xs_core *c, const char *name);
/* Sends the events decided so far (after the reply). */
void xs_watch_flush(struct xs_core *c);

/* Domains (xs_domain.c). */
struct xs_domain *xs_domain_find(struct xs_core *c, uint32_t domid);
int xs_domain_introduce(struct xs_core *c, struct xs_conn *by, uint32_t domid,
			uint64_t mfn, uint32_t port);
int xs_domain_release(struct xs_core *c, uint32_t domid);
int xs_domain_set_target(struct xs_core *c, uint32_t domid, uint32_t target);
/* A connection of domid gets the identity it should have. */
void xs_domain_apply_identity(struct xs_core *c, struct xs_conn *conn);

/* XS_CONTROL (xs_control.c): fills out (cap bytes) with the reply text,
 * returns its length including the nul, or -errno. */
int xs_control(struct xs_core *c, struct xs_conn *conn, const char *payload,
	       uint32_t len, char *out, size_t cap);

#endif
