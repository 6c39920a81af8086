/*
 * Watches. Watched paths form a trie of path components, so a change to
 * /a/b/c visits just the trie nodes "/", "a", "b", "c" to find the
 * watches to fire, however many watches exist elsewhere; a removed
 * subtree visits the trie below its root. Events follow Xen's rules:
 *  - a change to P fires every watch on P or on an ancestor of P, with P
 *    as the event path (minus the home prefix for relative watches);
 *  - removing P also fires watches registered below P on nodes that
 *    existed, each with its own path;
 *  - an unprivileged watcher only hears about nodes it may read (or
 *    whose parent it may read, or it could read before a set_perms);
 *  - ancestors' watches come first, newest watch first on the same path
 *    (oxenstored's order); events follow the reply to the request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"

static struct xs_wnode *wnode_new(struct xs_wnode *parent, const char *name,
				  size_t len)
{
	struct xs_wnode *w = calloc(1, sizeof(*w) + len + 1);

	if (!w)
		return NULL;
	w->parent = parent;
	w->namelen = (uint16_t)len;
	memcpy(w->name, name, len);
	return w;
}

static long wkid_search(const struct xs_wnode *p, const char *name, size_t len)
{
	long lo = 0, hi = (long)p->nkids - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		const struct xs_wnode *k = p->kids[mid];
		size_t m = len < k->namelen ? len : k->namelen;
		int c = memcmp(name, k->name, m);
		if (!c)
			c = len < k->namelen ? -1 : len > k->namelen;
		if (!c)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -lo - 1;
}

static struct xs_wnode *wkid(struct xs_wnode *p, const char *name, size_t len,
			     bool create)
{
	long i = wkid_search(p, name, len);
	struct xs_wnode *k;

	if (i >= 0)
		return p->kids[i];
	if (!create || len > 0xffff)
		return NULL;
	i = -i - 1;
	if (p->nkids == p->kcap) {
		uint32_t cap = p->kcap ? p->kcap * 2 : 2;
		struct xs_wnode **nk = realloc(p->kids, cap * sizeof(*nk));
		if (!nk)
			return NULL;
		p->kids = nk;
		p->kcap = cap;
	}
	k = wnode_new(p, name, len);
	if (!k)
		return NULL;
	memmove(&p->kids[i + 1], &p->kids[i], (p->nkids - i) * sizeof(p->kids[0]));
	p->kids[i] = k;
	p->nkids++;
	return k;
}

/* Frees trie nodes left without watches or kids, upwards. */
static void wnode_prune(struct xs_wnode *w)
{
	while (w && w->parent && !w->watches && !w->nkids) {
		struct xs_wnode *p = w->parent;
		long i = wkid_search(p, w->name, w->namelen);
		if (i >= 0) {
			memmove(&p->kids[i], &p->kids[i + 1],
				(p->nkids - i - 1) * sizeof(p->kids[0]));
			p->nkids--;
		}
		if (!p->nkids) {
			free(p->kids);
			p->kids = NULL;
			p->kcap = 0;
		}
		free(w->kids);
		free(w);
		w = p;
	}
}

/* The trie node for an absolute path, created if asked. */
static struct xs_wnode *wnode_for(struct xs_core *c, const char *path,
				  bool create)
{
	struct xs_wnode *w = c->wroot;
	const char *p = path + 1;

	while (w && *p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		w = wkid(w, p, len, create);
		p += len + (e ? 1 : 0);
	}
	return w;
}

static struct xs_watch **head_for(struct xs_core *c, struct xs_watch *w)
{
	return w->wn ? &w->wn->watches : &c->special;
}

