/*
 * A split driver's shared ring over an interdomain event channel (public
 * io/ring.h): dom0 grants the ring page and offers two ports; the peer
 * maps the ring, binds both, and sends PP_ROUNDS requests, each answered
 * before the next, both sides checking the sequence numbers. dom0 closes
 * the second port at the first request (the peer's end goes back to
 * unbound naming dom0, its sends are dropped); the peer closes the first
 * when done (dom0's end unbound naming the peer, sends dropped).
 */
#include "pair.h"

static long status_of(evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

static long bind(domid_t dom, evtchn_port_t port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = dom, .remote_port = port };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);
	return rc ? rc : (long)b.local_port;
}

static void poll_on(evtchn_port_t *ports, unsigned int n, uint64_t ns)
{
	struct sched_poll p = { .nr_ports = n, .timeout = xen_system_time() + ns };
	set_xen_guest_handle(p.ports, ports);
	HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
	op.arg1.linear_addr = (unsigned long)va;
	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* ---- dom0: the backend, until the peer shuts down ---- */

/* The page the peer granted us itself (its own entry, written by it). */
static void map_peer_grant(struct domu *d, grant_entry_v1_t *dgt, grant_ref_t ref)
{
	uint64_t *p = alloc_page();
	struct gnttab_map_grant_ref m = gmap(d->id, ref, (uint64_t)p, GNTMAP_host_map);

	CHECK_EQ("ring.back.peer_grant.ref", ref, REF_PEER);
	CHECK_EQ("ring.back.peer_grant.map", m.status, GNTST_okay);
	if (m.status != GNTST_okay)
		return;
	invlpg(p);
	CHECK_EQ("ring.back.peer_grant.bus", m.dev_bus_addr == (l1e_of(p) & PTE_ADDR), 1);
	CHECK_EQ("ring.back.peer_grant.read", p[0], PATTERN_PEER);
	p[1] = MARK_DOM0;
	CHECK_EQ("ring.back.peer_grant.flags", flags_of(&dgt[REF_PEER]),
		 GTF_permit_access | GTF_reading | GTF_writing);
	CHECK_EQ("ring.back.peer_grant.unmap", gunmap((uint64_t)p, 0, m.handle), GNTST_okay);
	CHECK_EQ("ring.back.peer_grant.flags_after", flags_of(&dgt[REF_PEER]), GTF_permit_access);
	restore_page(p);
}

void ring_backend(struct domu *d, grant_entry_v1_t *dgt, evtchn_port_t port, evtchn_port_t port2)
{
	struct pp_back_ring back;
	struct evtchn_status st;
	unsigned int answered = 0, bad_seq = 0;
	bool closed2 = false;
	uint64_t deadline = xen_system_time() + 120000000000UL;

	BACK_RING_INIT(&back, d0_ring, PAGE_SIZE);
	while (!domu_wait_shutdown(d, 0) && xen_system_time() < deadline) {
		if (!evtchn_is_pending(port)) {
			evtchn_port_t ps[3] = { port, dom_exc_port, d->cons_local };
			if (d->cons_local)
				evtchn_clear(d->cons_local);
			poll_on(ps, d->cons_local ? 3 : 2, 10000000);
			continue;
		}
		evtchn_clear(port);
		while (RING_HAS_UNCONSUMED_REQUESTS(&back)) {
			struct pp_request req = *RING_GET_REQUEST(&back, back.req_cons);
			back.req_cons++;
			bad_seq += req.seq != answered;
			if (req.pad)
				map_peer_grant(d, dgt, req.pad);
			struct pp_response *rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
			rsp->seq = PP_REPLY(req.seq);
			back.rsp_prod_pvt++;
			answered++;
			if (!closed2) {
				CHECK_EQ("ring.back.close_second", evtchn_close(port2), 0);
				closed2 = true;
			}
		}
		RING_PUSH_RESPONSES(&back);
		evtchn_send(port);
	}
	CHECK_EQ("ring.back.shutdown_seen", d->shut_down, 1);
	CHECK_EQ("ring.back.answered", answered, PP_ROUNDS + 1);
	CHECK_EQ("ring.back.bad_seq", bad_seq, 0);
	CHECK_EQ("ring.back.second_closed", status_of(port2, &st) ?: (long)st.status, EVTCHNSTAT_closed);
	/* the peer closed its end of the first */
	CHECK_EQ("ring.back.peer_closed", status_of(port, &st), 0);
	CHECK_EQ("ring.back.peer_closed.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("ring.back.peer_closed.dom", st.u.unbound.dom, d->id);
	evtchn_clear(port);
	CHECK_EQ("ring.back.send_unbound", evtchn_send(port), 0);
	CHECK_EQ("ring.back.send_unbound.dropped", evtchn_is_pending(port), 0);
	CHECK_EQ("ring.back.close", evtchn_close(port), 0);
}

/* ---- the peer: the frontend ---- */

void ring_frontend(evtchn_port_t port, evtchn_port_t port2)
{
	struct pp_sring *s = alloc_page();
	struct pp_front_ring front;
	struct evtchn_status st;

	struct gnttab_map_grant_ref m = gmap(0, REF_RING, (uint64_t)s, GNTMAP_host_map);
	CHECK_EQ("ring.front.map", m.status, GNTST_okay);
	if (m.status != GNTST_okay)
		return;
	long l = bind(0, port), l2 = bind(0, port2);
	CHECK(checkname("ring.front.bind"), l > 0 && l2 > 0 && l != l2);
	if (l <= 0 || l2 <= 0)
		return;
	evtchn_mask((evtchn_port_t)l);      /* polled, never taken as upcalls */
	evtchn_mask((evtchn_port_t)l2);
	CHECK_EQ("ring.front.bind.pending", evtchn_is_pending(l), 1);
	evtchn_clear(l);
	invlpg(s);                      /* the page we mapped over */
	FRONT_RING_INIT(&front, s, PAGE_SIZE);
	CHECK_EQ("ring.front.size", RING_SIZE(&front), 256);

	unsigned int got = 0, bad_seq = 0, lost = 0;
	uint64_t t0 = xen_system_time();
	for (unsigned int i = 0; i < PP_ROUNDS; i++) {
		struct pp_request *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
		req->seq = i;
		front.req_prod_pvt++;
		RING_PUSH_REQUESTS(&front);
		evtchn_send((evtchn_port_t)l);
		uint64_t deadline = xen_system_time() + 5000000000UL;
		while (!RING_HAS_UNCONSUMED_RESPONSES(&front) && xen_system_time() < deadline) {
			evtchn_port_t p = (evtchn_port_t)l;
			poll_on(&p, 1, 10000000);
			evtchn_clear((evtchn_port_t)l);
		}
		if (!RING_HAS_UNCONSUMED_RESPONSES(&front)) {
			lost++;
			break;
		}
		struct pp_response rsp = *RING_GET_RESPONSE(&front, front.rsp_cons);
		front.rsp_cons++;
		bad_seq += rsp.seq != PP_REPLY(i);
		got++;
	}
	uint64_t t1 = xen_system_time();
	CHECK_EQ("ring.front.answered", got, PP_ROUNDS);
	CHECK_EQ("ring.front.bad_seq", bad_seq, 0);
	CHECK_EQ("ring.front.lost", lost, 0);
	printf("TIME ring_round_trip %lu\n", got ? (t1 - t0) / got : 0);

	/* One more: a page of ours, granted to dom0 in our own table, which
	 * dom0 maps and writes before it answers. */
	grant_entry_v1_t *gt = own_table();
	uint64_t *page = alloc_page();
	page[0] = PATTERN_PEER;
	grant(&gt[REF_PEER], 0, va_to_mfn(page), false);
	struct pp_request *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
	req->seq = PP_ROUNDS;
	req->pad = REF_PEER;
	front.req_prod_pvt++;
	RING_PUSH_REQUESTS(&front);
	evtchn_send((evtchn_port_t)l);
	uint64_t deadline = xen_system_time() + 5000000000UL;
	while (!RING_HAS_UNCONSUMED_RESPONSES(&front) && xen_system_time() < deadline) {
		evtchn_port_t p = (evtchn_port_t)l;
		poll_on(&p, 1, 10000000);
		evtchn_clear((evtchn_port_t)l);
	}
	bool answered = RING_HAS_UNCONSUMED_RESPONSES(&front);
	CHECK_EQ("ring.front.grant.answered", answered, 1);
	if (answered) {
		CHECK_EQ("ring.front.grant.seq", RING_GET_RESPONSE(&front, front.rsp_cons)->seq, PP_REPLY(PP_ROUNDS));
		front.rsp_cons++;
	}
	CHECK_EQ("ring.front.grant.dom0_wrote", page[1], MARK_DOM0);
	CHECK_EQ("ring.front.grant.revoke", revoke(&gt[REF_PEER]), 0);

	/* dom0 closed its end of the second at our first request */
	CHECK_EQ("ring.front.second", status_of((evtchn_port_t)l2, &st), 0);
	CHECK_EQ("ring.front.second.status", st.status, EVTCHNSTAT_unbound);
	CHECK_EQ("ring.front.second.dom", st.u.unbound.dom, 0);
	CHECK_EQ("ring.front.second.send_dropped", evtchn_send((evtchn_port_t)l2), 0);
	CHECK_EQ("ring.front.second.close", evtchn_close((evtchn_port_t)l2), 0);
	CHECK_EQ("ring.front.close", evtchn_close((evtchn_port_t)l), 0);
	CHECK_EQ("ring.front.send_closed", evtchn_send((evtchn_port_t)l), -XEN_EINVAL);
	CHECK_EQ("ring.front.unmap", gunmap((uint64_t)s, 0, m.handle), GNTST_okay);
	restore_page(s);
}
