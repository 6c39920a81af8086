/* Snapshot + write-ahead log (see xs_persist.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_persist.h"

#define FRAME_MAGIC 0x46585650u   /* "PVXF" */
#define FRAME_HDR 12u
#define SNAP_CHUNK (1u << 20)
/* Fixed: a turn with more records than this goes to a snapshot instead
 * (so no log frame is ever larger than the log). */
#define WAL_CAP (8u << 20)

enum { R_NODE = 1, R_DEL, R_DOMAIN, R_RELEASE, R_WATCH, R_UNWATCH };

struct xs_persist {
	char *path, *wal_path, *tmp_path;
	int wal_fd;
	/* The log is a shared file mapping: appending is a memcpy, and what
	 * is copied survives a crash of the process (it is the file's page
	 * cache). No system call per turn. */
	char *wal_map;              /* WAL_CAP bytes when mapped */
	size_t wal_dropped;
	size_t wal_size, snap_size;
	char *batch;                /* frame being built: header + records */
	size_t blen, bcap;
	bool broken;
};

/* ---- encoding -------------------------------------------------------------- */

static uint32_t crc_table[256];

static uint32_t crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t c = 0xffffffffu;

	if (!crc_table[1]) {
		uint32_t i, j;
		for (i = 0; i < 256; i++) {
			uint32_t v = i;
			for (j = 0; j < 8; j++)
				v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
			crc_table[i] = v;
		}
	}
	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static bool reserve(struct xs_persist *p, size_t n)
{
	if (p->blen + n <= p->bcap)
		return true;
	size_t cap = p->bcap ? p->bcap : 4096;
	while (cap < p->blen + n)
		cap *= 2;
	char *b = realloc(p->batch, cap);
	if (!b)
		return false;
	p->batch = b;
	p->bcap = cap;
	return true;
}

static void put(struct xs_persist *p, const void *data, size_t n)
{
	memcpy(p->batch + p->blen, data, n);
	p->blen += n;
}

static void put32(struct xs_persist *p, uint32_t v)
{
	put(p, &v, 4);
}

static bool rec_begin(struct xs_persist *p, uint8_t type, size_t maxlen)
{
	if (p->broken)
		return false;
	if (!p->blen) {
		if (!reserve(p, FRAME_HDR))
			goto oom;
		p->blen = FRAME_HDR;
	}
	if (!reserve(p, 5 + maxlen))
		goto oom;
	put(p, &type, 1);
	put32(p, 0);   /* length, patched by rec_end */
	return true;
oom:
	xs_err("persistence: out of memory; the store is no longer saved");
	p->broken = true;
	return false;
}

static void rec_end(struct xs_persist *p, size_t start)
{
	uint32_t len = (uint32_t)(p->blen - start - 5);

	memcpy(p->batch + start + 1, &len, 4);
}

static void rec_node(struct xs_persist *p, struct xs_node *n)
{
	char path[XS_PATH_CAP];
	int plen = xs_node_path(n, path, sizeof(path));
	size_t start = p->blen ? p->blen : FRAME_HDR;
	uint16_t np;
	unsigned i;

	if (plen < 0)
		return;
	if (!n->perms) {
		if (!rec_begin(p, R_DEL, plen + 1))
			return;
		put(p, path, plen + 1);
		rec_end(p, start);
		return;
	}
	np = n->perms->n;
	if (!rec_begin(p, R_NODE, 2 + np * 5 + 4 + n->vlen + plen + 1))
		return;
	put(p, &np, 2);
	for (i = 0; i < np; i++) {
		put32(p, n->perms->e[i].id);
		put(p, &n->perms->e[i].perm, 1);
	}
	put32(p, n->vlen);
	put(p, xs_node_val(n), n->vlen);
	put(p, path, plen + 1);
	rec_end(p, start);
}

static void rec_domain(struct xs_persist *p, const struct xs_domain *d)
{
	size_t start = p->blen ? p->blen : FRAME_HDR;

	if (!rec_begin(p, R_DOMAIN, 20))
		return;
	put32(p, d->domid);
	put(p, &d->mfn, 8);
	put32(p, d->port);
	put32(p, d->target);
	rec_end(p, start);
}

