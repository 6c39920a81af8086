/*
 * resource: XENMEM_acquire_resource as dom0's toolstack uses it
 * (libxc's xc_dom_gnttab_seed through privcmd's MMAP_RESOURCE): the MFNs
 * of a new domain's grant-table frames, mapped with mmu_update naming the
 * domain, entries written there, then the grants used by dom0 (as
 * xenconsoled and xenstored map grants 0 and 1), and the domain
 * destroyed while dom0 still maps both.
 *
 * Xen 4.17 (common/memory.c acquire_resource, common/grant_table.c):
 *  - refusals in this order: the copy (-EFAULT), pad != 0 (-EINVAL), frame
 *    or frame + nr_frames beyond 32 bits (-EINVAL), the domain: unknown or
 *    DOMID_SELF -ESRCH, the caller itself -EPERM; the resource's size 0
 *    (ioreq_server and vmtrace_buf of a PV domain, unknown grant ids)
 *    -EINVAL; a null frame_list asks the size (nr_frames must be 0);
 *    nr_frames 0 with a list, or above UINT_MAX >> 6, -EINVAL; an unknown
 *    type -EOPNOTSUPP (but its size query answers -EOPNOTSUPP as a count);
 *  - grant table: the size is max_grant_frames (64), status frames
 *    max_grant_frames / 8 but none to acquire in a v1 table (-EINVAL);
 *    acquiring grows the table (query_size sees it), beyond the limit is
 *    -EINVAL; the MFNs are setup_table's;
 *  - the frames stay while dom0 maps them, also after destroydomain; the
 *    domain lingers, dying, while dom0 maps a grant of it, and its table
 *    still answers acquire_resource meanwhile. Xen also lets dom0 map its
 *    grants anew then, and keeps the domain while dom0 maps a frame of
 *    its table; pvisor refuses the first and keeps only the frame
 *    (pvisor-deviations.list).
 */
#include "builder/toolstack.h"
#include <xen/memory.h>
#include <xen/grant_table.h>

static domid_t dom;
static xen_pfn_t list[80];

static long acquire(domid_t d, unsigned int type, unsigned int id, uint64_t frame,
		    uint32_t nr, xen_pfn_t *frames)
{
	struct xen_mem_acquire_resource x = {
		.domid = d, .type = type, .id = id, .frame = frame, .nr_frames = nr,
	};
	set_xen_guest_handle(x.frame_list, frames);
	return HYPERVISOR_memory_op(XENMEM_acquire_resource, &x);
}

/* The size query: rc, the size in *nr. */
static long query(domid_t d, unsigned int type, unsigned int id, uint32_t *nr)
{
	struct xen_mem_acquire_resource x = { .domid = d, .type = type, .id = id };
	long rc = HYPERVISOR_memory_op(XENMEM_acquire_resource, &x);
	*nr = x.nr_frames;
	return rc;
}