int xs_watch_add(struct xs_core *c, struct xs_conn *conn, const char *path,
		 uint32_t rel_len, const char *token, struct xs_watch **out)
{
	size_t plen = strlen(path), tlen = strlen(token);
	struct xs_wnode *wn = NULL;
	struct xs_watch *w;

	for (w = conn->watches; w; w = w->conn_next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return EEXIST;
	if (xs_conn_limited(conn) && conn->nwatches >= c->lim.watches)
		return E2BIG;
	if (path[0] == '/' && !(wn = wnode_for(c, path, true)))
		return ENOMEM;
	w = malloc(sizeof(*w) + plen + 1 + tlen + 1);
	if (!w) {
		wnode_prune(wn);
		return ENOMEM;
	}
	memcpy(w->data, path, plen + 1);
	memcpy(w->data + plen + 1, token, tlen + 1);
	w->path = w->data;
	w->token = w->data + plen + 1;
	w->conn = conn;
	w->wn = wn;
	w->rel_len = rel_len;
	w->wn_next = *head_for(c, w);
	*head_for(c, w) = w;
	w->conn_next = NULL;
	if (conn->watches_tail)
		conn->watches_tail->conn_next = w;
	else
		conn->watches = w;
	conn->watches_tail = w;
	conn->nwatches++;
	c->nwatches++;
	if (out)
		*out = w;
	return 0;
}

static void watch_unlink(struct xs_core *c, struct xs_watch *w)
{
	struct xs_watch **pp;

	for (pp = head_for(c, w); *pp != w; pp = &(*pp)->wn_next)
		;
	*pp = w->wn_next;
	wnode_prune(w->wn);
	c->nwatches--;
}

int xs_watch_remove(struct xs_core *c, struct xs_conn *conn, const char *path,
		    const char *token)
{
	struct xs_watch *w, *prev = NULL;

	for (w = conn->watches; w; prev = w, w = w->conn_next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			break;
	if (!w)
		return ENOENT;
	if (prev)
		prev->conn_next = w->conn_next;
	else
		conn->watches = w->conn_next;
	if (conn->watches_tail == w)
		conn->watches_tail = prev;
	conn->nwatches--;
	watch_unlink(c, w);
	free(w);
	return 0;
}

void xs_watch_remove_all(struct xs_core *c, struct xs_conn *conn)
{
	while (conn->watches) {
		struct xs_watch *w = conn->watches;
		conn->watches = w->conn_next;
		watch_unlink(c, w);
		free(w);
	}
	conn->watches_tail = NULL;
	conn->nwatches = 0;
}

/* ---- firing ------------------------------------------------------------ */

static void defer(struct xs_core *c, struct xs_watch *w, const char *path,
		  size_t len)
{
	struct xs_fire *f;

	if (w->rel_len) {   /* relative watch: the event path is relative */
		if (len < w->rel_len)
			return;
		path += w->rel_len;
		len -= w->rel_len;
	}
	if (c->nfires == c->fires_cap) {
		size_t cap = c->fires_cap ? c->fires_cap * 2 : 32;
		struct xs_fire *nf = realloc(c->fires, cap * sizeof(*nf));
		if (!nf)
			return;
		c->fires = nf;
		c->fires_cap = cap;
	}
	if (c->arena_len + len + 1 > c->arena_cap) {
		size_t cap = c->arena_cap ? c->arena_cap : 4096;
		char *na;
		while (c->arena_len + len + 1 > cap)
			cap *= 2;
		na = realloc(c->arena, cap);
		if (!na)
			return;
		c->arena = na;
		c->arena_cap = cap;
	}
	memcpy(c->arena + c->arena_len, path, len);
	c->arena[c->arena_len + len] = 0;
	f = &c->fires[c->nfires++];
	f->w = w;
	f->off = (uint32_t)c->arena_len;
	f->len = (uint32_t)len;
	c->arena_len += len + 1;
}

static bool readable(const struct xs_caller *who, const struct xs_permset *p)
{
	return p && (xs_perm_for(who, p) & XS_P_READ);
}

/* May w's connection hear about a change of path (as seen in view)? */
static bool permitted(struct xs_core *c, struct xs_watch *w, const char *path,
		      const struct xs_txn *view, const struct xs_permset *old)
{
	const struct xs_caller *who = &w->conn->id;
	struct xs_node *n;
	struct xs_state st;

	if (who->privileged || readable(who, old))
		return true;
	n = xs_store_walk(&c->store, view, path, NULL, NULL);
	if (!n)
		return false;
	xs_node_state(n, view, &st);
	if (readable(who, st.perms))
		return true;
	if (!n->parent)
		return false;
	xs_node_state(n->parent, view, &st);
	return readable(who, st.perms);
}

static void fire_list(struct xs_core *c, struct xs_watch *list,
		      const char *path, size_t len, const struct xs_txn *view,
		      const struct xs_permset *old)
{
	struct xs_watch *w;

	for (w = list; w; w = w->wn_next)
		if (!w->conn->dead && permitted(c, w, path, view, old))
			defer(c, w, path, len);
}

/* Watches strictly below trie node w whose nodes exist in view. */
static void fire_below(struct xs_core *c, struct xs_wnode *w, char *path,
		       size_t len, const struct xs_txn *view)
{
	uint32_t i;

	for (i = 0; i < w->nkids; i++) {
		struct xs_wnode *k = w->kids[i];
		size_t kl = len + 1 + k->namelen;

		if (kl >= XS_PATH_CAP)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, k->name, k->namelen);
		path[kl] = 0;
		if (!xs_store_walk(&c->store, view, path, NULL, NULL))
			continue;   /* nothing existed there, nothing below */
		fire_list(c, k->watches, path, kl, view, NULL);
		fire_below(c, k, path, kl, view);
	}
	path[len] = 0;
}

void xs_watch_fire(struct xs_core *c, const char *path,
		   const struct xs_txn *view, bool recurse,
		   const struct xs_permset *old)
{
	struct xs_wnode *w = c->wroot;
	size_t len = strlen(path);
	const char *p = path + 1;

	fire_list(c, w->watches, path, len, view, old);
	while (*p) {
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);
		w = wkid(w, p, cl, false);
		if (!w)
			return;
		fire_list(c, w->watches, path, len, view, old);
		p += cl + (e ? 1 : 0);
	}
	if (recurse && w->nkids) {
		static char buf[XS_PATH_CAP];
		memcpy(buf, path, len + 1);
		fire_below(c, w, buf, len == 1 ? 0 : len, view);
	}
}

void xs_watch_fire_special(struct xs_core *c, const char *name)
{
	struct xs_watch *w;
	struct xs_node *n = NULL;
	struct xs_state st = { 0 };

	/* The special node's permissions decide who else may hear. */
	if (c->store.root) {
		char path[64];
		snprintf(path, sizeof(path), "/%s", name);
		n = xs_store_walk(&c->store, NULL, path, NULL, NULL);
		if (n)
			xs_node_state(n, NULL, &st);
	}
	for (w = c->special; w; w = w->wn_next)
		if (!w->conn->dead && !strcmp(w->path, name) &&
		    (w->conn->id.privileged || readable(&w->conn->id, st.perms)))
			defer(c, w, name, strlen(name));
}

void xs_watch_flush(struct xs_core *c)
{
	size_t i;

	for (i = 0; i < c->nfires; i++) {
		struct xs_fire *f = &c->fires[i];
		xs_send_event(f->w->conn, c->arena + f->off, f->len, f->w->token);
	}
	c->nfires = 0;
	c->arena_len = 0;
}
