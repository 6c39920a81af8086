/*
 * Interdomain event channels between dom0 and a domU, as a split driver
 * uses them: dom0 offers three ports to the domU (alloc_unbound naming
 * it), passes them on its command line; the interdomain kernel binds
 * them, closes the second, ping-pongs over the first and checks that dom0
 * closed the third. We answer every ping, close the third at the first
 * ping, and check each end's status as the other closes or dies: a closed
 * or dead peer leaves our port unbound, naming the peer.
 */
#include "interdomain.h"

#define ROUNDS 200                  /* as the interdomain kernel */

static struct domu dom_i;

static long eop(unsigned long cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return eop(EVTCHNOP_status, st);
}

/* createdomain's max_evtchn_port (Xen 4.17 has no set_max_evtchn any
 * more): a domain made with a limit of 2 gets ports 1 and 2, then none. */
static void port_limit(void)
{
	static struct xen_domctl c;
	long rc;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_evtchn_port = 2;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	CHECK_EQ("interdomain.limit.create", rc = domctl(&c), 0);
	if (rc)
		return;
	domid_t id = c.domain;
	for (unsigned int i = 1; i <= 3; i++) {
		struct evtchn_alloc_unbound a = { .dom = id, .remote_dom = 0 };
		rc = eop(EVTCHNOP_alloc_unbound, &a);
		CHECK_EQ(checkname("interdomain.limit.port%u", i), rc ? rc : (long)a.port,
			 i <= 2 ? (long)i : -XEN_ENOSPC);
	}
	CHECK_EQ("interdomain.limit.destroy", domu_destroy(id), 0);
	CHECK_EQ("interdomain.limit.gone", domain_wait_gone(id, 2000000000UL), 1);
	evtchn_clear(dom_exc_port);
}

static void poll3(evtchn_port_t a, evtchn_port_t b, evtchn_port_t c)
{
	evtchn_port_t ports[3] = { a, b, c };
	struct sched_poll p = { .nr_ports = c ? 3 : 2, .timeout = xen_system_time() + 10000000 };

	set_xen_guest_handle(p.ports, ports);
	HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

void interdomain_pingpong(const struct image *img)
{
	struct domu *d = &dom_i;
	struct evtchn_status st;
	evtchn_port_t p[3] = { 0 };
	uint64_t base = free_pages();
	long rc;

	if (!img) {
		CHECK("interdomain.have_image", 0);
		return;
	}
	port_limit();
	rc = domu_create(d, img, 2048, "");
	CHECK_EQ("interdomain.create", rc, 0);
	if (rc)
		goto out;
	for (unsigned int i = 0; i < 3; i++) {
		struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = d->id };
		CHECK_EQ(checkname("interdomain.offer.%u", i), eop(EVTCHNOP_alloc_unbound, &a), 0);
		p[i] = a.port;
	}
	snprintf(d->cmdline, sizeof(d->cmdline), "peer=%u,%u,%u", p[0], p[1], p[2]);
	CHECK_EQ("interdomain.build", rc = domu_build(d), 0);
	if (rc)
		goto out;
	CHECK_EQ("interdomain.unpause", domu_unpause(d), 0);

	/* Answer every ping until the domU shuts down. */
	unsigned int pongs = 0;
	bool closed_third = false;
	uint64_t deadline = xen_system_time() + 120000000000UL;
	while (!domu_wait_shutdown(d, 0) && xen_system_time() < deadline) {
		if (evtchn_is_pending(p[0])) {
			evtchn_clear(p[0]);
			if (!closed_third) {
				CHECK_EQ("interdomain.close_third", evtchn_close(p[2]), 0);
				closed_third = true;
			}
			CHECK_EQ(checkname("interdomain.pong"), evtchn_send(p[0]), 0);
			pongs++;
			continue;
		}
		if (d->cons_local)
			evtchn_clear(d->cons_local);
		poll3(p[0], dom_exc_port, d->cons_local);
	}
	CHECK_EQ("interdomain.shutdown_seen", d->shut_down, 1);
	CHECK_EQ("interdomain.pongs", pongs, ROUNDS);
	CHECK_EQ("interdomain.domu.result_line", d->result_seen, 1);
	CHECK_EQ("interdomain.domu.failed", d->failed, 0);
	CHECK(checkname("interdomain.domu.passed"), d->passed > 0);
	CHECK_EQ("interdomain.domu.reason", d->reason, SHUTDOWN_poweroff);

	/* The domU closed its end of the second. */
	CHECK_EQ("interdomain.second", status_of(p[1], &st), 0);
	CHECK_EQ("interdomain.second.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("interdomain.second.dom", st.u.unbound.dom, d->id);
	/* The first stays bound while the domU is only shut down... */
	CHECK_EQ("interdomain.first", status_of(p[0], &st), 0);
	CHECK_EQ("interdomain.first.status", st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ("interdomain.first.dom", st.u.interdomain.dom, d->id);
out:
	if (!d->id)
		return;
	domu_console_close(d);
	CHECK_EQ("interdomain.destroy", domu_destroy(d->id), 0);
	CHECK_EQ("interdomain.gone", domain_wait_gone(d->id, 2000000000UL), 1);
	evtchn_clear(dom_exc_port);
	/* ...and becomes unbound, naming the dead domain, when it dies. */
	if (p[0]) {
		CHECK_EQ("interdomain.after_death", status_of(p[0], &st), 0);
		CHECK_EQ("interdomain.after_death.status", st.status, EVTCHNSTAT_unbound);
		CHECK_EQ("interdomain.after_death.dom", st.u.unbound.dom, d->id);
		CHECK_EQ("interdomain.send_after_death", evtchn_send(p[0]), 0);
		CHECK_EQ("interdomain.bind_dead", ({
			struct evtchn_bind_interdomain b = { .remote_dom = d->id, .remote_port = 1 };
			eop(EVTCHNOP_bind_interdomain, &b); }), -XEN_ESRCH);
	}
	for (unsigned int i = 0; i < 2; i++)
		if (p[i])
			CHECK_EQ(checkname("interdomain.close.%u", i), evtchn_close(p[i]), 0);
	uint64_t end = xen_system_time() + 2000000000UL;
	while (free_pages() != base && xen_system_time() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_EQ("interdomain.free_delta", (long)(free_pages() - base), 0);
}
