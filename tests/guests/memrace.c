/*
 * memrace: memory_op against other vCPUs of the same guest (issue 10 item
 * 7). Boot with two vCPUs or more (kernels.list: cpus=N).
 *
 * Xen 4.17 (common/memory.c, common/page_alloc.c, arch/x86/mm.c):
 *  - XENMEM_exchange steals each input frame (steal_page): it succeeds only
 *    while the allocation holds the frame's one reference, atomically, so
 *    a frame another vCPU maps meanwhile is either refused to the exchange
 *    (-EINVAL) or refused to the mapping: never both, and the domain never
 *    keeps a mapping of a frame it gave away;
 *  - increase_reservation checks max_pages under the domain's page lock
 *    (assign_pages): however many vCPUs race, the domain grows by exactly
 *    the room it had, and current_reservation never exceeds the maximum.
 */
#include "guest.h"

static long mop(unsigned long cmd, const void *arg)
{
	return HYPERVISOR_memory_op(cmd, arg);
}

static domid_t self = DOMID_SELF;
static char window[SMP_MAX_VCPUS][PAGE_SIZE] PAGE_ALIGNED;

/* ---- exchange against a mapping on another vCPU ---- */

static volatile xen_pfn_t race_mfn;
static volatile long map_rc[SMP_MAX_VCPUS];
#define DELAY_STEP 40         /* pause loops per step of the sweep */

static long map_it(unsigned int id, void *arg)
{
	if (id == 0) {
		struct xen_memory_exchange x = {
			.in = { .nr_extents = 1, .domid = DOMID_SELF },
			.out = { .nr_extents = 1, .domid = DOMID_SELF },
		};
		static xen_pfn_t in, out;
		in = race_mfn;
		out = start_info->nr_pages - 1;
		set_xen_guest_handle(x.in.extent_start, &in);
		set_xen_guest_handle(x.out.extent_start, &out);
		long rc = mop(XENMEM_exchange, &x);
		return rc ? rc : (long)out;
	}
	/* Each round starts the mapping a little later, so the rounds sweep
	 * it across the whole exchange (whoever is faster otherwise wins
	 * every time). */
	for (unsigned long i = 0, n = *(unsigned int *)arg; i < n; i++)
		asm volatile("pause");
	map_rc[id] = HYPERVISOR_update_va_mapping((unsigned long)window[id],
		(race_mfn << 12) | PTE_P | PTE_A | PTE_US, UVMF_INVLPG);
	return map_rc[id];
}

static void exchange_vs_map(void)
{
	unsigned long pfn = start_info->nr_pages - 1;
	uint64_t old[SMP_MAX_VCPUS];
	unsigned int both = 0, exchanged = 0, mapped = 0, rounds = 120;

	for (unsigned int i = 1; i < smp_cpus; i++)
		old[i] = l1e_of(window[i]);
	race_mfn = p2m[pfn];
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int delay = (r * 37) % 60 * DELAY_STEP;

		for (unsigned int i = 1; i < smp_cpus; i++)
			map_rc[i] = 1;
		smp_run(map_it, &delay);
		bool ex = smp_results[0] > 0;
		bool any_map = false;
		for (unsigned int i = 1; i < smp_cpus; i++) {
			any_map |= map_rc[i] == 0;
			if (map_rc[i] == 0)
				HYPERVISOR_update_va_mapping((unsigned long)window[i], old[i], UVMF_INVLPG);
		}
		both += ex && any_map;
		exchanged += ex;
		mapped += any_map;
		if (ex) {
			p2m[pfn] = (unsigned long)smp_results[0];
			race_mfn = p2m[pfn];
		}
	}
	printf("memrace: %u rounds, %u exchanged, %u mapped\n", rounds, exchanged, mapped);
	CHECK_EQ("exchange_vs_map.both", both, 0);
	CHECK("exchange_vs_map.each_won", exchanged + mapped >= rounds);
	CHECK_EQ("exchange_vs_map.m2p", mfn_to_pfn(p2m[pfn]), pfn);
	CHECK_EQ("exchange_vs_map.reservation", mop(XENMEM_current_reservation, &self),
		 start_info->nr_pages);
}

/* ---- increase_reservation from every vCPU against max_pages ---- */

#define ROOM 8
static xen_pfn_t got[SMP_MAX_VCPUS][64];

static long grow(unsigned int id, void *arg)
{
	(void)arg;
	long n = 0;
	for (unsigned int i = 0; i < 64; i++) {
		struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
		set_xen_guest_handle(r.extent_start, &got[id][n]);
		if (mop(XENMEM_increase_reservation, &r) != 1)
			break;
		n++;
	}
	return n;
}

static void reservation_race(void)
{
	long max = mop(XENMEM_maximum_reservation, &self);
	long cur = mop(XENMEM_current_reservation, &self);
	unsigned long top = start_info->nr_pages;
	xen_pfn_t give[ROOM];

	CHECK_EQ("grow.starts_full", cur, max);
	/* Make room: give back the last ROOM frames (unmapped, never used). */
	for (unsigned int i = 0; i < ROOM; i++)
		give[i] = p2m[top - 2 - i];
	struct xen_memory_reservation r = { .nr_extents = ROOM, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, give);
	CHECK_EQ("grow.decrease", mop(XENMEM_decrease_reservation, &r), ROOM);
	CHECK_EQ("grow.room", mop(XENMEM_current_reservation, &self), max - ROOM);

	smp_run(grow, NULL);
	long total = 0;
	for (unsigned int i = 0; i < smp_cpus; i++)
		total += smp_results[i];
	CHECK_EQ("grow.exactly_the_room", total, ROOM);
	CHECK_EQ("grow.at_max", mop(XENMEM_current_reservation, &self), max);

	/* Put the new frames where the old ones were (M2P too). */
	unsigned int k = 0;
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
	unsigned int n = want ? (unsigned int)(want[0] - '0') : 2;

	CHECK_EQ("started", smp_start(n), n);
	exchange_vs_map();
	reservation_race();
}
