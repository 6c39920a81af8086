/* The node tree: lookup, committed changes, history and garbage collection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_store.h"
#include "xs_txn.h"

#define XS_N_GCQ 0x1   /* queued for garbage collection */

static struct xs_node *node_alloc(const char *name, size_t len)
{
	struct xs_node *n = malloc(sizeof(*n) + len + 1);

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->namelen = (uint16_t)len;
	memcpy(n->name, name, len);
	n->name[len] = 0;
	return n;
}

static void val_free(struct xs_node *n)
{
	if (n->vlen > XS_VAL_INLINE)
		free(n->v.ptr);
	n->vlen = 0;
}

/* Sets the committed value from a copy made before the old one went
 * (the new value may be the old one: a change of permissions only). */
static void val_take(struct xs_node *n, const char *copy, uint32_t vlen,
		     char *buf)
{
	if (vlen > XS_VAL_INLINE)
		n->v.ptr = buf;
	else if (vlen)
		memcpy(n->v.inl, copy, vlen);
	n->vlen = vlen;
}

/* ---- owner counts ---------------------------------------------------- */

static struct xs_owner_count *owner_slot(struct xs_store *s, uint32_t domid,
					 bool insert)
{
	unsigned i;

	if (s->owners_cap == 0) {
		if (!insert)
			return NULL;
		s->owners = calloc(16, sizeof(*s->owners));
		if (!s->owners)
			return NULL;
		s->owners_cap = 16;
	}
	if (insert && (s->owners_used + 1) * 2 > s->owners_cap) {
		struct xs_owner_count *old = s->owners;
		unsigned oc = s->owners_cap, j;
		struct xs_owner_count *nw = calloc(oc * 2, sizeof(*nw));
		if (!nw)
			return NULL;
		s->owners = nw;
		s->owners_cap = oc * 2;
		for (j = 0; j < oc; j++) {
			if (!old[j].count && !old[j].domid)
				continue;
			for (i = (old[j].domid * 2654435761u) & (s->owners_cap - 1);
			     nw[i].count || nw[i].domid; i = (i + 1) & (s->owners_cap - 1))
				;
			nw[i] = old[j];
		}
		free(old);
	}
	/* Slots are never freed: an entry with count 0 stays reserved. Keys
	 * are stored as domid+1 internally so 0 means empty. */
	for (i = (domid * 2654435761u) & (s->owners_cap - 1);
	     s->owners[i].domid; i = (i + 1) & (s->owners_cap - 1))
		if (s->owners[i].domid == domid + 1)
			return &s->owners[i];
	if (!insert)
		return NULL;
	s->owners[i].domid = domid + 1;
	s->owners[i].count = 0;
	s->owners_used++;
	return &s->owners[i];
}

uint32_t xs_store_owner_nodes(const struct xs_store *s, uint32_t domid)
{
	struct xs_owner_count *o = owner_slot((struct xs_store *)s, domid, false);

	return o ? o->count : 0;
}

static void owner_add(struct xs_store *s, uint32_t domid, int delta)
{
	struct xs_owner_count *o = owner_slot(s, domid, true);

	if (o)
		o->count += delta;
}

/* ---- kids ------------------------------------------------------------- */

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of name in parent's kids, or -(insert position)-1. */
static long kid_search(const struct xs_node *p, const char *name, size_t len)
{
	long lo = 0, hi = (long)p->nkids - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		const struct xs_node *k = p->kids[mid];
		int c = name_cmp(name, len, k->name, k->namelen);
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -lo - 1;
}

struct xs_node *xs_node_kid(const struct xs_node *parent, const char *name,
			    size_t len)
{
	long i = kid_search(parent, name, len);

	return i >= 0 ? parent->kids[i] : NULL;
}

struct xs_node *xs_node_kid_insert(struct xs_store *s, struct xs_node *parent,
				   const char *name, size_t len)
{
	long i = kid_search(parent, name, len);
	struct xs_node *k;

	(void)s;
	if (i >= 0)
		return parent->kids[i];
	if (len > 0xffff)
		return NULL;
	i = -i - 1;
	if (parent->nkids == parent->kcap) {
		uint32_t cap = parent->kcap ? parent->kcap * 2 : 2;
		struct xs_node **nk = realloc(parent->kids, cap * sizeof(*nk));
		if (!nk)
			return NULL;
		parent->kids = nk;
		parent->kcap = cap;
	}
	k = node_alloc(name, len);
	if (!k)
		return NULL;
	k->parent = parent;
	memmove(&parent->kids[i + 1], &parent->kids[i],
		(parent->nkids - i) * sizeof(parent->kids[0]));
	parent->kids[i] = k;
	parent->nkids++;
	return k;
}

