/* The console attach client (see attach.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, 100);
			continue;
		}
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cons_attach(const char *tty_path, int in_fd, int out_fd)
{
	struct termios saved, raw, pt;
	int is_tty = isatty(in_fd), tty, rc = 0;
	char buf[4096];

	tty = open(tty_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		rc = -errno;
		fprintf(stderr, "console: cannot open %s: %s\n", tty_path, strerror(errno));
		return rc;
	}
	/* the pty's own side raw too: no echo or line editing of our bytes */
	if (tcgetattr(tty, &pt) == 0) {
		cfmakeraw(&pt);
		tcsetattr(tty, TCSANOW, &pt);
	}
	if (is_tty && tcgetattr(in_fd, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(in_fd, TCSANOW, &raw);
	} else {
		is_tty = 0;
	}
	for (;;) {
		struct pollfd pf[2] = { { .fd = tty, .events = POLLIN },
					{ .fd = in_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(tty, buf, sizeof(buf));
			if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN))) {
				rc = n < 0 ? -errno : -EPIPE;
				fprintf(stderr, "\r\nconsole: %s closed\r\n", tty_path);
				break;
			}
			if (n > 0 && (rc = write_all(out_fd, buf, (size_t)n)) < 0)
				break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char *esc;

			n = read(in_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break;          /* end of input: detach */
			esc = memchr(buf, CONS_ATTACH_ESCAPE, (size_t)n);
			if (esc)
				n = esc - buf;
			if (n > 0 && (rc = write_all(tty, buf, (size_t)n)) < 0)
				break;
			if (esc)
				break;
		}
	}
	if (is_tty)
		tcsetattr(in_fd, TCSAFLUSH, &saved);
	close(tty);
	return rc;
}
