/*
 * What waits for the pty: a byte queue of fixed capacity that keeps the
 * newest bytes when a guest writes faster than anyone reads (the log
 * file has everything; this only bounds the daemon's memory per domain).
 */
#ifndef CONS_BUF_H
#define CONS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct cons_buf {
	char *data;
	size_t cap;        /* 0: nothing can be queued */
	size_t head;       /* oldest byte */
	size_t len;
	uint64_t dropped;  /* oldest bytes given up for newer ones */
};

/* 0, or -1 when the memory is not there. */
int cons_buf_init(struct cons_buf *b, size_t cap);
void cons_buf_free(struct cons_buf *b);

/* Queues n bytes, dropping the oldest beyond the capacity. */
void cons_buf_put(struct cons_buf *b, const void *src, size_t n);

/* The oldest contiguous run of queued bytes (its length in *n). */
const char *cons_buf_peek(const struct cons_buf *b, size_t *n);
void cons_buf_consume(struct cons_buf *b, size_t n);

#endif