static void kid_unlink(struct xs_node *n)
{
	struct xs_node *p = n->parent;
	long i = kid_search(p, n->name, n->namelen);

	if (i < 0)
		return;
	memmove(&p->kids[i], &p->kids[i + 1],
		(p->nkids - i - 1) * sizeof(p->kids[0]));
	p->nkids--;
	if (p->nkids == 0) {
		free(p->kids);
		p->kids = NULL;
		p->kcap = 0;
	} else if (p->kcap >= 16 && p->nkids * 4 <= p->kcap) {
		struct xs_node **nk = realloc(p->kids, p->kcap / 2 * sizeof(*nk));
		if (nk) {
			p->kids = nk;
			p->kcap /= 2;
		}
	}
}

static void hist_free(struct xs_store *s, struct xs_ver *v)
{
	while (v) {
		struct xs_ver *o = v->older;
		xs_permset_put(v->perms);
		free(v->val);
		free(v);
		s->hist_versions--;
		v = o;
	}
}

static void node_free(struct xs_store *s, struct xs_node *n)
{
	if (n->perms)
		owner_add(s, xs_permset_owner(n->perms), -1);
	xs_permset_put(n->perms);
	val_free(n);
	if (n->ext) {
		hist_free(s, n->ext->hist);
		free(n->ext);
	}
	free(n->kids);
	free(n);
}

/* ---- state ------------------------------------------------------------ */

void xs_node_state(const struct xs_node *n, const struct xs_txn *t,
		   struct xs_state *st)
{
	const struct xs_ver *v;

	if (t) {
		const struct xs_pend *p = xs_txn_pend_find(n, t);
		if (p) {
			st->perms = p->perms;
			st->val = p->val ? p->val : "";
			st->vlen = p->vlen;
			st->gen = t->snap;
			return;
		}
		if (n->gen > t->snap) {
			for (v = n->ext ? n->ext->hist : NULL; v; v = v->older)
				if (v->gen <= t->snap)
					break;
			if (v) {
				st->perms = v->perms;
				st->val = v->val ? v->val : "";
				st->vlen = v->vlen;
				st->gen = v->gen;
			} else {
				st->perms = NULL;
				st->val = "";
				st->vlen = 0;
				st->gen = 0;
			}
			return;
		}
	}
	st->perms = n->perms;
	st->val = xs_node_val(n);
	st->vlen = n->vlen;
	st->gen = n->gen > n->cgen ? n->gen : n->cgen;
	/* A transaction's view does not change when others change the
	 * children after its snapshot (libxenstore restarts a directory
	 * listing whenever the generation moves). */
	if (t && st->gen > t->snap)
		st->gen = t->snap;
}

/* ---- walking ---------------------------------------------------------- */

struct xs_node *xs_store_walk(struct xs_store *s, const struct xs_txn *t,
			      const char *path, struct xs_node **deepest,
			      const char **rest)
{
	struct xs_node *n = s->root;
	const char *p = path;

	if (*p == '/')
		p++;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct xs_node *k = xs_node_kid(n, p, len);
		if (!k || !xs_node_visible(k, t)) {
			if (deepest)
				*deepest = n;
			if (rest)
				*rest = p;
			return NULL;
		}
		n = k;
		p += len;
		if (*p == '/')
			p++;
	}
	return n;
}

int xs_node_path(const struct xs_node *n, char *buf, size_t cap)
{
	size_t len = 0;
	const struct xs_node *i;
	size_t pos;

	if (!n->parent) {
		if (cap < 2)
			return -1;
		strcpy(buf, "/");
		return 1;
	}
	for (i = n; i->parent; i = i->parent)
		len += 1 + i->namelen;
	if (len + 1 > cap)
		return -1;
	pos = len;
	buf[pos] = 0;
	for (i = n; i->parent; i = i->parent) {
		pos -= i->namelen;
		memcpy(buf + pos, i->name, i->namelen);
		buf[--pos] = '/';
	}
	return (int)len;
}

/* ---- committed changes -------------------------------------------------- */

