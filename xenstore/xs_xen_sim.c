/*
 * A simulated Xen for tests (--sim DIR), so that everything above the
 * event channel and page mapping runs for real on a host without a
 * hypervisor:
 *   DIR/page-<mfn>      a guest's store page (a 4096-byte file it made)
 *   DIR/evtchn          our datagram socket: a guest notifies us with
 *                       {u32 domid, u32 its port}; {~0, 3} is VIRQ_DOM_EXC
 *   DIR/guest-<domid>   the guest's datagram socket: we send {u32 port}
 *   DIR/state-<domid>   "shutdown", "dying" or "gone" (absent: running)
 *   DIR/xsd_kva, DIR/xsd_port   dom0's kernel ring, when present
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_log.h"
#include "xs_xen.h"

#define SIM_VIRQ_PORT 4095

struct binding {
	int local;
	uint32_t domid, remote;
};

struct sim_xen {
	struct xs_xen x;
	char dir[200];
	struct binding *b;
	unsigned nb, cap;
	int next_local;
	void *kva;
	uint32_t kport;
};

static void *sim_map_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void *sim_map(struct xs_xen *x, uint32_t domid, uint64_t mfn)
{
	struct sim_xen *s = (struct sim_xen *)x;
	char path[256];
	void *p;

	(void)domid;
	snprintf(path, sizeof(path), "%s/page-%llu", s->dir,
		 (unsigned long long)mfn);
	p = sim_map_file(path);
	if (!p && !errno)
		errno = ENOENT;
	return p;
}

static void sim_unmap(struct xs_xen *x, uint32_t domid, void *page)
{
	(void)x;
	(void)domid;
	munmap(page, 4096);
}

static int sim_bind(struct xs_xen *x, uint32_t domid, uint32_t remote)
{
	struct sim_xen *s = (struct sim_xen *)x;

	if (s->nb == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 16;
		struct binding *b = realloc(s->b, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		s->b = b;
		s->cap = cap;
	}
	s->b[s->nb].local = ++s->next_local;
	s->b[s->nb].domid = domid;
	s->b[s->nb].remote = remote;
	return s->b[s->nb++].local;
}

static struct binding *find_local(struct sim_xen *s, int local)
{
	unsigned i;

	for (i = 0; i < s->nb; i++)
		if (s->b[i].local == local)
			return &s->b[i];
	return NULL;
}

static void sim_unbind(struct xs_xen *x, int local)
{
	struct sim_xen *s = (struct sim_xen *)x;
	struct binding *b = find_local(s, local);

	if (b)
		*b = s->b[--s->nb];
}

static void sim_notify(struct xs_xen *x, int local)
{
	struct sim_xen *s = (struct sim_xen *)x;
	struct binding *b = find_local(s, local);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!b)
		return;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%.80s/guest-%u",
		     s->dir, b->domid) >= (int)sizeof(sa.sun_path))
		return;
	/* A guest that is not listening just misses the kick. */
	sendto(s->x.fd, &b->remote, 4, MSG_DONTWAIT, (struct sockaddr *)&sa,
	       sizeof(sa));
}

static int sim_pending(struct xs_xen *x)
{
	struct sim_xen *s = (struct sim_xen *)x;
	uint32_t msg[2];
	unsigned i;

	for (;;) {
		ssize_t n = recv(s->x.fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0)
			return -1;
		if (n != sizeof(msg))
			continue;
		if (msg[0] == 0xffffffffu)
			return SIM_VIRQ_PORT;
		for (i = 0; i < s->nb; i++)
			if (s->b[i].domid == msg[0] && s->b[i].remote == msg[1])
				return s->b[i].local;
	}
}

static void *sim_map_dom0(struct xs_xen *x, uint32_t *remote_port)
{
	struct sim_xen *s = (struct sim_xen *)x;
	char path[256], buf[32];
	ssize_t n;
	int fd;

	if (s->kva) {
		*remote_port = s->kport;
		return s->kva;
	}
	snprintf(path, sizeof(path), "%s/xsd_port", s->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	snprintf(path, sizeof(path), "%s/xsd_kva", s->dir);
	s->kva = sim_map_file(path);
	s->kport = strtoul(buf, NULL, 10);
	*remote_port = s->kport;
	return s->kva;
}

static enum xs_dom_state sim_domain_state(struct xs_xen *x, uint32_t domid)
{
	struct sim_xen *s = (struct sim_xen *)x;
	char path[256], buf[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/state-%u", s->dir, domid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return XS_DOM_RUNNING;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!strncmp(buf, "gone", 4))
		return XS_DOM_GONE;
	if (!strncmp(buf, "dying", 5))
		return XS_DOM_DYING;
	if (!strncmp(buf, "shutdown", 8))
		return XS_DOM_SHUTDOWN;
	return XS_DOM_RUNNING;
}

static void sim_close(struct xs_xen *x)
{
	struct sim_xen *s = (struct sim_xen *)x;
	char path[256];

	snprintf(path, sizeof(path), "%s/evtchn", s->dir);
	unlink(path);
	close(s->x.fd);
	if (s->kva)
		munmap(s->kva, 4096);
	free(s->b);
	free(s);
}

static const struct xs_xen_ops sim_ops = {
	sim_map, sim_unmap, sim_bind, sim_unbind, sim_notify, sim_pending,
	sim_map_dom0, sim_domain_state, sim_close,
};

struct xs_xen *xs_xen_sim_open(const char *dir, int *err)
{
	struct sim_xen *s = calloc(1, sizeof(*s));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!s) {
		*err = ENOMEM;
		return NULL;
	}
	if (strlen(dir) > 80) {   /* socket paths must fit sun_path */
		*err = ENAMETOOLONG;
		free(s);
		return NULL;
	}
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->x.ops = &sim_ops;
	s->x.virq_port = SIM_VIRQ_PORT;
	s->x.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.80s/evtchn", dir);
	unlink(sa.sun_path);
	if (s->x.fd < 0 ||
	    bind(s->x.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		*err = errno;
		if (s->x.fd >= 0)
			close(s->x.fd);
		free(s);
		return NULL;
	}
	return &s->x;
}