static void rec_watch(struct xs_persist *p, uint8_t type, uint32_t domid,
		      uint32_t rel_len, const char *path, const char *token)
{
	size_t start = p->blen ? p->blen : FRAME_HDR;
	size_t pl = strlen(path) + 1, tl = strlen(token) + 1;

	if (!rec_begin(p, type, 8 + pl + tl))
		return;
	put32(p, domid);
	if (type == R_WATCH)
		put32(p, rel_len);
	put(p, path, pl);
	put(p, token, tl);
	rec_end(p, start);
}

/* ---- recording hooks ----------------------------------------------------------- */

void xs_persist_node(void *core, struct xs_node *n)
{
	struct xs_core *c = core;

	if (c->persist)
		rec_node(c->persist, n);
}

void xs_persist_domain(struct xs_core *c, struct xs_domain *d)
{
	if (c->persist)
		rec_domain(c->persist, d);
}

void xs_persist_release(struct xs_core *c, uint32_t domid)
{
	struct xs_persist *p = c->persist;
	size_t start;

	if (!p)
		return;
	start = p->blen ? p->blen : FRAME_HDR;
	if (!rec_begin(p, R_RELEASE, 4))
		return;
	put32(p, domid);
	rec_end(p, start);
}

void xs_persist_watch(struct xs_core *c, struct xs_watch *w, bool add)
{
	/* Only domains' rings outlive us; socket clients reconnect. */
	if (!c->persist || !w->conn->dom)
		return;
	rec_watch(c->persist, add ? R_WATCH : R_UNWATCH, w->conn->id.domid,
		  w->rel_len, w->path, w->token);
}

void xs_persist_unwatch(struct xs_core *c, struct xs_conn *conn,
			const char *path, const char *token)
{
	if (!c->persist || !conn->dom)
		return;
	rec_watch(c->persist, R_UNWATCH, conn->id.domid, 0, path ? path : "",
		  token ? token : "");
}

/* ---- writing ------------------------------------------------------------------- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += w;
		len -= w;
	}
	return 0;
}

/* Seals the batch as a frame; returns its length. */
static size_t seal(struct xs_persist *p)
{
	uint32_t magic = FRAME_MAGIC, len = (uint32_t)(p->blen - FRAME_HDR);
	uint32_t crc = crc32(p->batch + FRAME_HDR, len);

	memcpy(p->batch, &magic, 4);
	memcpy(p->batch + 4, &len, 4);
	memcpy(p->batch + 8, &crc, 4);
	return p->blen;
}

/* (Re)creates an empty log file of WAL_CAP bytes and maps it. */
static int wal_reset(struct xs_persist *p)
{
	if (p->wal_map)
		munmap(p->wal_map, WAL_CAP);
	p->wal_map = NULL;
	p->wal_size = p->wal_dropped = 0;
	if (ftruncate(p->wal_fd, 0) || ftruncate(p->wal_fd, WAL_CAP))
		return errno;
	p->wal_map = mmap(NULL, WAL_CAP, PROT_READ | PROT_WRITE, MAP_SHARED,
			  p->wal_fd, 0);
	if (p->wal_map == MAP_FAILED) {
		p->wal_map = NULL;
		return errno;
	}
	return 0;
}

int xs_persist_flush(struct xs_core *c)
{
	struct xs_persist *p = c->persist;
	uint32_t magic = FRAME_MAGIC;

	if (!p || !p->blen || p->broken)
		return 0;
	seal(p);
	if (!p->wal_map || p->wal_size + p->blen > WAL_CAP ||
	    (p->wal_size > (4u << 20) && p->wal_size > 2 * p->snap_size)) {
		/* Full, outgrown the snapshot, or a turn bigger than the
		 * whole log: the snapshot (written in chunks) takes this
		 * turn's changes too, and the log starts again. */
		return xs_persist_snapshot(c);
	}
	/* The frame's magic goes last: a crash in between leaves a frame
	 * replay does not accept. */
	memcpy(p->wal_map + p->wal_size + 4, p->batch + 4, p->blen - 4);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(p->wal_map + p->wal_size, &magic, 4);
	p->wal_size += p->blen;
	p->blen = 0;
	/* Written pages stay in the file; they need not count as ours. */
	if (p->wal_size - p->wal_dropped >= (64u << 10)) {
		size_t end = p->wal_size & ~(size_t)4095;
		madvise(p->wal_map + p->wal_dropped, end - p->wal_dropped,
			MADV_DONTNEED);
		p->wal_dropped = end;
	}
	return 0;
}

struct snap_ctx {
	struct xs_persist *p;
	int fd;
	int err;
};

