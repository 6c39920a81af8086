/*
 * gntl1race: grant maps at a linear address while another vCPU swaps the
 * L1 table under that address (issue 13's cache rule). Boot with three
 * vCPUs or more (kernels.list): vCPU 0 swaps, the others map.
 *
 * The kernel builds a tree of its own at L4 slot 1 whose one L2 entry
 * points at one of three pinned L1 tables; vCPU 0 rewrites that entry with
 * mmu_update round and round (a sequence count, odd while it writes, says
 * which L1 is installed when). Each mapper maps a page it granted itself
 * with GNTMAP_host_map at its own address in that 2 MiB region, finds which
 * L1 received the grant PTE, and unmaps it by address once that L1 is
 * installed again. In the second phase vCPU 0 also unpins the L1 it just
 * swapped out (when no mapper has a mapping in it), uses it as a writable
 * data page, and pins it again empty.
 *
 * Xen 4.17 (arch/x86/pv/grant_table.c, create_grant_pv_mapping): the L1 is
 * found through the guest's tables at the time of the map and written
 * under its page lock after checking it is still an L1 of the domain. So
 * every map lands in an L1 that was installed at that address at some
 * point during the hypercall, or is refused; never in one swapped out
 * before the map began, nor in a frame that is not an L1 then; a map with
 * the same L1 installed throughout succeeds, and so does the unmap of a
 * mapping whose L1 is installed throughout. pvisor remembers the last L1
 * per vCPU (its walk cache): this is what must keep that cache honest.
 */
#include "guest.h"
#include <xen/grant_table.h>

#define WVA 0x0000008000000000UL        /* L4 slot 1: a tree of our own */
#define TBL (PTE_P | PTE_RW | PTE_A | PTE_US)
#define NL1 3
#define GREF0 8
#define MAPS_PER_PHASE 400              /* per mapper, at most */
#define PHASE_NS 40000000000UL          /* guest time a phase may take (a loaded host) */
#define JUNK 0x5a5a5a5a5a5a5a5aUL       /* a swapped-out L1 used as data */
#define WAIT_NS 20000000000UL           /* guest time a mapper waits for its L1 */

static uint64_t *l3, *l2, *l1s[NL1];
static uint64_t l2e_maddr;
static grant_entry_v1_t *gt;
static char granted[SMP_MAX_VCPUS][PAGE_SIZE] PAGE_ALIGNED;

static volatile unsigned long seq;              /* odd while L2[0] changes */
static volatile unsigned int in_map[SMP_MAX_VCPUS];
static volatile int held[SMP_MAX_VCPUS];        /* L1 + 1 of a live mapping */
static volatile unsigned int mappers_left;
static bool retype_phase;
static uint64_t phase_end;

/* What the mappers saw, over all of them. */
static unsigned long n_maps, n_refused, n_stale, n_lost, n_twice, n_refused_stable,
	n_unmap_refused_stable, n_unmap_stuck, n_pte_left, n_junk_hit, n_swaps, n_retypes, n_unstable;

static void count(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_SEQ_CST);
}

static long gop(unsigned long cmd, void *arg, unsigned long n)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, n);
}

static uint64_t ent(const void *va, uint64_t flags)
{
	return ((uint64_t)va_to_mfn(va) << 12) | flags;
}

static void spin(unsigned long *n)
{
	if (++*n % 64 == 0)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	else
		asm volatile("pause" ::: "memory");
}

static unsigned long seq_even(void)
{
	unsigned long s, n = 0;

	while ((s = __atomic_load_n(&seq, __ATOMIC_SEQ_CST)) & 1)
		spin(&n);
	return s;
}

/* The L1 installed while the sequence count was s (even) or just after s
 * (odd: being installed). */
static unsigned int installed(unsigned long s)
{
	return (unsigned int)((s + 1) / 2 % NL1);
}

/* Was L1 k installed at some point while seq went from s0 (even) to s1? */
static bool was_installed(unsigned int k, unsigned long s0, unsigned long s1)
{
	for (unsigned long s = s0; s <= s1 + 1 && s <= s0 + 2 * NL1; s += 2)
		if (installed(s) == k)
			return true;
	return false;
}

/* Which L1 holds a PTE for mfn at idx: its index, -1 none, -2 several. */
static int where(unsigned int idx, unsigned long mfn)
{
	int found = -1;

	for (int k = 0; k < NL1; k++) {
		uint64_t e = __atomic_load_n(&l1s[k][idx], __ATOMIC_SEQ_CST);
		if ((e & PTE_P) && (e & PTE_ADDR) >> 12 == mfn)
			found = found == -1 ? k : -2;
	}
	return found;
}

/* ---- a mapper ---- */

