/*
 * splitbench: the cost of what split drivers do between two domains, in
 * ns per operation on the hypervisor's own pvclock (one instruction per
 * ns under QEMU's -icount shift=0). Not a test: bench/guest-paths.sh runs
 * it as dom0 on pvisor and on Xen 4.17 (--domus splitbench) and prints
 * ratios. dom0 builds a domU of this same kernel (builder/toolstack.c),
 * which grants it 16 pages and echoes every event dom0 sends it.
 *
 *   gnt_map_unmap    map_grant_ref of one of the domU's grants
 *                    (GNTMAP_host_map at a linear address, as blkback and
 *                    netback map) and its unmap_grant_ref: two hypercalls
 *   gnt_map_unmap16  the same for 16 grants: a batch of 16 maps, a batch
 *                    of 16 unmaps (ns per batch)
 *   gnt_copy4k       GNTTABOP_copy of 4 KiB from a grant of the domU into
 *                    a frame of ours (netback's transmit direction)
 *   gnt_copy_rx16    one GNTTABOP_copy batch as netback's receive path
 *                    makes it: 8 pages of ours, starting 1000 bytes into
 *                    the first, streamed into 8 of the domU's grants and
 *                    split wherever either side's page ends (16 entries,
 *                    each naming one side of the entry before it; ns per
 *                    batch)
 *   evtchn_rtt       send to the domU, which polls, clears and sends back;
 *                    we poll for the answer (both on one pCPU: the wake-up
 *                    and switch to the peer and back are part of it)
 */
#include "builder/toolstack.h"
#include <xen/grant_table.h>

#define NGRANTS 16
#define GREF0 8                     /* refs 0-7 are the toolstack's by convention */
#define STOP_MAGIC 0x73746f70626e6368UL
#define STOP_OFF (PAGE_SIZE / 8 - 1)  /* last word of the first granted page */

