/*
 * Unix socket transport: each accepted client is a dom0-privileged
 * connection (read-only on the read-only socket). Reads are bulk and
 * non-blocking; output is sent at the end of the loop turn; a client that
 * does not read its replies is throttled (we stop reading from it), and
 * one that sends garbage is disconnected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_persist.h"

struct listener {
	struct xs_handler h, resume;
	struct xs_loop *loop;
	struct xs_core *core;
	int fd;
	int timer_fd;          /* ends a pause after running out of fds */
	bool can_write;
	bool paused;
	struct listener *next;
};

/* How long a listener rests after accept() ran out of descriptors (the
 * pending connection keeps it readable: without a pause we would spin). */
#define ACCEPT_PAUSE_MS 200

struct sockconn {
	struct xs_handler h;
	struct xs_deferred flush;
	struct xs_loop *loop;
	struct xs_conn *conn;
	int fd;
	uint32_t events;       /* registered epoll events */
	bool closing;
	struct sockconn *next, *prev;
};

static struct listener *listeners;
static struct sockconn *sockconns;   /* so shutdown can free them all */
static unsigned next_id;

static void sock_close(struct sockconn *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		sockconns = s->next;
	if (s->next)
		s->next->prev = s->prev;
	xs_loop_del(s->loop, s->fd);
	close(s->fd);
	xs_conn_free(s->conn);
	free(s);
}

static void sock_update_events(struct sockconn *s)
{
	uint32_t ev = 0;

	if (!s->conn->dead && !xs_conn_throttled(s->conn))
		ev |= EPOLLIN;
	if (xs_outq_len(&s->conn->out))
		ev |= EPOLLOUT;
	if (ev != s->events) {
		xs_loop_mod(s->loop, s->fd, ev, &s->h);
		s->events = ev;
	}
}

/* Sends what is queued; returns false if the connection went away. */
static bool sock_send(struct sockconn *s)
{
	while (xs_outq_len(&s->conn->out)) {
		ssize_t w;

		/* What goes out may acknowledge changes made in this very
		 * call (throttled input processed as output drained). */
		xs_persist_flush(s->conn->core);
		w = send(s->fd, xs_outq_data(&s->conn->out),
				 xs_outq_len(&s->conn->out), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			xs_debug("%s: send: %s", s->conn->label, strerror(errno));
			sock_close(s);
			return false;
		}
		xs_conn_sent(s->conn, w);
	}
	return true;
}

static void sock_flush(struct xs_deferred *d)
{
	struct sockconn *s = (struct sockconn *)((char *)d -
						 offsetof(struct sockconn, flush));

	if (!sock_send(s))
		return;
	if (s->closing) {
		sock_close(s);
		return;
	}
	sock_update_events(s);
}

static void sock_kick(struct xs_conn *conn)
{
	struct sockconn *s = conn->priv;

	xs_loop_defer(s->loop, &s->flush);
}

static void sock_shutdown(struct xs_conn *conn)
{
	struct sockconn *s = conn->priv;

	s->closing = true;
	xs_loop_defer(s->loop, &s->flush);
}

static const struct xs_conn_ops sock_ops = { sock_kick, sock_shutdown };

static void sock_ready(struct xs_handler *h, uint32_t events)
{
	struct sockconn *s = (struct sockconn *)h;
	int rounds = 4;   /* fairness: others get a turn too */

	if (s->closing)
		return;
	if (events & EPOLLOUT)
		xs_loop_defer(s->loop, &s->flush);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	while (rounds--) {
		size_t room;
		char *buf = xs_conn_in_space(s->conn, &room);
		ssize_t r;

		if (!buf)
			break;
		r = read(s->fd, buf, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			/* Peer is gone: answer nothing more, close after
			 * trying to send what is queued. */
			s->closing = true;
			xs_loop_defer(s->loop, &s->flush);
			return;
		}
		xs_conn_received(s->conn, r);
		if (s->closing || s->conn->dead)
			break;
		if ((size_t)r < room)
			break;
	}
	xs_loop_defer(s->loop, &s->flush);
}

