/*
 * sysctl: what a toolstack asks about the machine (issue 12 §2.2), as dom0,
 * with hostile sizes, indexes and handles. Boots with 2 vCPUs on 2 host
 * CPUs (vCPU 1 stays down until the race at the end).
 *
 * Xen 4.17 (common/sysctl.c, arch/x86/sysctl.c, drivers/char/console.c,
 * common/domctl.c getdomaininfo):
 *  - the whole struct is read first (-EFAULT), then interface_version
 *    (-EACCES), then privilege; unknown commands are -ENOSYS;
 *  - readconsole reads the hypervisor's own log ring (not dom0's console
 *    writes) from the oldest byte kept, or from `index` when incremental
 *    and the index lies within (oldest, newest]; `count` and `index` come
 *    back as bytes copied and the index after them; `clear` forgets what
 *    was read; a fault in the buffer is -EFAULT;
 *  - getdomaininfolist lists domains from first_domain, at most
 *    max_domains; dom0's record: running, not blocked, the shutdown code
 *    field reads ~0 << 16 (no code yet), shared_info_frame = the MFN;
 *  - cputopoinfo/numainfo with a null handle only report the count; a
 *    count smaller than the machine's clips the copy and is rewritten;
 *  - get_cpu_policy: reserved bits or an index past hvm_default -EINVAL;
 *    null handles give the maximum counts (120 leaves, 2 MSRs); too small
 *    a buffer -ENOBUFS;
 *  - cpupool_op: Pool-0 holds every CPU (no free CPUs), the next pool id
 *    is -ENOENT, an unknown op -ENOSYS.
 * As a domU (run by the builder kernel) every sysctl is -EPERM once the
 * request is read and its version matches.
 * Where pvisor answers otherwise by design (scheduler id, capabilities,
 * HVM policies, hardware words) the check prints the value and the
 * difference is listed in pvisor-deviations.list.
 */
#include "guest.h"
#include <xen/sysctl.h>
#include <xen/domctl.h>

#define RINGBUF_SIZE (64 * 1024)
static char ringbuf[RINGBUF_SIZE], ringbuf2[RINGBUF_SIZE];
static struct xen_sysctl op;

static long sysctl_at(void *p)
{
	return HC1(__HYPERVISOR_sysctl, p);
}

static long sysctl(uint32_t cmd)
{
	op.cmd = cmd;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	return sysctl_at(&op);
}

static void clear_op(void)
{
	memset(&op, 0, sizeof(op));
}

/* ---- the request itself ---- */

static void request_checks(void)
{
	clear_op();
	op.cmd = XEN_SYSCTL_sched_id;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
	CHECK_EQ("request.old_version", sysctl_at(&op), -XEN_EACCES);
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION + 1;
	CHECK_EQ("request.new_version", sysctl_at(&op), -XEN_EACCES);
	/* A bad version wins over an unknown command. */
	op.cmd = 0xffff;
	CHECK_EQ("request.bad_version_unknown_cmd", sysctl_at(&op), -XEN_EACCES);
	clear_op();
	CHECK_EQ("request.cmd0", sysctl(0), -XEN_ENOSYS);
	CHECK_EQ("request.unknown_cmd", sysctl(0xffff), -XEN_ENOSYS);
	CHECK_EQ("request.cmd_ffffffff", sysctl(0xffffffffu), -XEN_ENOSYS);
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("request.badptr.%s", bad_ptrs[i].name),
			 HC1(__HYPERVISOR_sysctl, bad_ptrs[i].addr), -XEN_EFAULT);
	/* The struct runs off the end of a page into a hole. */
	char *edge = (char *)page_before_hole() + PAGE_SIZE - 16;
	struct xen_sysctl_sched_id_head { uint32_t cmd, ver; } h = { XEN_SYSCTL_sched_id,
		XEN_SYSCTL_INTERFACE_VERSION };
	memcpy(edge, &h, sizeof(h));
	CHECK_EQ("request.straddles_hole", sysctl_at(edge), -XEN_EFAULT);
	/* Read-only struct: the answer cannot be written back. */
	clear_op();
	op.cmd = XEN_SYSCTL_sched_id;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	char *ro = (char *)readonly_ptr();
	page_set_rw(ro);
	memcpy(ro, &op, sizeof(op));
	page_set_ro(ro);
	CHECK_EQ("request.readonly_struct", sysctl_at(ro), -XEN_EFAULT);
}

/* ---- readconsole ---- */

static long readconsole(char *buf, uint32_t count, bool incremental, uint32_t index, bool clear,
			uint32_t *out_count, uint32_t *out_index)
{
	long rc;

	clear_op();
	op.u.readconsole.buffer.p = buf;
	op.u.readconsole.count = count;
	op.u.readconsole.incremental = incremental;
	op.u.readconsole.index = index;
	op.u.readconsole.clear = clear;
	rc = sysctl(XEN_SYSCTL_readconsole);
	*out_count = op.u.readconsole.count;
	*out_index = op.u.readconsole.index;
	return rc;
}

