/* Writing and removing a device's xenstore directories (see nodes.h). */
#include "nodes.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void node_add(struct node_set *s, const char *key, const char *fmt, ...)
{
    if (s->count >= NODES_MAX)
        return;
    struct node *n = &s->n[s->count++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->value, sizeof(n->value), fmt, ap);
    va_end(ap);
    n->key = key;
    n->dom0_owned = false;
}

void nodes_paths(const char *kind, uint32_t domid, uint32_t dev, char *be, size_t belen,
                 char *fe, size_t felen)
{
    snprintf(be, belen, "/local/domain/0/backend/%s/%u/%u", kind, domid, dev);
    snprintf(fe, felen, "/local/domain/%u/device/%s/%u", domid, kind, dev);
}

static bool perms(struct xs_handle *xs, xs_transaction_t t, const char *path,
                  unsigned owner, unsigned reader)
{
    struct xs_permissions p[2] = {
        { .id = owner, .perms = XS_PERM_NONE },
        { .id = reader, .perms = XS_PERM_READ },
    };
    return xs_set_permissions(xs, t, path, p, owner == reader ? 1 : 2);
}

static bool put(struct xs_handle *xs, xs_transaction_t t, const char *path, const char *v)
{
    return xs_write(xs, t, path, v, (unsigned)strlen(v));
}

/* mkdir path with its permissions unless it exists (then leave it as is). */
static bool ensure_dir(struct xs_handle *xs, xs_transaction_t t, const char *path,
                       unsigned owner, unsigned reader)
{
    unsigned len;
    char *v = xs_read(xs, t, path, &len);
    if (v) {
        free(v);
        return true;
    }
    return xs_mkdir(xs, t, path) && perms(xs, t, path, owner, reader);
}

int nodes_write(struct xs_handle *xs, const char *kind, uint32_t domid, uint32_t dev,
                const struct node_set *back, const struct node_set *front,
                int (*check)(struct xs_handle *, xs_transaction_t, void *, char *, size_t),
                void *arg, char *err, size_t errlen)
{
    char be[128], fe[128], p[192];
    nodes_paths(kind, domid, dev, be, sizeof(be), fe, sizeof(fe));

    for (int attempt = 0; attempt < 16; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL) {
            snprintf(err, errlen, "xenstore: cannot start a transaction: %s", strerror(errno));
            return -1;
        }
        if (check && check(xs, t, arg, err, errlen)) {
            xs_transaction_end(xs, t, true);
            return -1;
        }
        bool ok = true;
        /* Parents: libxl's layout (backend/KIND/D dom0's only; the
         * frontend's device/KIND dom0's, the guest may read). */
        snprintf(p, sizeof(p), "/local/domain/0/backend/%s", kind);
        ok = ok && ensure_dir(xs, t, p, 0, 0);
        snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u", kind, domid);
        ok = ok && ensure_dir(xs, t, p, 0, 0);
        snprintf(p, sizeof(p), "/local/domain/%u/device", domid);
        ok = ok && ensure_dir(xs, t, p, 0, domid);
        snprintf(p, sizeof(p), "/local/domain/%u/device/%s", domid, kind);
        ok = ok && ensure_dir(xs, t, p, 0, domid);
        /* The directories replace whatever a crashed attach left. */
        xs_rm(xs, t, be);
        xs_rm(xs, t, fe);
        ok = ok && xs_mkdir(xs, t, be) && perms(xs, t, be, 0, domid);
        ok = ok && xs_mkdir(xs, t, fe) && perms(xs, t, fe, domid, 0);
        for (size_t i = 0; ok && i < back->count; i++) {
            snprintf(p, sizeof(p), "%s/%s", be, back->n[i].key);
            ok = put(xs, t, p, back->n[i].value);
        }
        for (size_t i = 0; ok && i < front->count; i++) {
            snprintf(p, sizeof(p), "%s/%s", fe, front->n[i].key);
            ok = put(xs, t, p, front->n[i].value) &&
                 (!front->n[i].dom0_owned || perms(xs, t, p, 0, domid));
        }
        if (!ok) {
            int e = errno;
            xs_transaction_end(xs, t, true);
            snprintf(err, errlen, "xenstore: cannot write %s: %s", be, strerror(e));
            return -1;
        }
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN) {
            snprintf(err, errlen, "xenstore: cannot commit %s: %s", be, strerror(errno));
            return -1;
        }
    }
    snprintf(err, errlen, "xenstore: %s: too many conflicting transactions", be);
    return -1;
}

int nodes_remove(struct xs_handle *xs, const char *kind, uint32_t domid, uint32_t dev,
                 char *err, size_t errlen)
{
    char be[128], fe[128];
    nodes_paths(kind, domid, dev, be, sizeof(be), fe, sizeof(fe));
    for (int attempt = 0; attempt < 16; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            break;
        xs_rm(xs, t, fe);
        xs_rm(xs, t, be);
        /* backend/KIND/D goes with its last device, as libxl leaves it */
        char parent[128];
        unsigned n = 1;
        snprintf(parent, sizeof(parent), "/local/domain/0/backend/%s/%u", kind, domid);
        free(xs_directory(xs, t, parent, &n));
        if (n == 0)
            xs_rm(xs, t, parent);
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            break;
    }
    snprintf(err, errlen, "xenstore: cannot remove %s: %s", be, strerror(errno));
    return -1;
}
