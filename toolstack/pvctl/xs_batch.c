/* Pipelined xenstore transactions (see xs_batch.h). */
#include "xs_batch.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

struct xs_batch_op {
    enum xsd_sockmsg_type type;
    char *msg;                   /* the payload */
    uint32_t len;
    unsigned npath;              /* the path's bytes, for errors */
    unsigned nperms;             /* SET_PERMS (libxenstore's form) */
    struct xs_permissions perms[2];
};

void xs_batch_init(struct xs_batch *b)
{
    memset(b, 0, sizeof(*b));
}

void xs_batch_free(struct xs_batch *b)
{
    for (unsigned i = 0; i < b->n; i++)
        free(b->ops[i].msg);
    free(b->ops);
    memset(b, 0, sizeof(*b));
}

/* payload: path NUL, then tail (tail_len bytes, NULs inside as given) */
static struct xs_batch_op *add(struct xs_batch *b, enum xsd_sockmsg_type type, const char *path,
                               const char *tail, size_t tail_len)
{
    size_t pl = strlen(path) + 1;
    if (b->oom || pl + tail_len > XENSTORE_PAYLOAD_MAX) {
        b->oom = true;
        return NULL;
    }
    if (b->n == b->cap) {
        unsigned cap = b->cap ? 2 * b->cap : 64;
        struct xs_batch_op *o = realloc(b->ops, cap * sizeof(*o));
        if (!o) {
            b->oom = true;
            return NULL;
        }
        b->ops = o;
        b->cap = cap;
    }
    struct xs_batch_op *op = &b->ops[b->n];
    memset(op, 0, sizeof(*op));
    if (!(op->msg = malloc(pl + tail_len))) {
        b->oom = true;
        return NULL;
    }
    memcpy(op->msg, path, pl);
    if (tail_len)
        memcpy(op->msg + pl, tail, tail_len);
    op->type = type;
    op->len = (uint32_t)(pl + tail_len);
    op->npath = (unsigned)pl - 1;
    b->n++;
    return op;
}

void xs_batch_write(struct xs_batch *b, const char *path, const char *value)
{
    if (value)
        add(b, XS_WRITE, path, value, strlen(value));
    else
        add(b, XS_MKDIR, path, NULL, 0);
}

void xs_batch_perms(struct xs_batch *b, const char *path, const struct xs_permissions *p, unsigned n)
{
    char tail[64];
    size_t len = 0;
    static const char letter[] = { 'n', 'r', 'w', 'b' };

    if (n > 2) {
        b->oom = true;
        return;
    }
    for (unsigned i = 0; i < n; i++)
        len += (size_t)snprintf(tail + len, sizeof(tail) - len, "%c%u", letter[p[i].perms & 3], p[i].id) + 1;
    struct xs_batch_op *op = add(b, XS_SET_PERMS, path, tail, len);
    if (op) {
        op->nperms = n;
        memcpy(op->perms, p, n * sizeof(*p));
    }
}

void xs_batch_rm(struct xs_batch *b, const char *path)
{
    add(b, XS_RM, path, NULL, 0);
}

/* ---- the raw connection (libxenstore's socket path) */
static int raw_fd = -2;          /* -2 not tried, -1 none */

static int raw_open(void)
{
    if (raw_fd != -2)
        return raw_fd;
    raw_fd = -1;
    const char *p = getenv("XENSTORED_PATH"), *dir = getenv("XENSTORED_RUNDIR");
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (p)
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", p);
    else
        snprintf(a.sun_path, sizeof(a.sun_path), "%s/socket", dir ? dir : "/var/run/xenstored");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        close(fd);
        return -1;
    }
    return raw_fd = fd;
}

static void raw_drop(void)
{
    if (raw_fd >= 0)
        close(raw_fd);
    raw_fd = -1;                 /* the rest of this run goes through libxenstore */
}

static int io_all(int fd, void *p, size_t n, bool wr)
{
    while (n) {
        ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (!r)
                errno = EPIPE;
            return -1;
        }
        p = (uint8_t *)p + r;
        n -= (size_t)r;
    }
    return 0;
}

/* one reply: 0 OK, a positive errno for XS_ERROR, -1 the connection */
static int raw_reply(uint32_t want_id, char *out, size_t outlen)
{
    struct xsd_sockmsg h;
    char body[XENSTORE_PAYLOAD_MAX + 1];

    if (io_all(raw_fd, &h, sizeof(h), false) || h.len > XENSTORE_PAYLOAD_MAX ||
        io_all(raw_fd, body, h.len, false) || h.req_id != want_id)
        return -1;
    body[h.len] = 0;
    if (h.type == XS_ERROR) {
        for (unsigned i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
            if (!strcmp(body, xsd_errors[i].errstring))
                return xsd_errors[i].errnum ? xsd_errors[i].errnum : EIO;
        return EIO;
    }
    if (out && outlen) {
        size_t n = h.len < outlen - 1 ? h.len : outlen - 1;
        memcpy(out, body, n);
        out[n] = 0;
    }
    return 0;
}

static size_t put_msg(char *buf, uint32_t type, uint32_t id, uint32_t tx, const void *p, uint32_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = id, .tx_id = tx, .len = len };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p, len);
    return sizeof(h) + len;
}

/* one request, its reply */
static int raw_single(uint32_t type, uint32_t tx, const void *p, uint32_t len, char *out, size_t outlen)
{
    char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    size_t n = put_msg(buf, type, 1, tx, p, len);
    if (io_all(raw_fd, buf, n, true))
        return -1;
    return raw_reply(1, out, outlen);
}

