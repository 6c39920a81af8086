/* Transactions: snapshots, pending versions, dependencies and commit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_txn.h"

static void txn_link(struct xs_store *s, struct xs_txn *t)
{
	t->prev = NULL;
	t->next = s->txns;
	if (s->txns)
		s->txns->prev = t;
	s->txns = t;
	s->ntxns++;
	if (t->snap > s->max_snap)
		s->max_snap = t->snap;
}

static void txn_unlink(struct xs_store *s, struct xs_txn *t)
{
	struct xs_txn *i;

	if (t->prev)
		t->prev->next = t->next;
	else
		s->txns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	s->ntxns--;
	s->max_snap = 0;
	for (i = s->txns; i; i = i->next)
		if (i->snap > s->max_snap)
			s->max_snap = i->snap;
}

void xs_txn_begin(struct xs_store *s, struct xs_txn *t)
{
	memset(t, 0, sizeof(*t));
	t->snap = s->gen;
	txn_link(s, t);
}

/* Committed state of n as of generation snap. */
static const struct xs_permset *committed_at(const struct xs_node *n,
					     uint64_t snap, const char **val,
					     uint32_t *vlen)
{
	const struct xs_ver *v;

	if (n->gen <= snap) {
		if (val) {
			*val = xs_node_val(n);
			*vlen = n->vlen;
		}
		return n->perms;
	}
	for (v = n->ext ? n->ext->hist : NULL; v; v = v->older)
		if (v->gen <= snap)
			break;
	if (!v) {
		if (val) {
			*val = "";
			*vlen = 0;
		}
		return NULL;
	}
	if (val) {
		*val = v->val ? v->val : "";
		*vlen = v->vlen;
	}
	return v->perms;
}

static uint32_t ptr_hash(const void *p)
{
	uintptr_t x = (uintptr_t)p;

	x ^= x >> 17;
	x *= 0xed5ad4bbu;
	x ^= x >> 11;
	return (uint32_t)x;
}

static int dep_rehash(struct xs_txn *t, uint32_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h)), i;

	if (!h)
		return -1;
	for (i = 0; i < t->ndeps; i++) {
		uint32_t j = ptr_hash(t->deps[i].node) & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = i + 1;
	}
	free(t->dep_hash);
	t->dep_hash = h;
	t->dep_hcap = cap;
	return 0;
}

void xs_txn_dep(struct xs_txn *t, struct xs_node *n, uint32_t mask)
{
	uint32_t j;

	/* Only nodes of the snapshot matter: what the transaction created
	 * itself hangs off a parent whose kid set is already a dependency. */
	if (!committed_at(n, t->snap, NULL, NULL))
		return;
	if ((t->ndeps + 1) * 2 > t->dep_hcap &&
	    dep_rehash(t, t->dep_hcap ? t->dep_hcap * 2 : 16)) {
		t->oom = true;
		return;
	}
	for (j = ptr_hash(n) & (t->dep_hcap - 1); t->dep_hash[j];
	     j = (j + 1) & (t->dep_hcap - 1)) {
		struct xs_dep *d = &t->deps[t->dep_hash[j] - 1];
		if (d->node == n) {
			d->mask |= mask;
			return;
		}
	}
	if (t->ndeps == t->depcap) {
		uint32_t cap = t->depcap ? t->depcap * 2 : 8;
		struct xs_dep *d = realloc(t->deps, cap * sizeof(*d));
		if (!d) {
			t->oom = true;
			return;
		}
		t->deps = d;
		t->depcap = cap;
	}
	t->deps[t->ndeps].node = n;
	t->deps[t->ndeps].mask = mask;
	t->ndeps++;
	t->dep_hash[j] = t->ndeps;
}

struct xs_pend *xs_txn_pend_find(const struct xs_node *n,
				 const struct xs_txn *t)
{
	struct xs_pend *p;

	if (!n->ext)
		return NULL;
	for (p = n->ext->pend; p; p = p->node_next)
		if (p->txn == t)
			return p;
	return NULL;
}

struct xs_pend *xs_txn_pend_get(struct xs_store *s, struct xs_txn *t,
				struct xs_node *n)
{
	struct xs_pend *p = xs_txn_pend_find(n, t);
	const char *val = "";
	uint32_t vlen = 0;

	if (p)
		return p;
	if (!n->ext && !(n->ext = calloc(1, sizeof(*n->ext))))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->txn = t;
	p->node = n;
	p->perms = xs_permset_ref(committed_at(n, t->snap, &val, &vlen));
	if (p->perms && vlen) {
		p->val = malloc(vlen);
		if (!p->val) {
			xs_permset_put(p->perms);
			free(p);
			return NULL;
		}
		memcpy(p->val, val, vlen);
		p->vlen = vlen;
	}
	p->node_next = n->ext->pend;
	n->ext->pend = p;
	if (t->pend_tail)
		t->pend_tail->txn_next = p;
	else
		t->pend_head = p;
	t->pend_tail = p;
	t->npend++;
	s->pending_versions++;
	return p;
}

int xs_txn_owner_add(struct xs_txn *t, uint32_t domid, int32_t delta)
{
	uint32_t i;

	for (i = 0; i < t->nowners; i++)
		if (t->owners[i].domid == domid) {
			t->owners[i].delta += delta;
			return 0;
		}
	if (t->nowners == t->owners_cap) {
		uint32_t cap = t->owners_cap ? t->owners_cap * 2 : 4;
		struct xs_owner_delta *o = realloc(t->owners, cap * sizeof(*o));
		if (!o)
			return -1;
		t->owners = o;
		t->owners_cap = cap;
	}
	t->owners[t->nowners].domid = domid;
	t->owners[t->nowners].delta = delta;
	t->nowners++;
	return 0;
}

