/*
 * gntpair: grant tables and interdomain event channels between two real
 * domains, with Xen 4.17's answers. As dom0 (a builder, toolstack.c) we
 * create a peer domU running this same kernel (run-guest.sh --domus
 * gntpair), grant it pages and offer it two ports, and serve its ring
 * (ring.c) while it maps and copies our grants, tries hostile refs and
 * runs out of maptrack (map.c, copy.c, hostile.c, maptrack.c); its checks
 * are relayed as ours ("peer/gntpair.<check>"). Once it is down, we map
 * and copy its grants (entries we write into its table as libxc seeds
 * refs 0 and 1) and try the rest of the interface on them (other_ops.c,
 * hostile.c), race two vCPUs on one of its grants (races.c), rewrite a
 * grant PTE (grant_pte.c) and destroy it while we map its grant
 * (dying.c). Boot with --smp 2 --vcpus 2.
 */
#include "gntpair/pair.h"

static struct image images[4];
static struct domu peer;

static const struct image *self_image(void)
{
	unsigned int n = pack_images(images, ARRAY_SIZE(images));
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(images[i].name, "gntpair"))
			return &images[i];
	return NULL;
}

/* Xen 4.17 allocates per-CPU state for good the first time a PV domU
 * runs on a CPU: one small domU first, so the free-memory checks below
 * measure only what they mean to. */
static void warm_up(const struct image *img)
{
	bool q = quiet_domus;

	quiet_domus = true;
	if (!domu_create(&peer, img, 1024, "role=idle") && !domu_build(&peer) && !domu_unpause(&peer))
		domu_wait_shutdown(&peer, 30000000000UL);
	quiet_domus = q;
	domu_console_close(&peer);
	domu_destroy(peer.id);
	domain_wait_gone(peer.id, 2000000000UL);
	evtchn_clear(dom_exc_port);
	uint64_t prev = 0, deadline = xen_system_time() + 3000000000UL;
	for (unsigned int same = 0; same < 20 && xen_system_time() < deadline; ) {
		uint64_t now = free_pages();
		same = now == prev ? same + 1 : 0;
		prev = now;
		poll_sleep(10000000);
	}
}

/* Xen gives each vCPU its own maptrack page at its first map, for good:
 * both of ours map once before the free-memory base is taken (races.c
 * maps from the second). */
#define REF_PRIME 40
static long prime_one(unsigned int id, void *arg)
{
	(void)id;
	(void)arg;
	struct gnttab_map_grant_ref m = gmap(0, REF_PRIME, 0, GNTMAP_device_map | GNTMAP_readonly);
	if (m.status != GNTST_okay)
		return m.status;
	return gunmap(0, m.dev_bus_addr, m.handle);
}

static void prime_maptrack(grant_entry_v1_t *own)
{
	grant(&own[REF_PRIME], 0, va_to_mfn(own), true);
	CHECK_EQ("prime.vcpus", smp_start(2), 2);
	smp_run(prime_one, NULL);
	CHECK_EQ("prime.0", smp_results[0], 0);
	CHECK_EQ("prime.1", smp_results[1], 0);
	own[REF_PRIME].flags = 0;
}

static evtchn_port_t offer(domid_t to)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = to };
	return HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a) ? 0 : a.port;
}

static void as_dom0(void)
{
	const struct image *img;
	struct domu *d = &peer;
	long rc;

	toolstack_init();
	img = self_image();
	CHECK("have_image", img != NULL);
	if (!img)
		return;
	warm_up(img);
	grant_entry_v1_t *own = own_table();
	prime_maptrack(own);
	uint64_t base = free_pages();

	rc = domu_create(d, img, 2048, "role=peer maptrack=1");
	CHECK_EQ("peer.create", rc, 0);
	if (rc)
		return;
	snprintf(d->tag, sizeof(d->tag), "peer");
	evtchn_port_t p1 = offer(d->id), p2 = offer(d->id);
	CHECK(checkname("peer.offer"), p1 && p2);
	snprintf(d->cmdline, sizeof(d->cmdline), "role=peer maptrack=1 port=%u,%u", p1, p2);
	/* polled, never taken as upcalls */
	evtchn_mask(p1);
	evtchn_mask(p2);
	peer_grants(own, d->id);
	CHECK_EQ("peer.build", rc = domu_build(d), 0);
	grant_entry_v1_t *dgt = foreign_table(d->id, GNTPAIR_TABLE_SLOT);
	CHECK("peer.table_mapped", dgt != NULL);
	if (rc || !dgt)
		goto out;
	CHECK_EQ("peer.unpause", domu_unpause(d), 0);
	ring_backend(d, dgt, p1, p2);
	CHECK_EQ("peer.result_line", d->result_seen, 1);
	CHECK_EQ("peer.failed_as_relayed", d->failed == d->relayed_fail, 1);
	CHECK(checkname("peer.passed"), d->passed > 0);
	CHECK_EQ("peer.panic", d->panicked, 0);
	peer_checks_after(own);

	map_from_domu(d, dgt);
	copy_from_domu(d, dgt);
	hostile_from_domu(d, dgt);
	other_ops(d, dgt);
	races(d, dgt);
	grant_pte_rewrite(d, dgt);
	dying_granter(d, dgt, base);
	CHECK_EQ("peer.gone.kept_mapping_released", flags_of(&own[REF_RW]), GTF_permit_access);
	return;
out:
	domu_console_close(d);
	domu_destroy(d->id);
	domain_wait_gone(d->id, 2000000000UL);
}

static void as_peer(void)
{
	const char *ports = cmdline_value("port");
	long p[2] = { 0, 0 };

	for (unsigned int i = 0; ports && i < 2; i++) {
		while (*ports >= '0' && *ports <= '9')
			p[i] = p[i] * 10 + (*ports++ - '0');
		if (*ports == ',')
			ports++;
	}
	CHECK(checkname("args"), p[0] > 0 && p[1] > 0);
	map_from_dom0();
	copy_from_dom0();
	hostile_from_dom0();
	maptrack_limit();
	ring_frontend((evtchn_port_t)p[0], (evtchn_port_t)p[1]);
	/* one mapping left in place: our death releases it */
	struct gnttab_map_grant_ref m = gmap(0, REF_RW, (uint64_t)alloc_page(), GNTMAP_host_map);
	CHECK_EQ("kept_mapping", m.status, GNTST_okay);
}

void test_main(void)
{
	const char *role;

	if (start_info->flags & SIF_INITDOMAIN)
		as_dom0();
	else if ((role = cmdline_value("role")) && !strncmp(role, "peer", 4))
		as_peer();
}
