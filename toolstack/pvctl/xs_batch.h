/*
 * A list of xenstore writes applied in one transaction with the requests
 * pipelined: on a socket of its own to xenstored, START, then every request
 * in one write and their replies read after, then END - three round trips
 * where libxenstore takes one per request (a domain's ~75 requests were
 * 0.5-1 s of `pvctl create` under TCG). Without the socket (a dom0 whose
 * xenstored is reached through /dev/xen/xenbus only) the same list goes
 * through libxenstore, one request at a time.
 */
#ifndef PVCTL_XS_BATCH_H
#define PVCTL_XS_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

struct xs_batch_op;
struct xs_batch {
    struct xs_batch_op *ops;
    unsigned n, cap;
    bool oom;
};

void xs_batch_init(struct xs_batch *b);
void xs_batch_free(struct xs_batch *b);
/* value NULL: mkdir */
void xs_batch_write(struct xs_batch *b, const char *path, const char *value);
void xs_batch_perms(struct xs_batch *b, const char *path, const struct xs_permissions *p, unsigned n);
/* a missing path is not an error */
void xs_batch_rm(struct xs_batch *b, const char *path);
/* Apply all in one transaction (retried on EAGAIN); 0, or -1 with err
 * naming the first request that failed. */
int xs_batch_commit(struct xs_handle *xs, struct xs_batch *b, char *err, size_t errlen);
/* The same without a transaction: each request on its own (one round
 * trip on the socket); the first failure is reported, the rest still done. */
int xs_batch_apply(struct xs_handle *xs, struct xs_batch *b, char *err, size_t errlen);
/* XS_INTRODUCE on the same connection (or xs when there is none). */
bool xs_batch_introduce(struct xs_handle *xs, uint32_t domid, uint64_t mfn, uint32_t port);
#endif
