/*
 * interdomain: event channels between domains, with Xen 4.17's answers.
 *
 * As dom0 alone (kernels.list): the channel rules a toolstack and a
 * backend rely on, on channels dom0 makes with itself and with domains
 * that do not exist: alloc_unbound names any remote domain (unchecked),
 * bind needs an unbound port that names the binder, the new local port
 * starts pending, close from either end leaves the other unbound naming
 * the closer, sends on it are dropped, the ABI's 4095 ports, reset.
 *
 * As a domU started by the builder (builder/interdomain.c) with
 * "peer=P1,P2,P3": dom0 offered P1..P3 to us. We bind all three, close
 * our end of the second (dom0 then sees P2 unbound naming us), ping-pong
 * over the first (ROUNDS sends each way, every reply awaited), see dom0
 * close the third (our end unbound naming dom0, sends dropped), and try
 * what a domU may not do to dom0's channels.
 */
#include "guest.h"

#define ROUNDS      200
#define NO_DOMAIN   0x7fe0

static long eop(unsigned long cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

static long status_of(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = dom, .port = port };
	return eop(EVTCHNOP_status, st);
}

static long offer(domid_t dom, domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
	long rc = eop(EVTCHNOP_alloc_unbound, &a);
	return rc ? rc : (long)a.port;
}

static long bind(domid_t dom, evtchn_port_t port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = dom, .remote_port = port };
	long rc = eop(EVTCHNOP_bind_interdomain, &b);
	return rc ? rc : (long)b.local_port;
}

static bool wait_pending(evtchn_port_t port, uint64_t ns)
{
	uint64_t deadline = xen_system_time() + ns;

	while (!evtchn_is_pending(port)) {
		if (xen_system_time() > deadline)
			return false;
		struct sched_poll p = { .nr_ports = 1, .timeout = deadline };
		set_xen_guest_handle(p.ports, &port);
		HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	}
	return true;
}

/* ---- dom0 alone ---- */