static void snap_maybe_flush(struct snap_ctx *s)
{
	struct xs_persist *p = s->p;

	if (s->err || p->blen < SNAP_CHUNK)
		return;
	seal(p);
	s->err = write_all(s->fd, p->batch, p->blen);
	p->snap_size += p->blen;
	p->blen = 0;
}

static void snap_nodes(struct snap_ctx *s, struct xs_node *n)
{
	uint32_t i;

	if (!n->perms || s->err)
		return;
	rec_node(s->p, n);
	snap_maybe_flush(s);
	for (i = 0; i < n->nkids; i++)
		snap_nodes(s, n->kids[i]);
}

int xs_persist_snapshot(struct xs_core *c)
{
	struct xs_persist *p = c->persist;
	struct snap_ctx s = { p, -1, 0 };
	struct xs_domain *d;
	char *pending = NULL;

	if (!p || p->broken)
		return EIO;
	/* Records of this turn not yet logged are in the snapshot anyway. */
	if (p->blen) {
		pending = p->batch;
		p->batch = NULL;
		p->bcap = p->blen = 0;
	}
	s.fd = open(p->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s.fd < 0) {
		s.err = errno;
		goto out;
	}
	p->snap_size = 0;
	snap_nodes(&s, c->store.root);
	for (d = c->domains; d && !s.err; d = d->next) {
		struct xs_watch *w;
		rec_domain(p, d);
		for (w = d->conn ? d->conn->watches : NULL; w; w = w->conn_next)
			rec_watch(p, R_WATCH, d->domid, w->rel_len, w->path, w->token);
		snap_maybe_flush(&s);
	}
	if (!s.err && p->blen) {
		seal(p);
		s.err = write_all(s.fd, p->batch, p->blen);
		p->snap_size += p->blen;
		p->blen = 0;
	}
	if (!s.err && fsync(s.fd))
		s.err = errno;
	if (close(s.fd) && !s.err)
		s.err = errno;
	if (!s.err && rename(p->tmp_path, p->path))
		s.err = errno;
	if (!s.err)
		s.err = wal_reset(p);
out:
	free(pending);
	/* a snapshot needs a big buffer; a turn's records a small one */
	free(p->batch);
	p->batch = NULL;
	p->bcap = p->blen = 0;
	if (s.err) {
		unlink(p->tmp_path);
		xs_err("persistence: snapshot %s: %s", p->path, strerror(s.err));
	} else {
		xs_info("snapshot written: %s (%zu bytes)", p->path, p->snap_size);
	}
	return s.err;
}

/* ---- replay ------------------------------------------------------------------------ */

struct dom_rec {
	uint32_t domid, port, target;
	uint64_t mfn;
	bool live;
	char *watches;      /* rel_len(4) path\0 token\0 ... */
	size_t wlen;
};

struct replay {
	struct xs_core *c;
	struct dom_rec *doms;
	size_t ndoms;
	uint64_t records;
};

static struct dom_rec *dom_get(struct replay *r, uint32_t domid, bool create)
{
	size_t i;
	struct dom_rec *d;

	for (i = 0; i < r->ndoms; i++)
		if (r->doms[i].domid == domid)
			return &r->doms[i];
	if (!create)
		return NULL;
	d = realloc(r->doms, (r->ndoms + 1) * sizeof(*d));
	if (!d)
		return NULL;
	r->doms = d;
	d = &r->doms[r->ndoms++];
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	return d;
}

static void watches_drop(struct dom_rec *d, const char *path,
			 const char *token)
{
	size_t off = 0;

	while (off < d->wlen) {
		const char *wp = d->watches + off + 4;
		const char *wt = wp + strlen(wp) + 1;
		size_t len = 4 + strlen(wp) + 1 + strlen(wt) + 1;
		if (!*path || (!strcmp(wp, path) && !strcmp(wt, token))) {
			memmove(d->watches + off, d->watches + off + len,
				d->wlen - off - len);
			d->wlen -= len;
		} else {
			off += len;
		}
	}
}

