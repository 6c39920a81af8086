/*
 * Store-level transactions: a snapshot, the pending versions written in
 * it, and the dependencies its answers had (see the rules in xs_store.h).
 */
#ifndef XS_TXN_H
#define XS_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "xs_store.h"

/* What an answer depended on. */
#define XS_DEP_EXIST 0x1   /* whether the node exists */
#define XS_DEP_DATA  0x2   /* its value and permissions (and existence) */
#define XS_DEP_KIDS  0x4   /* its set of children (and existence) */

/* A committed version kept for open snapshots. */
struct xs_ver {
	struct xs_ver *older;
	uint64_t gen;
	const struct xs_permset *perms;   /* NULL: did not exist */
	char *val;
	uint32_t vlen;
};

#define XS_PEND_SETVAL   0x1
#define XS_PEND_SETPERMS 0x2

/* A transaction's private version of a node. */
struct xs_pend {
	struct xs_pend *node_next;        /* other transactions' versions */
	struct xs_pend *txn_next;         /* this transaction's, in order */
	struct xs_txn *txn;
	struct xs_node *node;
	const struct xs_permset *perms;   /* NULL: deleted in the transaction */
	char *val;
	uint32_t vlen;
	uint8_t flags;
};

struct xs_node_ext {
	struct xs_ver *hist;              /* newest first */
	struct xs_pend *pend;
};

struct xs_dep {
	struct xs_node *node;
	uint32_t mask;
};

struct xs_owner_delta {
	uint32_t domid;
	int32_t delta;
};

struct xs_txn {
	struct xs_txn *next, *prev;       /* store's open list */
	uint64_t snap;
	struct xs_pend *pend_head, *pend_tail;
	uint32_t npend;
	struct xs_dep *deps;
	uint32_t ndeps, depcap;
	uint32_t *dep_hash;               /* index+1 into deps, open addressing */
	uint32_t dep_hcap;
	struct xs_owner_delta *owners;    /* net node count change per owner */
	uint32_t nowners, owners_cap;
	bool failed;                      /* aborted by the daemon: EAGAIN */
	bool closed;                      /* no longer holds a snapshot */
	bool oom;                         /* a dependency could not be kept */
};

/* Opens t (zeroed by the caller) on the store's current generation. */
void xs_txn_begin(struct xs_store *s, struct xs_txn *t);
/* Records that an answer depended on n (only nodes of the snapshot). */
void xs_txn_dep(struct xs_txn *t, struct xs_node *n, uint32_t mask);
/* 0 if the transaction can commit, EAGAIN otherwise. */
int xs_txn_validate(struct xs_store *s, struct xs_txn *t);
/* Installs all pending versions at one new generation and closes t.
 * Call only after xs_txn_validate() returned 0. */
void xs_txn_commit(struct xs_store *s, struct xs_txn *t);
/* Drops everything and closes t. */
void xs_txn_abort(struct xs_store *s, struct xs_txn *t);
/* Ends t's snapshot early (it will only fail with EAGAIN): used when
 * the history kept for old snapshots grows too large. */
void xs_txn_fail(struct xs_store *s, struct xs_txn *t);
/* Fails the oldest open transactions while history exceeds max_versions. */
void xs_txn_limit_history(struct xs_store *s, uint64_t max_versions);
/* Net node count change for domid in t. */
int32_t xs_txn_owner_delta(const struct xs_txn *t, uint32_t domid);

/* Internal to the store and transactions. */
struct xs_pend *xs_txn_pend_find(const struct xs_node *n,
				 const struct xs_txn *t);
struct xs_pend *xs_txn_pend_get(struct xs_store *s, struct xs_txn *t,
				struct xs_node *n);
int xs_txn_owner_add(struct xs_txn *t, uint32_t domid, int32_t delta);
int xs_store_commit_node(struct xs_store *s, struct xs_node *n,
			 const struct xs_permset *perms, const char *val,
			 uint32_t vlen, uint64_t g);

#endif
