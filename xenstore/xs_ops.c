/*
 * One handler per message type. Argument formats and error choices follow
 * Xen: exactly the strings each message takes (oxenstored's strictness),
 * EACCES for privileged-only messages from guests, EIO for a transaction
 * id the connection does not hold (as oxenstored), ENOSYS for unknown
 * types. Watch events caused by a request are decided during it and sent
 * right after its reply.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_persist.h"

#define DOMID_SELF_ID 0x7ff0u

struct req {
	struct xs_conn *conn;
	struct xs_core *c;
	const struct xsd_sockmsg *hdr;
	const char *p;             /* payload, nul-guarded */
	uint32_t len;
	struct xs_ctxn *t;
};

static struct xs_access acc(struct req *r)
{
	struct xs_access a = {
		&r->c->store, r->t ? &r->t->st : NULL, &r->conn->id, &r->c->lim
	};
	return a;
}

/* oxenstored's int_of_string: decimal or 0x hex, whole string. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return EINVAL;
		if (v > (max - d) / base)
			return EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* oxenstored's lenient C-style parse: skip non-digits, read digits. */
static uint32_t parse_lenient(const char *s)
{
	uint32_t v = 0;

	while (*s && (*s < '0' || *s > '9'))
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Exactly n nul-terminated strings filling the payload. */
static bool exact_args(struct req *r, unsigned n)
{
	return r->len && !r->p[r->len - 1] && xs_arg_count(r->p, r->len) == n;
}

static int canon(struct req *r, const char *in, unsigned *rel)
{
	return xs_path_canon(in, r->conn->id.domid, r->c->lim.path_max,
			     r->c->path, sizeof(r->c->path), rel);
}

static void reply_err(struct req *r, int err)
{
	xs_reply_error(r->conn, r->hdr, err);
}

static void reply(struct req *r, const void *data, uint32_t len)
{
	xs_reply(r->conn, r->hdr, r->hdr->type, data, len);
}

/* ---- store operations ---------------------------------------------------- */

static void op_read(struct req *r)
{
	const char *arg = xs_arg_one(r->p, r->len);
	struct xs_access a = acc(r);
	struct xs_state st;
	int err;

	if (!arg || (err = canon(r, arg, NULL)) ||
	    (err = xs_access_read(&a, r->c->path, &st))) {
		reply_err(r, arg ? err : EINVAL);
		return;
	}
	reply(r, st.val, st.vlen);
}

static void op_get_perms(struct req *r)
{
	const char *arg = xs_arg_one(r->p, r->len);
	struct xs_access a = acc(r);
	struct xs_state st;
	char out[XENSTORE_PAYLOAD_MAX];
	int err, len;

	if (!arg || (err = canon(r, arg, NULL)) ||
	    (err = xs_access_get_perms(&a, r->c->path, &st))) {
		reply_err(r, arg ? err : EINVAL);
		return;
	}
	len = xs_perms_format(st.perms, out, sizeof(out));
	if (len < 0)
		reply_err(r, E2BIG);
	else
		reply(r, out, len);
}

/* Records a change for watches: now, or at commit in a transaction. */
static void changed(struct req *r, int op, const char *path,
		    const struct xs_permset *old)
{
	if (r->t) {
		if (xs_ctxn_log(r->t, op, path))
			r->t->st.oom = true;
		return;
	}
	xs_watch_fire(r->c, path, NULL, false, old);
}

static void op_write(struct req *r, bool mkdir)
{
	struct xs_access a = acc(r);
	const char *path = r->p, *val;
	uint32_t vlen;
	bool did;
	int err;

	if (mkdir) {
		if (!xs_arg_one(r->p, r->len)) {
			reply_err(r, EINVAL);
			return;
		}
		val = "";
		vlen = 0;
	} else {
		size_t plen = strnlen(r->p, r->len);
		if (plen == r->len) {   /* no nul: no path */
			reply_err(r, EINVAL);
			return;
		}
		val = r->p + plen + 1;
		vlen = r->len - plen - 1;
	}
	if ((err = canon(r, path, NULL)) ||
	    (err = xs_access_write(&a, r->c->path, val, vlen, mkdir, &did))) {
		reply_err(r, err);
		return;
	}
	if (did)
		changed(r, mkdir ? XS_OP_MKDIR : XS_OP_WRITE, r->c->path, NULL);
	xs_reply_ok(r->conn, r->hdr);
}

static void op_rm(struct req *r)
{
	const char *arg = xs_arg_one(r->p, r->len);
	struct xs_access a = acc(r);
	size_t mark = r->c->nfires, amark = r->c->arena_len;
	bool did;
	int err;

	if (!arg || (err = canon(r, arg, NULL))) {
		reply_err(r, arg ? err : EINVAL);
		return;
	}
	/* Outside a transaction the events need the subtree before it
	 * goes; they are dropped again if the removal fails. */
	if (!r->t)
		xs_watch_fire(r->c, r->c->path, NULL, true, NULL);
	err = xs_access_rm(&a, r->c->path, &did);
	if (err || !did) {
		r->c->nfires = mark;
		r->c->arena_len = amark;
	}
	if (err) {
		reply_err(r, err);
		return;
	}
	if (did && r->t && xs_ctxn_log(r->t, XS_OP_RM, r->c->path))
		r->t->st.oom = true;
	xs_reply_ok(r->conn, r->hdr);
}

static void op_set_perms(struct req *r)
{
	unsigned count = xs_arg_count(r->p, r->len);
	struct xs_perm e[XENSTORE_PAYLOAD_MAX / 2];
	const struct xs_permset *old = NULL;
	struct xs_access a = acc(r);
	int err;

	if (count < 2 || count - 1 > sizeof(e) / sizeof(e[0])) {
		reply_err(r, EINVAL);
		return;
	}
	if ((err = xs_perms_parse(xs_arg_nth(r->p, 1), count - 1, e)) ||
	    (err = canon(r, r->p, NULL)) ||
	    (err = xs_access_set_perms(&a, r->c->path, e, count - 1, &old))) {
		reply_err(r, err);
		return;
	}
	changed(r, XS_OP_SETPERMS, r->c->path, old);
	xs_permset_put(old);
	xs_reply_ok(r->conn, r->hdr);
}

static void op_directory(struct req *r)
{
	const char *arg = xs_arg_one(r->p, r->len);
	struct xs_access a = acc(r);
	struct xs_node *n;
	struct xs_state st;
	char out[XENSTORE_PAYLOAD_MAX];
	size_t len = 0;
	uint32_t i;
	int err;

	if (!arg || (err = canon(r, arg, NULL)) ||
	    (err = xs_access_directory(&a, r->c->path, &n, &st))) {
		reply_err(r, arg ? err : EINVAL);
		return;
	}
	for (i = 0; i < n->nkids; i++) {
		const struct xs_node *k = n->kids[i];
		if (!xs_node_visible(k, a.t))
			continue;
		if (len + k->namelen + 1 > XENSTORE_PAYLOAD_MAX) {
			reply_err(r, E2BIG);
			return;
		}
		memcpy(out + len, k->name, k->namelen + 1);
		len += k->namelen + 1;
	}
	reply(r, out, len);
}

/* XS_DIRECTORY_PART: "path\0offset\0" -> "gen\0" + names from the byte
 * offset into the full list, whole names only, with an extra nul when the
 * list ends (C xenstored's format, which libxenstore parses). */
static void op_directory_part(struct req *r)
{
	struct xs_access a = acc(r);
	char out[XENSTORE_PAYLOAD_MAX];
	size_t off, pos = 0, len, maxlen;
	struct xs_node *n;
	struct xs_state st;
	uint32_t i;
	int err, genlen;

	if (xs_arg_count(r->p, r->len) != 2) {
		reply_err(r, EINVAL);
		return;
	}
	off = strtoul(xs_arg_nth(r->p, 1), NULL, 10);
	if ((err = canon(r, r->p, NULL)) ||
	    (err = xs_access_directory(&a, r->c->path, &n, &st))) {
		reply_err(r, err);
		return;
	}
	genlen = snprintf(out, sizeof(out), "%" PRIu64, st.gen) + 1;
	len = genlen;
	maxlen = XENSTORE_PAYLOAD_MAX - 1;
	for (i = 0; i < n->nkids; i++) {
		const struct xs_node *k = n->kids[i];
		size_t kl = k->namelen + 1, skip = 0;
		if (!xs_node_visible(k, a.t))
			continue;
		if (pos + kl <= off) {
			pos += kl;
			continue;
		}
		if (off > pos)
			skip = off - pos;   /* a client offset inside a name */
		if (len + kl - skip > maxlen)
			break;
		memcpy(out + len, k->name + skip, kl - skip);
		len += kl - skip;
		pos += kl;
	}
	if (i == n->nkids)
		out[len++] = 0;   /* end of the list */
	reply(r, out, len);
}

/* ---- watches -------------------------------------------------------------- */

static int watch_path(struct req *r, const char *in, unsigned *rel)
{
	size_t i, len = strlen(in);

	*rel = 0;
	if (in[0] != '@')
		return xs_path_canon(in, r->conn->id.domid,
				     r->conn->id.privileged ? 0 : r->c->lim.path_max,
				     r->c->path, sizeof(r->c->path), rel);
	/* "@name": a special watch, kept as given */
	if (len >= sizeof(r->c->path))
		return EINVAL;
	for (i = 1; i < len; i++) {
		char ch = in[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
		      ch == '_' || ch == '@'))
			return EINVAL;
	}
	memcpy(r->c->path, in, len + 1);
	return 0;
}

