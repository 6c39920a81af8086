/*
 * foreign: memory on behalf of another domain, as one domain (dom0) can
 * show it without creating others: which domids the reservation, claim
 * and page-table hypercalls accept, and the claim rules on itself.
 *
 * Xen 4.17 (common/memory.c, common/page_alloc.c, arch/x86/mm.c):
 *  - increase/decrease_reservation and populate_physmap look the domid up
 *    with rcu_lock_domain_by_any_id() (DOMID_SELF or any id, our own
 *    included) and check XSM_TARGET; every refusal (no such domain, no
 *    permission, an extent order above the caller's memop-max-order, 18
 *    for the control domain, address bits <= 12, a bad NUMA node, a list
 *    outside guest memory, populate-on-demand on oneself, nr_extents too
 *    large for a continuation, start >= nr_extents) returns the number of
 *    extents done (the start extent), never an errno;
 *  - claim_pages: no list, order or flags (-EINVAL), rcu_lock_domain_by_id
 *    (DOMID_SELF is no domain there: -EINVAL), then one claim per domain:
 *    pages <= tot_pages or > max_pages is -EINVAL, 0 cancels;
 *  - mmu_update writes *done also when the page owner is unknown (-ESRCH),
 *    but not when the table owner (foreigndom >> 16) is;
 *  - several vCPUs at once (cpus=N): of identical claims exactly one
 *    wins, and growing never passes max_mem.
 */
#include "guest.h"

#define ROOM 4

static long mop(unsigned long cmd, const void *arg)
{
	return HYPERVISOR_memory_op(cmd, arg);
}

static long resv(unsigned int op, domid_t dom, unsigned int order, unsigned int flags,
		 xen_pfn_t *list, unsigned long n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n, .extent_order = order, .mem_flags = flags, .domid = dom,
	};
	set_xen_guest_handle(r.extent_start, list);
	return mop(op, &r);
}

static long claim(domid_t dom, unsigned long pages)
{
	struct xen_memory_reservation r = { .nr_extents = pages, .domid = dom };
	return mop(XENMEM_claim_pages, &r);
}

static const domid_t bad[] = { 1, 5, 0x7fef, DOMID_IO, DOMID_XEN, DOMID_INVALID, 0xffff };
static unsigned long top;
static xen_pfn_t room[ROOM];

/* Give back ROOM frames nothing uses (the last ones), so we can grow. */
static void make_room(void)
{
	for (unsigned int i = 0; i < ROOM; i++)
		room[i] = p2m[top - 2 - i];
	CHECK_EQ("room.decrease", resv(XENMEM_decrease_reservation, DOMID_SELF, 0, 0, room, ROOM), ROOM);
}

/* Take ROOM frames again and put them where the old ones were. */
static void fill_room(const char *name, domid_t dom)
{
	xen_pfn_t got[ROOM];

	for (unsigned int i = 0; i < ROOM; i++)
		got[i] = top - 2 - i;
	CHECK_EQ(name, resv(XENMEM_populate_physmap, dom, 0, 0, got, ROOM), ROOM);
	for (unsigned int i = 0; i < ROOM; i++) {
		p2m[top - 2 - i] = got[i];
		room[i] = got[i];
	}
}

static void reservation_domids(void)
{
	xen_pfn_t one = p2m[top - 2], list[2];

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		list[0] = top - 2;
		CHECK_EQ(checkname("increase.dom%x", bad[i]),
			 resv(XENMEM_increase_reservation, bad[i], 0, 0, NULL, 1), 0);
		CHECK_EQ(checkname("populate.dom%x", bad[i]),
			 resv(XENMEM_populate_physmap, bad[i], 0, 0, list, 1), 0);
		list[0] = one;
		CHECK_EQ(checkname("decrease.dom%x", bad[i]),
			 resv(XENMEM_decrease_reservation, bad[i], 0, 0, list, 1), 0);
	}
	CHECK_EQ("decrease.dom5.kept", mfn_to_pfn(one), top - 2);
}