int32_t xs_txn_owner_delta(const struct xs_txn *t, uint32_t domid)
{
	uint32_t i;

	for (i = 0; i < t->nowners; i++)
		if (t->owners[i].domid == domid)
			return t->owners[i].delta;
	return 0;
}

static bool dep_changed(const struct xs_txn *t, const struct xs_dep *d)
{
	const struct xs_node *n = d->node;
	const struct xs_permset *was;
	const char *wval = "";
	uint32_t wlen = 0, i;

	if (n->gen <= t->snap && (!(d->mask & XS_DEP_KIDS) || n->cgen <= t->snap))
		return false;
	was = committed_at(n, t->snap, &wval, &wlen);
	if (!was != !n->perms)
		return true;
	if ((d->mask & XS_DEP_DATA) && n->gen > t->snap &&
	    (was != n->perms || wlen != n->vlen ||
	     memcmp(wval, xs_node_val(n), wlen)))
		return true;
	if ((d->mask & XS_DEP_KIDS) && n->cgen > t->snap) {
		for (i = 0; i < n->nkids; i++) {
			const struct xs_node *k = n->kids[i];
			if (!committed_at(k, t->snap, NULL, NULL) != !k->perms)
				return true;
		}
	}
	return false;
}

int xs_txn_validate(struct xs_store *s, struct xs_txn *t)
{
	uint32_t i;

	(void)s;
	if (t->failed || t->oom)
		return EAGAIN;
	for (i = 0; i < t->ndeps; i++)
		if (dep_changed(t, &t->deps[i]))
			return EAGAIN;
	return 0;
}

/* Frees t's pending versions and queues their nodes for collection. */
static void txn_release(struct xs_store *s, struct xs_txn *t)
{
	struct xs_pend *p = t->pend_head;

	while (p) {
		struct xs_pend *next = p->txn_next, **pp;
		struct xs_node *n = p->node;

		for (pp = &n->ext->pend; *pp != p; pp = &(*pp)->node_next)
			;
		*pp = p->node_next;
		xs_permset_put(p->perms);
		free(p->val);
		free(p);
		s->pending_versions--;
		/* Queue through the GC so nodes only this transaction created
		 * (and tombstones it kept) are freed in a safe order. */
		if (!(n->flags & 0x1)) {
			if (s->ngcq == s->gcq_cap) {
				size_t cap = s->gcq_cap ? s->gcq_cap * 2 : 64;
				struct xs_node **q = realloc(s->gcq, cap * sizeof(*q));
				if (q) {
					s->gcq = q;
					s->gcq_cap = cap;
				}
			}
			if (s->ngcq < s->gcq_cap) {
				s->gcq[s->ngcq++] = n;
				n->flags |= 0x1;
			}
		} else {
			s->gc_stale++;   /* queued already: a full pass sees it */
		}
		p = next;
	}
	t->pend_head = t->pend_tail = NULL;
	t->npend = 0;
	free(t->deps);
	free(t->dep_hash);
	free(t->owners);
	t->deps = NULL;
	t->dep_hash = NULL;
	t->owners = NULL;
	t->ndeps = t->depcap = t->dep_hcap = 0;
	t->nowners = t->owners_cap = 0;
}

void xs_txn_commit(struct xs_store *s, struct xs_txn *t)
{
	struct xs_pend *p;
	uint64_t g;

	t->closed = true;
	txn_unlink(s, t);
	g = ++s->gen;
	for (p = t->pend_head; p; p = p->txn_next) {
		struct xs_node *n = p->node;
		bool exists = n->perms != NULL;
		const struct xs_permset *perms;
		char *keep = NULL;
		const char *val;
		uint32_t vlen;

		if (!p->perms) {
			if (exists)
				xs_store_commit_node(s, n, NULL, NULL, 0, g);
			continue;
		}
		perms = (p->flags & XS_PEND_SETPERMS) || !exists ? p->perms
								  : n->perms;
		if ((p->flags & XS_PEND_SETVAL) || !exists) {
			val = p->val ? p->val : "";
			vlen = p->vlen;
		} else {
			/* The committed value stays; copy it since the node
			 * hands its buffer to history or frees it. */
			vlen = n->vlen;
			keep = malloc(vlen ? vlen : 1);
			if (keep)
				memcpy(keep, xs_node_val(n), vlen);
			else
				vlen = 0;
			val = keep ? keep : "";
		}
		/* Allocation failure here loses this one change only; the
		 * store itself stays consistent. */
		xs_store_commit_node(s, n, perms, val, vlen, g);
		free(keep);
	}
	txn_release(s, t);
	xs_store_gc(s);
}

void xs_txn_abort(struct xs_store *s, struct xs_txn *t)
{
	if (t->closed)
		return;
	t->closed = true;
	txn_unlink(s, t);
	txn_release(s, t);
	xs_store_gc(s);
}

void xs_txn_fail(struct xs_store *s, struct xs_txn *t)
{
	xs_txn_abort(s, t);
	t->failed = true;
}

void xs_txn_limit_history(struct xs_store *s, uint64_t max_versions)
{
	while (s->hist_versions > max_versions && s->txns) {
		struct xs_txn *t, *oldest = s->txns;
		for (t = s->txns; t; t = t->next)
			if (t->snap < oldest->snap)
				oldest = t;
		xs_txn_fail(s, oldest);
	}
}