static void op_watch(struct req *r)
{
	const char *token;
	struct xs_watch *w;
	unsigned rel;
	int err;

	if (!exact_args(r, 2)) {
		reply_err(r, EINVAL);
		return;
	}
	token = xs_arg_nth(r->p, 1);
	if ((err = watch_path(r, r->p, &rel)) ||
	    (err = xs_watch_add(r->c, r->conn, r->c->path, rel, token, &w))) {
		reply_err(r, err);
		return;
	}
	xs_persist_watch(r->c, w, true);
	xs_reply_ok(r->conn, r->hdr);
	/* Fired once at once, as Xen does: the path as the client gave it. */
	xs_send_event(r->conn, r->p, strlen(r->p), token);
}

static void op_unwatch(struct req *r)
{
	unsigned rel;
	int err;

	if (!exact_args(r, 2)) {
		reply_err(r, EINVAL);
		return;
	}
	if ((err = watch_path(r, r->p, &rel))) {
		reply_err(r, err);
		return;
	}
	xs_persist_unwatch(r->c, r->conn, r->c->path, xs_arg_nth(r->p, 1));
	if ((err = xs_watch_remove(r->c, r->conn, r->c->path,
				   xs_arg_nth(r->p, 1)))) {
		reply_err(r, err);
		return;
	}
	xs_reply_ok(r->conn, r->hdr);
}