static int replay_node(struct replay *r, const char *b, uint32_t len)
{
	struct xs_store *s = &r->c->store;
	struct xs_perm *e;
	const struct xs_permset *perms;
	uint16_t np;
	uint32_t vlen, i;
	const char *val, *path, *p;
	struct xs_node *n;

	/* Any count the writer's uint16_t holds (dom0 may set thousands). */
	if (len < 6)
		return -1;
	memcpy(&np, b, 2);
	if (!np || len < 2u + np * 5u + 4u)
		return -1;
	memcpy(&vlen, b + 2 + np * 5, 4);
	if (vlen > len || len < 2u + np * 5u + 4u + vlen + 2u)
		return -1;
	val = b + 2 + np * 5 + 4;
	path = val + vlen;
	if (path[len - (path - b) - 1] || path[0] != '/')
		return -1;
	if (!(e = malloc(np * sizeof(*e))))
		return -1;
	for (i = 0; i < np; i++) {
		memcpy(&e[i].id, b + 2 + i * 5, 4);
		e[i].perm = (uint8_t)b[2 + i * 5 + 4];
	}
	perms = xs_permset_get(e, np);
	free(e);
	if (!perms)
		return -1;
	n = s->root;
	p = path + 1;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t cl = end ? (size_t)(end - p) : strlen(p);
		if (!cl || !(n = xs_node_kid_insert(s, n, p, cl)))
			break;
		p += cl + (end ? 1 : 0);
		/* missing parents (should not happen): create them empty */
		if (*p && !n->perms)
			xs_store_commit_node(s, n, perms, "", 0, ++s->gen);
	}
	if (n)
		xs_store_commit_node(s, n, perms, val, vlen, ++s->gen);
	xs_permset_put(perms);
	return n ? 0 : -1;
}

static int replay_record(struct replay *r, uint8_t type, const char *b,
			 uint32_t len)
{
	struct xs_store *s = &r->c->store;
	struct dom_rec *d;
	uint32_t domid;

	r->records++;
	switch (type) {
	case R_NODE:
		return replay_node(r, b, len);
	case R_DEL: {
		struct xs_node *n;
		if (!len || b[len - 1])
			return -1;
		n = xs_store_walk(s, NULL, b, NULL, NULL);
		if (n && n->parent)
			xs_store_delete_tree(s, NULL, n, NULL, NULL);
		return 0;
	}
	case R_DOMAIN:
		if (len != 20)
			return -1;
		memcpy(&domid, b, 4);
		if (!(d = dom_get(r, domid, true)))
			return -1;
		memcpy(&d->mfn, b + 4, 8);
		memcpy(&d->port, b + 12, 4);
		memcpy(&d->target, b + 16, 4);
		d->live = true;
		return 0;
	case R_RELEASE:
		if (len != 4)
			return -1;
		memcpy(&domid, b, 4);
		if ((d = dom_get(r, domid, false))) {
			d->live = false;
			d->wlen = 0;
		}
		return 0;
	case R_WATCH:
	case R_UNWATCH: {
		uint32_t hdr = type == R_WATCH ? 8 : 4;
		const char *path = b + hdr, *token;
		if (len < hdr + 2 || b[len - 1])
			return -1;
		token = path + strnlen(path, len - hdr) + 1;
		if (token >= b + len)
			return -1;
		memcpy(&domid, b, 4);
		if (!(d = dom_get(r, domid, true)))
			return -1;
		watches_drop(d, path, token);
		if (type == R_WATCH) {
			size_t add = len - 4;   /* rel_len + path + token */
			char *w = realloc(d->watches, d->wlen + add);
			if (!w)
				return -1;
			d->watches = w;
			memcpy(d->watches + d->wlen, b + 4, add);
			d->wlen += add;
		}
		return 0;
	}
	}
	return -1;
}

/*
 * Replays one file; returns bytes of valid frames. A torn tail (the last
 * frame incomplete: a crash while it was written) is skipped with a
 * warning; a record inside an intact frame that cannot be replayed sets
 * *fatal: starting with part of the store would silently lose the rest.
 */