static void gc_enqueue(struct xs_store *s, struct xs_node *n)
{
	if (n->flags & XS_N_GCQ)
		return;
	if (s->ngcq == s->gcq_cap) {
		size_t cap = s->gcq_cap ? s->gcq_cap * 2 : 64;
		struct xs_node **q = realloc(s->gcq, cap * sizeof(*q));
		if (!q)
			return;   /* stays until a later GC finds it via its parent */
		s->gcq = q;
		s->gcq_cap = cap;
	}
	s->gcq[s->ngcq++] = n;
	n->flags |= XS_N_GCQ;
}

static bool node_dead(const struct xs_node *n)
{
	return n->parent && !n->perms && n->nkids == 0 &&
	       (!n->ext || (!n->ext->hist && !n->ext->pend)) &&
	       !(n->flags & XS_N_GCQ);
}

/*
 * Commits a new state for n at generation g. Callers preallocate nothing:
 * all allocation happens before anything changes, so ENOMEM leaves the
 * node as it was. May free n when it is deleted and nobody can see it.
 */
int xs_store_commit_node(struct xs_store *s, struct xs_node *n,
			 const struct xs_permset *perms, const char *val,
			 uint32_t vlen, uint64_t g)
{
	bool was = n->perms != NULL, now = perms != NULL;
	bool keep = (was || (n->ext && n->ext->hist)) && s->ntxns &&
		    s->max_snap >= n->gen;
	struct xs_ver *hv = NULL;
	char *buf = NULL, *oldval = NULL, small[XS_VAL_INLINE];

	/* Allocate everything first: failure leaves the node untouched. The
	 * new value is copied at once, since it may be the node's own. */
	if (now && vlen > XS_VAL_INLINE) {
		if (!(buf = malloc(vlen)))
			goto nomem;
		memcpy(buf, val, vlen);
	} else if (now && vlen) {
		memcpy(small, val, vlen);
	}
	if (keep) {
		if (!n->ext && !(n->ext = calloc(1, sizeof(*n->ext))))
			goto nomem;
		if (!(hv = malloc(sizeof(*hv))))
			goto nomem;
		if (n->vlen && n->vlen <= XS_VAL_INLINE &&
		    !(oldval = malloc(n->vlen)))
			goto nomem;
	}

	xs_permset_ref(perms);   /* before the old one may go: same set */
	if (was)
		owner_add(s, xs_permset_owner(n->perms), -1);
	if (keep) {
		hv->gen = n->gen;
		hv->perms = n->perms;     /* takes the node's reference */
		hv->vlen = n->vlen;
		if (n->vlen > XS_VAL_INLINE) {
			hv->val = n->v.ptr;   /* takes the buffer */
			n->vlen = 0;
		} else {
			if (oldval)
				memcpy(oldval, n->v.inl, n->vlen);
			hv->val = oldval;
		}
		hv->older = n->ext->hist;
		n->ext->hist = hv;
		s->hist_versions++;
		gc_enqueue(s, n);
	} else {
		xs_permset_put(n->perms);
	}
	val_free(n);
	n->perms = perms;
	if (now) {
		owner_add(s, xs_permset_owner(perms), 1);
		val_take(n, small, vlen, buf);
	}
	n->gen = g;
	if (s->hook)
		s->hook(s->hook_arg, n);
	if (was != now) {
		n->parent->cgen = g;
		s->nnodes += now ? 1 : -1;
		/* A deleted node no snapshot can see (no open transaction
		 * saw it exist: no history kept, nothing pending) goes at
		 * once, open transactions or not: otherwise a guest creating
		 * and deleting nodes while any transaction is open would
		 * grow the store without bound. */
		if (!now) {
			bool unseen = !keep && !n->ext;
			if ((!s->ntxns || unseen) && node_dead(n)) {
				kid_unlink(n);
				node_free(s, n);
			} else if (s->ntxns) {
				gc_enqueue(s, n);
			}
		}
	}
	return 0;
nomem:
	free(buf);
	free(hv);
	free(oldval);
	return ENOMEM;
}

