/* Unit tests: node store, permissions and transactions of pvstored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "xs_test_util.h"

static const struct xs_caller dom5 = { 5, XS_NO_TARGET, false, true };
static const struct xs_caller dom6 = { 6, XS_NO_TARGET, false, true };
static const struct xs_caller dm7 = { 7, 5, false, true };   /* target dom5 */
static const struct xs_caller ro0 = { 0, XS_NO_TARGET, true, false };

static void assert_sound(struct xs_store *s)
{
	char why[200];
	int r = xs_store_check(s, why, sizeof(why));

	if (r)
		fail_msg("store check: %s", why);
}

static int setup(void **state)
{
	struct xs_store *s = malloc(sizeof(*s));

	assert_int_equal(xs_store_init(s), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct xs_store *s = *state;

	assert_sound(s);
	xs_store_destroy(s);
	free(s);
	assert_int_equal(xs_permset_count(), 0);
	return 0;
}

static int set_perms(struct xs_store *s, struct xs_txn *t,
		     const struct xs_caller *c, const char *path,
		     const char *spec)
{
	struct xs_access a = xs_acc(s, t, c);
	struct xs_perm e[8];
	const struct xs_permset *old;
	char buf[64];
	unsigned n = 0;
	int err;
	char *p;

	/* spec like "n0,r5" */
	snprintf(buf, sizeof(buf), "%s", spec);
	for (p = buf; *p; p++)
		if (*p == ',') {
			*p = 0;
			n++;
		}
	n++;
	assert_int_equal(xs_perms_parse(buf, n, e), 0);
	err = xs_access_set_perms(&a, path, e, n, &old);
	xs_permset_put(old);
	return err;
}

static const char *get_perms(struct xs_store *s, const char *path)
{
	static char out[128];
	struct xs_access a = xs_acc(s, NULL, &xs_dom0);
	struct xs_state st;
	int len, i;

	if (xs_access_get_perms(&a, path, &st))
		return "ERR";
	len = xs_perms_format(st.perms, out, sizeof(out));
	for (i = 0; i < len - 1; i++)
		if (!out[i])
			out[i] = ',';
	return out;
}

static void test_write_read(void **state)
{
	struct xs_store *s = *state;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/a/b/c", "hello"), 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/a/b/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");
	/* implicit parents exist, empty */
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/a/b", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/a/x", buf, sizeof(buf)), ENOENT);
	/* overwrite, long values (not inline) and back to short */
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/a/b/c",
			      "a considerably longer value"), 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/a/b/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a considerably longer value");
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/a/b/c", "x"), 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/a/b/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "x");
	assert_int_equal(s->nnodes, 4);
}

/* Regression (found by fuzz_xs_proto): changing only the permissions of
 * a node whose value is not stored inline read the freed old value. */
static void test_perms_keep_long_value(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/p", "a value of some length"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/q", "short"), 0);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/p", "n5,r6"), 0);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/q", "n5,r6"), 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/p", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a value of some length");
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/q", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "short");
	/* the same with a snapshot holding the old version, and in a txn */
	xs_txn_begin(s, &t);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/p", "n7"), 0);
	assert_int_equal(xs_r(s, &t, &xs_dom0, "/p", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a value of some length");
	assert_string_equal(get_perms(s, "/p"), "n7");
	assert_int_equal(set_perms(s, &t, &xs_dom0, "/p", "n8"), 0);
	assert_int_equal(xs_txn_validate(s, &t), EAGAIN);
	xs_txn_abort(s, &t);
	xs_txn_begin(s, &t);
	assert_int_equal(set_perms(s, &t, &xs_dom0, "/p", "n9"), 0);
	assert_int_equal(xs_txn_validate(s, &t), 0);
	xs_txn_commit(s, &t);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/p", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a value of some length");
	assert_string_equal(get_perms(s, "/p"), "n9");
}

