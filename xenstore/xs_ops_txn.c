/*
 * Transactions at the protocol level: ids per connection, the quota on
 * open transactions, and commit: validate against the snapshot, check the
 * node quota again, decide the watch events (in the transaction's view,
 * and for removals in its snapshot) and install everything at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

struct xs_ctxn *xs_ctxn_find(struct xs_conn *conn, uint32_t id)
{
	struct xs_ctxn *t;

	for (t = conn->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void ctxn_unlink(struct xs_core *c, struct xs_conn *conn,
			struct xs_ctxn *t)
{
	struct xs_ctxn **pp;

	for (pp = &conn->txns; *pp != t; pp = &(*pp)->next)
		;
	*pp = t->next;
	conn->ntxns--;
	c->ntxns--;
	free(t->ops);
	free(t);
}

void xs_ctxn_free(struct xs_core *c, struct xs_conn *conn, struct xs_ctxn *t)
{
	xs_txn_abort(&c->store, &t->st);
	ctxn_unlink(c, conn, t);
}

int xs_ctxn_log(struct xs_ctxn *t, int op, const char *path)
{
	size_t len = strlen(path) + 2;

	if (t->ops_len + len > t->ops_cap) {
		size_t cap = t->ops_cap ? t->ops_cap * 2 : 256;
		char *o;
		while (t->ops_len + len > cap)
			cap *= 2;
		o = realloc(t->ops, cap);
		if (!o)
			return ENOMEM;
		t->ops = o;
		t->ops_cap = cap;
	}
	t->ops[t->ops_len] = (char)op;
	memcpy(t->ops + t->ops_len + 1, path, len - 1);
	t->ops_len += len;
	return 0;
}

void xs_op_txn_start(struct xs_conn *conn, const struct xsd_sockmsg *hdr,
		     struct xs_ctxn *cur)
{
	struct xs_core *c = conn->core;
	struct xs_ctxn *t;
	char out[16];
	int len;

	if (cur) {
		xs_reply_error(conn, hdr, EBUSY);
		return;
	}
	if (xs_conn_limited(conn) && conn->ntxns >= c->lim.transactions) {
		xs_reply_error(conn, hdr, ENOSPC);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		xs_reply_error(conn, hdr, ENOMEM);
		return;
	}
	/* Ids are per connection, never 0, never one still open. */
	do {
		t->id = conn->next_txid++;
	} while (!t->id || xs_ctxn_find(conn, t->id));
	xs_txn_begin(&c->store, &t->st);
	t->next = conn->txns;
	conn->txns = t;
	conn->ntxns++;
	c->ntxns++;
	len = snprintf(out, sizeof(out), "%u", t->id);
	xs_reply(conn, hdr, XS_TRANSACTION_START, out, len + 1);
}

static int quota_ok(struct xs_core *c, struct xs_conn *conn, struct xs_ctxn *t)
{
	int64_t owned;

	if (conn->id.privileged)
		return 1;
	owned = (int64_t)xs_store_owner_nodes(&c->store, conn->id.domid) +
		xs_txn_owner_delta(&t->st, conn->id.domid);
	return owned <= (int64_t)c->lim.nodes;
}

static void fire_logged(struct xs_core *c, struct xs_ctxn *t)
{
	struct xs_txn snap = { .snap = t->st.snap };   /* no pending versions */
	size_t off = 0;

	while (off < t->ops_len) {
		int op = t->ops[off];
		const char *path = t->ops + off + 1;

		if (op == XS_OP_RM) {
			xs_watch_fire(c, path, &snap, true, NULL);
		} else if (op == XS_OP_SETPERMS) {
			struct xs_node *n = xs_store_walk(&c->store, &snap, path,
							  NULL, NULL);
			struct xs_state st = { 0 };
			if (n)
				xs_node_state(n, &snap, &st);
			xs_watch_fire(c, path, &t->st, false, st.perms);
		} else {
			xs_watch_fire(c, path, &t->st, false, NULL);
		}
		off += strlen(path) + 2;
	}
}

void xs_op_txn_end(struct xs_conn *conn, const struct xsd_sockmsg *hdr,
		   struct xs_ctxn *t)
{
	struct xs_core *c = conn->core;
	const char *arg = c->req;
	int err;

	if (!t) {
		xs_reply_error(conn, hdr, EIO);
		return;
	}
	/* oxenstored looks at the first string only */
	if (!hdr->len || (strcmp(arg, "T") && strcmp(arg, "F"))) {
		xs_reply_error(conn, hdr, EINVAL);
		return;
	}
	if (arg[0] == 'F') {
		xs_ctxn_free(c, conn, t);
		xs_reply_ok(conn, hdr);
		return;
	}
	/* A transaction that changed nothing saw one consistent snapshot:
	 * it succeeds whatever happened since (as in oxenstored). */
	err = t->st.npend || t->st.failed ? xs_txn_validate(&c->store, &t->st) : 0;
	if (!err && !quota_ok(c, conn, t))
		err = ENOSPC;
	if (err) {
		xs_debug("%s: transaction %u fails: %s", conn->label, t->id,
			 xs_err_string(err));
		xs_ctxn_free(c, conn, t);
		xs_reply_error(conn, hdr, err);
		return;
	}
	fire_logged(c, t);
	xs_txn_commit(&c->store, &t->st);
	ctxn_unlink(c, conn, t);
	xs_reply_ok(conn, hdr);
}