int xs_store_set(struct xs_store *s, struct xs_txn *t, struct xs_node *n,
		 const struct xs_permset *perms, bool set_perms,
		 const char *val, uint32_t vlen, bool set_val)
{
	struct xs_state cur;

	xs_node_state(n, t, &cur);
	if (!perms && !set_perms) {     /* keep perms, change value only */
		perms = cur.perms;
		if (!perms)
			return ENOENT;
	}
	if (perms && !set_val) {
		val = cur.val;
		vlen = cur.vlen;
	}
	if (t) {
		struct xs_pend *p = xs_txn_pend_get(s, t, n);
		char *nv = NULL;
		bool was = cur.perms != NULL;

		if (!p)
			return ENOMEM;
		if (perms && vlen && !(nv = malloc(vlen)))
			return ENOMEM;
		if (perms && vlen)
			memcpy(nv, val, vlen);   /* val may alias p->val */
		if (was && xs_txn_owner_add(t, xs_permset_owner(cur.perms), -1))
			goto nomem;
		if (perms && xs_txn_owner_add(t, xs_permset_owner(perms), 1)) {
			if (was)
				xs_txn_owner_add(t, xs_permset_owner(cur.perms), 1);
			goto nomem;
		}
		free(p->val);
		p->val = nv;
		p->vlen = perms ? vlen : 0;
		perms = xs_permset_ref(perms);
		xs_permset_put(p->perms);
		p->perms = perms;
		if (!was || set_val)
			p->flags |= XS_PEND_SETVAL;
		if (!was || set_perms)
			p->flags |= XS_PEND_SETPERMS;
		return 0;
nomem:
		free(nv);
		return ENOMEM;
	}
	if (xs_store_commit_node(s, n, perms, val, vlen, s->gen + 1))
		return ENOMEM;
	s->gen++;
	return 0;
}

static int delete_rec(struct xs_store *s, struct xs_txn *t, struct xs_node *n,
		      void (*each)(void *, struct xs_node *, const struct xs_state *),
		      void *arg)
{
	struct xs_state st;
	long i;
	int err;

	if (t)
		xs_txn_dep(t, n, XS_DEP_KIDS | XS_DEP_DATA);
	for (i = (long)n->nkids - 1; i >= 0; i--) {
		struct xs_node *k = n->kids[i];
		/* A kid deleted outside a transaction may be freed at once;
		 * that only shifts the entries above i. */
		if (xs_node_visible(k, t) && (err = delete_rec(s, t, k, each, arg)))
			return err;
	}
	xs_node_state(n, t, &st);
	if (each)
		each(arg, n, &st);
	return xs_store_set(s, t, n, NULL, true, NULL, 0, true);
}

int xs_store_delete_tree(struct xs_store *s, struct xs_txn *t,
			 struct xs_node *n,
			 void (*each)(void *arg, struct xs_node *n,
				      const struct xs_state *st),
			 void *arg)
{
	return n->parent ? delete_rec(s, t, n, each, arg) : EINVAL;
}

/* ---- garbage collection ------------------------------------------------- */

static uint64_t min_snap(const struct xs_store *s)
{
	const struct xs_txn *t;
	uint64_t m = UINT64_MAX;

	for (t = s->txns; t; t = t->next)
		if (t->snap < m)
			m = t->snap;
	return m;
}

static unsigned node_depth(const struct xs_node *n)
{
	unsigned d = 0;

	for (; n->parent; n = n->parent)
		d++;
	return d;
}

struct gc_item {
	unsigned depth;
	struct xs_node *n;
};