static void test_directory_sorted(void **state)
{
	struct xs_store *s = *state;
	static const char *names[] = { "b", "a", "c", "10", "9", "zz", "a0" };
	char path[32], buf[256];
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/d/%s", names[i]);
		assert_int_equal(xs_w(s, NULL, &xs_dom0, path, "v"), 0);
	}
	assert_int_equal(xs_ls(s, NULL, &xs_dom0, "/d", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10,9,a,a0,b,c,zz");
	assert_int_equal(xs_ls(s, NULL, &xs_dom0, "/nope", buf, sizeof(buf)), ENOENT);
}

static void test_rm(void **state)
{
	struct xs_store *s = *state;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/r/a/b", "1"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/r/a/c", "2"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/r/z", "3"), 0);
	assert_int_equal(xs_rmp(s, NULL, &xs_dom0, "/r/a"), 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/r/a/b", buf, sizeof(buf)), ENOENT);
	assert_int_equal(xs_ls(s, NULL, &xs_dom0, "/r", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "z");
	/* missing node, parent exists: fine; parent missing: ENOENT */
	assert_int_equal(xs_rmp(s, NULL, &xs_dom0, "/r/a"), 0);
	assert_int_equal(xs_rmp(s, NULL, &xs_dom0, "/r/a/b/c"), ENOENT);
	assert_int_equal(xs_rmp(s, NULL, &xs_dom0, "/"), EINVAL);
	assert_int_equal(s->nnodes, 3);
	assert_sound(s);
}

static void test_paths(void **state)
{
	char out[XS_PATH_CAP];
	unsigned rel;

	(void)state;
	assert_int_equal(xs_path_canon("/a/b", 0, 1024, out, sizeof(out), &rel), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(rel, 0);
	assert_int_equal(xs_path_canon("a/b", 7, 1024, out, sizeof(out), &rel), 0);
	assert_string_equal(out, "/local/domain/7/a/b");
	assert_int_equal(rel, strlen("/local/domain/7/"));
	assert_int_equal(xs_path_canon("@foo", 7, 1024, out, sizeof(out), &rel), 0);
	assert_string_equal(out, "/@foo");
	assert_int_equal(xs_path_canon("/", 0, 1024, out, sizeof(out), NULL), 0);
	assert_int_equal(xs_path_canon("", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("/a/", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("//a", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("/a//b", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("/a b", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("/a.b", 0, 1024, out, sizeof(out), NULL), EINVAL);
	assert_int_equal(xs_path_canon("/a\xff", 0, 1024, out, sizeof(out), NULL), EINVAL);
	/* length: 1024 counted below a domain's home, whole path elsewhere */
	{
		char in[1200];
		memset(in, 'p', sizeof(in));
		memcpy(in, "/local/domain/3/", 16);
		in[16 + 1024] = 0;
		assert_int_equal(xs_path_canon(in, 0, 1024, out, sizeof(out), NULL), 0);
		in[16 + 1024] = 'p';
		in[16 + 1025] = 0;
		assert_int_equal(xs_path_canon(in, 0, 1024, out, sizeof(out), NULL), EINVAL);
		in[0] = '/';
		memset(in + 1, 'q', 1100);
		in[1024] = 0;
		assert_int_equal(xs_path_canon(in, 0, 1024, out, sizeof(out), NULL), 0);
		in[1024] = 'q';
		in[1025] = 0;
		assert_int_equal(xs_path_canon(in, 0, 1024, out, sizeof(out), NULL), EINVAL);
	}
	assert_true(xs_path_is_child("/a/b", "/a"));
	assert_true(xs_path_is_child("/a", "/a"));
	assert_false(xs_path_is_child("/ab", "/a"));
	assert_true(xs_path_is_child("/ab", "/"));
}

static void test_perms_parse_format(void **state)
{
	struct xs_perm e[4];
	const struct xs_permset *p, *q;
	char out[64];

	(void)state;
	assert_int_equal(xs_perms_parse("n0\0r5\0b0x10\0w010", 4, e), 0);
	assert_int_equal(e[1].id, 5);
	assert_int_equal(e[1].perm, XS_P_READ);
	assert_int_equal(e[2].id, 16);
	assert_int_equal(e[2].perm, XS_P_READ | XS_P_WRITE);
	assert_int_equal(e[3].id, 10);
	assert_int_equal(xs_perms_parse("x5", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n5x", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n-1", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n 5", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n4294967296", 1, e), EINVAL);
	assert_int_equal(xs_perms_parse("n0\0r5", 2, e), 0);
	p = xs_permset_get(e, 2);
	q = xs_permset_get(e, 2);
	assert_ptr_equal(p, q);   /* interned */
	assert_int_equal(xs_perms_format(p, out, sizeof(out)), 6);
	assert_memory_equal(out, "n0\0r5\0", 6);
	assert_int_equal(xs_perms_format(p, out, 4), -1);
	xs_permset_put(p);
	xs_permset_put(q);
}

static void test_permissions(void **state)
{
	struct xs_store *s = *state;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/local/domain/5", ""), 0);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/local/domain/5", "n5,r6"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/secret/x", "s"), 0);

	/* owner: full rights; created nodes inherit, owned by the creator */
	assert_int_equal(xs_w(s, NULL, &dom5, "/local/domain/5/a/b", "v"), 0);
	assert_string_equal(get_perms(s, "/local/domain/5/a"), "n5,r6");
	assert_string_equal(get_perms(s, "/local/domain/5/a/b"), "n5,r6");
	assert_int_equal(xs_r(s, NULL, &dom5, "/local/domain/5/a/b", buf, sizeof(buf)), 0);
	/* ACL: dom6 may read, not write */
	assert_int_equal(xs_r(s, NULL, &dom6, "/local/domain/5/a/b", buf, sizeof(buf)), 0);
	assert_int_equal(xs_w(s, NULL, &dom6, "/local/domain/5/a/b", "x"), EACCES);
	assert_int_equal(xs_w(s, NULL, &dom6, "/local/domain/5/new", "x"), EACCES);
	/* no read on /secret: EACCES whether or not the node exists */
	assert_int_equal(xs_r(s, NULL, &dom5, "/secret/x", buf, sizeof(buf)), EACCES);
	assert_int_equal(xs_r(s, NULL, &dom5, "/secret/nothere", buf, sizeof(buf)), EACCES);
	/* readable parent: the truth */
	assert_int_equal(xs_r(s, NULL, &dom6, "/local/domain/5/nothere", buf, sizeof(buf)), ENOENT);
	/* a device model acts for its target */
	assert_int_equal(xs_w(s, NULL, &dm7, "/local/domain/5/dm", "1"), 0);
	assert_string_equal(get_perms(s, "/local/domain/5/dm"), "n7,r6");
	/* only owners change permissions, and never the owner */
	assert_int_equal(set_perms(s, NULL, &dom6, "/local/domain/5/a", "n6"), EACCES);
	assert_int_equal(set_perms(s, NULL, &dom5, "/local/domain/5/a", "n6"), EPERM);
	assert_int_equal(set_perms(s, NULL, &dom5, "/local/domain/5/a", "n5,b6"), 0);
	assert_int_equal(xs_w(s, NULL, &dom6, "/local/domain/5/a", "w"), 0);
	assert_int_equal(set_perms(s, NULL, &dom5, "/local/domain/5/a",
				   "n5,r1,r2,r3,r4,r6"), ENOSPC);
	/* read-only socket: reads yes, writes no */
	assert_int_equal(xs_r(s, NULL, &ro0, "/secret/x", buf, sizeof(buf)), 0);
	assert_int_equal(xs_w(s, NULL, &ro0, "/secret/x", "y"), EACCES);
	assert_int_equal(xs_rmp(s, NULL, &ro0, "/secret"), EACCES);
	/* rm needs write on the node itself */
	assert_int_equal(xs_rmp(s, NULL, &dom6, "/local/domain/5/a/b"), EACCES);
	assert_int_equal(xs_rmp(s, NULL, &dom5, "/local/domain/5/a"), 0);
	assert_int_equal(xs_store_owner_nodes(s, 5), 1);
	assert_int_equal(xs_store_owner_nodes(s, 7), 1);
}

static void test_quota(void **state)
{
	struct xs_store *s = *state;
	char path[64], big[4096];
	unsigned i;
	int err = 0;

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/local/domain/5", ""), 0);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/local/domain/5", "n5"), 0);
	for (i = 1; i < 2000 && !err; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/n%u", i);
		err = xs_w(s, NULL, &dom5, path, "v");
	}
	assert_int_equal(err, ENOSPC);
	assert_int_equal(xs_store_owner_nodes(s, 5), xs_test_limits.nodes);
	/* dom0 is not limited by node counts */
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/local/domain/5/byzero", "v"), 0);
	/* values: 2048 bytes for everyone */
	memset(big, 'x', sizeof(big));
	big[2048] = 0;
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/big", big), 0);
	big[2048] = 'x';
	big[2049] = 0;
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/big", big), E2BIG);
}

static void test_txn_snapshot(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/cnt", "0"), 0);
	xs_txn_begin(s, &t);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/cnt", "7"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/newnode", "x"), 0);
	/* the transaction still sees its snapshot */
	assert_int_equal(xs_r(s, &t, &xs_dom0, "/cnt", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");
	assert_int_equal(xs_r(s, &t, &xs_dom0, "/newnode", buf, sizeof(buf)), ENOENT);
	assert_int_equal(xs_ls(s, &t, &xs_dom0, "/", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cnt");
	/* its own writes are visible to it only */
	assert_int_equal(xs_w(s, &t, &xs_dom0, "/mine/x", "m"), 0);
	assert_int_equal(xs_r(s, &t, &xs_dom0, "/mine/x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "m");
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/mine/x", buf, sizeof(buf)), ENOENT);
	assert_int_equal(xs_ls(s, NULL, &xs_dom0, "/", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cnt,newnode");
	assert_true(s->hist_versions > 0);
	/* it read /cnt, which changed: conflict */
	assert_int_equal(xs_txn_validate(s, &t), EAGAIN);
	xs_txn_abort(s, &t);
	assert_int_equal(s->hist_versions, 0);
	assert_int_equal(s->pending_versions, 0);
	assert_int_equal(s->ngcq, 0);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/mine", buf, sizeof(buf)), ENOENT);
	assert_sound(s);
}

static void test_txn_commit(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/s/a/b", "x"), 0);
	xs_txn_begin(s, &t);
	assert_int_equal(xs_rmp(s, &t, &xs_dom0, "/s"), 0);
	assert_int_equal(xs_r(s, &t, &xs_dom0, "/s/a/b", buf, sizeof(buf)), ENOENT);
	assert_int_equal(xs_w(s, &t, &xs_dom0, "/s/a/c", "y"), 0);
	assert_int_equal(xs_ls(s, &t, &xs_dom0, "/s/a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "c");
	/* unrelated activity does not conflict */
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/other", "o"), 0);
	assert_int_equal(xs_txn_validate(s, &t), 0);
	xs_txn_commit(s, &t);
	assert_int_equal(xs_ls(s, NULL, &xs_dom0, "/s/a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "c");
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/s/a/c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "y");
	assert_int_equal(s->hist_versions, 0);
	assert_int_equal(s->ngcq, 0);
	assert_int_equal(s->nnodes, 5);
	assert_sound(s);
}

static void test_txn_conflicts(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t1, t2;
	char buf[64];

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/cnt", "0"), 0);
	/* read-modify-write race: second committer loses */
	xs_txn_begin(s, &t1);
	xs_txn_begin(s, &t2);
	assert_int_equal(xs_r(s, &t1, &xs_dom0, "/cnt", buf, sizeof(buf)), 0);
	assert_int_equal(xs_r(s, &t2, &xs_dom0, "/cnt", buf, sizeof(buf)), 0);
	assert_int_equal(xs_w(s, &t1, &xs_dom0, "/cnt", "1"), 0);
	assert_int_equal(xs_w(s, &t2, &xs_dom0, "/cnt", "1"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), 0);
	xs_txn_commit(s, &t1);
	assert_int_equal(xs_txn_validate(s, &t2), EAGAIN);
	xs_txn_abort(s, &t2);
	/* blind writes by privileged callers serialize without conflict */
	xs_txn_begin(s, &t1);
	xs_txn_begin(s, &t2);
	assert_int_equal(xs_w(s, &t1, &xs_dom0, "/cnt", "5"), 0);
	assert_int_equal(xs_w(s, &t2, &xs_dom0, "/cnt", "6"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), 0);
	xs_txn_commit(s, &t1);
	assert_int_equal(xs_txn_validate(s, &t2), 0);
	xs_txn_commit(s, &t2);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/cnt", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6");
	/* rewriting the same value is not a change */
	xs_txn_begin(s, &t1);
	assert_int_equal(xs_r(s, &t1, &xs_dom0, "/cnt", buf, sizeof(buf)), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/cnt", "6"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), 0);
	xs_txn_commit(s, &t1);
	/* a listed directory gaining a child conflicts */
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/dir/a", "1"), 0);
	xs_txn_begin(s, &t1);
	assert_int_equal(xs_ls(s, &t1, &xs_dom0, "/dir", buf, sizeof(buf)), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/dir/b", "1"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), EAGAIN);
	xs_txn_abort(s, &t1);
	/* reading a missing node that then appears conflicts */
	xs_txn_begin(s, &t1);
	assert_int_equal(xs_r(s, &t1, &xs_dom0, "/dir/c/d", buf, sizeof(buf)), ENOENT);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/dir/c/d", "1"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), EAGAIN);
	xs_txn_abort(s, &t1);
	/* removing a subtree that gained a node meanwhile conflicts */
	xs_txn_begin(s, &t1);
	assert_int_equal(xs_rmp(s, &t1, &xs_dom0, "/dir"), 0);
	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/dir/c/e", "1"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), EAGAIN);
	xs_txn_abort(s, &t1);
	/* both create the same node: the second conflicts */
	xs_txn_begin(s, &t1);
	xs_txn_begin(s, &t2);
	assert_int_equal(xs_w(s, &t1, &xs_dom0, "/dir/new", "1"), 0);
	assert_int_equal(xs_w(s, &t2, &xs_dom0, "/dir/new", "2"), 0);
	assert_int_equal(xs_txn_validate(s, &t1), 0);
	xs_txn_commit(s, &t1);
	assert_int_equal(xs_txn_validate(s, &t2), EAGAIN);
	xs_txn_abort(s, &t2);
	assert_int_equal(xs_r(s, NULL, &xs_dom0, "/dir/new", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(s->hist_versions, 0);
	assert_int_equal(s->pending_versions, 0);
	assert_int_equal(s->ngcq, 0);
	assert_sound(s);
}

static void test_txn_quota(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t;
	char path[64];
	unsigned i;
	int err = 0;

	assert_int_equal(xs_w(s, NULL, &xs_dom0, "/local/domain/5", ""), 0);
	assert_int_equal(set_perms(s, NULL, &xs_dom0, "/local/domain/5", "n5"), 0);
	xs_txn_begin(s, &t);
	for (i = 1; i < 2000 && !err; i++) {
		snprintf(path, sizeof(path), "/local/domain/5/t%u", i);
		err = xs_w(s, &t, &dom5, path, "v");
	}
	assert_int_equal(err, ENOSPC);
	assert_int_equal(xs_txn_owner_delta(&t, 5), xs_test_limits.nodes - 1);
	xs_txn_abort(s, &t);
	assert_int_equal(xs_store_owner_nodes(s, 5), 1);
}

/* Many interleaved transactions and plain writes keep the store sound
 * and leave nothing behind. */
static void test_txn_stress(void **state)
{
	struct xs_store *s = *state;
	struct xs_txn t[4];
	bool open[4] = { false };
	char path[64], buf[64];
	unsigned i, seed = 12345;

	for (i = 0; i < 20000; i++) {
		unsigned r, k;
		seed = seed * 1103515245 + 12345;
		r = (seed >> 8) % 100;
		k = (seed >> 20) % 4;
		snprintf(path, sizeof(path), "/st/%u/%u", (seed >> 4) % 7,
			 (seed >> 12) % 11);
		if (r < 10 && !open[k]) {
			xs_txn_begin(s, &t[k]);
			open[k] = true;
		} else if (r < 20 && open[k]) {
			if (xs_txn_validate(s, &t[k]) == 0)
				xs_txn_commit(s, &t[k]);
			else
				xs_txn_abort(s, &t[k]);
			open[k] = false;
		} else if (r < 60) {
			xs_w(s, open[k] ? &t[k] : NULL, &xs_dom0, path, path);
		} else if (r < 75) {
			xs_rmp(s, open[k] ? &t[k] : NULL, &xs_dom0, path + 3 * (r & 1));
		} else {
			xs_r(s, open[k] ? &t[k] : NULL, &xs_dom0, path, buf, sizeof(buf));
		}
		if (i % 1000 == 0)
			assert_sound(s);
	}
	for (i = 0; i < 4; i++)
		if (open[i])
			xs_txn_abort(s, &t[i]);
	assert_int_equal(s->hist_versions, 0);
	assert_int_equal(s->pending_versions, 0);
	assert_int_equal(s->ngcq, 0);
	assert_sound(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_perms_parse_format),
		cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perms_keep_long_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_stress, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
