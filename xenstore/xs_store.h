/*
 * The node tree.
 *
 * Each node stores its own path component, a parent pointer and a sorted
 * array of children (so a directory lists in the byte order Xen's
 * oxenstored uses, and lookup is a binary search per component). The
 * committed state (value, permissions, existence) lives inline in the
 * node; nothing else is allocated for the common case.
 *
 * Transactions see a snapshot (multi-version concurrency control):
 *  1. Every committed change gets a fresh generation number g (store->gen).
 *  2. A transaction started at generation S sees, for each node, the newest
 *     committed version with gen <= S, or its own pending version.
 *  3. When a change would hide a version that an open transaction can still
 *     see, the old version is pushed onto the node's history first. With no
 *     transaction open no history is kept at all.
 *  4. Deleted nodes stay in the tree as tombstones while an open transaction
 *     might still see them; nodes created inside a transaction are in the
 *     tree but invisible to everyone else. Lookups filter by visibility.
 *  5. History and tombstones are garbage collected as transactions end.
 *  6. A transaction records what its answers depended on (existence, data,
 *     or the child set of a node); at commit, if any of these changed since
 *     S the commit fails with EAGAIN; otherwise all pending versions are
 *     installed at once under one new generation.
 * So no transaction ever copies the tree, and one that only touches a few
 * nodes costs a few small allocations.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_perms.h"

#define XS_VAL_INLINE 8

struct xs_node_ext;

struct xs_node {
	struct xs_node *parent;
	struct xs_node **kids;           /* sorted by name, any state */
	uint32_t nkids, kcap;
	uint64_t gen;                    /* last committed data/existence change */
	uint64_t cgen;                   /* last committed change of the kid set */
	const struct xs_permset *perms;  /* committed perms; NULL: does not exist */
	union {
		char *ptr;
		char inl[XS_VAL_INLINE];
	} v;
	uint32_t vlen;
	uint16_t namelen;
	uint8_t flags;
	uint8_t spare;
	struct xs_node_ext *ext;         /* history/pending; NULL normally */
	char name[];                     /* nul-terminated component */
};

static inline const char *xs_node_val(const struct xs_node *n)
{
	return n->vlen <= XS_VAL_INLINE ? n->v.inl : n->v.ptr;
}

/* What a view sees of a node. perms == NULL: the node does not exist. */
struct xs_state {
	const struct xs_permset *perms;
	const char *val;
	uint32_t vlen;
	uint64_t gen;
};

struct xs_txn;

/* Per-domain count of committed nodes owned (for the node quota). */
struct xs_owner_count {
	uint32_t domid;
	uint32_t count;
};

struct xs_store {
	struct xs_node *root;
	uint64_t gen;              /* generation of the last committed change */
	uint64_t nnodes;           /* committed existing nodes */
	/* open transactions */
	struct xs_txn *txns;
	unsigned ntxns;
	uint64_t max_snap;         /* newest snapshot an open transaction holds */
	/* garbage collection queue: nodes with history or tombstones */
	struct xs_node **gcq;
	size_t ngcq, gcq_cap;
	size_t gc_done;            /* gcq[0..gc_done) looked at with gc_ms */
	size_t gc_full;            /* queue length after the last full pass */
	size_t gc_stale;           /* queued entries changed since (txn ends) */
	uint64_t gc_ms;
	/* owner -> committed node count */
	struct xs_owner_count *owners;
	unsigned owners_cap, owners_used;
	/* statistics */
	uint64_t hist_versions, pending_versions;
	uint64_t gc_visits;        /* queue entries looked at, ever */
	/* called after every committed change of a node (persistence) */
	void (*hook)(void *arg, struct xs_node *n);
	void *hook_arg;
};

/* Creates "/" (perms n0, empty). Returns 0 or ENOMEM. */
int xs_store_init(struct xs_store *s);
void xs_store_destroy(struct xs_store *s);

/* Owner counts. */
uint32_t xs_store_owner_nodes(const struct xs_store *s, uint32_t domid);

/* Visible state of n in view t (NULL: the committed, live state). */
void xs_node_state(const struct xs_node *n, const struct xs_txn *t,
		   struct xs_state *st);
static inline bool xs_node_visible(const struct xs_node *n,
				   const struct xs_txn *t)
{
	struct xs_state st;

	xs_node_state(n, t, &st);
	return st.perms != NULL;
}

/* Child of parent named (name,len), in any state; NULL if absent. */
struct xs_node *xs_node_kid(const struct xs_node *parent, const char *name,
			    size_t len);
/* Same, inserting a never-existing node if absent. NULL: ENOMEM/E2BIG. */
struct xs_node *xs_node_kid_insert(struct xs_store *s, struct xs_node *parent,
				   const char *name, size_t len);

/*
 * Walks an absolute canonical path ("/" or "/a/b") in view t. Returns the
 * node if visible; otherwise NULL with *deepest set to the deepest visible
 * ancestor and *rest to the first missing component in path.
 */
struct xs_node *xs_store_walk(struct xs_store *s, const struct xs_txn *t,
			      const char *path, struct xs_node **deepest,
			      const char **rest);

/*
 * Changes a node in view t. perms == NULL deletes the node itself (not its
 * kids: callers delete bottom-up or use xs_store_delete_tree). In a
 * transaction the change is pending; otherwise it is committed at once.
 * set_val/set_perms say which fields the change really sets (the others
 * are carried from the current view), which matters at commit.
 * Returns 0 or ENOMEM.
 */
int xs_store_set(struct xs_store *s, struct xs_txn *t, struct xs_node *n,
		 const struct xs_permset *perms, bool set_perms,
		 const char *val, uint32_t vlen, bool set_val);

/* Deletes n and every visible descendant in view t (post-order). The
 * callback, if any, sees each node before it goes. */
int xs_store_delete_tree(struct xs_store *s, struct xs_txn *t,
			 struct xs_node *n,
			 void (*each)(void *arg, struct xs_node *n,
				      const struct xs_state *st),
			 void *arg);

/* Writes the absolute path of n into buf; returns its length or -1. */
int xs_node_path(const struct xs_node *n, char *buf, size_t cap);

/* Frees history and tombstones no open transaction can see any more. */
void xs_store_gc(struct xs_store *s);

/* Store-wide consistency check (tests, `control check`): 0 if sound. */
int xs_store_check(const struct xs_store *s, char *why, size_t cap);

/* Approximate heap bytes used by nodes (for memreport). */
size_t xs_store_bytes(const struct xs_store *s);

#endif