static int depth_cmp(const void *a, const void *b)
{
	unsigned x = ((const struct gc_item *)a)->depth;
	unsigned y = ((const struct gc_item *)b)->depth;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sorts gcq[from..ngcq) deepest first, so a tombstone's kids go before
 * it. Depths are computed once per entry, not per comparison. */
static void gc_sort(struct xs_store *s, size_t from)
{
	size_t i, n = s->ngcq - from;
	struct gc_item *it;

	if (n < 2)
		return;
	it = malloc(n * sizeof(*it));
	if (!it)
		return;   /* unsorted: a parent may wait for a later pass */
	for (i = 0; i < n; i++) {
		it[i].n = s->gcq[from + i];
		it[i].depth = node_depth(it[i].n);
	}
	qsort(it, n, sizeof(*it), depth_cmp);
	for (i = 0; i < n; i++)
		s->gcq[from + i] = it[i].n;
	free(it);
}

/*
 * Entries already looked at under the same oldest snapshot cannot have
 * become collectable (only a newer oldest snapshot frees versions), so
 * while it stays the same only new entries are looked at; a full pass
 * runs when it changes, or when the queue has doubled since the last
 * one (for tombstones whose kids went in between) or when many entries
 * already looked at lost a transaction's pending version. So a transaction
 * left open does not make every other transaction's end cost a pass
 * over everything it pins.
 */
void xs_store_gc(struct xs_store *s)
{
	uint64_t ms = min_snap(s);
	size_t i, keep, from = 0;

	if (ms == s->gc_ms && s->ngcq < 2 * s->gc_full + 64 &&
	    2 * s->gc_stale < s->gc_full + 64)
		from = s->gc_done;
	gc_sort(s, from);
	keep = from;
	for (i = from; i < s->ngcq; i++) {
		struct xs_node *n = s->gcq[i];
		struct xs_node_ext *x = n->ext;

		s->gc_visits++;
		if (x && x->hist) {
			struct xs_ver **pp = &x->hist;
			/* Versions older than the one every snapshot sees go. */
			if (n->gen <= ms) {
				hist_free(s, x->hist);
				x->hist = NULL;
			} else {
				while (*pp && (*pp)->gen > ms)
					pp = &(*pp)->older;
				if (*pp) {
					hist_free(s, (*pp)->older);
					(*pp)->older = NULL;
				}
			}
		}
		if (x && !x->hist && !x->pend) {
			free(x);
			n->ext = NULL;
		}
		n->flags &= ~XS_N_GCQ;
		if (!n->perms && n->gen <= ms && node_dead(n)) {
			kid_unlink(n);
			node_free(s, n);
			continue;
		}
		if (n->ext || (!n->perms && n->parent)) {
			n->flags |= XS_N_GCQ;
			s->gcq[keep++] = n;
		}
	}
	s->ngcq = keep;
	s->gc_done = keep;
	if (!from) {
		s->gc_full = keep;
		s->gc_stale = 0;
	}
	s->gc_ms = ms;
}

/* ---- setup, checks ------------------------------------------------------ */

int xs_store_init(struct xs_store *s)
{
	struct xs_perm p0 = { 0, XS_P_NONE };

	memset(s, 0, sizeof(*s));
	s->root = node_alloc("", 0);
	if (!s->root)
		return ENOMEM;
	s->root->perms = xs_permset_get(&p0, 1);
	if (!s->root->perms)
		return ENOMEM;
	owner_add(s, 0, 1);
	s->nnodes = 1;
	return 0;
}

static void destroy_rec(struct xs_store *s, struct xs_node *n)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++)
		destroy_rec(s, n->kids[i]);
	if (n->ext) {
		while (n->ext->pend) {   /* transactions are gone with us */
			struct xs_pend *p = n->ext->pend;
			n->ext->pend = p->node_next;
			xs_permset_put(p->perms);
			free(p->val);
			free(p);
		}
	}
	node_free(s, n);
}

void xs_store_destroy(struct xs_store *s)
{
	if (s->root)
		destroy_rec(s, s->root);
	free(s->gcq);
	free(s->owners);
	memset(s, 0, sizeof(*s));
}

struct check_ctx {
	uint64_t nodes;
	char *why;
	size_t cap;
};

static int check_rec(const struct xs_node *n, struct check_ctx *c)
{
	uint32_t i;

	if (n->perms)
		c->nodes++;
	for (i = 0; i < n->nkids; i++) {
		const struct xs_node *k = n->kids[i];
		if (k->parent != n) {
			snprintf(c->why, c->cap, "bad parent link at %s", k->name);
			return -1;
		}
		if (i && name_cmp(n->kids[i - 1]->name, n->kids[i - 1]->namelen,
				  k->name, k->namelen) >= 0) {
			snprintf(c->why, c->cap, "kids of %s out of order", n->name);
			return -1;
		}
		if (k->perms && !n->perms) {
			snprintf(c->why, c->cap, "%s exists under a missing parent",
				 k->name);
			return -1;
		}
		if (check_rec(k, c))
			return -1;
	}
	return 0;
}

int xs_store_check(const struct xs_store *s, char *why, size_t cap)
{
	struct check_ctx c = { 0, why, cap };

	if (!s->root || !s->root->perms) {
		snprintf(why, cap, "no root");
		return -1;
	}
	if (check_rec(s->root, &c))
		return -1;
	if (c.nodes != s->nnodes) {
		snprintf(why, cap, "node count %llu, counted %llu",
			 (unsigned long long)s->nnodes,
			 (unsigned long long)c.nodes);
		return -1;
	}
	return 0;
}

static size_t bytes_rec(const struct xs_node *n)
{
	size_t b = sizeof(*n) + n->namelen + 1 + n->kcap * sizeof(void *);
	uint32_t i;

	if (n->vlen > XS_VAL_INLINE)
		b += n->vlen;
	for (i = 0; i < n->nkids; i++)
		b += bytes_rec(n->kids[i]);
	return b;
}

size_t xs_store_bytes(const struct xs_store *s)
{
	return bytes_rec(s->root);
}