static long gop(unsigned int cmd, void *arg, unsigned int count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static uint64_t pattern(unsigned int page, unsigned int word)
{
	return 0x5000000000000000UL | (uint64_t)page << 32 | word;
}

static void wait_port(evtchn_port_t port)
{
	while (!evtchn_is_pending(port)) {
		struct sched_poll p = { .nr_ports = 1, .timeout = 0 };
		set_xen_guest_handle(p.ports, &port);
		HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	}
	evtchn_clear(port);
}

/* ---- the domU: grant 16 pages to dom0, then echo until told to stop ---- */

static void domu(unsigned long peer)
{
	static xen_pfn_t frame;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	set_xen_guest_handle(st.frame_list, &frame);
	CHECK_EQ("domu.setup_table", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("domu.setup_table.status", st.status, GNTST_okay);
	grant_entry_v1_t *gt = alloc_page();
	CHECK_EQ("domu.map_table", HYPERVISOR_update_va_mapping((unsigned long)gt,
		 (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);

	uint64_t *pages[NGRANTS];
	for (unsigned int i = 0; i < NGRANTS; i++) {
		pages[i] = alloc_page();
		for (unsigned int w = 0; w < PAGE_SIZE / 8; w++)
			pages[i][w] = pattern(i, w);
		gt[GREF0 + i].frame = (uint32_t)va_to_mfn(pages[i]);
		gt[GREF0 + i].domid = 0;
		__atomic_store_n(&gt[GREF0 + i].flags, GTF_permit_access, __ATOMIC_RELEASE);
	}

	struct evtchn_bind_interdomain b = { .remote_dom = 0, .remote_port = (evtchn_port_t)peer };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);
	CHECK_EQ("domu.bind", rc, 0);
	if (rc)
		return;
	evtchn_port_t l = b.local_port;
	evtchn_clear(l);
	evtchn_send(l);                 /* ready */
	unsigned long echoes = 0;
	for (;;) {
		wait_port(l);
		if (__atomic_load_n(&pages[0][STOP_OFF], __ATOMIC_ACQUIRE) == STOP_MAGIC)
			break;
		evtchn_send(l);
		echoes++;
	}
	CHECK(checkname("domu.echoes"), echoes > 0);
	/* every mapping gone: no status bits left, the grants end cleanly */
	unsigned int busy = 0;
	for (unsigned int i = 0; i < NGRANTS; i++) {
		uint16_t f = __atomic_exchange_n(&gt[GREF0 + i].flags, 0, __ATOMIC_ACQ_REL);
		busy += (f & (GTF_reading | GTF_writing)) != 0;
	}
	CHECK_EQ("domu.grants_idle", busy, 0);
}

/* ---- dom0 ---- */

static uint64_t now(void)
{
	return xen_system_time();
}

/* The fastest of ROUNDS rounds of n/ROUNDS operations: the host is
 * shared, and its load only ever adds time (under -icount every round
 * is the same). */
#define ROUNDS 5
#define BENCH(name, n, body) do {                                     \
		uint64_t _best = ~0UL;                                 \
		for (unsigned int _r = 0; _r < ROUNDS; _r++) {         \
			uint64_t _t0 = now();                          \
			for (unsigned long _i = 0; _i < (n) / ROUNDS; _i++) { body; } \
			uint64_t _dt = now() - _t0;                    \
			if (_dt < _best)                               \
				_best = _dt;                           \
		}                                                      \
		printf("BENCH %s %lu\n", (name), (unsigned long)(_best / ((n) / ROUNDS))); \
	} while (0)

/* Where we map the domU's grants: pages of our own image, emptied first
 * (a host mapping replaces what the PTE held; its unmap leaves it empty). */
static char at[NGRANTS][PAGE_SIZE] PAGE_ALIGNED;
static char copy_dst[PAGE_SIZE] PAGE_ALIGNED;
#define RX_PAGES 8
#define RX_SKEW 1000
static char rx_src[RX_PAGES + 1][PAGE_SIZE] PAGE_ALIGNED;
static struct gnttab_copy rx[2 * RX_PAGES];

/* The gnt_copy_rx16 batch into grants GREF0 + 2.. (page 0 holds the stop
 * word, page 1 gnt_copy4k's source). */
static void set_rx_ops(domid_t dom)
{
	for (unsigned int p = 0; p < RX_PAGES; p++) {
		rx[2 * p] = (struct gnttab_copy){ .flags = GNTCOPY_dest_gref,
			.len = PAGE_SIZE - RX_SKEW };
		rx[2 * p].source.u.gmfn = va_to_mfn(rx_src[p]);
		rx[2 * p].source.domid = DOMID_SELF;
		rx[2 * p].source.offset = RX_SKEW;
		rx[2 * p].dest.u.ref = GREF0 + 2 + p;
		rx[2 * p].dest.domid = dom;
		rx[2 * p + 1] = rx[2 * p];
		rx[2 * p + 1].len = RX_SKEW;
		rx[2 * p + 1].source.u.gmfn = va_to_mfn(rx_src[p + 1]);
		rx[2 * p + 1].source.offset = 0;
		rx[2 * p + 1].dest.offset = PAGE_SIZE - RX_SKEW;
	}
}

static long copy_rx(void)
{
	long rc = gop(GNTTABOP_copy, rx, 2 * RX_PAGES);
	for (unsigned int i = 0; !rc && i < 2 * RX_PAGES; i++)
		rc = rx[i].status;
	return rc;
}

static struct gnttab_map_grant_ref mops[NGRANTS];
static struct gnttab_unmap_grant_ref uops[NGRANTS];

static void set_map_ops(domid_t dom, unsigned int n, uint32_t flags)
{
	for (unsigned int i = 0; i < n; i++)
		mops[i] = (struct gnttab_map_grant_ref){ .host_addr = (uint64_t)at[i],
			.flags = flags, .ref = GREF0 + i, .dom = dom };
}

static void set_unmap_ops(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		uops[i] = (struct gnttab_unmap_grant_ref){ .host_addr = (uint64_t)at[i],
			.handle = mops[i].handle };
}

/* n maps then n unmaps; the first failure's status, or 0. */
static long map_unmap(domid_t dom, unsigned int n)
{
	set_map_ops(dom, n, GNTMAP_host_map);
	long rc = gop(GNTTABOP_map_grant_ref, mops, n);
	for (unsigned int i = 0; !rc && i < n; i++)
		rc = mops[i].status;
	set_unmap_ops(n);
	long urc = gop(GNTTABOP_unmap_grant_ref, uops, n);
	for (unsigned int i = 0; !urc && i < n; i++)
		urc = uops[i].status;
	return rc ? rc : urc;
}

static void bench(struct domu *d, evtchn_port_t p)
{
	for (unsigned int i = 0; i < NGRANTS; i++)
		HYPERVISOR_update_va_mapping((unsigned long)at[i], 0, UVMF_INVLPG);

	/* what a mapping shows: the domU's pattern, and our write reaches it */
	set_map_ops(d->id, NGRANTS, GNTMAP_host_map);
	CHECK_EQ("map16", gop(GNTTABOP_map_grant_ref, mops, NGRANTS), 0);
	unsigned int bad = 0;
	for (unsigned int i = 0; i < NGRANTS; i++)
		bad += mops[i].status != GNTST_okay ||
		       ((uint64_t *)at[i])[3] != pattern(i, 3);
	CHECK_EQ("map16.contents", bad, 0);
	set_unmap_ops(NGRANTS);
	CHECK_EQ("unmap16", gop(GNTTABOP_unmap_grant_ref, uops, NGRANTS), 0);
	bad = 0;
	for (unsigned int i = 0; i < NGRANTS; i++)
		bad += uops[i].status != GNTST_okay || l1e_of(at[i]) != 0;
	CHECK_EQ("unmap16.cleared", bad, 0);

	long rc = 0;
	BENCH("gnt_map_unmap", 2000, if (!rc) rc = map_unmap(d->id, 1));
	CHECK_EQ("gnt_map_unmap.ok", rc, 0);
	BENCH("gnt_map_unmap16", 200, if (!rc) rc = map_unmap(d->id, NGRANTS));
	CHECK_EQ("gnt_map_unmap16.ok", rc, 0);

	static struct gnttab_copy c;
	c = (struct gnttab_copy){ .flags = GNTCOPY_source_gref, .len = PAGE_SIZE };
	c.source.u.ref = GREF0 + 1;
	c.source.domid = d->id;
	c.dest.u.gmfn = va_to_mfn(copy_dst);
	c.dest.domid = DOMID_SELF;
	BENCH("gnt_copy4k", 2000, if (!rc) rc = gop(GNTTABOP_copy, &c, 1) ?: c.status);
	CHECK_EQ("gnt_copy4k.ok", rc, 0);
	CHECK_EQ("gnt_copy4k.contents", ((uint64_t *)copy_dst)[511], pattern(1, 511));

	for (unsigned int p = 0; p <= RX_PAGES; p++)
		for (unsigned int w = 0; w < PAGE_SIZE / 8; w++)
			((uint64_t *)rx_src[p])[w] = pattern(100 + p, w);
	set_rx_ops(d->id);
	BENCH("gnt_copy_rx16", 400, if (!rc) rc = copy_rx());
	CHECK_EQ("gnt_copy_rx16.ok", rc, 0);
	/* what the last grant got: the stream, RX_SKEW bytes on */
	c.source.u.ref = GREF0 + 1 + RX_PAGES;
	CHECK_EQ("gnt_copy_rx16.back", gop(GNTTABOP_copy, &c, 1) ?: c.status, 0);
	CHECK_EQ("gnt_copy_rx16.contents", ((uint64_t *)copy_dst)[0],
		 pattern(99 + RX_PAGES, RX_SKEW / 8));
	CHECK_EQ("gnt_copy_rx16.contents_end", ((uint64_t *)copy_dst)[511],
		 pattern(100 + RX_PAGES, (RX_SKEW - 8) / 8));

	BENCH("evtchn_rtt", 1000, ({ evtchn_send(p); wait_port(p); }));

	/* stop the echo: a word in its first page, then one more event */
	set_map_ops(d->id, 1, GNTMAP_host_map);
	CHECK_EQ("stop.map", gop(GNTTABOP_map_grant_ref, mops, 1) ?: mops[0].status, 0);
	__atomic_store_n(&((uint64_t *)at[0])[STOP_OFF], STOP_MAGIC, __ATOMIC_RELEASE);
	set_unmap_ops(1);
	CHECK_EQ("stop.unmap", gop(GNTTABOP_unmap_grant_ref, uops, 1) ?: uops[0].status, 0);
	evtchn_send(p);

	for (unsigned int i = 0; i < NGRANTS; i++)
		HYPERVISOR_update_va_mapping((unsigned long)at[i],
			((uint64_t)va_to_mfn(at[i]) << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
}

static void dom0(void)
{
	static struct image images[4];
	static struct domu d;
	const struct image *img = NULL;

	toolstack_init();
	unsigned int n = pack_images(images, ARRAY_SIZE(images));
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(images[i].name, "splitbench"))
			img = &images[i];
	CHECK(checkname("image"), img != NULL);
	if (!img)
		return;
	long rc = domu_create(&d, img, 1024, "");
	snprintf(d.tag, sizeof(d.tag), "echo");
	CHECK_EQ("create", rc, 0);
	if (rc)
		return;
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = d.id };
	CHECK_EQ("offer", rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0);
	snprintf(d.cmdline, sizeof(d.cmdline), "peer=%u", a.port);
	if (!rc)
		CHECK_EQ("build", rc = domu_build(&d), 0);
	if (!rc)
		CHECK_EQ("unpause", rc = domu_unpause(&d), 0);
	if (!rc) {
		/* its "ready": granted and bound (its console drained meanwhile) */
		uint64_t deadline = xen_system_time() + 60000000000UL;
		while (!evtchn_is_pending(a.port) && !d.shut_down && xen_system_time() < deadline)
			domu_wait_shutdown(&d, 1000000);
		CHECK_EQ("ready", evtchn_is_pending(a.port), 1);
		if (evtchn_is_pending(a.port)) {
			evtchn_clear(a.port);
			bench(&d, a.port);
		}
		CHECK_EQ("domu.shutdown", domu_wait_shutdown(&d, 60000000000UL), 1);
		CHECK_EQ("domu.reason", d.reason, SHUTDOWN_poweroff);
		CHECK_EQ("domu.failed", d.failed, 0);
		CHECK_EQ("domu.result_line", d.result_seen, 1);
	}
	domu_console_close(&d);
	CHECK_EQ("destroy", domu_destroy(d.id), 0);
	CHECK_EQ("gone", domain_wait_gone(d.id, 2000000000UL), 1);
}

void test_main(void)
{
	const char *peer = cmdline_value("peer");

	if (start_info->flags & SIF_INITDOMAIN) {
		dom0();
	} else if (peer) {
		unsigned long v = 0;
		for (; *peer >= '0' && *peer <= '9'; peer++)
			v = v * 10 + (unsigned long)(*peer - '0');
		domu(v);
	} else {
		CHECK("peer.given", 0);
	}
}
