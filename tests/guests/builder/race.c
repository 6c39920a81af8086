/*
 * Stateful domctls with every dom0 vCPU at once (boot with --vcpus 2 and
 * cpus=2; with one vCPU nothing runs):
 * - createdomain on all vCPUs: distinct ids, each domain whole;
 * - destroydomain of one populated domain on all vCPUs: 0 for one at
 *   least, -ESRCH for a caller that comes after the domain went (Xen's
 *   domctl lock serialises them), the domain goes once, every frame
 *   comes back;
 * - populate_physmap of one domain on all vCPUs against its max_mem: the
 *   domain ends exactly full, no frame given twice (as Xen's assign_pages
 *   under the domain's page lock);
 * - pausedomain/unpausedomain pairs on all vCPUs: the pause count ends
 *   where it began (getdomaininfo still says paused, one unpause frees it).
 * - a domU that keeps blocking (its pCPU idles with the domU's page
 *   tables still loaded: pvisor's lazy switch to idle, as Xen's): picked
 *   by a pCPU busy yielding (pvisor panics if its tables are then in two
 *   CR3s), paused,
 *   its context read and unpaused over and over from one vCPU, then
 *   pause/unpause pairs and destroydomain from all while it naps; gone,
 *   every frame back (a pCPU that kept its tables must have let go first).
 * Each vCPU uses its own domctl buffer: the toolstack helpers' static
 * ones are vCPU 0's.
 */
#include "race.h"

static volatile domid_t created[SMP_MAX_VCPUS];
static domid_t target;

static long domctl_on_stack(unsigned int cmd, domid_t dom, struct xen_domctl *c)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->domain = dom;
	return domctl(c);
}

/* createdomain with one vCPU and the defaults; *id: the new domain */
static long create_plain(domid_t *id)
{
	struct xen_domctl c;

	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_createdomain;
	c.u.createdomain.max_vcpus = 1;
	c.u.createdomain.max_evtchn_port = 1023;
	c.u.createdomain.max_grant_frames = -1;
	c.u.createdomain.max_maptrack_frames = -1;
	c.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	long rc = domctl(&c);
	*id = rc ? 0 : c.domain;
	return rc;
}

static long create_fn(unsigned int id, void *arg)
{
	domid_t d;
	long rc = create_plain(&d);

	(void)arg;
	created[id] = d;
	return rc;
}

static long destroy_fn(unsigned int id, void *arg)
{
	struct xen_domctl c;
	long rc;
	unsigned int tries = 0;

	(void)id;
	domid_t dom = arg ? *(domid_t *)arg : target;
	do
		rc = domctl_on_stack(XEN_DOMCTL_destroydomain, dom, &c);
	while ((rc == -XEN_EAGAIN || rc == -85) && ++tries < 1000000);
	return rc;
}

static long pause_fn(unsigned int id, void *arg)
{
	struct xen_domctl c;
	long bad = 0;

	(void)id;
	(void)arg;
	for (unsigned int i = 0; i < 200; i++) {
		bad += domctl_on_stack(XEN_DOMCTL_pausedomain, target, &c) != 0;
		bad += domctl_on_stack(XEN_DOMCTL_unpausedomain, target, &c) != 0;
	}
	return bad;
}

/* populate_physmap for one new domain from every vCPU at once, against
 * its max_mem (POP_MAX pages): 2 MiB extents one per call while they
 * fit, then batches of single pages until a batch comes back short.
 * Each vCPU names its own guest frames (id << 16 on), so the M2P shows
 * whether any frame went to two extents. */
#define POP_MAX (5 * 512 + 37)
static xen_pfn_t pop_big[SMP_MAX_VCPUS][8], pop_small[SMP_MAX_VCPUS][POP_MAX];
static unsigned int pop_nbig[SMP_MAX_VCPUS], pop_nsmall[SMP_MAX_VCPUS];
static domid_t pop_target;

static xen_pfn_t pop_gpfn(unsigned int id, unsigned int i)
{
	return ((xen_pfn_t)id << 16) + i;
}