static void op_reset_watches(struct req *r)
{
	xs_persist_unwatch(r->c, r->conn, NULL, NULL);
	xs_conn_reset(r->conn);
	xs_reply_ok(r->conn, r->hdr);
}

/* ---- domains ---------------------------------------------------------------- */

static void op_get_domain_path(struct req *r)
{
	char out[40];
	int len;

	if (!exact_args(r, 1)) {
		reply_err(r, EINVAL);
		return;
	}
	len = xs_path_home(parse_lenient(r->p), out, sizeof(out));
	reply(r, out, len + 1);
}

static void op_introduce(struct req *r)
{
	uint64_t domid, mfn, port;
	int err;

	if (xs_arg_count(r->p, r->len) < 3 ||
	    parse_uint(r->p, 0xffff, &domid) ||
	    parse_uint(xs_arg_nth(r->p, 1), UINT64_MAX, &mfn) ||
	    parse_uint(xs_arg_nth(r->p, 2), 0xffffffffu, &port)) {
		reply_err(r, EINVAL);
		return;
	}
	err = xs_domain_introduce(r->c, r->conn, domid, mfn, port);
	if (err)
		reply_err(r, err);
	else
		xs_reply_ok(r->conn, r->hdr);
}

static void op_release(struct req *r)
{
	uint64_t domid;
	int err;

	if (!exact_args(r, 1) || parse_uint(r->p, 0xffff, &domid)) {
		reply_err(r, EINVAL);
		return;
	}
	/* Reply first: the releasing connection may be the released one. */
	err = xs_domain_find(r->c, domid) ? 0 : EINVAL;
	if (err) {
		reply_err(r, err);
		return;
	}
	xs_reply_ok(r->conn, r->hdr);
	xs_domain_release(r->c, domid);
}

static void op_is_introduced(struct req *r)
{
	struct xs_domain *d;
	uint64_t domid;

	if (xs_arg_count(r->p, r->len) < 1 || parse_uint(r->p, 0xffff, &domid)) {
		reply_err(r, EINVAL);
		return;
	}
	d = xs_domain_find(r->c, domid);
	reply(r, domid == DOMID_SELF_ID || (d && d->introduced) ? "T" : "F", 2);
}

static void op_resume(struct req *r)
{
	struct xs_domain *d;
	uint64_t domid;

	if (xs_arg_count(r->p, r->len) < 1 || parse_uint(r->p, 0xffff, &domid) ||
	    !(d = xs_domain_find(r->c, domid))) {
		reply_err(r, EINVAL);
		return;
	}
	d->shutdown = false;   /* a later shutdown fires @releaseDomain again */
	xs_reply_ok(r->conn, r->hdr);
}