static void reservation_refusals(void)
{
	domid_t self = DOMID_SELF;
	long cur = mop(XENMEM_current_reservation, &self);
	xen_pfn_t list[2] = { top - 2, top - 3 };

	/* Each refusal is a count of 0 (or the start extent), nothing taken. */
	CHECK_EQ("increase.order19", resv(XENMEM_increase_reservation, DOMID_SELF, 19, 0, NULL, 1), 0);
	CHECK_EQ("populate.order19", resv(XENMEM_populate_physmap, DOMID_SELF, 19, 0, list, 1), 0);
	CHECK_EQ("increase.bits12", resv(XENMEM_increase_reservation, DOMID_SELF, 0, 12, NULL, 1), 0);
	CHECK_EQ("increase.bits1", resv(XENMEM_increase_reservation, DOMID_SELF, 0, 1, NULL, 1), 0);
	CHECK_EQ("increase.node64", resv(XENMEM_increase_reservation, DOMID_SELF, 0,
					 XENMEMF_node(64), NULL, 1), 0);
	CHECK_EQ("populate.pod_self", resv(XENMEM_populate_physmap, DOMID_SELF, 0,
					   XENMEMF_populate_on_demand, list, 1), 0);
	CHECK_EQ("populate.too_many", resv(XENMEM_populate_physmap, DOMID_SELF, 0, 0, list,
					   (~0u >> 6) + 1ul), 0);
	CHECK_EQ("increase.start_past_end", mop(XENMEM_increase_reservation | (3 << 6),
						&(struct xen_memory_reservation){ .nr_extents = 2,
										  .domid = DOMID_SELF }), 3);
	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		CHECK_EQ(checkname("populate.badlist.%s", bad_ptrs[i].name),
			 resv(XENMEM_populate_physmap, DOMID_SELF, 0, 0, (void *)bad_ptrs[i].addr, 1), 0);
		CHECK_EQ(checkname("increase.badarg.%s", bad_ptrs[i].name),
			 mop(XENMEM_increase_reservation, (void *)bad_ptrs[i].addr), 0);
	}
	/* a frame that is not ours */
	list[0] = xen_owned_mfn();
	CHECK_EQ("decrease.xen_frame", resv(XENMEM_decrease_reservation, DOMID_SELF, 0, 0, list, 1), 0);
	list[0] = ~0ul;
	CHECK_EQ("decrease.invalid_frame", resv(XENMEM_decrease_reservation, DOMID_SELF, 0, 0, list, 1), 0);
	CHECK_EQ("refusals.reservation", mop(XENMEM_current_reservation, &self), cur);
}

/* Our own id is as good as DOMID_SELF for memory_op (not for mmu_update). */
static void reservation_own_id(void)
{
	domid_t self = DOMID_SELF;
	long max = mop(XENMEM_maximum_reservation, &self);

	make_room();
	CHECK_EQ("own_id.room", mop(XENMEM_current_reservation, &self), max - ROOM);
	fill_room("own_id.populate", 0);
	CHECK_EQ("own_id.full", mop(XENMEM_current_reservation, &self), max);
	/* at max_mem: nothing more */
	CHECK_EQ("own_id.over_max", resv(XENMEM_increase_reservation, 0, 0, 0, NULL, 1), 0);
	for (unsigned int i = 0; i < ROOM; i++) {
		struct mmu_update u = { (room[i] << 12) | MMU_MACHPHYS_UPDATE, top - 2 - i };
		CHECK_EQ(checkname("own_id.m2p%u", i), HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF), 0);
	}
}

static void claims(void)
{
	domid_t self = DOMID_SELF;
	long max = mop(XENMEM_maximum_reservation, &self), tot;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = 0 };
	xen_pfn_t x;

	/* the argument's shape */
	set_xen_guest_handle(r.extent_start, &x);
	CHECK_EQ("claim.list", mop(XENMEM_claim_pages, &r), -XEN_EINVAL);
	set_xen_guest_handle(r.extent_start, NULL);
	r.extent_order = 1;
	CHECK_EQ("claim.order", mop(XENMEM_claim_pages, &r), -XEN_EINVAL);
	r.extent_order = 0;
	r.mem_flags = 32;
	CHECK_EQ("claim.flags", mop(XENMEM_claim_pages, &r), -XEN_EINVAL);
	CHECK_EQ("claim.start_extent", mop(XENMEM_claim_pages | (1 << 6), &r), -XEN_EINVAL);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("claim.badptr.%s", bad_ptrs[i].name),
			 mop(XENMEM_claim_pages, (void *)bad_ptrs[i].addr), -XEN_EFAULT);
	/* which domain */
	CHECK_EQ("claim.self", claim(DOMID_SELF, max), -XEN_EINVAL);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(checkname("claim.dom%x", bad[i]), claim(bad[i], max), -XEN_EINVAL);

	make_room();
	tot = mop(XENMEM_current_reservation, &self);
	CHECK_EQ("claim.room", tot, max - ROOM);
	CHECK_EQ("claim.at_tot", claim(0, tot), -XEN_EINVAL);
	CHECK_EQ("claim.below_tot", claim(0, 1), -XEN_EINVAL);
	CHECK_EQ("claim.above_max", claim(0, max + 1), -XEN_EINVAL);
	CHECK_EQ("claim.huge", claim(0, ~0ul), -XEN_EINVAL);
	CHECK_EQ("claim.cancel_none", claim(0, 0), 0);
	CHECK_EQ("claim.max", claim(0, max), 0);
	CHECK_EQ("claim.second", claim(0, max), -XEN_EINVAL);
	CHECK_EQ("claim.second_smaller", claim(0, tot + 1), -XEN_EINVAL);
	CHECK_EQ("claim.cancel", claim(0, 0), 0);
	CHECK_EQ("claim.again", claim(0, tot + 2), 0);
	/* populating within and past the claim */
	fill_room("claim.populate", DOMID_SELF);
	CHECK_EQ("claim.full", mop(XENMEM_current_reservation, &self), max);
	CHECK_EQ("claim.after_full", claim(0, max), -XEN_EINVAL);
	CHECK_EQ("claim.cancel_used", claim(0, 0), 0);
	for (unsigned int i = 0; i < ROOM; i++) {
		struct mmu_update u = { (room[i] << 12) | MMU_MACHPHYS_UPDATE, top - 2 - i };
		HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
	}
}

