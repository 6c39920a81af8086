/*
 * A connection's output: replies and watch events queued back to back in
 * one growing buffer, so producing a reply costs no allocation once the
 * buffer has reached its working size. Every message is recorded (end
 * offset, kind) so the daemon knows how many replies and events are still
 * unsent: that is what bounds a slow reader.
 */
#ifndef XS_OUTQ_H
#define XS_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_outq {
	char *buf;
	size_t head, tail, cap;     /* unsent bytes are buf[head..tail) */
	uint64_t sent, queued;      /* byte counters since creation */
	uint64_t *msg_end;          /* ring: absolute end of each message;
				       top bit set for watch events */
	uint32_t mhead, mcount, mcap;
	uint32_t replies, events;   /* unsent messages of each kind */
	uint64_t event_bytes;       /* unsent bytes of watch events */
	uint64_t done_end;          /* end of the last message sent */
	uint64_t *total;            /* everyone's unsent bytes, if set */
};

/* Frees the buffers (keeps q->total, minus what was unsent). */
void xs_outq_free(struct xs_outq *q);
/* Room for a message with up to `max` payload bytes: returns where the
 * payload goes, or NULL (ENOMEM). Nothing is queued until _end. */
char *xs_outq_begin(struct xs_outq *q, uint32_t max);
/* Queues the message whose payload (len bytes) was written after _begin. */
void xs_outq_end(struct xs_outq *q, uint32_t type, uint32_t req_id,
		 uint32_t tx_id, uint32_t len, bool event);
/* Unsent bytes. */
static inline size_t xs_outq_len(const struct xs_outq *q)
{
	return q->tail - q->head;
}
static inline const char *xs_outq_data(const struct xs_outq *q)
{
	return q->buf + q->head;
}
/* n bytes were sent. */
void xs_outq_consume(struct xs_outq *q, size_t n);
#endif
