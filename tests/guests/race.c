/*
 * race: several vCPUs of one guest on every hypercall that keeps state,
 * at the same moment (lib/smp.c's start barrier).  Boots with 8 vCPUs on
 * 2 host CPUs: vCPUs 0-3 race, 4-7 stay down as the targets of the
 * vcpu_op races.  Each check counts the results that no serial order of
 * the racing calls could give (expected 0), then the state is checked
 * afterwards.  pvisor-guests.sh also wants no repeated hypervisor log line.
 *
 * Xen 4.17 (common/grant_table.c, common/sched/core.c, common/domain.c,
 * common/event_channel.c):
 *  - setup_table grows the table under its lock: after every vCPU asked
 *    for k frames the table has exactly k, and all got the same frames;
 *  - SCHEDOP_watchdog picks a free slot under the domain's watchdog lock:
 *    of the vCPUs arming id 0 at once, one gets 1, one gets 2, the rest
 *    -ENOSPC (as an unsigned int); the timers exist from domain creation;
 *  - VCPUOP_initialise and register_vcpu_info take the domain lock: on a
 *    down vCPU, the first initialise wins (then -EEXIST), the first
 *    register_vcpu_info wins (then -EINVAL); an initialise whose page-table
 *    validation is preempted continues (a hypercall continuation), it
 *    never fails for that;
 *  - closing a global VIRQ's port after bind_vcpu moved it unbinds the
 *    VIRQ (it can be bound again);
 *  - event-channel ops on one domain from several vCPUs: every operation
 *    gives what some serial order would.
 */
#include "guest.h"
#include <xen/grant_table.h>

#define WORKERS 4
#define WD_ENOSPC ((long)(unsigned int)-XEN_ENOSPC)

static long gop(unsigned long cmd, void *arg, unsigned long count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

static long eop(unsigned long cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

/* ---- grant table growth ---- */

static xen_pfn_t gframes[SMP_MAX_VCPUS][64];

static long grant_setup(unsigned int id, void *arg)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF,
					 .nr_frames = (uint32_t)(unsigned long)arg };
	set_xen_guest_handle(st.frame_list, gframes[id]);
	long rc = gop(GNTTABOP_setup_table, &st, 1);
	return rc ? rc : st.status;
}

static unsigned int grant_frames(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	return gop(GNTTABOP_query_size, &qs, 1) || qs.status ? 0 : qs.nr_frames;
}

static void grant_race(void)
{
	unsigned int start = grant_frames(), bad_status = 0, bad_size = 0, disagree = 0;

	/* Grow 8 frames at a time: the racing vCPUs are inside the growth
	 * loop together for a while. */
	for (unsigned int k = (start + 8) & ~7u; k <= 64; k += 8) {
		smp_run(grant_setup, (void *)(unsigned long)k);
		for (unsigned int i = 0; i < smp_cpus; i++) {
			bad_status += smp_results[i] != GNTST_okay;
			disagree += memcmp(gframes[i], gframes[0], k * sizeof(xen_pfn_t)) != 0;
		}
		bad_size += grant_frames() != k;
	}
	CHECK_EQ("grant.setup.errors", bad_status, 0);
	CHECK_EQ("grant.setup.wrong_size", bad_size, 0);
	CHECK_EQ("grant.setup.frames_disagree", disagree, 0);
	CHECK_EQ("grant.frames", grant_frames(), 64);
	CHECK_EQ("grant.setup.65", grant_setup(0, (void *)65UL), GNTST_general_error);
	CHECK_EQ("grant.frames.after_65", grant_frames(), 64);
}

/* ---- watchdog slots ---- */

static long wd(unsigned int id, unsigned int timeout)
{
	struct sched_watchdog w = { .id = id, .timeout = timeout };
	return HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);
}

static long watchdog_arm(unsigned int id, void *arg)
{
	(void)id; (void)arg;
	return wd(0, 1000);
}

/* Arm, re-arm and disarm our own slot, over and over. */
static long watchdog_hammer(unsigned int id, void *arg)
{
	long bad = 0;

	(void)id; (void)arg;
	for (int i = 0; i < 300; i++) {
		long r = wd(0, 1000);
		if (r == WD_ENOSPC)
			continue;
		if (r != 1 && r != 2) {
			bad++;
			continue;
		}
		bad += wd((unsigned int)r, 1000) != 0;
		bad += wd((unsigned int)r, 0) != 0;
	}
	return bad;
}