static long populate_fn(unsigned int id, void *arg)
{
	struct xen_memory_reservation r = { .domid = pop_target };
	long pages = 0, done;

	(void)arg;
	pop_nbig[id] = pop_nsmall[id] = 0;
	r.extent_order = 9;
	r.nr_extents = 1;
	while (pop_nbig[id] < 8) {
		pop_big[id][pop_nbig[id]] = pop_gpfn(id, pop_nbig[id] * 512);
		set_xen_guest_handle(r.extent_start, &pop_big[id][pop_nbig[id]]);
		if ((done = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r)) != 1)
			break;
		pop_nbig[id]++;
		pages += 512;
	}
	r.extent_order = 0;
	for (;;) {
		unsigned int n = pop_nsmall[id], want = POP_MAX - n < 8 ? POP_MAX - n : 8;
		if (!want)
			break;
		for (unsigned int i = 0; i < want; i++)
			pop_small[id][n + i] = pop_gpfn(id, 0x8000 + n + i);
		set_xen_guest_handle(r.extent_start, &pop_small[id][n]);
		r.nr_extents = want;
		done = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
		if (done < 0 || done > (long)want)
			return -1000;
		pop_nsmall[id] += (unsigned int)done;
		pages += done;
		if (done < (long)want)
			break;
	}
	return pages;
}

static void populate_race(void)
{
	struct xen_domctl c;
	struct xen_domctl_getdomaininfo info;

	CHECK_EQ("race.populate.create", create_plain(&pop_target), 0);
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_vcpus;
	c.domain = pop_target;
	c.u.max_vcpus.max = 1;
	CHECK_EQ("race.populate.max_vcpus", domctl(&c), 0);
	memset(&c, 0, sizeof(c));
	c.cmd = XEN_DOMCTL_max_mem;
	c.domain = pop_target;
	c.u.max_mem.max_memkb = POP_MAX * 4;
	CHECK_EQ("race.populate.max_mem", domctl(&c), 0);

	smp_run(populate_fn, NULL);
	long total = 0, bad = 0, twice = 0;
	for (unsigned int i = 0; i < smp_cpus; i++) {
		bad += smp_results[i] < 0;
		total += smp_results[i] > 0 ? smp_results[i] : 0;
		for (unsigned int j = 0; j < pop_nbig[i]; j++)
			for (unsigned int k = 0; k < 512; k++)
				twice += mfn_to_pfn(pop_big[i][j] + k) != pop_gpfn(i, j * 512 + k);
		for (unsigned int j = 0; j < pop_nsmall[i]; j++)
			twice += mfn_to_pfn(pop_small[i][j]) != pop_gpfn(i, 0x8000 + j);
	}
	CHECK_EQ("race.populate.rc", bad, 0);
	/* every vCPU stopped at a refusal: the domain is exactly full */
	CHECK_EQ("race.populate.exactly_max", total, POP_MAX);
	CHECK_EQ("race.populate.tot_pages",
		 domain_info_exact(pop_target, &info) == 0 ? (long)info.tot_pages : -1, POP_MAX);
	CHECK_EQ("race.populate.frames_given_once", twice, 0);
	CHECK_EQ("race.populate.destroy", destroy_fn(0, &pop_target), 0);
	CHECK_EQ("race.populate.gone", domain_wait_gone(pop_target, 2000000000UL), 1);
}

static void all_zero(const char *name)
{
	long bad = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		bad += smp_results[i] != 0;
	CHECK_EQ(name, bad, 0);
}

/* destroydomain of target from every vCPU at once: 0 for whoever
 * finished the kill, -ESRCH for a caller that comes after the domain went
 * (as on Xen); gone once; free memory back to at least base (frames of an
 * earlier domain may come back meanwhile: Xen's grace period with a
 * second, idle CPU runs long). */