static void readconsole_checks(void)
{
	uint32_t n, idx, n2, idx2;

	/* Everything kept, oldest first. */
	CHECK_EQ("readconsole.all", readconsole(ringbuf, RINGBUF_SIZE, false, 0, false, &n, &idx), 0);
	CHECK("readconsole.all.nonempty", n > 100);
	CHECK("readconsole.all.fits", n < RINGBUF_SIZE);
	/* The hypervisor's log: lines with its prefix, "(XEN) " or "(PV) ". */
	CHECK("readconsole.all.prefixed", ringbuf[0] == '(' || memcmp(ringbuf, "(XEN)", 5) == 0);
	CHECK("readconsole.all.ends_line", n && ringbuf[n - 1] == '\n');
	/* dom0's own console writes are not in it. */
	printf("sysctl: marker 7d1c0e5a\n");
	CHECK_EQ("readconsole.again", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.again.same_count", n2 - n, 0);
	CHECK_EQ("readconsole.again.same_index", idx2 - idx, 0);
	CHECK_EQ("readconsole.again.same_bytes", memcmp(ringbuf, ringbuf2, n), 0);

	/* count 0: nothing copied, index at the oldest byte. */
	CHECK_EQ("readconsole.count0", readconsole(ringbuf2, 0, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.count0.count", n2, 0);
	CHECK_EQ("readconsole.count0.index_is_oldest", idx - idx2 - n, 0);
	uint32_t oldest = idx2;
	/* count 0 with a bad buffer: nothing is written, no fault. */
	CHECK_EQ("readconsole.count0.nullbuf", readconsole(NULL, 0, false, 0, false, &n2, &idx2), 0);

	/* A short buffer: the first bytes, index after them. */
	CHECK_EQ("readconsole.short", readconsole(ringbuf2, 10, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.short.count", n2, 10);
	CHECK_EQ("readconsole.short.index", idx2 - oldest, 10);
	CHECK_EQ("readconsole.short.bytes", memcmp(ringbuf2, ringbuf, 10), 0);

	/* Incremental from the newest: nothing new. */
	CHECK_EQ("readconsole.incr.at_end", readconsole(ringbuf2, RINGBUF_SIZE, true, idx, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.incr.at_end.count", n2, 0);
	CHECK_EQ("readconsole.incr.at_end.index", idx2 == idx, 1);
	/* Incremental from 10 before the end: the last 10 bytes. */
	CHECK_EQ("readconsole.incr.tail", readconsole(ringbuf2, RINGBUF_SIZE, true, idx - 10, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.incr.tail.count", n2, 10);
	CHECK_EQ("readconsole.incr.tail.bytes", memcmp(ringbuf2, ringbuf + n - 10, 10), 0);
	/* An index outside the kept range is ignored: read from the oldest. */
	static const struct { const char *name; uint32_t delta; } outside[] = {
		{ "past_end", 1 }, { "far_past_end", 0x10000000 }, { "wraps", 0x80000000u },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(outside); i++) {
		CHECK_EQ(checkname("readconsole.incr.%s", outside[i].name),
			 readconsole(ringbuf2, RINGBUF_SIZE, true, idx + outside[i].delta, false, &n2, &idx2), 0);
		CHECK_EQ(checkname("readconsole.incr.%s.count", outside[i].name), n2 - n, 0);
	}
	/* The oldest index itself is not "within": read from the oldest too. */
	CHECK_EQ("readconsole.incr.oldest", readconsole(ringbuf2, RINGBUF_SIZE, true, oldest, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.incr.oldest.count", n2 - n, 0);
	CHECK_EQ("readconsole.incr.oldest_plus1", readconsole(ringbuf2, RINGBUF_SIZE, true, oldest + 1, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.incr.oldest_plus1.count", n - n2, 1);
	/* Incremental is ignored when the flag is off. */
	CHECK_EQ("readconsole.index_without_incr", readconsole(ringbuf2, RINGBUF_SIZE, false, idx - 10, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.index_without_incr.count", n2 - n, 0);

	/* Hostile buffers: -EFAULT, nothing else. */
	for (unsigned int i = 0; i < n_bad_ptrs; i++)
		CHECK_EQ(checkname("readconsole.badptr.%s", bad_ptrs[i].name),
			 readconsole((char *)bad_ptrs[i].addr, RINGBUF_SIZE, false, 0, false, &n2, &idx2),
			 -XEN_EFAULT);
	CHECK_EQ("readconsole.readonly_buffer",
		 readconsole((char *)readonly_ptr(), 64, false, 0, false, &n2, &idx2), -XEN_EFAULT);
	/* A buffer that runs into a hole part-way: -EFAULT, the struct is not
	 * updated (count stays as given). */
	char *edge = (char *)page_before_hole() + PAGE_SIZE - 64;
	CHECK_EQ("readconsole.into_hole", readconsole(edge, 4096, false, 0, false, &n2, &idx2), -XEN_EFAULT);
	CHECK_EQ("readconsole.into_hole.count_untouched", n2, 4096);
	/* Nothing was cleared by the failures. */
	CHECK_EQ("readconsole.after_faults", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.after_faults.count", n2 - n, 0);

	/* clear: what was read is forgotten (xl dmesg -c). */
	CHECK_EQ("readconsole.clear10", readconsole(ringbuf2, 10, false, 0, true, &n2, &idx2), 0);
	CHECK_EQ("readconsole.clear10.count", n2, 10);
	CHECK_EQ("readconsole.after_clear10", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.after_clear10.count", n - n2, 10);
	CHECK_EQ("readconsole.after_clear10.bytes", memcmp(ringbuf2, ringbuf + 10, n - 10), 0);
	/* A faulting clear clears nothing. */
	CHECK_EQ("readconsole.clear_badptr", readconsole(NULL, 100, false, 0, true, &n2, &idx2), -XEN_EFAULT);
	CHECK_EQ("readconsole.after_clear_badptr", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.after_clear_badptr.count", n - n2, 10);
	/* Clear everything: the ring reads empty, the index stays. */
	CHECK_EQ("readconsole.clear_all", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, true, &n2, &idx2), 0);
	CHECK_EQ("readconsole.clear_all.count", n - n2, 10);
	CHECK_EQ("readconsole.clear_all.index", idx2 == idx, 1);
	CHECK_EQ("readconsole.empty", readconsole(ringbuf2, RINGBUF_SIZE, false, 0, false, &n2, &idx2), 0);
	CHECK_EQ("readconsole.empty.count", n2, 0);
	CHECK_EQ("readconsole.empty.index", idx2 == idx, 1);
	/* clear with count 0 on an empty ring: still empty. */
	CHECK_EQ("readconsole.clear_empty", readconsole(ringbuf2, 0, true, 0, true, &n2, &idx2), 0);
	CHECK_EQ("readconsole.clear_empty.count", n2, 0);
}

/* ---- physinfo ---- */

static uint64_t tsc_khz_from_pvclock(void)
{
	const struct vcpu_time_info *t = &shared_info->vcpu_info[0].time;
	uint64_t mul = t->tsc_to_system_mul;
	int shift = t->tsc_shift;
	/* ns = (tsc << shift) * mul >> 32; khz = 1e6 * 2^32 / (mul << shift) */
	uint64_t denom = shift >= 0 ? mul << shift : mul >> -shift;

	return denom ? (1000000ULL << 32) / denom : 0;
}

static void physinfo_checks(void)
{
	clear_op();
	memset(&op.u.physinfo, 0xa5, sizeof(op.u.physinfo));
	CHECK_EQ("physinfo", sysctl(XEN_SYSCTL_physinfo), 0);
	struct xen_sysctl_physinfo *pi = &op.u.physinfo;
	CHECK_EQ("physinfo.threads_per_core", pi->threads_per_core, 1);
	/* QEMU 7.2 -smp 2: two cores of one socket. */
	CHECK_EQ("physinfo.cores_per_socket", pi->cores_per_socket, 2);
	CHECK_EQ("physinfo.nr_cpus", pi->nr_cpus, 2);
	CHECK_EQ("physinfo.max_cpu_id", pi->max_cpu_id, 1);
	CHECK_EQ("physinfo.nr_nodes", pi->nr_nodes, 1);
	CHECK_EQ("physinfo.max_node_id", pi->max_node_id, 63);
	uint64_t khz = tsc_khz_from_pvclock();
	check_true("physinfo.cpu_khz_matches_pvclock",
		   pi->cpu_khz > 0 && pi->cpu_khz * 100ULL > khz * 99 && pi->cpu_khz * 100ULL < khz * 101,
		   pi->cpu_khz > 0);
	CHECK("physinfo.cap_pv", pi->capabilities & XEN_SYSCTL_PHYSCAP_pv);
	CHECK("physinfo.cap_gnttab_v1", pi->capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1);
	/* Xen: hvm (SVM under TCG) and grant v2 as well (deviation). */
	CHECK_EQ("physinfo.capabilities", pi->capabilities, XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_pv |
		 XEN_SYSCTL_PHYSCAP_gnttab_v1 | XEN_SYSCTL_PHYSCAP_gnttab_v2);
	CHECK_EQ("physinfo.arch_capabilities", pi->arch_capabilities, 0);
	CHECK_EQ("physinfo.pad", pi->pad, 0);
	/* QEMU -m 512: a little less than 512 MiB of RAM. */
	check_true("physinfo.total_pages", pi->total_pages > (448UL << 8) && pi->total_pages <= (512UL << 8),
		   pi->total_pages > (448UL << 8));
	check_true("physinfo.free_pages", pi->free_pages > 0 && pi->free_pages < pi->total_pages, 1);
	CHECK_EQ("physinfo.scrub_pages", pi->scrub_pages, 0);
	CHECK_EQ("physinfo.outstanding_pages", pi->outstanding_pages, 0);
	/* The last frame of RAM: below 512 MiB, above what is counted. */
	check_true("physinfo.max_mfn", pi->max_mfn < (512UL << 8) && pi->max_mfn >= pi->total_pages - 1,
		   pi->max_mfn < (512UL << 8));
	CHECK_EQ("physinfo.max_mfn_value", pi->max_mfn, pi->max_mfn);
	uint32_t r[4];
	native_cpuid(1, 0, r);
	CHECK("physinfo.hw_cap0.fpu_tsc_pae", (pi->hw_cap[0] & 0x51) == 0x51);
	CHECK("physinfo.hw_cap0_is_leaf1_edx_subset", (pi->hw_cap[0] & ~r[3]) == 0);
	native_cpuid(0x80000001, 0, r);
	CHECK("physinfo.hw_cap2.lm", pi->hw_cap[2] & (1u << 29));
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(checkname("physinfo.hw_cap%u", i), pi->hw_cap[i], pi->hw_cap[i]);
	/* xl info's free_memory uses free - outstanding; both move with allocations. */
	uint64_t free1 = pi->free_pages;
	clear_op();
	CHECK_EQ("physinfo.again", sysctl(XEN_SYSCTL_physinfo), 0);
	check_true("physinfo.free_pages_stable", op.u.physinfo.free_pages + 64 >= free1 &&
		   op.u.physinfo.free_pages <= free1 + 64, 1);
}

/* ---- sched_id, getcpuinfo, topology, NUMA ---- */

static uint32_t sched_id;

static void sched_checks(void)
{
	clear_op();
	CHECK_EQ("sched_id", sysctl(XEN_SYSCTL_sched_id), 0);
	sched_id = op.u.sched_id.sched_id;
	/* Xen: credit2 (6); pvisor: null (9), see the deviations list. */
	CHECK_EQ("sched_id.value", sched_id, XEN_SCHEDULER_CREDIT2);

	clear_op();
	op.u.scheduler_op.cpupool_id = 0;
	op.u.scheduler_op.sched_id = XEN_SCHEDULER_RTDS;
	op.u.scheduler_op.cmd = XEN_SYSCTL_SCHEDOP_getinfo;
	CHECK_EQ("scheduler_op.wrong_sched", sysctl(XEN_SYSCTL_scheduler_op), -XEN_EINVAL);
	op.u.scheduler_op.cpupool_id = 7;
	op.u.scheduler_op.sched_id = sched_id;
	CHECK_EQ("scheduler_op.no_pool", sysctl(XEN_SYSCTL_scheduler_op), -XEN_ESRCH);
}

static void cpuinfo_checks(void)
{
	static struct xen_sysctl_cpuinfo ci[8];

	memset(ci, 0, sizeof(ci));
	clear_op();
	op.u.getcpuinfo.max_cpus = 8;
	op.u.getcpuinfo.info.p = ci;
	CHECK_EQ("getcpuinfo", sysctl(XEN_SYSCTL_getcpuinfo), 0);
	CHECK_EQ("getcpuinfo.nr_cpus", op.u.getcpuinfo.nr_cpus, 2);
	CHECK("getcpuinfo.idle0", ci[0].idletime > 0);
	CHECK("getcpuinfo.idle1", ci[1].idletime > 0);
	CHECK_EQ("getcpuinfo.beyond_untouched", ci[2].idletime, 0);
	uint64_t idle1 = ci[1].idletime;
	for (volatile int i = 0; i < 100000; i++)
		;
	CHECK_EQ("getcpuinfo.again", sysctl(XEN_SYSCTL_getcpuinfo), 0);
	CHECK("getcpuinfo.idle_grows", ci[1].idletime >= idle1);

	op.u.getcpuinfo.max_cpus = 0;
	CHECK_EQ("getcpuinfo.max0", sysctl(XEN_SYSCTL_getcpuinfo), 0);
	CHECK_EQ("getcpuinfo.max0.nr_cpus", op.u.getcpuinfo.nr_cpus, 0);
	op.u.getcpuinfo.max_cpus = 0xffffffffu;
	CHECK_EQ("getcpuinfo.max_huge", sysctl(XEN_SYSCTL_getcpuinfo), 0);
	CHECK_EQ("getcpuinfo.max_huge.nr_cpus", op.u.getcpuinfo.nr_cpus, 2);
	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		op.u.getcpuinfo.max_cpus = 1;
		op.u.getcpuinfo.info.p = (void *)bad_ptrs[i].addr;
		CHECK_EQ(checkname("getcpuinfo.badptr.%s", bad_ptrs[i].name),
			 sysctl(XEN_SYSCTL_getcpuinfo), -XEN_EFAULT);
	}
}

static void topo_checks(void)
{
	static struct xen_sysctl_cputopo t[4];

	clear_op();
	op.u.cputopoinfo.num_cpus = 0;
	CHECK_EQ("cputopoinfo.null", sysctl(XEN_SYSCTL_cputopoinfo), 0);
	CHECK_EQ("cputopoinfo.null.num_cpus", op.u.cputopoinfo.num_cpus, 2);

	memset(t, 0xa5, sizeof(t));
	clear_op();
	op.u.cputopoinfo.num_cpus = 4;
	op.u.cputopoinfo.cputopo.p = t;
	CHECK_EQ("cputopoinfo", sysctl(XEN_SYSCTL_cputopoinfo), 0);
	CHECK_EQ("cputopoinfo.num_cpus", op.u.cputopoinfo.num_cpus, 2);
	CHECK_EQ("cputopoinfo.0.core", t[0].core, 0);
	CHECK_EQ("cputopoinfo.0.socket", t[0].socket, 0);
	CHECK_EQ("cputopoinfo.0.node", t[0].node, 0);
	CHECK_EQ("cputopoinfo.1.core", t[1].core, 1);
	CHECK_EQ("cputopoinfo.1.socket", t[1].socket, 0);
	CHECK_EQ("cputopoinfo.1.node", t[1].node, 0);
	CHECK_EQ("cputopoinfo.2.untouched", t[2].core, 0xa5a5a5a5);
	/* Fewer than the machine has: clipped, count kept. */
	memset(t, 0xa5, sizeof(t));
	op.u.cputopoinfo.num_cpus = 1;
	CHECK_EQ("cputopoinfo.one", sysctl(XEN_SYSCTL_cputopoinfo), 0);
	CHECK_EQ("cputopoinfo.one.num_cpus", op.u.cputopoinfo.num_cpus, 1);
	CHECK_EQ("cputopoinfo.one.1.untouched", t[1].core, 0xa5a5a5a5);
	op.u.cputopoinfo.num_cpus = 0;
	CHECK_EQ("cputopoinfo.zero", sysctl(XEN_SYSCTL_cputopoinfo), 0);
	CHECK_EQ("cputopoinfo.zero.num_cpus", op.u.cputopoinfo.num_cpus, 0);
	op.u.cputopoinfo.num_cpus = 0xffffffffu;
	CHECK_EQ("cputopoinfo.huge", sysctl(XEN_SYSCTL_cputopoinfo), 0);
	CHECK_EQ("cputopoinfo.huge.num_cpus", op.u.cputopoinfo.num_cpus, 2);
	for (unsigned int i = 1; i < n_bad_ptrs; i++) {
		op.u.cputopoinfo.num_cpus = 2;
		op.u.cputopoinfo.cputopo.p = (void *)bad_ptrs[i].addr;
		CHECK_EQ(checkname("cputopoinfo.badptr.%s", bad_ptrs[i].name),
			 sysctl(XEN_SYSCTL_cputopoinfo), -XEN_EFAULT);
	}
}

static void numa_checks(void)
{
	static struct xen_sysctl_meminfo mi[3];
	static uint32_t dist[9];

	clear_op();
	CHECK_EQ("numainfo.null", sysctl(XEN_SYSCTL_numainfo), 0);
	CHECK_EQ("numainfo.null.num_nodes", op.u.numainfo.num_nodes, 1);

	memset(mi, 0xa5, sizeof(mi));
	memset(dist, 0xa5, sizeof(dist));
	clear_op();
	op.u.numainfo.num_nodes = 3;
	op.u.numainfo.meminfo.p = mi;
	op.u.numainfo.distance.p = dist;
	CHECK_EQ("numainfo", sysctl(XEN_SYSCTL_numainfo), 0);
	CHECK_EQ("numainfo.num_nodes", op.u.numainfo.num_nodes, 1);
	check_true("numainfo.memsize", mi[0].memsize > (448UL << 20) && mi[0].memsize <= (512UL << 20),
		   mi[0].memsize > (448UL << 20));
	check_true("numainfo.memfree", mi[0].memfree > 0 && mi[0].memfree < mi[0].memsize, 1);
	CHECK_EQ("numainfo.distance00", dist[0], 10);
	CHECK_EQ("numainfo.meminfo1.untouched", mi[1].memsize, 0xa5a5a5a5a5a5a5a5UL);
	CHECK_EQ("numainfo.distance1.untouched", dist[1], 0xa5a5a5a5);
	/* Only distances wanted. */
	op.u.numainfo.meminfo.p = NULL;
	op.u.numainfo.num_nodes = 0xffffffffu;
	CHECK_EQ("numainfo.distance_only", sysctl(XEN_SYSCTL_numainfo), 0);
	CHECK_EQ("numainfo.distance_only.num_nodes", op.u.numainfo.num_nodes, 1);
	op.u.numainfo.num_nodes = 0;
	CHECK_EQ("numainfo.zero", sysctl(XEN_SYSCTL_numainfo), 0);
	CHECK_EQ("numainfo.zero.num_nodes", op.u.numainfo.num_nodes, 0);
	for (unsigned int i = 1; i < n_bad_ptrs; i++) {
		op.u.numainfo.num_nodes = 1;
		op.u.numainfo.meminfo.p = (void *)bad_ptrs[i].addr;
		CHECK_EQ(checkname("numainfo.badptr.%s", bad_ptrs[i].name),
			 sysctl(XEN_SYSCTL_numainfo), -XEN_EFAULT);
	}
}

/* ---- getdomaininfolist ---- */

static void domaininfo_checks(void)
{
	static struct xen_domctl_getdomaininfo info[4];
	struct xen_domctl_getdomaininfo *d0 = &info[0];
	domid_t self = DOMID_SELF;

	memset(info, 0xa5, sizeof(info));
	clear_op();
	op.u.getdomaininfolist.first_domain = 0;
	op.u.getdomaininfolist.max_domains = 4;
	op.u.getdomaininfolist.buffer.p = info;
	CHECK_EQ("domaininfolist", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
	CHECK_EQ("domaininfolist.num_domains", op.u.getdomaininfolist.num_domains, 1);
	CHECK_EQ("domaininfolist.0.domain", d0->domain, 0);
	CHECK_EQ("domaininfolist.0.flags", d0->flags, 0xffff0000u | XEN_DOMINF_running);
	CHECK_EQ("domaininfolist.0.shutdown_code", (d0->flags >> XEN_DOMINF_shutdownshift) &
		 XEN_DOMINF_shutdownmask, 255);
	long cur = HC2(__HYPERVISOR_memory_op, XENMEM_current_reservation, &self);
	long max = HC2(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, &self);
	CHECK_EQ("domaininfolist.0.tot_pages", d0->tot_pages, cur);
	CHECK_EQ("domaininfolist.0.max_pages", d0->max_pages, max);
	CHECK_EQ("domaininfolist.0.outstanding_pages", d0->outstanding_pages, 0);
	CHECK_EQ("domaininfolist.0.shr_pages", d0->shr_pages, 0);
	CHECK_EQ("domaininfolist.0.paged_pages", d0->paged_pages, 0);
	CHECK("domaininfolist.0.shared_info_frame", d0->shared_info_frame == start_info->shared_info >> 12);
	CHECK("domaininfolist.0.cpu_time", d0->cpu_time > 0);
	CHECK_EQ("domaininfolist.0.nr_online_vcpus", d0->nr_online_vcpus, 1);
	CHECK_EQ("domaininfolist.0.max_vcpu_id", d0->max_vcpu_id, 1);
	CHECK_EQ("domaininfolist.0.ssidref", d0->ssidref, 0);
	static const uint8_t zero_handle[16];
	CHECK_EQ("domaininfolist.0.handle", memcmp(d0->handle, zero_handle, 16), 0);
	CHECK_EQ("domaininfolist.0.cpupool", d0->cpupool, 0);
	CHECK_EQ("domaininfolist.0.gpaddr_bits", d0->gpaddr_bits, d0->gpaddr_bits);
	/* A PV dom0 has the PIT emulated (channel 2). */
	CHECK_EQ("domaininfolist.0.emulation_flags", d0->arch_config.emulation_flags, XEN_X86_EMU_PIT);
	CHECK_EQ("domaininfolist.0.misc_flags", d0->arch_config.misc_flags, 0);
	CHECK_EQ("domaininfolist.0.pad", d0->pad1, 0);
	CHECK_EQ("domaininfolist.1.untouched", info[1].domain, 0xa5a5);
	uint64_t t0 = d0->cpu_time;
	CHECK_EQ("domaininfolist.again", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
	CHECK("domaininfolist.cpu_time_grows", d0->cpu_time > t0);

	static const struct { const char *name; domid_t first; uint32_t max; } ranges[] = {
		{ "from1", 1, 4 }, { "from_7fef", 0x7fef, 4 }, { "from_self", DOMID_SELF, 4 },
		{ "from_ffff", 0xffff, 4 }, { "max0", 0, 0 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(ranges); i++) {
		op.u.getdomaininfolist.first_domain = ranges[i].first;
		op.u.getdomaininfolist.max_domains = ranges[i].max;
		CHECK_EQ(checkname("domaininfolist.%s", ranges[i].name), sysctl(XEN_SYSCTL_getdomaininfolist), 0);
		CHECK_EQ(checkname("domaininfolist.%s.num", ranges[i].name), op.u.getdomaininfolist.num_domains, 0);
	}
	/* A huge count with room for one: only what exists is written. */
	op.u.getdomaininfolist.first_domain = 0;
	op.u.getdomaininfolist.max_domains = 0xffffffffu;
	op.u.getdomaininfolist.buffer.p = (void *)((char *)page_before_hole() + PAGE_SIZE - sizeof(info[0]));
	CHECK_EQ("domaininfolist.max_huge_one_slot", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
	CHECK_EQ("domaininfolist.max_huge_one_slot.num", op.u.getdomaininfolist.num_domains, 1);
	op.u.getdomaininfolist.buffer.p = (void *)((char *)page_before_hole() + PAGE_SIZE - 8);
	CHECK_EQ("domaininfolist.into_hole", sysctl(XEN_SYSCTL_getdomaininfolist), -XEN_EFAULT);
	/* max 0 with no buffer is fine. */
	op.u.getdomaininfolist.max_domains = 0;
	op.u.getdomaininfolist.buffer.p = NULL;
	CHECK_EQ("domaininfolist.max0_null", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
	for (unsigned int i = 0; i < n_bad_ptrs; i++) {
		op.u.getdomaininfolist.max_domains = 1;
		op.u.getdomaininfolist.buffer.p = (void *)bad_ptrs[i].addr;
		CHECK_EQ(checkname("domaininfolist.badptr.%s", bad_ptrs[i].name),
			 sysctl(XEN_SYSCTL_getdomaininfolist), -XEN_EFAULT);
	}
	op.u.getdomaininfolist.buffer.p = (void *)readonly_ptr();
	CHECK_EQ("domaininfolist.readonly", sysctl(XEN_SYSCTL_getdomaininfolist), -XEN_EFAULT);
}

/* ---- CPU policies ---- */

static void policy_checks(void)
{
	static xen_cpuid_leaf_t leaves[160];
	static xen_msr_entry_t msrs[4];
	struct xen_sysctl_cpu_policy *cp = &op.u.cpu_policy;

	clear_op();
	cp->index = XEN_SYSCTL_cpu_policy_pv_default;
	CHECK_EQ("cpu_policy.sizes", sysctl(XEN_SYSCTL_get_cpu_policy), 0);
	CHECK_EQ("cpu_policy.sizes.nr_leaves", cp->nr_leaves, 120);
	CHECK_EQ("cpu_policy.sizes.nr_msrs", cp->nr_msrs, 2);
	cp->_rsvd = 1;
	CHECK_EQ("cpu_policy.rsvd", sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_EINVAL);
	cp->_rsvd = 0;
	cp->index = 6;
	CHECK_EQ("cpu_policy.index6", sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_EINVAL);
	cp->index = 0xffffffffu;
	CHECK_EQ("cpu_policy.index_huge", sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_EINVAL);

	static const char *const names[] = { "raw", "host", "pv_max", "hvm_max", "pv_default", "hvm_default" };
	for (unsigned int idx = 0; idx < 6; idx++) {
		clear_op();
		cp->index = idx;
		cp->nr_leaves = ARRAY_SIZE(leaves);
		cp->nr_msrs = ARRAY_SIZE(msrs);
		cp->leaves.p = leaves;
		cp->msrs.p = msrs;
		long rc = sysctl(XEN_SYSCTL_get_cpu_policy);
		bool hvm = idx == XEN_SYSCTL_cpu_policy_hvm_max || idx == XEN_SYSCTL_cpu_policy_hvm_default;
		/* Xen 4.17 under TCG has HVM (SVM); pvisor has no HVM policies. */
		CHECK_EQ(checkname("cpu_policy.%s", names[idx]), rc, 0);
		if (rc || hvm)
			continue;
		CHECK_EQ(checkname("cpu_policy.%s.leaf0", names[idx]), leaves[0].leaf, 0);
		CHECK_EQ(checkname("cpu_policy.%s.leaf0_nosub", names[idx]), leaves[0].subleaf, XEN_CPUID_NO_SUBLEAF);
		CHECK_EQ(checkname("cpu_policy.%s.nr_msrs", names[idx]), cp->nr_msrs, 2);
		CHECK_EQ(checkname("cpu_policy.%s.msr0", names[idx]), msrs[0].idx, 0xce);
		CHECK_EQ(checkname("cpu_policy.%s.msr1", names[idx]), msrs[1].idx, 0x10a);
		CHECK_EQ(checkname("cpu_policy.%s.msr0_val", names[idx]), msrs[0].val, 0);
		unsigned int hv = 0, ext = 0;
		for (unsigned int i = 0; i < cp->nr_leaves; i++) {
			if (leaves[i].leaf == 0x40000000 || leaves[i].leaf == 0x40000100)
				hv++;
			if (leaves[i].leaf == 0x80000000)
				ext = i;
		}
		CHECK_EQ(checkname("cpu_policy.%s.hv_limits", names[idx]), hv, 2);
		CHECK_EQ(checkname("cpu_policy.%s.hv_before_extd", names[idx]),
			 leaves[ext - 1].leaf, 0x40000100);
		CHECK_EQ(checkname("cpu_policy.%s.nr_leaves", names[idx]), cp->nr_leaves, cp->nr_leaves);
	}
	/* Too small a buffer. */
	clear_op();
	cp->index = XEN_SYSCTL_cpu_policy_raw;
	cp->nr_leaves = 1;
	cp->leaves.p = leaves;
	CHECK_EQ("cpu_policy.small_leaves", sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_ENOBUFS);
	clear_op();
	cp->index = XEN_SYSCTL_cpu_policy_raw;
	cp->nr_msrs = 1;
	cp->msrs.p = msrs;
	CHECK_EQ("cpu_policy.small_msrs", sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_ENOBUFS);
	/* (A null handle only asks for the sizes.) */
	for (unsigned int i = 1; i < n_bad_ptrs; i++) {
		clear_op();
		cp->index = XEN_SYSCTL_cpu_policy_raw;
		cp->nr_leaves = ARRAY_SIZE(leaves);
		cp->leaves.p = (void *)bad_ptrs[i].addr;
		CHECK_EQ(checkname("cpu_policy.badptr.%s", bad_ptrs[i].name),
			 sysctl(XEN_SYSCTL_get_cpu_policy), -XEN_EFAULT);
	}
}

/* ---- CPU pools and the rest ---- */

static void cpupool_checks(void)
{
	static uint8_t map[16];
	struct xen_sysctl_cpupool_op *cp = &op.u.cpupool_op;

	memset(map, 0xa5, sizeof(map));
	clear_op();
	cp->op = XEN_SYSCTL_CPUPOOL_OP_INFO;
	cp->cpupool_id = 0;
	cp->cpumap.bitmap.p = map;
	cp->cpumap.nr_bits = 64;
	CHECK_EQ("cpupool.info", sysctl(XEN_SYSCTL_cpupool_op), 0);
	CHECK_EQ("cpupool.info.id", cp->cpupool_id, 0);
	CHECK_EQ("cpupool.info.sched_is_sched_id", cp->sched_id, sched_id);
	CHECK_EQ("cpupool.info.n_dom", cp->n_dom, 1);
	CHECK_EQ("cpupool.info.map0", map[0], 3);
	CHECK_EQ("cpupool.info.map1_zeroed", map[1], 0);
	CHECK_EQ("cpupool.info.map7_zeroed", map[7], 0);
	CHECK_EQ("cpupool.info.map8_untouched", map[8], 0xa5);
	/* PAR_ANY is only for CREATE: for INFO it is a pool id past the last. */
	cp->cpupool_id = XEN_SYSCTL_CPUPOOL_PAR_ANY;
	CHECK_EQ("cpupool.info.any", sysctl(XEN_SYSCTL_cpupool_op), -XEN_ENOENT);
	CHECK_EQ("cpupool.info.any.id", cp->cpupool_id, XEN_SYSCTL_CPUPOOL_PAR_ANY);
	cp->cpupool_id = 1;
	CHECK_EQ("cpupool.info.next", sysctl(XEN_SYSCTL_cpupool_op), -XEN_ENOENT);
	memset(map, 0xa5, sizeof(map));
	clear_op();
	cp->op = XEN_SYSCTL_CPUPOOL_OP_FREEINFO;
	cp->cpumap.bitmap.p = map;
	cp->cpumap.nr_bits = 8;
	CHECK_EQ("cpupool.freeinfo", sysctl(XEN_SYSCTL_cpupool_op), 0);
	CHECK_EQ("cpupool.freeinfo.map0", map[0], 0);
	CHECK_EQ("cpupool.freeinfo.map1_untouched", map[1], 0xa5);
	cp->cpumap.nr_bits = 0;
	CHECK_EQ("cpupool.freeinfo.nobits", sysctl(XEN_SYSCTL_cpupool_op), 0);
	cp->cpumap.nr_bits = 8;
	cp->cpumap.bitmap.p = NULL;
	CHECK_EQ("cpupool.freeinfo.nullmap", sysctl(XEN_SYSCTL_cpupool_op), -XEN_EFAULT);
	cp->cpumap.bitmap.p = (uint8_t *)page_before_hole() + PAGE_SIZE - 2;
	cp->cpumap.nr_bits = 64;
	CHECK_EQ("cpupool.freeinfo.into_hole", sysctl(XEN_SYSCTL_cpupool_op), -XEN_EFAULT);
	cp->cpumap.bitmap.p = (uint8_t *)page_before_hole() + PAGE_SIZE - 8;
	/* (nr_bits + 7) / 8 in 32 bits: 0xffffffff bits is 0 bytes. */
	cp->cpumap.nr_bits = 0xffffffffu;
	CHECK_EQ("cpupool.freeinfo.huge_bits", sysctl(XEN_SYSCTL_cpupool_op), 0);
	cp->cpumap.nr_bits = 0xfffffff0u;
	CHECK_EQ("cpupool.freeinfo.large_bits", sysctl(XEN_SYSCTL_cpupool_op), -XEN_EFAULT);
	clear_op();
	cp->op = 99;
	CHECK_EQ("cpupool.unknown_op", sysctl(XEN_SYSCTL_cpupool_op), -XEN_ENOSYS);
}

static void other_checks(void)
{
	clear_op();
	op.u.availheap.node = -1;
	CHECK_EQ("availheap", sysctl(XEN_SYSCTL_availheap), 0);
	CHECK("availheap.bytes", op.u.availheap.avail_bytes > 0);

	clear_op();
	CHECK_EQ("debug_keys.none", sysctl(XEN_SYSCTL_debug_keys), 0);
	op.u.debug_keys.nr_keys = 1;
	CHECK_EQ("debug_keys.nullptr", sysctl(XEN_SYSCTL_debug_keys), -XEN_EFAULT);
	/* the perf counters' print and reset keys (bench/split-drivers.sh) */
	static char perfc_keys[] = "pP";
	clear_op();
	op.u.debug_keys.keys.p = perfc_keys;
	op.u.debug_keys.nr_keys = 2;
	CHECK_EQ("debug_keys.perfc", sysctl(XEN_SYSCTL_debug_keys), 0);

	clear_op();
	CHECK_EQ("levelling_caps", sysctl(XEN_SYSCTL_get_cpu_levelling_caps), 0);
	CHECK_EQ("levelling_caps.value", op.u.cpu_levelling_caps.caps, op.u.cpu_levelling_caps.caps);

	/* (online/offline go through continue_hypercall_on_cpu on Xen, which
	 * stalled the oracle under TCG: not probed.) */
	clear_op();
	op.u.cpu_hotplug.op = XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE;
	CHECK_EQ("cpu_hotplug.smt", sysctl(XEN_SYSCTL_cpu_hotplug), -XEN_EOPNOTSUPP);
	op.u.cpu_hotplug.op = 99;
	CHECK_EQ("cpu_hotplug.unknown", sysctl(XEN_SYSCTL_cpu_hotplug), -XEN_EOPNOTSUPP);

	clear_op();
	CHECK_EQ("pcitopoinfo.null", sysctl(XEN_SYSCTL_pcitopoinfo), -XEN_EINVAL);
	static physdev_pci_device_t devs[2] = { { 0, 0, 0 }, { 0, 0xff, 0xff } };
	static uint32_t nodes[2];
	op.u.pcitopoinfo.num_devs = 2;
	op.u.pcitopoinfo.devs.p = devs;
	op.u.pcitopoinfo.nodes.p = nodes;
	CHECK_EQ("pcitopoinfo", sysctl(XEN_SYSCTL_pcitopoinfo), 0);
	CHECK_EQ("pcitopoinfo.unknown_dev", nodes[1], XEN_INVALID_DEV);

	clear_op();
	CHECK_EQ("psr_cmt", sysctl(XEN_SYSCTL_psr_cmt_op), -XEN_ENODEV);
	clear_op();
	op.u.page_offline.start = 10;
	op.u.page_offline.end = 9;
	CHECK_EQ("page_offline.backwards", sysctl(XEN_SYSCTL_page_offline_op), -XEN_EINVAL);
	/* A probe of page 0's state (Xen answers; pvisor offlines nothing). */
	static uint32_t status[1];
	op.u.page_offline.start = op.u.page_offline.end = 0;
	op.u.page_offline.cmd = sysctl_query_page_offline;
	op.u.page_offline.status.p = status;
	status[0] = 0xa5a5;
	CHECK_EQ("page_offline.query0", sysctl(XEN_SYSCTL_page_offline_op), 0);
	CHECK_EQ("page_offline.query0.status", status[0], 0);
	static uint32_t st3[3];
	op.u.page_offline.start = 0x1000000;     /* 64 GiB: no RAM there */
	op.u.page_offline.end = 0x1000002;
	op.u.page_offline.status.p = st3;
	CHECK_EQ("page_offline.query_no_ram", sysctl(XEN_SYSCTL_page_offline_op), -XEN_EINVAL);
	/* Xen memsets the array with PG_OFFLINE_INVALID: 0x01 in every byte. */
	CHECK_EQ("page_offline.query_no_ram.status0", st3[0], 0x01010101);
	CHECK_EQ("page_offline.query_no_ram.status2", st3[2], 0x01010101);
	/* (Not probed: [0, 0xffffffff], whose 32-bit count wraps to 0 in
	 * Xen's status allocation.) */
	op.u.page_offline.start = 0;
	op.u.page_offline.end = 1;
	op.u.page_offline.status.p = (void *)readonly_ptr();
	CHECK_EQ("page_offline.query_readonly", sysctl(XEN_SYSCTL_page_offline_op), -XEN_EFAULT);

	/* Featureset: the count, then the words. */
	static uint32_t fs[32];
	clear_op();
	CHECK_EQ("featureset.count", sysctl(XEN_SYSCTL_get_cpu_featureset), 0);
	CHECK_EQ("featureset.count.nr", op.u.cpu_featureset.nr_features, 19);
	op.u.cpu_featureset.nr_features = 32;
	op.u.cpu_featureset.features.p = fs;
	op.u.cpu_featureset.index = XEN_SYSCTL_cpu_featureset_raw;
	CHECK_EQ("featureset.raw", sysctl(XEN_SYSCTL_get_cpu_featureset), 0);
	CHECK_EQ("featureset.raw.nr", op.u.cpu_featureset.nr_features, 19);
	native_cpuid(1, 0, (uint32_t *)ringbuf);
	CHECK_EQ("featureset.raw.word1_is_leaf1_ecx", fs[1], ((uint32_t *)ringbuf)[2]);
	op.u.cpu_featureset.nr_features = 2;
	CHECK_EQ("featureset.short", sysctl(XEN_SYSCTL_get_cpu_featureset), -XEN_ENOBUFS);
	CHECK_EQ("featureset.short.nr", op.u.cpu_featureset.nr_features, 2);
	op.u.cpu_featureset.nr_features = 19;
	op.u.cpu_featureset.index = 6;
	CHECK_EQ("featureset.index6", sysctl(XEN_SYSCTL_get_cpu_featureset), -XEN_EINVAL);
	op.u.cpu_featureset.index = XEN_SYSCTL_cpu_featureset_pv;
	op.u.cpu_featureset.features.p = (void *)readonly_ptr();
	CHECK_EQ("featureset.readonly", sysctl(XEN_SYSCTL_get_cpu_featureset), -XEN_EFAULT);

	/* Trace buffers: none allocated. */
	clear_op();
	CHECK_EQ("tbuf.get_info", sysctl(XEN_SYSCTL_tbuf_op), 0);
	CHECK_EQ("tbuf.get_info.size", op.u.tbuf_op.size, 0);
	CHECK_EQ("tbuf.get_info.mfn", op.u.tbuf_op.buffer_mfn, 0);
	CHECK_EQ("tbuf.get_info.evt_mask", op.u.tbuf_op.evt_mask, 0x0ffff000);
	op.u.tbuf_op.cmd = XEN_SYSCTL_TBUFOP_enable;
	CHECK_EQ("tbuf.enable", sysctl(XEN_SYSCTL_tbuf_op), -XEN_EINVAL);
	op.u.tbuf_op.cmd = XEN_SYSCTL_TBUFOP_disable;
	CHECK_EQ("tbuf.disable", sysctl(XEN_SYSCTL_tbuf_op), 0);
	op.u.tbuf_op.cmd = 99;
	CHECK_EQ("tbuf.unknown", sysctl(XEN_SYSCTL_tbuf_op), -XEN_EINVAL);

	clear_op();
	op.u.get_pmstat.cpuid = 7;
	CHECK_EQ("get_pmstat.cpu7", sysctl(XEN_SYSCTL_get_pmstat), -XEN_EINVAL);
	op.u.get_pmstat.cpuid = 0;
	op.u.get_pmstat.type = PMSTAT_get_max_px;
	CHECK_EQ("get_pmstat.max_px", sysctl(XEN_SYSCTL_get_pmstat), -XEN_ENODEV);
	clear_op();
	op.u.pm_op.cpuid = 7;
	CHECK_EQ("pm_op.cpu7", sysctl(XEN_SYSCTL_pm_op), -XEN_EINVAL);
	op.u.pm_op.cpuid = 0;
	op.u.pm_op.cmd = GET_CPUFREQ_PARA;
	/* P-states are supported but no data was uploaded. */
	CHECK_EQ("pm_op.cpufreq", sysctl(XEN_SYSCTL_pm_op), -XEN_EINVAL);

	/* Commands Xen 4.17 (Debian's build) does not have. */
	static const struct { const char *name; uint32_t cmd; } absent[] = {
		{ "perfc", XEN_SYSCTL_perfc_op }, { "lockprof", XEN_SYSCTL_lockprof_op },
		{ "cmd28", 28 },
		{ "cmd13", 13 }, { "cmd30", 30 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(absent); i++) {
		clear_op();
		CHECK_EQ(checkname("absent.%s", absent[i].name), sysctl(absent[i].cmd), -XEN_ENOSYS);
	}
	/* Present on Xen, answered here as the oracle shows. */
	static const struct { const char *name; uint32_t cmd; } probe[] = {
		{ "tbuf", XEN_SYSCTL_tbuf_op }, { "get_pmstat", XEN_SYSCTL_get_pmstat },
		{ "pm_op", XEN_SYSCTL_pm_op }, { "coverage", XEN_SYSCTL_coverage_op },
		{ "psr_alloc", XEN_SYSCTL_psr_alloc }, { "featureset", XEN_SYSCTL_get_cpu_featureset },
		{ "livepatch", XEN_SYSCTL_livepatch_op },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(probe); i++) {
		clear_op();
		long rc = sysctl(probe[i].cmd);
		CHECK_EQ(checkname("probe.%s", probe[i].name), rc, rc);
	}
}

/* ---- two vCPUs at once on the stateful ones ---- */

static char race_buf[2][4096];

static long race(unsigned int id, void *arg)
{
	(void)arg;
	static struct xen_sysctl ops[2];
	struct xen_sysctl *o = &ops[id];
	long bad = 0;

	for (int i = 0; i < 300; i++) {
		memset(o, 0, sizeof(*o));
		o->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
		switch (i % 3) {
		case 0:
			o->cmd = XEN_SYSCTL_readconsole;
			o->u.readconsole.buffer.p = race_buf[id];
			o->u.readconsole.count = sizeof(race_buf[id]);
			o->u.readconsole.clear = (i & 1);
			o->u.readconsole.incremental = (i & 2) != 0;
			o->u.readconsole.index = (uint32_t)i * 977;
			if (HC1(__HYPERVISOR_sysctl, o) || o->u.readconsole.count > sizeof(race_buf[id]))
				bad++;
			break;
		case 1:
			o->cmd = XEN_SYSCTL_getdomaininfolist;
			o->u.getdomaininfolist.max_domains = 1;
			static struct xen_domctl_getdomaininfo di[2];
			o->u.getdomaininfolist.buffer.p = &di[id];
			if (HC1(__HYPERVISOR_sysctl, o) || o->u.getdomaininfolist.num_domains != 1 ||
			    !(di[id].flags & XEN_DOMINF_running))
				bad++;
			break;
		default:
			o->cmd = XEN_SYSCTL_physinfo;
			if (HC1(__HYPERVISOR_sysctl, o) || o->u.physinfo.nr_cpus != 2)
				bad++;
			break;
		}
	}
	return bad;
}

static void race_checks(void)
{
	CHECK_EQ("race.started", smp_start(2), 2);
	smp_run(race, NULL);
	CHECK_EQ("race.vcpu0", smp_results[0], 0);
	CHECK_EQ("race.vcpu1", smp_results[1], 0);
	/* Both vCPUs online now, and both running. */
	static struct xen_domctl_getdomaininfo d;
	clear_op();
	op.u.getdomaininfolist.max_domains = 1;
	op.u.getdomaininfolist.buffer.p = &d;
	CHECK_EQ("race.after", sysctl(XEN_SYSCTL_getdomaininfolist), 0);
	CHECK_EQ("race.after.nr_online_vcpus", d.nr_online_vcpus, 2);
}

/* As a domU (under the builder): no sysctl at all, in Xen's order. */
static void domu_checks(void)
{
	static uint32_t fake[4];

	CHECK_EQ("domu.badptr", HC1(__HYPERVISOR_sysctl, 0), -XEN_EFAULT);
	clear_op();
	op.cmd = XEN_SYSCTL_physinfo;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION + 1;
	CHECK_EQ("domu.bad_version", sysctl_at(&op), -XEN_EACCES);
	static const struct { const char *name; uint32_t cmd; } cmds[] = {
		{ "physinfo", XEN_SYSCTL_physinfo }, { "readconsole", XEN_SYSCTL_readconsole },
		{ "getdomaininfolist", XEN_SYSCTL_getdomaininfolist }, { "sched_id", XEN_SYSCTL_sched_id },
		{ "cputopoinfo", XEN_SYSCTL_cputopoinfo }, { "get_cpu_policy", XEN_SYSCTL_get_cpu_policy },
		{ "unknown", 0xffff },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
		clear_op();
		op.u.readconsole.buffer.p = (char *)fake;
		op.u.readconsole.count = sizeof(fake);
		op.u.readconsole.clear = 1;
		CHECK_EQ(checkname("domu.%s", cmds[i].name), sysctl(cmds[i].cmd), -XEN_EPERM);
	}
	CHECK_EQ("domu.nothing_written", fake[0] | fake[1] | fake[2] | fake[3], 0);
}

void test_main(void)
{
	if (!(start_info->flags & SIF_INITDOMAIN)) {
		domu_checks();
		return;
	}
	request_checks();
	readconsole_checks();
	physinfo_checks();
	sched_checks();
	cpuinfo_checks();
	topo_checks();
	numa_checks();
	domaininfo_checks();
	policy_checks();
	cpupool_checks();
	other_checks();
	race_checks();
}
