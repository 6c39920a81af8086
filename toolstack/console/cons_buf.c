/* Bounded byte queue for a console's pty (see cons_buf.h). */
#include <stdlib.h>
#include <string.h>

#include "cons_buf.h"

int cons_buf_init(struct cons_buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	if (!cap)
		return 0;
	b->data = malloc(cap);
	if (!b->data)
		return -1;
	b->cap = cap;
	return 0;
}

void cons_buf_free(struct cons_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void cons_buf_put(struct cons_buf *b, const void *src, size_t n)
{
	const char *s = src;

	if (!b->cap) {
		b->dropped += n;
		return;
	}
	if (n >= b->cap) {   /* only the newest cap bytes survive */
		b->dropped += b->len + n - b->cap;
		s += n - b->cap;
		n = b->cap;
		b->head = 0;
		b->len = 0;
	} else if (b->len + n > b->cap) {
		size_t over = b->len + n - b->cap;

		b->dropped += over;
		b->head = (b->head + over) % b->cap;
		b->len -= over;
	}
	while (n) {
		size_t tail = (b->head + b->len) % b->cap;
		size_t run = b->cap - tail;

		if (run > n)
			run = n;
		memcpy(b->data + tail, s, run);
		b->len += run;
		s += run;
		n -= run;
	}
}

const char *cons_buf_peek(const struct cons_buf *b, size_t *n)
{
	size_t run = b->cap - b->head;

	*n = b->len < run ? b->len : run;
	return b->len ? b->data + b->head : NULL;
}

void cons_buf_consume(struct cons_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	if (!n)
		return;
	b->head = (b->head + n) % b->cap;
	b->len -= n;
	if (!b->len)
		b->head = 0;
}