static void destroy_from_all(const char *what, uint64_t base)
{
	smp_run(destroy_fn, NULL);
	long zero = 0, other = 0;
	for (unsigned int i = 0; i < smp_cpus; i++) {
		zero += smp_results[i] == 0;
		other += smp_results[i] != 0 && smp_results[i] != -XEN_ESRCH;
	}
	CHECK_EQ(checkname("%s.destroy.some_zero", what), zero > 0, 1);
	CHECK_EQ(checkname("%s.destroy.other_errors", what), other, 0);
	CHECK_EQ(checkname("%s.destroy.gone", what), domain_wait_gone(target, 2000000000UL), 1);
	CHECK_EQ(checkname("%s.destroy.again", what), destroy_fn(0, &target), -XEN_ESRCH);
	evtchn_clear(dom_exc_port);
	uint64_t deadline = xen_system_time() + 2000000000UL, now;
	while ((now = free_pages()) < base && xen_system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_EQ(checkname("%s.frames_leaked", what), now < base ? (long)(base - now) : 0, 0);
}

/* vCPU 1 yields in a loop (its pCPU reschedules all the time, so it may
 * pick the napping domU while the pCPU the domU last idled on still holds
 * its tables); the others sleep, leaving a pCPU idle. */
static long spin_fn(unsigned int id, void *arg)
{
	uint64_t end = xen_system_time() + *(uint64_t *)arg;

	if (id != 1) {
		poll_sleep(*(uint64_t *)arg);
		return 0;
	}
	while (xen_system_time() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return 0;
}

static void nap_races(const struct image *img)
{
	static struct domu d;
	static struct vcpu_guest_context ctx;
	struct xen_domctl c;
	long bad = 0;
	uint64_t base = free_pages();

	long rc = domu_create(&d, img, 1024, "reason=poweroff naps=100000000");
	CHECK_EQ("race.nap.create", rc, 0);
	if (rc)
		return;
	if (!(rc = domu_build(&d)))
		rc = domu_unpause(&d);
	CHECK_EQ("race.nap.start", rc, 0);
	domu_console_close(&d);
	target = d.id;
	uint64_t spin_ns = 1500000000ull;
	smp_run(spin_fn, &spin_ns);
	struct xen_domctl_getdomaininfo info;
	CHECK_EQ("race.nap.busy_pcpu_picks",
		 domain_info_exact(target, &info) == 0 && !(info.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown)), 1);
	for (unsigned int i = 0; i < 100 && !rc; i++) {
		poll_sleep(300000 + 70000 * (i % 7));   /* our pCPU idles too */
		bad += domctl_on_stack(XEN_DOMCTL_pausedomain, target, &c) != 0;
		bad += get_vcpu_context(target, &ctx) != 0;
		bad += domctl_on_stack(XEN_DOMCTL_unpausedomain, target, &c) != 0;
	}
	CHECK_EQ("race.nap.pause_getcontext", bad, 0);
	smp_run(pause_fn, NULL);
	all_zero("race.nap.pause_pairs");
	CHECK_EQ("race.nap.still_running",
		 domain_info_exact(target, &info) == 0 && !(info.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown)), 1);
	poll_sleep(5000000);
	destroy_from_all("race.nap", base);
}

void domctl_races(const struct image *img)
{
	static struct domu d;
	struct xen_domctl_getdomaininfo info;
	uint64_t base = free_pages();

	if (smp_start(SMP_MAX_VCPUS) < 2 || !img)
		return;
	CHECK(checkname("race.vcpus"), smp_cpus >= 2);

	smp_run(create_fn, NULL);
	all_zero("race.create.rc");
	long dup = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		for (unsigned int j = i + 1; j < smp_cpus; j++)
			dup += created[i] && created[i] == created[j];
	CHECK_EQ("race.create.distinct", dup, 0);
	for (unsigned int i = 0; i < smp_cpus; i++) {
		domid_t id = created[i];
		if (!id)
			continue;
		CHECK_EQ(checkname("race.create.%u.paused", i),
			 domain_info_exact(id, &info) == 0 && (info.flags & XEN_DOMINF_paused), 1);
		CHECK_EQ(checkname("race.create.%u.destroy", i), destroy_fn(0, &id), 0);
		CHECK_EQ(checkname("race.create.%u.gone", i), domain_wait_gone(id, 2000000000UL), 1);
	}

	populate_race();

	/* one populated, built domain: pause pairs, then destroy from all */
	long rc = domu_create(&d, img, 1024, "");
	CHECK_EQ("race.domu.create", rc, 0);
	if (rc)
		return;
	d.no_context = true;
	CHECK_EQ("race.domu.build", domu_build(&d), 0);
	domu_console_close(&d);
	target = d.id;
	smp_run(pause_fn, NULL);
	all_zero("race.pause_pairs");
	CHECK_EQ("race.pause_pairs.still_paused",
		 domain_info_exact(target, &info) == 0 && (info.flags & XEN_DOMINF_paused), 1);
	destroy_from_all("race", base);
	nap_races(img);
}
