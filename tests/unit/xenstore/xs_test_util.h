/* Helpers shared by pvstored's unit tests. */
#ifndef XS_TEST_UTIL_H
#define XS_TEST_UTIL_H
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "xs_access.h"
#include "xs_path.h"

static const struct xs_limits xs_test_limits = XS_LIMITS_DEFAULT;
static const struct xs_caller xs_dom0 = { 0, XS_NO_TARGET, true, true };

static inline struct xs_access xs_acc(struct xs_store *s, struct xs_txn *t,
				      const struct xs_caller *c)
{
	struct xs_access a = { s, t, c, &xs_test_limits };
	return a;
}

/* Write helper: returns errno. */
static inline int xs_w(struct xs_store *s, struct xs_txn *t,
		       const struct xs_caller *c, const char *path,
		       const char *val)
{
	struct xs_access a = xs_acc(s, t, c);
	bool changed;
	return xs_access_write(&a, path, val, strlen(val), false, &changed);
}

/* Read helper: copies the value into buf (nul-terminated); returns errno. */
static inline int xs_r(struct xs_store *s, struct xs_txn *t,
		       const struct xs_caller *c, const char *path,
		       char *buf, size_t cap)
{
	struct xs_access a = xs_acc(s, t, c);
	struct xs_state st;
	int err = xs_access_read(&a, path, &st);
	if (!err) {
		size_t n = st.vlen < cap - 1 ? st.vlen : cap - 1;
		memcpy(buf, st.val, n);
		buf[n] = 0;
	}
	return err;
}

static inline int xs_rmp(struct xs_store *s, struct xs_txn *t,
			 const struct xs_caller *c, const char *path)
{
	struct xs_access a = xs_acc(s, t, c);
	bool changed;
	return xs_access_rm(&a, path, &changed);
}

/* Lists visible kids of path as "a,b,c" into buf; returns errno. */
static inline int xs_ls(struct xs_store *s, struct xs_txn *t,
			const struct xs_caller *c, const char *path,
			char *buf, size_t cap)
{
	struct xs_access a = xs_acc(s, t, c);
	struct xs_node *n;
	struct xs_state st;
	uint32_t i;
	size_t len = 0;
	int err = xs_access_directory(&a, path, &n, &st);
	buf[0] = 0;
	if (err)
		return err;
	for (i = 0; i < n->nkids; i++) {
		if (!xs_node_visible(n->kids[i], t))
			continue;
		len += snprintf(buf + len, cap - len, "%s%s", len ? "," : "",
				n->kids[i]->name);
	}
	return 0;
}
#endif