static void map_once(unsigned int id)
{
	uint64_t va = WVA + (uint64_t)id * PAGE_SIZE;
	unsigned long mfn = va_to_mfn(granted[id]);
	struct gnttab_map_grant_ref m = { .host_addr = va, .flags = GNTMAP_host_map,
					  .ref = GREF0 + id, .dom = 0 };

	unsigned long s0 = seq_even();
	__atomic_store_n(&in_map[id], 1, __ATOMIC_SEQ_CST);
	long rc = gop(GNTTABOP_map_grant_ref, &m, 1);
	int k = where(id, mfn);
	bool ok = !rc && m.status == GNTST_okay;
	__atomic_store_n(&held[id], ok && k >= 0 ? k + 1 : 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&in_map[id], 0, __ATOMIC_SEQ_CST);
	unsigned long s1 = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);

	if (s0 != s1)
		count(&n_unstable);
	if (!ok) {
		count(&n_refused);
		if (s0 == s1)
			count(&n_refused_stable);
		if (k != -1)
			count(&n_lost);         /* a PTE although refused */
		return;
	}
	count(&n_maps);
	if (k == -1) {
		count(&n_lost);                 /* in none of our L1s */
		return;                         /* nothing we could unmap safely */
	}
	if (k == -2) {
		count(&n_twice);
		return;
	}
	if (!was_installed((unsigned int)k, s0, s1))
		count(&n_stale);

	/* unmap by address once that L1 is the installed one */
	uint64_t deadline = xen_system_time() + WAIT_NS;
	unsigned long n = 0;
	for (;;) {
		unsigned long u0 = seq_even();
		if (installed(u0) != (unsigned int)k) {
			if (xen_system_time() > deadline) {
				count(&n_unmap_stuck);
				return;
			}
			spin(&n);
			continue;
		}
		struct gnttab_unmap_grant_ref u = { .host_addr = va, .handle = m.handle };
		rc = gop(GNTTABOP_unmap_grant_ref, &u, 1);
		unsigned long u1 = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);
		if (!rc && u.status == GNTST_okay)
			break;
		if (u0 == u1) {
			count(&n_unmap_refused_stable);
			return;
		}
	}
	if (__atomic_load_n(&l1s[k][id], __ATOMIC_SEQ_CST) != 0)
		count(&n_pte_left);
	__atomic_store_n(&held[id], 0, __ATOMIC_SEQ_CST);
}

/* ---- the swapper ---- */

static bool l1_held(unsigned int k)
{
	for (unsigned int i = 1; i < smp_cpus; i++)
		if (__atomic_load_n(&held[i], __ATOMIC_SEQ_CST) == (int)k + 1)
			return true;
	return false;
}

/* Unpin L1 k (swapped out, no mapping in it), use it as a data page, pin
 * it again empty: a map that still found it must have been refused. */
static void retype(unsigned int k)
{
	uint64_t *t = l1s[k];

	if (unpin_table(va_to_mfn(t)))
		panic("unpin of a swapped-out L1 failed");
	page_set_rw(t);
	for (unsigned int i = 0; i < 512; i++)
		__atomic_store_n(&t[i], JUNK, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < 64; i++)
		asm volatile("pause");
	for (unsigned int i = 0; i < 512; i++)
		if (__atomic_load_n(&t[i], __ATOMIC_SEQ_CST) != JUNK)
			count(&n_junk_hit);
	memset(t, 0, PAGE_SIZE);
	page_set_ro(t);
	if (pin_table(1, va_to_mfn(t)))
		panic("re-pin of an emptied L1 failed");
	count(&n_retypes);
}

static void swap_once(void)
{
	unsigned long s = __atomic_load_n(&seq, __ATOMIC_SEQ_CST);
	unsigned int out = installed(s), next = installed(s + 1);

	__atomic_store_n(&seq, s + 1, __ATOMIC_SEQ_CST);
	if (mmu_update1(l2e_maddr, ent(l1s[next], TBL), DOMID_SELF))
		panic("swapping the L1 under the window failed");
	__atomic_store_n(&seq, s + 2, __ATOMIC_SEQ_CST);
	count(&n_swaps);
	if (!retype_phase)
		return;
	/* no map that began before the swap may still be running */
	unsigned long n = 0;
	for (unsigned int i = 1; i < smp_cpus; i++)
		while (__atomic_load_n(&in_map[i], __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&mappers_left, __ATOMIC_SEQ_CST))
			spin(&n);
	if (!l1_held(out))
		retype(out);
}