static void watchdog_race(void)
{
	unsigned int bad_rounds = 0, bad_disarm = 0;

	for (int round = 0; round < 30; round++) {
		unsigned int n1 = 0, n2 = 0, nspc = 0;
		smp_run(watchdog_arm, NULL);
		for (unsigned int i = 0; i < smp_cpus; i++) {
			n1 += smp_results[i] == 1;
			n2 += smp_results[i] == 2;
			nspc += smp_results[i] == WD_ENOSPC;
		}
		bad_rounds += n1 != 1 || n2 != 1 || nspc != smp_cpus - 2;
		bad_disarm += (wd(1, 0) != 0) + (wd(2, 0) != 0);
	}
	CHECK_EQ("watchdog.arm.bad_rounds", bad_rounds, 0);
	CHECK_EQ("watchdog.disarm.errors", bad_disarm, 0);
	smp_run(watchdog_hammer, NULL);
	long bad = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		bad += smp_results[i];
	CHECK_EQ("watchdog.hammer.errors", bad, 0);
	/* Both slots are free again. */
	CHECK_EQ("watchdog.after.1", wd(0, 1000), 1);
	CHECK_EQ("watchdog.after.2", wd(0, 1000), 2);
	CHECK_EQ("watchdog.after.full", wd(0, 1000), WD_ENOSPC);
	CHECK_EQ("watchdog.after.disarm1", wd(1, 0), 0);
	CHECK_EQ("watchdog.after.disarm2", wd(2, 0), 0);
}

/* ---- vcpu_op on a down vCPU ---- */

static struct vcpu_guest_context target_ctx;
static char *vi_page[SMP_MAX_VCPUS];

/* Which workers initialise the target (the others register its
 * vcpu_info): all, none, or the even ones, by target. */
static unsigned int race_mode;
static bool initialiser(unsigned int id)
{
	return race_mode == 0 || (race_mode == 2 && id % 2 == 0);
}

static long vcpu_race(unsigned int id, void *arg)
{
	unsigned int t = (unsigned int)(unsigned long)arg;

	if (initialiser(id))
		return HYPERVISOR_vcpu_op(VCPUOP_initialise, t, &target_ctx);
	struct vcpu_register_vcpu_info info = { .mfn = va_to_mfn(vi_page[id]) };
	return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, t, &info);
}

static void vcpu_op_race(unsigned int first_target, unsigned int last_target)
{
	unsigned int bad_init = 0, bad_reg = 0;

	for (unsigned int t = first_target; t <= last_target; t++) {
		unsigned int init_ok = 0, reg_ok = 0;
		unsigned int initialisers = 0;
		race_mode = (t - first_target) % 3;
		target_ctx = *smp_context(t);
		for (unsigned int i = 0; i < smp_cpus; i++)
			if (!initialiser(i))
				vi_page[i] = alloc_page();
		smp_run(vcpu_race, (void *)(unsigned long)t);
		for (unsigned int i = 0; i < smp_cpus; i++) {
			long r = smp_results[i];
			if (initialiser(i)) {
				initialisers++;
				init_ok += r == 0;
				bad_init += r != 0 && r != -XEN_EEXIST;
			} else {
				reg_ok += r == 0;
				bad_reg += r != 0 && r != -XEN_EINVAL;
			}
		}
		bad_init += init_ok != (initialisers > 0);
		bad_reg += reg_ok != (initialisers < smp_cpus);
	}
	CHECK_EQ("vcpu.initialise.race.errors", bad_init, 0);
	CHECK_EQ("vcpu.register_vcpu_info.race.errors", bad_reg, 0);
}

/* A fresh L4 over 48 fresh L1s: its validation takes long enough for a
 * timer to want the CPU in the middle. */
#define BIG_L1S 48
static char big_tables[BIG_L1S + 3][PAGE_SIZE] PAGE_ALIGNED;
static char big_data[PAGE_SIZE] PAGE_ALIGNED;