static size_t replay_file(struct replay *r, const char *path, bool *bad,
			  bool *fatal)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t good = 0;
	struct stat st;

	*bad = false;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !st.st_size)
		goto out;
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		*bad = true;
		goto out;
	}
	while (good + FRAME_HDR <= (size_t)st.st_size) {
		uint32_t magic, len, crc, off = 0;
		const char *f = buf + good;
		memcpy(&magic, f, 4);
		memcpy(&len, f + 4, 4);
		memcpy(&crc, f + 8, 4);
		if (magic != FRAME_MAGIC ||
		    (size_t)len > (size_t)st.st_size - good - FRAME_HDR ||
		    crc32(f + FRAME_HDR, len) != crc)
			break;
		f += FRAME_HDR;
		while (off < len) {
			uint32_t rl = 0;
			if (len - off >= 5)
				memcpy(&rl, f + off + 1, 4);
			if (len - off < 5 || rl > len - off - 5 ||
			    replay_record(r, (uint8_t)f[off], f + off + 5, rl)) {
				xs_err("persistence: %s: record of type %u at "
				       "offset %zu cannot be replayed",
				       path, (uint8_t)f[off],
				       good + FRAME_HDR + off);
				*fatal = true;
				goto out;
			}
			off += 5 + rl;
		}
		good += FRAME_HDR + len;
	}
	{
		size_t z = good;
		while (z < (size_t)st.st_size && !buf[z])
			z++;
		if (z == (size_t)st.st_size)   /* unused room of the log */
			good = z;
	}
	if (good != (size_t)st.st_size) {
		*bad = true;
		xs_warn("persistence: %s: ignoring %zu bytes after the last "
			"intact frame", path, (size_t)st.st_size - good);
	}
out:
	free(buf);
	close(fd);
	return good;
}

struct xs_persist *xs_persist_open(const char *path, int *err)
{
	struct xs_persist *p = calloc(1, sizeof(*p));
	size_t n = strlen(path);

	if (!p) {
		*err = ENOMEM;
		return NULL;
	}
	p->path = strdup(path);
	p->wal_path = malloc(n + 5);
	p->tmp_path = malloc(n + 5);
	if (!p->path || !p->wal_path || !p->tmp_path) {
		*err = ENOMEM;
		goto fail;
	}
	snprintf(p->wal_path, n + 5, "%s.wal", path);
	snprintf(p->tmp_path, n + 5, "%s.tmp", path);
	p->wal_fd = open(p->wal_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (p->wal_fd < 0) {
		*err = errno;
		goto fail;
	}
	return p;
fail:
	free(p->path);
	free(p->wal_path);
	free(p->tmp_path);
	free(p);
	return NULL;
}

void xs_persist_close(struct xs_persist *p)
{
	if (!p)
		return;
	if (p->wal_map)
		munmap(p->wal_map, WAL_CAP);
	close(p->wal_fd);
	free(p->batch);
	free(p->path);
	free(p->wal_path);
	free(p->tmp_path);
	free(p);
}

int xs_persist_load(struct xs_core *c, struct xs_persist *p, bool *restored)
{
	struct replay r = { c, NULL, 0, 0 };
	bool bad, fatal = false;
	size_t i, got;

	got = replay_file(&r, p->path, &bad, &fatal);
	if (bad && !fatal) {
		/* The snapshot is written whole and renamed into place: a
		 * damaged one is not a crash's torn tail. */
		xs_err("persistence: %s is damaged", p->path);
		fatal = true;
	}
	if (!fatal)
		got += replay_file(&r, p->wal_path, &bad, &fatal);
	if (fatal) {
		for (i = 0; i < r.ndoms; i++)
			free(r.doms[i].watches);
		free(r.doms);
		return EBADMSG;
	}
	*restored = r.records > 0;
	/* Reconnect the domains that were introduced, with their watches. */
	for (i = 0; i < r.ndoms; i++) {
		struct dom_rec *d = &r.doms[i];
		struct xs_domain *dom;
		size_t off = 0;

		if (!d->live)
			goto next;
		if (xs_domain_introduce(c, NULL, d->domid, d->mfn, d->port)) {
			xs_warn("persistence: domain %u could not be reconnected",
				d->domid);
			goto next;
		}
		dom = xs_domain_find(c, d->domid);
		if (d->target != XS_NO_TARGET)
			xs_domain_set_target(c, d->domid, d->target);
		while (dom && dom->conn && off < d->wlen) {
			uint32_t rel;
			const char *wp = d->watches + off + 4;
			const char *wt = wp + strlen(wp) + 1;
			memcpy(&rel, d->watches + off, 4);
			xs_watch_add(c, dom->conn, wp, rel, wt, NULL);
			off += 4 + strlen(wp) + 1 + strlen(wt) + 1;
		}
next:
		free(d->watches);
	}
	free(r.doms);
	xs_watch_flush(c);   /* nobody listens yet; just clears the list */
	if (*restored)
		xs_info("restored %llu records (%zu bytes) from %s",
			(unsigned long long)r.records, got, p->path);
	c->persist = p;
	c->store.hook = xs_persist_node;
	c->store.hook_arg = c;
	return xs_persist_snapshot(c);
}