static long racer(unsigned int id, void *arg)
{
	(void)arg;
	if (id == 0) {
		unsigned long n = 0;
		(void)n;
		while (__atomic_load_n(&mappers_left, __ATOMIC_SEQ_CST)) {
			swap_once();
			for (unsigned int i = 0; i < 50; i++)
				asm volatile("pause");
		}
		return 0;
	}
	for (unsigned int r = 0; r < MAPS_PER_PHASE && xen_system_time() < phase_end; r++)
		map_once(id);
	__atomic_sub_fetch(&mappers_left, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* ---- setup ---- */

static void build_tree(void)
{
	static xen_pfn_t frame;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };

	set_xen_guest_handle(st.frame_list, &frame);
	CHECK_EQ("setup_table", gop(GNTTABOP_setup_table, &st, 1), 0);
	CHECK_EQ("setup_table.status", st.status, GNTST_okay);
	gt = alloc_page();
	CHECK_EQ("map_table", HYPERVISOR_update_va_mapping((unsigned long)gt,
		 (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG), 0);
	for (unsigned int i = 1; i < SMP_MAX_VCPUS; i++) {
		gt[GREF0 + i].frame = (uint32_t)va_to_mfn(granted[i]);
		gt[GREF0 + i].domid = 0;
		__atomic_store_n(&gt[GREF0 + i].flags, GTF_permit_access, __ATOMIC_RELEASE);
	}

	l3 = alloc_page();
	l2 = alloc_page();
	for (int k = 0; k < NL1; k++) {
		l1s[k] = alloc_page();
		page_set_ro(l1s[k]);
		CHECK_EQ(checkname("pin.l1.%d", k), pin_table(1, va_to_mfn(l1s[k])), 0);
	}
	l2[0] = ent(l1s[0], TBL);
	l3[0] = ent(l2, TBL);
	page_set_ro(l2);
	page_set_ro(l3);
	l2e_maddr = (uint64_t)va_to_mfn(l2) << 12;
	CHECK_EQ("install.l4_slot", mmu_update1(((uint64_t)cur_l4_mfn << 12) + 8 * ((WVA >> 39) & 511),
					       ent(l3, TBL), DOMID_SELF), 0);
}

static void tear_down(void)
{
	CHECK_EQ("remove.l4_slot", mmu_update1(((uint64_t)cur_l4_mfn << 12) + 8 * ((WVA >> 39) & 511),
					       0, DOMID_SELF), 0);
	for (int k = 0; k < NL1; k++) {
		CHECK_EQ(checkname("unpin.l1.%d", k), unpin_table(va_to_mfn(l1s[k])), 0);
		page_set_rw(l1s[k]);
	}
	page_set_rw(l2);
	page_set_rw(l3);
	unsigned int busy = 0;
	for (unsigned int i = 1; i < smp_cpus; i++)
		busy += (gt[GREF0 + i].flags & (GTF_reading | GTF_writing)) != 0;
	CHECK_EQ("grants_idle", busy, 0);
}

static void phase(const char *name, bool retype_too)
{
	retype_phase = retype_too;
	mappers_left = smp_cpus - 1;
	phase_end = xen_system_time() + PHASE_NS;
	smp_run(racer, NULL);
	printf("gntl1race: %s: %lu maps (%lu with a swap meanwhile), %lu refused, %lu swaps, "
	       "%lu retypes\n", name, n_maps, n_unstable, n_refused, n_swaps, n_retypes);
	CHECK(checkname("%s.maps", name), n_maps >= 50);
	CHECK(checkname("%s.swaps", name), n_swaps >= 10);
	if (retype_too)
		CHECK(checkname("%s.retypes", name), n_retypes >= 1);
	CHECK_EQ(checkname("%s.stale_l1", name), n_stale, 0);
	CHECK_EQ(checkname("%s.lost_pte", name), n_lost, 0);
	CHECK_EQ(checkname("%s.pte_twice", name), n_twice, 0);
	CHECK_EQ(checkname("%s.refused_while_installed", name), n_refused_stable, 0);
	CHECK_EQ(checkname("%s.unmap_refused_while_installed", name), n_unmap_refused_stable, 0);
	CHECK_EQ(checkname("%s.unmap_stuck", name), n_unmap_stuck, 0);
	CHECK_EQ(checkname("%s.pte_left_after_unmap", name), n_pte_left, 0);
	CHECK_EQ(checkname("%s.map_into_data_page", name), n_junk_hit, 0);
	n_maps = n_refused = n_stale = n_lost = n_twice = n_refused_stable = 0;
	n_unmap_refused_stable = n_unmap_stuck = n_pte_left = n_junk_hit = 0;
	n_swaps = n_retypes = n_unstable = 0;
}

void test_main(void)
{
	const char *want = cmdline_value("cpus");
	unsigned int n = want ? (unsigned int)(want[0] - '0') : 3;

	CHECK_EQ("started", smp_start(n), n);
	if (smp_cpus < 3)
		return;
	build_tree();
	phase("swap", false);
	phase("retype", true);
	tear_down();
}