static long initialise_big(unsigned int t)
{
	uint64_t *l4 = (uint64_t *)big_tables[0], *l3 = (uint64_t *)big_tables[1];
	uint64_t *l2 = (uint64_t *)big_tables[2];
	uint64_t ro = ((uint64_t)va_to_mfn(big_data) << 12) | PTE_P | PTE_A | PTE_US;
	uint64_t tbl = PTE_P | PTE_RW | PTE_A | PTE_US;

	for (unsigned int i = 0; i < BIG_L1S; i++) {
		uint64_t *l1 = (uint64_t *)big_tables[3 + i];
		for (unsigned int j = 0; j < 512; j++)
			l1[j] = ro;
		l2[i] = ((uint64_t)va_to_mfn(l1) << 12) | tbl;
	}
	l3[0] = ((uint64_t)va_to_mfn(l2) << 12) | tbl;
	l4[0] = ((uint64_t)va_to_mfn(l3) << 12) | tbl;
	for (unsigned int i = 0; i < BIG_L1S + 3; i++)
		page_set_ro(big_tables[i]);

	struct vcpu_guest_context *c = smp_context(t);
	c->ctrlreg[3] = xen_pfn_to_cr3(va_to_mfn(l4));
	/* A 1 ms tick on this vCPU makes sure a timer interrupts the work. */
	struct vcpu_set_periodic_timer pt = { .period_ns = 1000000 };
	HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
	long rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, t, c);
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	return rc;
}

/* ---- runstate areas ---- */

static struct vcpu_runstate_info rs_area[SMP_MAX_VCPUS];

static long runstate_hammer(unsigned int id, void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		struct vcpu_register_runstate_memory_area r = { .addr.v = &rs_area[id] };
		bad += HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, id, &r) != 0;
	}
	return bad + (rs_area[id].state != RUNSTATE_running);
}

/* ---- event channels ---- */

static long close_port(evtchn_port_t p)
{
	return evtchn_close(p);
}

/* Each worker: loopback pairs, IPIs and VIRQ_DEBUG on its own vCPU. */
static long events_hammer(unsigned int id, void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < 60; i++) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		if (eop(EVTCHNOP_alloc_unbound, &au)) {
			bad++;
			continue;
		}
		struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
		if (eop(EVTCHNOP_bind_interdomain, &bi)) {
			bad++;
			close_port(au.port);
			continue;
		}
		bad += evtchn_send(bi.local_port) != 0;
		bad += evtchn_send(au.port) != 0;
		struct evtchn_bind_vcpu bv = { .port = au.port, .vcpu = id };
		bad += eop(EVTCHNOP_bind_vcpu, &bv) != 0;
		evtchn_port_t first = i & 1 ? au.port : bi.local_port;
		evtchn_port_t second = i & 1 ? bi.local_port : au.port;
		bad += close_port(first) != 0;
		bad += close_port(second) != 0;

		long ipi = evtchn_bind_ipi(id);
		if (ipi <= 0) {
			bad++;
		} else {
			bad += evtchn_send((evtchn_port_t)ipi) != 0;
			bad += close_port((evtchn_port_t)ipi) != 0;
		}
		long dbg = evtchn_bind_virq(VIRQ_DEBUG, id);
		if (dbg <= 0)
			bad++;
		else
			bad += close_port((evtchn_port_t)dbg) != 0;
	}
	return bad;
}

/* One loopback pair shared by all: worker 0 closes and re-binds one end
 * while the others send on both ends, move it between vCPUs and read its
 * status. */
static volatile evtchn_port_t shared_a, shared_b;
static volatile bool shared_done;