static void alone(void)
{
	struct evtchn_status st;

	/* The remote domain of an offer is not checked; the table's is. */
	long far = offer(DOMID_SELF, NO_DOMAIN);
	CHECK(checkname("offer.no_such_remote"), far > 0);
	CHECK_EQ("status.offer", status_of(DOMID_SELF, far, &st), 0);
	CHECK_EQ("status.offer.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("status.offer.dom", st.u.unbound.dom, NO_DOMAIN);
	CHECK_EQ("offer.in_no_domain", offer(NO_DOMAIN, 0), -XEN_ESRCH);
	CHECK_EQ("bind.no_domain", bind(NO_DOMAIN, 1), -XEN_ESRCH);
	CHECK_EQ("bind.offered_to_other", bind(DOMID_SELF, far), -XEN_EINVAL);
	CHECK_EQ("bind.port_0", bind(DOMID_SELF, 0), -XEN_EINVAL);
	CHECK_EQ("bind.port_4096", bind(DOMID_SELF, 4096), -XEN_EINVAL);
	CHECK_EQ("bind.port_huge", bind(DOMID_SELF, 0xffffffffu), -XEN_EINVAL);
	CHECK_EQ("status.no_domain", status_of(NO_DOMAIN, 1, &st), -XEN_ESRCH);
	CHECK_EQ("status.port_4096", status_of(DOMID_SELF, 4096, &st), -XEN_EINVAL);

	/* Our own offer, by our id as well as DOMID_SELF. */
	long a = offer(DOMID_SELF, 0);
	long b = bind(0, a);
	CHECK(checkname("bind.self"), b > 0 && b != a);
	CHECK_EQ("bind.self.pending", evtchn_is_pending(b), 1);
	CHECK_EQ("bind.self.peer_not_pending", evtchn_is_pending(a), 0);
	CHECK_EQ("bind.self.again", bind(0, a), -XEN_EINVAL);
	CHECK_EQ("status.bound", status_of(0, a, &st), 0);
	CHECK_EQ("status.bound.status", st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ("status.bound.dom", st.u.interdomain.dom, 0);
	CHECK_EQ("status.bound.port", st.u.interdomain.port, b);
	evtchn_clear(b);
	CHECK_EQ("send.a", evtchn_send(a), 0);
	CHECK_EQ("send.a.arrives", evtchn_is_pending(b), 1);
	CHECK_EQ("send.a.not_back", evtchn_is_pending(a), 0);
	CHECK_EQ("send.b", evtchn_send(b), 0);
	CHECK_EQ("send.b.arrives", evtchn_is_pending(a), 1);
	evtchn_clear(a);
	evtchn_clear(b);

	/* Close one end: the other is unbound and names the closer. */
	CHECK_EQ("close.b", evtchn_close(b), 0);
	CHECK_EQ("status.after_close", status_of(0, a, &st), 0);
	CHECK_EQ("status.after_close.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("status.after_close.dom", st.u.unbound.dom, 0);
	CHECK_EQ("status.closed", status_of(0, b, &st), 0);
	CHECK_EQ("status.closed.status", st.status, EVTCHNSTAT_closed);
	CHECK_EQ("send.unbound", evtchn_send(a), 0);
	CHECK_EQ("send.unbound.dropped", evtchn_is_pending(a) | evtchn_is_pending(b), 0);
	CHECK_EQ("send.closed", evtchn_send(b), -XEN_EINVAL);
	CHECK_EQ("close.closed", evtchn_close(b), -XEN_EINVAL);
	long b2 = bind(DOMID_SELF, a);
	CHECK_EQ("rebind", b2, b);                  /* the lowest free port again */
	CHECK_EQ("rebind.pending", evtchn_is_pending(b2), 1);
	CHECK_EQ("close.a", evtchn_close(a), 0);
	CHECK_EQ("status.other_end", status_of(0, b2, &st), 0);
	CHECK_EQ("status.other_end.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("close.b2", evtchn_close(b2), 0);
	CHECK_EQ("close.far", evtchn_close(far), 0);

	/* The 2-level ABI's ports: 1..4095, then -ENOSPC. */
	long last = 0, rc;
	unsigned int n = 0;
	while ((rc = offer(DOMID_SELF, 0)) > 0) {
		last = rc;
		n++;
	}
	CHECK_EQ("limit.errno", rc, -XEN_ENOSPC);
	CHECK_EQ("limit.last_port", last, 4095);
	CHECK_EQ("limit.bind_ipi", evtchn_bind_ipi(0), -XEN_ENOSPC);
	CHECK_EQ("reset.no_domain", ({ struct evtchn_reset r = { .dom = NO_DOMAIN };
				       eop(EVTCHNOP_reset, &r); }), -XEN_ESRCH);
	struct evtchn_reset r = { .dom = DOMID_SELF };
	CHECK_EQ("reset.self", eop(EVTCHNOP_reset, &r), 0);
	CHECK_EQ("reset.all_closed", status_of(0, last, &st) || st.status != EVTCHNSTAT_closed, 0);
	CHECK_EQ("reset.port_1_free", offer(DOMID_SELF, 0), 1);
	CHECK(checkname("limit.count"), n > 4000);
}

/* ---- a domU with dom0's offers ---- */

static long parse_port(const char **s)
{
	long v = 0;
	if (**s < '0' || **s > '9')
		return -1;
	while (**s >= '0' && **s <= '9')
		v = v * 10 + (*(*s)++ - '0');
	if (**s == ',')
		(*s)++;
	return v;
}

static void domu(const char *arg)
{
	struct evtchn_status st;
	long p[3];

	for (unsigned int i = 0; i < 3; i++)
		p[i] = parse_port(&arg);
	CHECK(checkname("peer.args"), p[0] > 0 && p[1] > 0 && p[2] > 0);
	if (p[0] <= 0 || p[1] <= 0 || p[2] <= 0)
		return;

	/* What a domU may not do to dom0's channels. */
	CHECK_EQ("domu.status_dom0", status_of(0, p[0], &st), -XEN_EPERM);
	CHECK_EQ("domu.offer_in_dom0", offer(0, DOMID_SELF), -XEN_EPERM);
	CHECK_EQ("domu.bind_no_domain", bind(NO_DOMAIN, 1), -XEN_ESRCH);
	CHECK_EQ("domu.bind_port_huge", bind(0, 0x80000000u), -XEN_EINVAL);
	struct evtchn_reset r = { .dom = 0 };
	CHECK_EQ("domu.reset_dom0", eop(EVTCHNOP_reset, &r), -XEN_EPERM);

	long l[3];
	for (unsigned int i = 0; i < 3; i++)
		l[i] = bind(0, p[i]);
	CHECK(checkname("domu.bind"), l[0] > 0 && l[1] > 0 && l[2] > 0);
	CHECK_EQ("domu.bind.pending", evtchn_is_pending(l[0]), 1);
	CHECK_EQ("domu.bind_again", bind(0, p[0]), -XEN_EINVAL);
	CHECK_EQ("domu.status", status_of(DOMID_SELF, l[0], &st), 0);
	CHECK_EQ("domu.status.status", st.status, EVTCHNSTAT_interdomain);
	CHECK_EQ("domu.status.dom", st.u.interdomain.dom, 0);
	CHECK_EQ("domu.status.port", st.u.interdomain.port, p[0]);
	CHECK_EQ("domu.close_second", evtchn_close(l[1]), 0);
	evtchn_clear(l[0]);

	/* Ping-pong: each send answered by dom0 before the next. */
	unsigned int answered = 0;
	uint64_t t0 = xen_system_time();
	for (unsigned int i = 0; i < ROUNDS; i++) {
		if (evtchn_send(l[0]))
			break;
		if (!wait_pending(l[0], 5000000000UL))
			break;
		evtchn_clear(l[0]);
		answered++;
	}
	uint64_t t1 = xen_system_time();
	CHECK_EQ("domu.pingpong", answered, ROUNDS);
	printf("TIME interdomain_round_trip %lu\n", answered ? (t1 - t0) / answered : 0);

	/* dom0 closed the third once our first ping came. */
	CHECK_EQ("domu.peer_closed", status_of(DOMID_SELF, l[2], &st), 0);
	CHECK_EQ("domu.peer_closed.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("domu.peer_closed.dom", st.u.unbound.dom, 0);
	CHECK_EQ("domu.send_unbound", evtchn_send(l[2]), 0);
	/* Our end of the first stays bound: dom0 sees it unbound when we die. */
}

void test_main(void)
{
	const char *peer = cmdline_value("peer");

	if (start_info->flags & SIF_INITDOMAIN)
		alone();
	else if (peer)
		domu(peer);
	else
		CHECK("peer.given", 0);
}