static void listener_pause(struct listener *ls, int err)
{
	struct itimerspec its = { { 0, 0 }, { 0, ACCEPT_PAUSE_MS * 1000000L } };

	xs_warn("accept: %s; not accepting connections for %u ms",
		strerror(err), ACCEPT_PAUSE_MS);
	if (timerfd_settime(ls->timer_fd, 0, &its, NULL))
		return;   /* no way to come back: keep trying instead */
	xs_loop_mod(ls->loop, ls->fd, 0, &ls->h);
	ls->paused = true;
}

static void listener_resume(struct xs_handler *h, uint32_t events)
{
	struct listener *ls = (struct listener *)((char *)h -
						  offsetof(struct listener, resume));
	uint64_t ticks;

	(void)events;
	if (read(ls->timer_fd, &ticks, sizeof(ticks)) < 0 || !ls->paused)
		return;
	ls->paused = false;
	xs_loop_mod(ls->loop, ls->fd, EPOLLIN, &ls->h);
}

static void listener_ready(struct xs_handler *h, uint32_t events)
{
	struct listener *ls = (struct listener *)h;
	int i;

	(void)events;
	for (i = 0; i < 16; i++) {
		struct sockconn *s;
		char label[24];
		int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listener_pause(ls, errno);
			else if (errno != EAGAIN && errno != EINTR &&
				 errno != ECONNABORTED)
				xs_warn("accept: %s", strerror(errno));
			return;
		}
		s = calloc(1, sizeof(*s));
		snprintf(label, sizeof(label), "sock%u%s", ++next_id,
			 ls->can_write ? "" : "ro");
		if (!s || !(s->conn = xs_conn_new(ls->core, 0, ls->can_write,
						 &sock_ops, s, label))) {
			xs_err("out of memory for a new connection");
			free(s);
			close(fd);
			continue;
		}
		s->h.ready = sock_ready;
		s->flush.run = sock_flush;
		s->loop = ls->loop;
		s->fd = fd;
		s->events = EPOLLIN;
		if (xs_loop_add(ls->loop, fd, EPOLLIN, &s->h)) {
			xs_conn_free(s->conn);
			close(fd);
			free(s);
			continue;
		}
		s->next = sockconns;
		if (sockconns)
			sockconns->prev = s;
		sockconns = s;
	}
}

static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return errno;
		buf[i] = '/';
	}
	return 0;
}

static void listener_free(struct listener *ls)
{
	if (ls->fd >= 0)
		close(ls->fd);
	if (ls->timer_fd >= 0)
		close(ls->timer_fd);
	free(ls);
}

/*
 * The socket is bound under a temporary name and renamed into place once
 * it listens: a client that finds PATH can connect (no "connection
 * refused" from a socket that exists but does not listen yet).
 */
int xs_sock_listen(struct xs_loop *l, const char *path, bool can_write,
		   unsigned mode)
{
	struct listener *ls;
	struct sockaddr_un sa;
	int err;

	if (strlen(path) + 4 >= sizeof(sa.sun_path))
		return ENAMETOOLONG;
	if ((err = mkdir_parents(path)))
		return err;
	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return ENOMEM;
	ls->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ls->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ls->fd < 0 || ls->timer_fd < 0) {
		err = errno;
		listener_free(ls);
		return err;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", path);
	unlink(sa.sun_path);
	if (bind(ls->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(sa.sun_path, mode) || listen(ls->fd, 128) ||
	    rename(sa.sun_path, path)) {
		err = errno;
		unlink(sa.sun_path);
		listener_free(ls);
		return err;
	}
	ls->h.ready = listener_ready;
	ls->resume.ready = listener_resume;
	ls->loop = l;
	ls->core = xs_loop_core(l);
	ls->can_write = can_write;
	if ((err = xs_loop_add(l, ls->fd, EPOLLIN, &ls->h)) ||
	    (err = xs_loop_add(l, ls->timer_fd, EPOLLIN, &ls->resume))) {
		xs_loop_del(l, ls->fd);
		listener_free(ls);
		return err;
	}
	ls->next = listeners;
	listeners = ls;
	return 0;
}

void xs_sock_shutdown_all(struct xs_loop *l)
{
	while (sockconns)
		sock_close(sockconns);
	while (listeners) {
		struct listener *ls = listeners;
		listeners = ls->next;
		xs_loop_del(l, ls->fd);
		xs_loop_del(l, ls->timer_fd);
		listener_free(ls);
	}
}
