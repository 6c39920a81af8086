/*
 * The event loop: epoll over the listening sockets, client sockets, the
 * event channel device and a signalfd. A turn of the loop handles what
 * is ready, then writes the persistence log, then sends the output every
 * connection accumulated in that turn (so pipelined requests cost one
 * write, and nothing is acknowledged before it is logged).
 */
#ifndef XS_LOOP_H
#define XS_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct xs_core;
struct xs_conn;

struct xs_handler {
	void (*ready)(struct xs_handler *h, uint32_t events);
};

struct xs_loop;

/* Microseconds to keep polling after activity before sleeping. */
extern unsigned xs_loop_poll_us;

struct xs_loop *xs_loop_new(struct xs_core *c);
void xs_loop_free(struct xs_loop *l);
struct xs_core *xs_loop_core(struct xs_loop *l);
int xs_loop_add(struct xs_loop *l, int fd, uint32_t events, struct xs_handler *h);
int xs_loop_mod(struct xs_loop *l, int fd, uint32_t events, struct xs_handler *h);
void xs_loop_del(struct xs_loop *l, int fd);
/* Something to do at the end of this turn (flush a connection...). */
struct xs_deferred {
	struct xs_deferred *next;
	bool queued;
	void (*run)(struct xs_deferred *d);
};
void xs_loop_defer(struct xs_loop *l, struct xs_deferred *d);
/* Runs until xs_loop_stop(). Returns 0 or errno. */
int xs_loop_run(struct xs_loop *l);
void xs_loop_stop(struct xs_loop *l);
/* One turn (tests): waits up to timeout_ms; returns events handled. */
int xs_loop_run_once(struct xs_loop *l, int timeout_ms);

/* Unix socket transport (xs_sock.c). */
int xs_sock_listen(struct xs_loop *l, const char *path, bool can_write,
		   unsigned mode);
void xs_sock_shutdown_all(struct xs_loop *l);

#endif