static void op_set_target(struct req *r)
{
	int err;

	if (!exact_args(r, 2)) {
		reply_err(r, EINVAL);
		return;
	}
	err = xs_domain_set_target(r->c, parse_lenient(r->p),
				   parse_lenient(xs_arg_nth(r->p, 1)));
	if (err)
		reply_err(r, err);
	else
		xs_reply_ok(r->conn, r->hdr);
}

static void op_control(struct req *r)
{
	char out[XENSTORE_PAYLOAD_MAX];
	int len = xs_control(r->c, r->conn, r->p, r->len, out, sizeof(out));

	if (len < 0)
		reply_err(r, -len);
	else
		reply(r, out, len);
}

/* ---- dispatch -------------------------------------------------------------------- */

static bool privileged_only(uint32_t type)
{
	return type == XS_CONTROL || type == XS_INTRODUCE ||
	       type == XS_RELEASE || type == XS_IS_DOMAIN_INTRODUCED ||
	       type == XS_RESUME || type == XS_SET_TARGET;
}

void xs_ops_dispatch(struct xs_conn *conn, const struct xsd_sockmsg *hdr)
{
	struct req r = { conn, conn->core, hdr, conn->core->req, hdr->len, NULL };
	uint32_t type = hdr->type;

	r.c->requests++;
	conn->requests++;
	xs_debug("%s: %s tx %u len %u", conn->label, xs_type_name(type),
		 hdr->tx_id, hdr->len);
	if (type >= XS_TYPE_COUNT || type == XS_WATCH_EVENT ||
	    type == XS_ERROR || type == XS_RESET_WATCHES - 1) {
		reply_err(&r, ENOSYS);
		return;
	}
	if (privileged_only(type) && !conn->id.privileged) {
		reply_err(&r, EACCES);
		return;
	}
	/* The read-only socket may look, not change domains. */
	if (!conn->id.can_write &&
	    (type == XS_INTRODUCE || type == XS_RELEASE ||
	     type == XS_SET_TARGET || type == XS_RESUME)) {
		reply_err(&r, EACCES);
		return;
	}
	if (hdr->tx_id && type != XS_WATCH && type != XS_UNWATCH) {
		r.t = xs_ctxn_find(conn, hdr->tx_id);
		if (!r.t) {
			reply_err(&r, EIO);
			return;
		}
		if (r.t->st.failed && type != XS_TRANSACTION_END) {
			reply_err(&r, EAGAIN);
			return;
		}
	}
	switch (type) {
	case XS_CONTROL:             op_control(&r); break;
	case XS_DIRECTORY:           op_directory(&r); break;
	case XS_READ:                op_read(&r); break;
	case XS_GET_PERMS:           op_get_perms(&r); break;
	case XS_WATCH:               op_watch(&r); break;
	case XS_UNWATCH:             op_unwatch(&r); break;
	case XS_TRANSACTION_START:   xs_op_txn_start(conn, hdr, r.t); break;
	case XS_TRANSACTION_END:     xs_op_txn_end(conn, hdr, r.t); break;
	case XS_INTRODUCE:           op_introduce(&r); break;
	case XS_RELEASE:             op_release(&r); break;
	case XS_GET_DOMAIN_PATH:     op_get_domain_path(&r); break;
	case XS_WRITE:               op_write(&r, false); break;
	case XS_MKDIR:               op_write(&r, true); break;
	case XS_RM:                  op_rm(&r); break;
	case XS_SET_PERMS:           op_set_perms(&r); break;
	case XS_IS_DOMAIN_INTRODUCED: op_is_introduced(&r); break;
	case XS_RESUME:              op_resume(&r); break;
	case XS_SET_TARGET:          op_set_target(&r); break;
	case XS_RESET_WATCHES:       op_reset_watches(&r); break;
	case XS_DIRECTORY_PART:      op_directory_part(&r); break;
	}
	/* Deferred flushes run last-queued first: queue the requester's reply
	 * before the watchers' events so the events go out first (watch
	 * latency; the requester is waiting for the reply either way). */
	if (r.c->nfires && conn->ops && conn->ops->kick)
		conn->ops->kick(conn);
	xs_watch_flush(r.c);
	/* An old transaction must not pin history without bound. */
	if (r.c->store.hist_versions > r.c->history_max)
		xs_txn_limit_history(&r.c->store, r.c->history_max);
}