/* *done is written when the page owner is unknown, not when the table
 * owner is (Xen returns before its out: label). */
static void mmu_done(void)
{
	struct mmu_update u = { l1e_maddr(&top), 0 };
	unsigned int done = 99;

	u.val = l1e_of(&top);
	CHECK_EQ("mmu.pg_owner_dom5", HYPERVISOR_mmu_update(&u, 1, &done, 5), -XEN_ESRCH);
	CHECK_EQ("mmu.pg_owner_dom5.done", done, 0);
	done = 99;
	CHECK_EQ("mmu.pt_owner_dom5", HYPERVISOR_mmu_update(&u, 1, &done, DOMID_SELF | (6u << 16)),
		 -XEN_ESRCH);
	CHECK_EQ("mmu.pt_owner_dom5.done", done, 99);
	done = 99;
	CHECK_EQ("mmu.own_id", HYPERVISOR_mmu_update(&u, 1, &done, 0), -XEN_ESRCH);
	CHECK_EQ("mmu.own_id.done", done, 0);
	done = 99;
	CHECK_EQ("mmu.self", HYPERVISOR_mmu_update(&u, 1, &done, DOMID_SELF), 0);
	CHECK_EQ("mmu.self.done", done, 1);
}

/* Several vCPUs at once: one claim wins; growing by our own id never
 * passes max_mem. */
static long claim_max;
static xen_pfn_t got[SMP_MAX_VCPUS][ROOM + 1];

static long claim_racer(unsigned int id, void *arg)
{
	(void)id;
	(void)arg;
	return claim(0, claim_max) == 0;
}

static long grow_racer(unsigned int id, void *arg)
{
	long n = 0;

	(void)arg;
	for (unsigned int i = 0; i < ROOM + 1; i++)
		if (resv(XENMEM_increase_reservation, 0, 0, 0, &got[id][n], 1) == 1)
			n++;
	return n;
}

static void races(void)
{
	domid_t self = DOMID_SELF;
	long max = mop(XENMEM_maximum_reservation, &self), total = 0;
	unsigned int k = 0;

	make_room();
	claim_max = max;
	smp_run(claim_racer, NULL);
	for (unsigned int i = 0; i < smp_cpus; i++)
		total += smp_results[i];
	CHECK_EQ("race.one_claim_wins", total, 1);
	CHECK_EQ("race.claim_cancel", claim(0, 0), 0);
	smp_run(grow_racer, NULL);
	total = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		total += smp_results[i];
	CHECK_EQ("race.grow_exactly_the_room", total, ROOM);
	CHECK_EQ("race.at_max", mop(XENMEM_current_reservation, &self), max);
	for (unsigned int i = 0; i < smp_cpus; i++)
		for (long j = 0; j < smp_results[i] && k < ROOM; j++, k++) {
			struct mmu_update u = { (got[i][j] << 12) | MMU_MACHPHYS_UPDATE, top - 2 - k };
			HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF);
			p2m[top - 2 - k] = got[i][j];
		}
}

void test_main(void)
{
	const char *want = cmdline_value("cpus");
	unsigned int n = want ? (unsigned int)(want[0] - '0') : 1;

	top = start_info->nr_pages;
	reservation_domids();
	reservation_refusals();
	reservation_own_id();
	claims();
	mmu_done();
	if (n > 1) {
		CHECK_EQ("race.started", smp_start(n), n);
		races();
	}
}