static long gop(unsigned int cmd, void *arg, unsigned int count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static void argument_checks(void)
{
	struct xen_mem_acquire_resource x;
	uint32_t nr = 0;
	long rc;

	memset(&x, 0, sizeof(x));
	x.domid = dom;
	x.type = XENMEM_resource_grant_table;
	x.nr_frames = 1;
	x.pad = 1;
	set_xen_guest_handle(x.frame_list, list);
	CHECK_EQ("args.pad", HYPERVISOR_memory_op(XENMEM_acquire_resource, &x), -XEN_EINVAL);
	CHECK_EQ("args.badptr", HYPERVISOR_memory_op(XENMEM_acquire_resource, (void *)0x1000),
		 -XEN_EFAULT);
	CHECK_EQ("args.frame_2^32", acquire(dom, 1, 0, 1ull << 32, 1, list), -XEN_EINVAL);
	CHECK_EQ("args.end_2^32", acquire(dom, 1, 0, 0xffffffffull, 1, list), -XEN_EINVAL);
	CHECK_EQ("args.wrap", acquire(dom, 1, 0, ~0ull, 2, list), -XEN_EINVAL);
	/* the range is checked before the domain */
	CHECK_EQ("args.range_before_domain", acquire(0x7fe0, 1, 0, 1ull << 40, 1, list), -XEN_EINVAL);
	CHECK_EQ("args.dom_self", acquire(DOMID_SELF, 1, 0, 0, 1, list), -XEN_ESRCH);
	CHECK_EQ("args.dom_own_id", acquire(0, 1, 0, 0, 1, list), -XEN_EPERM);
	CHECK_EQ("args.dom_absent", acquire(0x7fe0, 1, 0, 0, 1, list), -XEN_ESRCH);
	CHECK_EQ("args.dom_xen", acquire(DOMID_XEN, 1, 0, 0, 1, list), -XEN_ESRCH);
	CHECK_EQ("args.dom_invalid", acquire(DOMID_INVALID, 1, 0, 0, 1, list), -XEN_ESRCH);

	/* sizes */
	CHECK_EQ("query.shared", query(dom, 1, XENMEM_resource_grant_table_id_shared, &nr), 0);
	CHECK_EQ("query.shared.frames", nr, 64);
	CHECK_EQ("query.status", query(dom, 1, XENMEM_resource_grant_table_id_status, &nr), 0);
	CHECK_EQ("query.status.frames", nr, 8);
	CHECK_EQ("query.grant_id2", query(dom, 1, 2, &nr), -XEN_EINVAL);
	CHECK_EQ("query.ioreq_server", query(dom, XENMEM_resource_ioreq_server, 0, &nr), -XEN_EINVAL);
	CHECK_EQ("query.vmtrace_buf", query(dom, XENMEM_resource_vmtrace_buf, 0, &nr), -XEN_EINVAL);
	CHECK_EQ("query.type3", query(dom, 3, 0, &nr), 0);
	CHECK_EQ("query.type3.frames", nr, (uint32_t)-XEN_EOPNOTSUPP);
	memset(&x, 0, sizeof(x));
	x.domid = dom;
	x.type = XENMEM_resource_grant_table;
	x.nr_frames = 1;                /* a null list with frames */
	CHECK_EQ("query.with_frames", HYPERVISOR_memory_op(XENMEM_acquire_resource, &x), -XEN_EINVAL);
	x.nr_frames = 0;
	CHECK_EQ("query.badptr", HYPERVISOR_memory_op(XENMEM_acquire_resource, (void *)0x1000),
		 -XEN_EFAULT);

	/* acquiring what is not there */
	CHECK_EQ("acq.no_frames", acquire(dom, 1, 0, 0, 0, list), -XEN_EINVAL);
	CHECK_EQ("acq.too_many", acquire(dom, 1, 0, 0, (~0u >> 6) + 1, list), -XEN_EINVAL);
	CHECK_EQ("acq.status_v1", acquire(dom, 1, XENMEM_resource_grant_table_id_status, 0, 1, list),
		 -XEN_EINVAL);
	CHECK_EQ("acq.grant_id2", acquire(dom, 1, 2, 0, 1, list), -XEN_EINVAL);
	CHECK_EQ("acq.ioreq_server", acquire(dom, XENMEM_resource_ioreq_server, 0, 0, 1, list),
		 -XEN_EINVAL);
	CHECK_EQ("acq.vmtrace_buf", acquire(dom, XENMEM_resource_vmtrace_buf, 0, 0, 1, list),
		 -XEN_EINVAL);
	CHECK_EQ("acq.type3", acquire(dom, 3, 0, 0, 1, list), -XEN_EOPNOTSUPP);
	CHECK_EQ("acq.beyond_limit", acquire(dom, 1, 0, 64, 1, list), -XEN_EINVAL);
	CHECK_EQ("acq.across_limit", acquire(dom, 1, 0, 63, 2, list), -XEN_EINVAL);
	rc = acquire(dom, 1, 0, 0, 1, (xen_pfn_t *)0xffff830000000000ull);
	CHECK_EQ("acq.list_in_xen", rc, -XEN_EFAULT);
}

static void frames_checks(void)
{
	struct gnttab_setup_table st = { .dom = dom, .nr_frames = 40 };
	struct gnttab_query_size qs = { .dom = dom };
	static xen_pfn_t setup[40];
	unsigned int same = 0;

	/* frame 0, then 40 at once (more than one step of 32) */
	CHECK_EQ("acq.frame0", acquire(dom, 1, 0, 0, 1, list), 0);
	CHECK_EQ("acq.frame0.nr_size", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("acq.frame0.table_frames", qs.nr_frames, 1);
	CHECK_EQ("acq.0_40", acquire(dom, 1, 0, 0, 40, list), 0);
	CHECK_EQ("acq.0_40.grown", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("acq.0_40.table_frames", qs.nr_frames, 40);
	set_xen_guest_handle(st.frame_list, setup);
	CHECK_EQ("acq.setup_table", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("acq.setup_table.status", st.status, GNTST_okay);
	for (unsigned int i = 0; i < 40; i++)
		same += list[i] == setup[i];
	CHECK_EQ("acq.0_40.setup_table_mfns", same, 40);
	/* the last frame grows the table to its limit */
	CHECK_EQ("acq.last", acquire(dom, 1, 0, 63, 1, list + 63), 0);
	CHECK_EQ("acq.last.grown", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("acq.last.table_frames", qs.nr_frames, 64);
	CHECK_EQ("acq.last.max", qs.max_nr_frames, 64);
	CHECK_EQ("acq.0_again", acquire(dom, 1, 0, 0, 1, list), 0);
	CHECK_EQ("acq.0_again.same", list[0], setup[0]);
}

/* The toolstack's seeding, then dom0 using the grants, then destroy while
 * both mappings live. */
static void seed_map_destroy_checks(void)
{
	struct xen_domctl_getdomaininfo info;
	xen_pfn_t pfn = 0;            /* populate writes back its MFN (PV) */
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = dom };
	struct gnttab_map_grant_ref map;
	struct gnttab_unmap_grant_ref unmap;
	struct gnttab_copy copy;
	static char back[64];
	const uint64_t marker = 0x6772616e742d3031ull;
	grant_entry_v1_t *gt = window_slot(0);
	volatile uint64_t *page = window_slot(1);
	xen_pfn_t g0;
	grant_handle_t handle;

	set_xen_guest_handle(r.extent_start, &pfn);
	CHECK_EQ("seed.populate", HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1);
	CHECK_EQ("seed.acquire", acquire(dom, 1, 0, 0, 1, list), 0);
	g0 = list[0];
	/* the frame is the domain's to map, not ours */
	CHECK_EQ("seed.map_as_ours", map_foreign(0, DOMID_SELF, g0, true), -XEN_EBUSY);
	CHECK_EQ("seed.map", map_foreign(0, dom, g0, true), 0);
	CHECK_EQ("seed.entry1_empty", gt[1].flags | gt[1].domid | gt[1].frame, 0);
	gt[1].domid = 0;
	gt[1].frame = (uint32_t)pfn;
	__atomic_store_n(&gt[1].flags, GTF_permit_access, __ATOMIC_RELEASE);

	/* dom0 maps grant 1 writable, as xenstored maps the store ring */
	memset(&map, 0, sizeof(map));
	map.host_addr = (uint64_t)(unsigned long)page;
	map.flags = GNTMAP_host_map;
	map.ref = 1;
	map.dom = dom;
	CHECK_EQ("grant.map", gop(GNTTABOP_map_grant_ref, &map, 1), 0);
	CHECK_EQ("grant.map.status", map.status, GNTST_okay);
	CHECK_EQ("grant.map.bus_addr", map.dev_bus_addr, (uint64_t)pfn << 12);
	handle = map.handle;
	CHECK_EQ("grant.flags_in_use", gt[1].flags & (GTF_reading | GTF_writing),
		 GTF_reading | GTF_writing);
	page[0] = marker;
	/* the same frame, read by grant copy through the table we wrote */
	memset(&copy, 0, sizeof(copy));
	copy.flags = GNTCOPY_source_gref;
	copy.source.u.ref = 1;
	copy.source.domid = dom;
	copy.dest.u.gmfn = va_to_mfn(back);
	copy.dest.domid = DOMID_SELF;
	copy.dest.offset = (uint16_t)((unsigned long)back & 4095);
	copy.len = 8;
	CHECK_EQ("grant.copy", gop(GNTTABOP_copy, &copy, 1), 0);
	CHECK_EQ("grant.copy.status", copy.status, GNTST_okay);
	CHECK_EQ("grant.copy.marker", *(uint64_t *)back == marker, 1);

	/* destroy with both mappings alive: the frames stay */
	CHECK_EQ("destroy", domu_destroy(dom), 0);
	CHECK_EQ("destroy.lingers", domain_info_exact(dom, &info), 0);
	CHECK_EQ("destroy.dying", info.flags & XEN_DOMINF_dying, XEN_DOMINF_dying);
	CHECK_EQ("destroy.grant_page_kept", page[0] == marker, 1);
	CHECK_EQ("destroy.table_frame_kept", gt[1].frame, (uint32_t)pfn);
	memset(&map, 0, sizeof(map));
	map.host_addr = (uint64_t)(unsigned long)window_slot(2);
	map.flags = GNTMAP_host_map | GNTMAP_readonly;
	map.ref = 1;
	map.dom = dom;
	/* a new map of the dying domain's grant: Xen maps it, pvisor refuses
	 * (deviation) */
	CHECK_EQ("destroy.new_map", gop(GNTTABOP_map_grant_ref, &map, 1), 0);
	CHECK_EQ("destroy.new_map.status", map.status, GNTST_okay);
	if (map.status == GNTST_okay) {
		memset(&unmap, 0, sizeof(unmap));
		unmap.host_addr = map.host_addr;
		unmap.handle = map.handle;
		CHECK_EQ("destroy.new_map.unmap", gop(GNTTABOP_unmap_grant_ref, &unmap, 1), 0);
		unmap_slot(2);
	}
	/* its table still answers while it lingers, as on Xen */
	CHECK_EQ("destroy.acquire_dying", acquire(dom, 1, 0, 0, 1, list), 0);
	CHECK_EQ("destroy.acquire_dying.same", list[0], g0);

	memset(&unmap, 0, sizeof(unmap));
	unmap.host_addr = (uint64_t)(unsigned long)page;
	unmap.handle = handle;
	CHECK_EQ("grant.unmap", gop(GNTTABOP_unmap_grant_ref, &unmap, 1), 0);
	CHECK_EQ("grant.unmap.status", unmap.status, GNTST_okay);
	unmap_slot(1);
	/* Xen keeps the domain, dying, while dom0 maps a frame of its table;
	 * pvisor lets it go and keeps only the frame (deviation) */
	CHECK_EQ("lingers_while_table_mapped", domain_wait_gone(dom, 500000000UL), 0);
	CHECK_EQ("table_frame_still_mapped", gt[1].frame, (uint32_t)pfn);
	unmap_slot(0);
	CHECK_EQ("gone", domain_wait_gone(dom, 2000000000UL), 1);
	CHECK_EQ("gone.acquire", acquire(dom, 1, 0, 0, 1, list), -XEN_ESRCH);
}

/* Several vCPUs growing one table at once, through acquire_resource and
 * setup_table, each frame in its own order: no refusal, one MFN per frame
 * whoever asked, the table at its limit in the end. */
static domid_t race_dom;
static xen_pfn_t seen[SMP_MAX_VCPUS][64], setup_lists[SMP_MAX_VCPUS][64];

static long grow_racer(unsigned int id, void *arg)
{
	long bad = 0;

	(void)arg;
	for (unsigned int f = 0; f < 64; f++) {
		unsigned int frame = (f * 7 + id * 13) % 64;

		if (id & 1) {
			struct gnttab_setup_table st = { .dom = race_dom, .nr_frames = frame + 1 };

			set_xen_guest_handle(st.frame_list, setup_lists[id]);
			if (gop(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay)
				bad++;
			seen[id][frame] = setup_lists[id][frame];
		} else if (acquire(race_dom, 1, 0, frame, 1, &seen[id][frame])) {
			bad++;
		}
	}
	return bad;
}

static void race_checks(unsigned int n)
{
	static struct xen_domctl c;
	struct gnttab_query_size qs;
	unsigned int same = 0;
	long bad = 0;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	CHECK_EQ("race.create", domctl(&c), 0);
	race_dom = c.domain;
	CHECK_EQ("race.started", smp_start(n), n);
	smp_run(grow_racer, NULL);
	for (unsigned int i = 0; i < smp_cpus; i++)
		bad += smp_results[i];
	CHECK_EQ("race.no_refusal", bad, 0);
	for (unsigned int f = 0; f < 64; f++) {
		unsigned int agree = 1;

		for (unsigned int i = 1; i < smp_cpus; i++)
			agree &= seen[i][f] == seen[0][f];
		same += agree && seen[0][f];
	}
	CHECK_EQ("race.one_mfn_per_frame", same, 64);
	memset(&qs, 0, sizeof(qs));
	qs.dom = race_dom;
	CHECK_EQ("race.query_size", gop(GNTTABOP_query_size, &qs, 1), 0);
	CHECK_EQ("race.at_limit", qs.nr_frames, 64);
	CHECK_EQ("race.destroy", domu_destroy(race_dom), 0);
}

void test_main(void)
{
	static struct xen_domctl c;

	toolstack_init();
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_evtchn_port = 1023;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	CHECK_EQ("create", domctl(&c), 0);
	dom = c.domain;
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_mem;
	c.domain = dom;
	c.u.max_mem.max_memkb = 64;
	CHECK_EQ("max_mem", domctl(&c), 0);
	argument_checks();
	frames_checks();
	seed_map_destroy_checks();
	const char *want = cmdline_value("cpus");
	if (want && want[0] > '1')
		race_checks((unsigned int)(want[0] - '0'));
	finish();
}
