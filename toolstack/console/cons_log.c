/* Size-capped console log files with one rotated generation (cons_log.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cons_log.h"

static int open_current(struct cons_log *l)
{
	struct stat st;

	l->fd = openat(l->dir_fd, l->name,
		       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (l->fd < 0)
		return -errno;
	l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

int cons_log_open(struct cons_log *l, int dir_fd, const char *name, uint64_t max_size)
{
	l->fd = -1;
	l->dir_fd = dir_fd;
	l->max_size = max_size;
	l->rotations = 0;
	if ((size_t)snprintf(l->name, sizeof(l->name), "%s.log", name) >= sizeof(l->name))
		return -ENAMETOOLONG;
	return open_current(l);
}

static int rotate(struct cons_log *l)
{
	char old[sizeof(l->name) + 2];

	snprintf(old, sizeof(old), "%s.1", l->name);
	close(l->fd);
	l->fd = -1;
	if (renameat(l->dir_fd, l->name, l->dir_fd, old) < 0)
		unlinkat(l->dir_fd, l->name, 0);
	l->rotations++;
	return open_current(l);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cons_log_write(struct cons_log *l, const void *data, size_t n)
{
	const char *p = data;
	int rc;

	if (l->fd < 0)
		return -EBADF;
	while (n) {
		size_t chunk = n;

		if (l->max_size) {
			if (l->size >= l->max_size && (rc = rotate(l)) < 0)
				return rc;
			if (chunk > l->max_size - l->size)
				chunk = l->max_size - l->size;
		}
		rc = write_all(l->fd, p, chunk);
		if (rc < 0)
			return rc;
		l->size += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

void cons_log_close(struct cons_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void cons_log_safe_name(char *out, size_t out_size, const char *name, unsigned int domid)
{
	size_t n = 0, max = out_size - 1 < 64 ? out_size - 1 : 64;

	for (; name && *name && n < max; name++) {
		char c = *name;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && n > 0))
			out[n++] = c;
		else
			out[n++] = '_';
	}
	out[n] = 0;
	if (!n || strspn(out, "_") == n)
		snprintf(out, out_size, "dom%u", domid);
}
