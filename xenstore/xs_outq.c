/* Output queue of a connection (see xs_outq.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#include "xs_outq.h"

#define XS_EVENT_BIT (1ull << 63)
#define HDR 16u

void xs_outq_free(struct xs_outq *q)
{
	uint64_t *total = q->total;

	if (total)
		*total -= q->tail - q->head;
	free(q->buf);
	free(q->msg_end);
	memset(q, 0, sizeof(*q));
	q->total = total;
}

char *xs_outq_begin(struct xs_outq *q, uint32_t max)
{
	size_t need = HDR + max;

	if (q->cap - q->tail < need) {
		/* Slide unsent data down first; grow only if still short. */
		if (q->head) {
			memmove(q->buf, q->buf + q->head, q->tail - q->head);
			q->tail -= q->head;
			q->head = 0;
		}
		if (q->cap - q->tail < need) {
			size_t cap = q->cap ? q->cap : 8192;
			char *b;
			while (cap - q->tail < need)
				cap *= 2;
			b = realloc(q->buf, cap);
			if (!b)
				return NULL;
			q->buf = b;
			q->cap = cap;
		}
	}
	if (q->mcount == q->mcap) {
		uint32_t cap = q->mcap ? q->mcap * 2 : 16, i;
		uint64_t *m = malloc(cap * sizeof(*m));
		if (!m)
			return NULL;
		for (i = 0; i < q->mcount; i++)
			m[i] = q->msg_end[(q->mhead + i) % q->mcap];
		free(q->msg_end);
		q->msg_end = m;
		q->mhead = 0;
		q->mcap = cap;
	}
	return q->buf + q->tail + HDR;
}

void xs_outq_end(struct xs_outq *q, uint32_t type, uint32_t req_id,
		 uint32_t tx_id, uint32_t len, bool event)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, len };

	memcpy(q->buf + q->tail, &h, HDR);
	q->tail += HDR + len;
	q->queued += HDR + len;
	q->msg_end[(q->mhead + q->mcount) % q->mcap] =
		q->queued | (event ? XS_EVENT_BIT : 0);
	q->mcount++;
	if (q->total)
		*q->total += HDR + len;
	if (event) {
		q->events++;
		q->event_bytes += HDR + len;
	} else {
		q->replies++;
	}
}

void xs_outq_consume(struct xs_outq *q, size_t n)
{
	q->head += n;
	q->sent += n;
	if (q->total)
		*q->total -= n;
	while (q->mcount) {
		uint64_t e = q->msg_end[q->mhead];
		if ((e & ~XS_EVENT_BIT) > q->sent)
			break;
		if (e & XS_EVENT_BIT) {
			q->events--;
			q->event_bytes -= (e & ~XS_EVENT_BIT) - q->done_end;
		} else {
			q->replies--;
		}
		q->done_end = e & ~XS_EVENT_BIT;
		q->mhead = (q->mhead + 1) % q->mcap;
		q->mcount--;
	}
	if (q->head == q->tail) {
		q->head = q->tail = 0;
		/* Give back memory a burst made us take. */
		if (q->cap > 65536) {
			free(q->buf);
			q->buf = NULL;
			q->cap = 0;
		}
	}
}
