/*
 * cons_plat without a hypervisor, for host tests: DIR/N (a 4096-byte
 * file) is domain N's console page and its existence is the domain's
 * life (DIR/N.dying marks it dying). There are no real event channels:
 * a 2 ms timer makes every bound port pending once per tick (delivered
 * when unmasked, as a masked Xen port keeps its pending bit), which is
 * enough for tests that write the page from outside, floods included.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cons_plat.h"

#define SIM_PORTS 4096
#define SIM_PAGE 4096

struct sim_plat {
	struct cons_plat p;
	int dir_fd;
	unsigned char bound[SIM_PORTS], masked[SIM_PORTS], pend[SIM_PORTS];
	int list[SIM_PORTS], nbound;      /* bound ports, unordered */
};

static int dom_exists(struct sim_plat *s, uint32_t domid)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", domid);
	return faccessat(s->dir_fd, name, F_OK, 0) == 0;
}

static void *sim_map(struct cons_plat *p, uint32_t domid, uint64_t ring_ref)
{
	struct sim_plat *s = (struct sim_plat *)p;
	char name[16];
	void *page;
	int fd;

	(void)ring_ref;
	snprintf(name, sizeof(name), "%u", domid);
	fd = openat(s->dir_fd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	page = mmap(NULL, SIM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return page == MAP_FAILED ? NULL : page;
}

static void sim_unmap(struct cons_plat *p, void *page)
{
	(void)p;
	munmap(page, SIM_PAGE);
}

static int sim_bind(struct cons_plat *p, uint32_t domid, uint32_t remote_port)
{
	struct sim_plat *s = (struct sim_plat *)p;
	int port;

	if (remote_port == 0 || remote_port >= SIM_PORTS)
		return -EINVAL;
	if (!dom_exists(s, domid))
		return -ESRCH;
	for (port = 1; port < SIM_PORTS; port++)
		if (!s->bound[port])
			break;
	if (port == SIM_PORTS)
		return -ENOSPC;
	s->bound[port] = 1;
	s->masked[port] = 0;
	s->pend[port] = 1;     /* as bind_interdomain: "we may have lost notifications" */
	s->list[s->nbound++] = port;
	return port;
}

static void sim_unbind(struct cons_plat *p, int port)
{
	struct sim_plat *s = (struct sim_plat *)p;

	int i;

	if (port <= 0 || port >= SIM_PORTS || !s->bound[port])
		return;
	s->bound[port] = s->pend[port] = s->masked[port] = 0;
	for (i = 0; i < s->nbound; i++)
		if (s->list[i] == port) {
			s->list[i] = s->list[--s->nbound];
			break;
		}
}

static void sim_notify(struct cons_plat *p, int port)
{
	(void)p;
	(void)port;
}

static int sim_pending(struct cons_plat *p)
{
	struct sim_plat *s = (struct sim_plat *)p;
	uint64_t ticks;
	int i;

	if (read(p->fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		for (i = 0; i < s->nbound; i++)
			s->pend[s->list[i]] = 1;
	for (i = 0; i < s->nbound; i++) {
		int port = s->list[i];

		if (s->pend[port] && !s->masked[port]) {
			s->pend[port] = 0;
			s->masked[port] = 1;
			/* rotate so the next call starts after this port */
			s->list[i] = s->list[s->nbound - 1];
			s->list[s->nbound - 1] = port;
			return port;
		}
	}
	return -1;
}

static void sim_unmask(struct cons_plat *p, int port)
{
	struct sim_plat *s = (struct sim_plat *)p;

	if (port > 0 && port < SIM_PORTS)
		s->masked[port] = 0;
}

static int sim_list(struct cons_plat *p, struct cons_dominfo *out, int max)
{
	struct sim_plat *s = (struct sim_plat *)p;
	int fd = dup(s->dir_fd), n = 0;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)) && n < max) {
		char *end, dying[32];
		unsigned long id = strtoul(e->d_name, &end, 10);

		if (*end || end == e->d_name || id == 0 || id >= 0x7ff0)
			continue;
		snprintf(dying, sizeof(dying), "%lu.dying", id);
		out[n].domid = (uint32_t)id;
		out[n].dying = faccessat(s->dir_fd, dying, F_OK, 0) == 0;
		n++;
	}
	closedir(d);
	return n;
}

static void sim_close(struct cons_plat *p)
{
	struct sim_plat *s = (struct sim_plat *)p;

	if (s->dir_fd >= 0)
		close(s->dir_fd);
	if (p->fd >= 0)
		close(p->fd);
	free(s);
}

static const struct cons_plat_ops sim_ops = {
	.map = sim_map, .unmap = sim_unmap, .bind = sim_bind, .unbind = sim_unbind,
	.notify = sim_notify, .pending = sim_pending, .unmask = sim_unmask,
	.list = sim_list, .close = sim_close,
};

struct cons_plat *cons_plat_sim_open(const char *dir)
{
	struct itimerspec its = { .it_interval = { 0, 2000000 }, .it_value = { 0, 2000000 } };
	struct sim_plat *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->p.ops = &sim_ops;
	s->p.rescan_ms = 50;
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->p.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->dir_fd < 0 || s->p.fd < 0 || timerfd_settime(s->p.fd, 0, &its, NULL) < 0) {
		int err = errno;

		sim_close(&s->p);
		errno = err;
		return NULL;
	}
	return &s->p;
}
