/* Store operations with xenstore semantics (see xs_access.h). */
#include <errno.h>
#include <string.h>

#include "xs_access.h"

static void dep(struct xs_access *a, struct xs_node *n, uint32_t mask)
{
	if (a->t)
		xs_txn_dep(a->t, n, mask);
}

/*
 * The answer depended on `rest` (first missing component) being absent
 * below d. If the transaction itself deleted that child, its own pending
 * state decides, and the rest of d's kid set does not matter.
 */
static void dep_missing(struct xs_access *a, struct xs_node *d,
			const char *rest, uint32_t mask)
{
	const char *e;
	struct xs_node *k;

	if (!a->t)
		return;
	e = strchr(rest, '/');
	k = xs_node_kid(d, rest, e ? (size_t)(e - rest) : strlen(rest));
	if (k && xs_txn_pend_find(k, a->t))
		mask &= ~XS_DEP_KIDS;
	if (mask)
		xs_txn_dep(a->t, d, mask);
}

/*
 * Looks path up for an operation needing `want`. On success returns 0 with
 * *np and *st set (recording `found_dep`). On failure returns ENOENT or
 * EACCES following C xenstored: a caller without `want` on the nearest
 * existing ancestor gets EACCES either way. *deepest gets the deepest
 * visible ancestor and *rest the first missing component when the path
 * does not exist.
 */
static int find(struct xs_access *a, const char *path, unsigned want,
		uint32_t found_dep, struct xs_node **np, struct xs_state *st,
		struct xs_node **deepest, const char **rest)
{
	struct xs_node *d = NULL, *n;
	const char *r = NULL;
	struct xs_state ps;
	int err;

	n = xs_store_walk(a->s, a->t, path, &d, &r);
	if (n) {
		xs_node_state(n, a->t, st);
		dep(a, n, found_dep);
		if ((xs_perm_for(a->c, st->perms) & want) == want) {
			*np = n;
			return 0;
		}
		err = EACCES;
		d = n->parent ? n->parent : n;
	} else {
		dep_missing(a, d, r, XS_DEP_KIDS);
		err = ENOENT;
	}
	*np = NULL;
	if (deepest)
		*deepest = d;
	if (rest)
		*rest = r;
	/* Tools may know everything, unless they came through the read-only
	 * socket and want to write. */
	if (!a->c->privileged || !a->c->can_write) {
		xs_node_state(d, a->t, &ps);
		dep(a, d, XS_DEP_DATA);
		if (!(xs_perm_for(a->c, ps.perms) & want))
			err = EACCES;
	}
	return err;
}

int xs_access_read(struct xs_access *a, const char *path, struct xs_state *st)
{
	struct xs_node *n;

	return find(a, path, XS_P_READ, XS_DEP_DATA, &n, st, NULL, NULL);
}

int xs_access_get_perms(struct xs_access *a, const char *path,
			struct xs_state *st)
{
	struct xs_node *n;

	return find(a, path, XS_P_READ, XS_DEP_DATA, &n, st, NULL, NULL);
}

int xs_access_directory(struct xs_access *a, const char *path,
			struct xs_node **node, struct xs_state *st)
{
	return find(a, path, XS_P_READ, XS_DEP_DATA | XS_DEP_KIDS, node, st,
		    NULL, NULL);
}

static unsigned count_components(const char *rest)
{
	unsigned n = 1;

	for (; *rest; rest++)
		if (*rest == '/')
			n++;
	return n;
}

static int quota_nodes(struct xs_access *a, unsigned more)
{
	uint64_t owned;

	if (a->c->privileged)
		return 0;
	owned = xs_store_owner_nodes(a->s, a->c->domid);
	if (a->t) {
		int32_t d = xs_txn_owner_delta(a->t, a->c->domid);
		owned = d < 0 && (uint64_t)-d > owned ? 0 : owned + d;
		if (a->t->npend + more > a->lim->txn_nodes)
			return ENOSPC;
	}
	return owned + more > a->lim->nodes ? ENOSPC : 0;
}