/* 0 done, EAGAIN to retry, another errno (err set), -1 the connection */
static int raw_commit(struct xs_batch *b, bool txn, char *err, size_t errlen)
{
    char txs[32];
    int rc = txn ? raw_single(XS_TRANSACTION_START, 0, "", 1, txs, sizeof(txs)) : 0;
    if (rc)
        return rc < 0 ? -1 : (snprintf(err, errlen, "xenstore transaction: %s", strerror(rc)), rc);
    uint32_t tx = txn ? (uint32_t)strtoul(txs, NULL, 10) : 0;
    size_t total = 0;
    for (unsigned i = 0; i < b->n; i++)
        total += sizeof(struct xsd_sockmsg) + b->ops[i].len;
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return -1;
    size_t at = 0;
    for (unsigned i = 0; i < b->n; i++)
        at += put_msg(buf + at, b->ops[i].type, i + 2, tx, b->ops[i].msg, b->ops[i].len);
    /* xenstored answers while we write: the requests fit its socket
     * buffer and ours holds the replies */
    int w = io_all(raw_fd, buf, at, true);
    free(buf);
    if (w)
        return -1;
    int first = 0;
    unsigned bad = 0;
    for (unsigned i = 0; i < b->n; i++) {
        int r = raw_reply(i + 2, NULL, 0);
        if (r < 0)
            return -1;
        if (r && !(b->ops[i].type == XS_RM && r == ENOENT) && !first) {
            first = r;
            bad = i;
        }
    }
    rc = txn ? raw_single(XS_TRANSACTION_END, tx, first ? "F" : "T", 2, NULL, 0) : 0;
    if (rc < 0)
        return -1;
    if (first) {
        snprintf(err, errlen, "writing %.*s to xenstore: %s", (int)b->ops[bad].npath, b->ops[bad].msg,
                 strerror(first));
        return first;
    }
    if (rc && rc != EAGAIN)
        snprintf(err, errlen, "xenstore transaction: %s", strerror(rc));
    return rc;
}

/* the same list through libxenstore */
static int lib_commit(struct xs_handle *xs, struct xs_batch *b, bool txn, char *err, size_t errlen)
{
    xs_transaction_t t = txn ? xs_transaction_start(xs) : XBT_NULL;
    int first = 0;
    if (txn && t == XBT_NULL) {
        snprintf(err, errlen, "xenstore transaction: %s", strerror(errno));
        return errno ? errno : EIO;
    }
    for (unsigned i = 0; i < b->n; i++) {
        struct xs_batch_op *o = &b->ops[i];
        const char *path = o->msg;
        bool ok;
        switch (o->type) {
        case XS_WRITE: ok = xs_write(xs, t, path, o->msg + o->npath + 1, o->len - o->npath - 1); break;
        case XS_MKDIR: ok = xs_mkdir(xs, t, path); break;
        case XS_RM: ok = xs_rm(xs, t, path) || errno == ENOENT; break;
        default: ok = xs_set_permissions(xs, t, path, o->perms, o->nperms); break;
        }
        if (!ok && !txn) {       /* each on its own: the rest still done */
            if (!first)
                snprintf(err, errlen, "writing %s to xenstore: %s", path, strerror(errno ? errno : EIO));
            first = first ? first : errno ? errno : EIO;
        } else if (!ok) {
            int e = errno ? errno : EIO;
            xs_transaction_end(xs, t, true);
            snprintf(err, errlen, "writing %s to xenstore: %s", path, strerror(e));
            return e;
        }
    }
    if (!txn)
        return first;
    if (xs_transaction_end(xs, t, false))
        return 0;
    if (errno != EAGAIN)
        snprintf(err, errlen, "xenstore transaction: %s", strerror(errno));
    return errno ? errno : EIO;
}

static int run(struct xs_handle *xs, struct xs_batch *b, bool txn, char *err, size_t errlen)
{
    if (b->oom) {
        snprintf(err, errlen, "out of memory for the xenstore requests");
        return -1;
    }
    for (int attempt = 0; attempt < 8; attempt++) {
        int rc = -1;
        if (raw_open() >= 0 && (rc = raw_commit(b, txn, err, errlen)) < 0)
            raw_drop();          /* the connection failed: libxenstore, from the start */
        if (rc < 0)
            rc = lib_commit(xs, b, txn, err, errlen);
        if (!rc)
            return 0;
        if (rc != EAGAIN)
            return -1;
    }
    snprintf(err, errlen, "xenstore transaction: %s", strerror(EAGAIN));
    return -1;
}

int xs_batch_commit(struct xs_handle *xs, struct xs_batch *b, char *err, size_t errlen)
{
    return run(xs, b, true, err, errlen);
}

int xs_batch_apply(struct xs_handle *xs, struct xs_batch *b, char *err, size_t errlen)
{
    return run(xs, b, false, err, errlen);
}

bool xs_batch_introduce(struct xs_handle *xs, uint32_t domid, uint64_t mfn, uint32_t port)
{
    char p[96];
    int n = snprintf(p, sizeof(p), "%u%c%llu%c%u", domid, 0, (unsigned long long)mfn, 0, port) + 1;
    if (raw_open() >= 0) {
        int rc = raw_single(XS_INTRODUCE, 0, p, (uint32_t)n, NULL, 0);
        if (rc >= 0) {
            errno = rc;
            return !rc;
        }
        raw_drop();
    }
    return xs_introduce_domain(xs, domid, mfn, port);
}