static long events_shared(unsigned int id, void *arg)
{
	long bad = 0;

	(void)arg;
	if (id == 0) {
		for (int i = 0; i < 100; i++) {
			bad += close_port(shared_b) != 0;
			struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF,
							      .remote_port = shared_a };
			if (eop(EVTCHNOP_bind_interdomain, &bi)) {
				bad++;
				break;
			}
			shared_b = bi.local_port;
		}
		shared_done = true;
		return bad;
	}
	while (!shared_done) {
		long r;
		switch (id % 3) {
		case 1:
			r = evtchn_send(shared_a);
			bad += r != 0;
			r = evtchn_send(shared_b);
			bad += r != 0 && r != -XEN_EINVAL;
			break;
		case 2: {
			struct evtchn_bind_vcpu bv = { .port = shared_a, .vcpu = id };
			bad += eop(EVTCHNOP_bind_vcpu, &bv) != 0;
			break;
		}
		default: {
			struct evtchn_status st = { .dom = DOMID_SELF, .port = shared_a };
			r = eop(EVTCHNOP_status, &st);
			bad += r != 0 || (st.status != EVTCHNSTAT_interdomain &&
					  st.status != EVTCHNSTAT_unbound);
			break;
		}
		}
	}
	return bad;
}

static unsigned int open_ports(void)
{
	unsigned int open = 0;

	for (evtchn_port_t p = 1; p < 4096; p++) {
		struct evtchn_status st = { .dom = DOMID_SELF, .port = p };
		if (eop(EVTCHNOP_status, &st))
			break;
		open += st.status != EVTCHNSTAT_closed;
	}
	return open;
}

static void events_race(void)
{
	long bad = 0;

	/* Item 12: closing a global VIRQ after bind_vcpu unbinds it. */
	long p = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
	CHECK("virq.global.bind", p > 0);
	struct evtchn_bind_vcpu bv = { .port = (evtchn_port_t)p, .vcpu = 1 };
	CHECK_EQ("virq.global.bind_vcpu", eop(EVTCHNOP_bind_vcpu, &bv), 0);
	CHECK_EQ("virq.global.close", close_port((evtchn_port_t)p), 0);
	long p2 = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
	CHECK_EQ("virq.global.rebind", p2, p);
	if (p2 > 0)
		close_port((evtchn_port_t)p2);

	smp_run(events_hammer, NULL);
	for (unsigned int i = 0; i < smp_cpus; i++)
		bad += smp_results[i];
	CHECK_EQ("events.hammer.errors", bad, 0);
	CHECK_EQ("events.hammer.open_after", open_ports(), 0);

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	CHECK_EQ("events.shared.alloc", eop(EVTCHNOP_alloc_unbound, &au), 0);
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
	CHECK_EQ("events.shared.bind", eop(EVTCHNOP_bind_interdomain, &bi), 0);
	shared_a = au.port;
	shared_b = bi.local_port;
	shared_done = false;
	smp_run(events_shared, NULL);
	bad = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		bad += smp_results[i];
	CHECK_EQ("events.shared.errors", bad, 0);
	struct evtchn_status st = { .dom = DOMID_SELF, .port = shared_a };
	CHECK_EQ("events.shared.status", eop(EVTCHNOP_status, &st), 0);
	CHECK_EQ("events.shared.status.peer", st.u.interdomain.port, shared_b);
	CHECK_EQ("events.shared.close_a", close_port(shared_a), 0);
	CHECK_EQ("events.shared.close_b", close_port(shared_b), 0);
	CHECK_EQ("events.shared.open_after", open_ports(), 0);
}

void test_main(void)
{
	unsigned int n = smp_start(WORKERS);
	CHECK_EQ("workers", n, WORKERS);
	if (n != WORKERS)
		return;

	unsigned int nr = WORKERS;
	while (nr < SMP_MAX_VCPUS && HYPERVISOR_vcpu_op(VCPUOP_is_up, nr, NULL) >= 0)
		nr++;
	CHECK("down_targets", nr - WORKERS >= 2);

	grant_race();
	watchdog_race();
	vcpu_op_race(WORKERS, nr - 2);
	CHECK_EQ("vcpu.initialise.preempted", initialise_big(nr - 1), 0);
	CHECK_EQ("vcpu.initialise.preempted.again", HYPERVISOR_vcpu_op(VCPUOP_initialise, nr - 1,
		 smp_context(nr - 1)), -XEN_EEXIST);

	smp_run(runstate_hammer, NULL);
	long bad = 0;
	for (unsigned int i = 0; i < smp_cpus; i++) {
		bad += smp_results[i];
		struct vcpu_register_runstate_memory_area r = { .addr.v = NULL };
		HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, i, &r);
	}
	CHECK_EQ("runstate.hammer.errors", bad, 0);

	events_race();
}