int xs_access_write(struct xs_access *a, const char *path, const char *val,
		    uint32_t vlen, bool mkdir, bool *changed)
{
	const struct xs_permset *perms;
	struct xs_node *n, *d;
	struct xs_state st;
	const char *rest;
	unsigned more;
	int err;

	*changed = false;
	if (vlen > a->lim->value_max)
		return E2BIG;
	/* A privileged writer's answer does not depend on the old data, so
	 * blind writes in concurrent transactions do not conflict. */
	err = find(a, path, XS_P_WRITE,
		   a->c->privileged ? XS_DEP_EXIST : XS_DEP_DATA,
		   &n, &st, &d, &rest);
	if (!err) {
		if (mkdir)
			return 0;
		if (a->t && !a->c->privileged &&
		    (err = quota_nodes(a, xs_txn_pend_find(n, a->t) ? 0 : 1)))
			return err;
		err = xs_store_set(a->s, a->t, n, NULL, false, val, vlen, true);
		*changed = !err;
		return err;
	}
	if (err != ENOENT)
		return err;

	/* Create the missing nodes below d, inheriting d's permissions. */
	more = count_components(rest);
	if ((err = quota_nodes(a, more)))
		return err;
	dep_missing(a, d, rest, XS_DEP_DATA | XS_DEP_KIDS);
	xs_node_state(d, a->t, &st);
	if (a->c->privileged)
		perms = xs_permset_ref(st.perms);
	else
		perms = xs_permset_with_owner(st.perms, a->c->domid);
	if (!perms)
		return ENOMEM;
	n = d;
	while (*rest) {
		const char *e = strchr(rest, '/');
		size_t len = e ? (size_t)(e - rest) : strlen(rest);
		bool last = !e;

		n = xs_node_kid_insert(a->s, n, rest, len);
		if (!n) {
			err = ENOMEM;
			break;
		}
		err = xs_store_set(a->s, a->t, n, perms, true,
				   last && !mkdir ? val : "",
				   last && !mkdir ? vlen : 0, true);
		if (err)
			break;
		rest += len + (e ? 1 : 0);
	}
	xs_permset_put(perms);
	*changed = !err;
	return err;
}

int xs_access_rm(struct xs_access *a, const char *path, bool *changed)
{
	struct xs_node *n, *d;
	struct xs_state st;
	const char *rest;
	int err;

	*changed = false;
	err = find(a, path, XS_P_WRITE,
		   a->c->privileged ? XS_DEP_EXIST : XS_DEP_DATA,
		   &n, &st, &d, &rest);
	if (!err) {
		if (!n->parent)
			return EINVAL;
		err = xs_store_delete_tree(a->s, a->t, n, NULL, NULL);
		*changed = !err;
		return err;
	}
	/* Gone already: fine if its parent exists. */
	if (err == ENOENT && !strchr(rest, '/'))
		return 0;
	return err;
}

int xs_access_set_perms(struct xs_access *a, const char *path,
			const struct xs_perm *e, unsigned count,
			const struct xs_permset **old)
{
	const struct xs_permset *perms;
	struct xs_node *n;
	struct xs_state st;
	int err;

	*old = NULL;
	if (!a->c->privileged && count > a->lim->perms_max)
		return ENOSPC;
	err = find(a, path, XS_P_WRITE | XS_P_OWNER, XS_DEP_DATA, &n, &st,
		   NULL, NULL);
	if (err)
		return err;
	if (!a->c->privileged && e[0].id != xs_permset_owner(st.perms))
		return EPERM;
	perms = xs_permset_get(e, count);
	if (!perms)
		return ENOMEM;
	*old = xs_permset_ref(st.perms);
	err = xs_store_set(a->s, a->t, n, perms, true, NULL, 0, false);
	xs_permset_put(perms);
	if (err) {
		xs_permset_put(*old);
		*old = NULL;
	}
	return err;
}
