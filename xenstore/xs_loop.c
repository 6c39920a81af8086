/* The event loop (see xs_loop.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_persist.h"

unsigned xs_loop_poll_us = 50;

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

struct xs_loop {
	struct xs_core *core;
	int epfd;
	bool stop;
	struct xs_deferred *deferred;
	uint64_t gap_us;       /* typical wait between turns (polling) */
};

struct xs_loop *xs_loop_new(struct xs_core *c)
{
	struct xs_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->core = c;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

struct xs_core *xs_loop_core(struct xs_loop *l)
{
	return l->core;
}

void xs_loop_free(struct xs_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int xs_loop_add(struct xs_loop *l, int fd, uint32_t events, struct xs_handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}

int xs_loop_mod(struct xs_loop *l, int fd, uint32_t events, struct xs_handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? errno : 0;
}

void xs_loop_del(struct xs_loop *l, int fd)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void xs_loop_defer(struct xs_loop *l, struct xs_deferred *d)
{
	if (d->queued)
		return;
	d->queued = true;
	d->next = l->deferred;
	l->deferred = d;
}

void xs_loop_stop(struct xs_loop *l)
{
	l->stop = true;
}

static void run_deferred(struct xs_loop *l)
{
	/* Running may defer more (a flush that freed room processes input
	 * that produces output): loop until quiet. */
	while (l->deferred) {
		struct xs_deferred *d = l->deferred;
		l->deferred = d->next;
		d->queued = false;
		d->run(d);
	}
}

int xs_loop_run_once(struct xs_loop *l, int timeout_ms)
{
	struct epoll_event evs[64];
	int n = epoll_wait(l->epfd, evs, 64, timeout_ms), i;

	for (i = 0; i < n; i++) {
		struct xs_handler *h = evs[i].data.ptr;
		h->ready(h, evs[i].events);
	}
	xs_persist_flush(l->core);
	run_deferred(l);
	xs_persist_flush(l->core);
	return n < 0 ? -1 : n;
}

/*
 * Waits for events. Adaptive polling: when clients have lately been coming
 * back within xs_loop_poll_us of our last answer (a client doing one
 * request after another), poll for about twice that gap before sleeping,
 * which saves the wakeup on each request. When the gaps grow (idle, or a
 * loaded machine delaying the clients) we simply sleep.
 */
static int loop_wait(struct xs_loop *l, struct epoll_event *evs, int max)
{
	uint64_t start = mono_us(), now = start;
	int n = 0;

	if (xs_loop_poll_us && l->gap_us < xs_loop_poll_us) {
		uint64_t budget = 2 * l->gap_us + 5;
		if (budget > xs_loop_poll_us)
			budget = xs_loop_poll_us;
		for (;;) {
			n = epoll_wait(l->epfd, evs, max, 0);
			now = mono_us();
			if (n || now - start >= budget)
				break;
			sched_yield();   /* a client on this CPU goes first */
		}
	}
	if (n == 0) {
		n = epoll_wait(l->epfd, evs, max, -1);
		now = mono_us();
	}
	if (n > 0) {
		/* moving average of how long clients take to come back */
		uint64_t gap = now - start;
		if (gap > 100000)
			gap = 100000;
		l->gap_us = (3 * l->gap_us + gap) / 4;
	}
	return n;
}

int xs_loop_run(struct xs_loop *l)
{
	struct epoll_event evs[64];

	while (!l->stop) {
		int n = loop_wait(l, evs, 64), i;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			xs_err("epoll_wait: %s", strerror(errno));
			return errno;
		}
		for (i = 0; i < n; i++) {
			struct xs_handler *h = evs[i].data.ptr;
			h->ready(h, evs[i].events);
		}
		/* Nothing is acknowledged before it is logged. */
		xs_persist_flush(l->core);
		run_deferred(l);
		xs_persist_flush(l->core);
	}
	return 0;
}
