/* The backend/frontend xenstore directories of one device (guide §5). */
#ifndef PVISOR_DEVICES_NODES_H
#define PVISOR_DEVICES_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#define NODES_MAX 32

/* One key under a device directory; dom0_owned: (n0,rD) under a frontend
 * directory the guest owns (the vif's mtu, as libxl writes it). */
struct node {
    const char *key;
    char value[256];
    bool dom0_owned;
};

struct node_set {
    struct node n[NODES_MAX];
    size_t count;
};

/* Append key=printf(...) to s (silently bounded by NODES_MAX; checked by the caller's test). */
void node_add(struct node_set *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "/local/domain/0/backend/KIND/D/DEV" and "/local/domain/D/device/KIND/DEV". */
void nodes_paths(const char *kind, uint32_t domid, uint32_t dev, char *be, size_t belen,
                 char *fe, size_t felen);

/*
 * Write both directories in one transaction: backend (n0,rD), frontend
 * (nD,r0), the parents created as libxl makes them.  check, when not NULL,
 * runs inside the same transaction first (refusals such as a disk in use),
 * so two concurrent writers cannot both pass it.  0 or -1 with err.
 */
int nodes_write(struct xs_handle *xs, const char *kind, uint32_t domid, uint32_t dev,
                const struct node_set *back, const struct node_set *front,
                int (*check)(struct xs_handle *, xs_transaction_t, void *, char *, size_t),
                void *arg, char *err, size_t errlen);

/* Remove both directories (missing ones are fine). */
int nodes_remove(struct xs_handle *xs, const char *kind, uint32_t domid, uint32_t dev,
                 char *err, size_t errlen);

#endif
