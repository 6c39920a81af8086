/*
 * xstate: XSAVE as a PV guest sees it. When CPUID offers XSAVE (e.g.
 * -cpu max), OSXSAVE is set already (the hypervisor's CR4 shows through),
 * XSETBV is emulated within the allowed components and refuses the rest
 * with #GP, CPUID leaf 0xD follows XCR0, and AVX state survives a trip
 * through the hypervisor. Without XSAVE (qemu64) XSETBV is a #GP.
 *
 * XCR0 shrinking under live state (issue 10, item 2): XCR0 7 -> 3 after
 * AVX use and 3 -> 1 after SSE use, each followed by a deschedule (poll
 * with a timeout: the state is saved and restored), must leave the vCPU
 * running with its SSE registers intact (Xen saves and restores with the
 * union of the components the vCPU ever enabled, so the registers of a
 * disabled component survive too). Old pvisor: XRSTOR #GP in the
 * hypervisor, a panic.
 *
 * With `cpus=N` (and --vcpus N): every vCPU runs its own XCR0 (odd vCPUs
 * 3, even ones 7) and its own register contents through many
 * deschedules; nothing may leak between vCPUs or be lost.
 */
#include "guest.h"

static long try_xsetbv(uint32_t index, uint64_t value)
{
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("xsetbv") :: "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
	long t = trap_seen();
	expect_trap(-1);
	return t;
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* Be descheduled for ~5 ms (SCHEDOP_poll with a timeout on a port never
 * sent): the hypervisor saves and restores our FPU state. */
static evtchn_port_t idle_port;

static long deschedule(void)
{
	evtchn_port_t p = idle_port;
	struct sched_poll sp = { .nr_ports = 1, .timeout = xen_system_time() + 5000000 };

	set_xen_guest_handle(sp.ports, &p);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static void xsetbv(uint64_t value)
{
	asm volatile("xsetbv" :: "c"(0), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static const uint64_t pat_a[4] ALIGNED(32) = { 0x0123456789abcdef, 0xfedcba9876543210,
					       0x0f1e2d3c4b5a6978, 0x8796a5b4c3d2e1f0 };
static const uint64_t pat_b[4] ALIGNED(32) = { 0xa5a5a5a55a5a5a5a, 0x3c3c3c3cc3c3c3c3,
					       0x1122334455667788, 0x99aabbccddeeff00 };

static void xcr0_shrink_checks(void)
{
	static uint64_t out[4] ALIGNED(32);

	/* 7 -> 3 with AVX state in use: the saved header names AVX */
	CHECK_EQ("shrink.to7", try_xsetbv(0, 7), -1);
	asm volatile("vmovdqa %0, %%ymm5" :: "m"(pat_a));
	CHECK_EQ("shrink.avx.descheduled", deschedule(), 0);
	CHECK_EQ("shrink.7to3", try_xsetbv(0, 3), -1);
	CHECK_EQ("shrink.7to3.descheduled", deschedule(), 0);
	CHECK_EQ("shrink.7to3.xgetbv", xgetbv0(), 3);
	asm volatile("movdqa %%xmm5, %0" : "=m"(*(uint64_t (*)[2])out));
	CHECK("shrink.7to3.xmm5_kept", out[0] == pat_a[0] && out[1] == pat_a[1]);

	/* 3 -> 1 with SSE state in use */
	asm volatile("movdqa %0, %%xmm6" :: "m"(*(const uint64_t (*)[2])pat_b));
	CHECK_EQ("shrink.sse.descheduled", deschedule(), 0);
	CHECK_EQ("shrink.3to1", try_xsetbv(0, 1), -1);
	CHECK_EQ("shrink.3to1.descheduled", deschedule(), 0);
	CHECK_EQ("shrink.3to1.xgetbv", xgetbv0(), 1);
	asm volatile("movdqa %%xmm6, %0" : "=m"(*(uint64_t (*)[2])out));
	CHECK("shrink.3to1.xmm6_kept", out[0] == pat_b[0] && out[1] == pat_b[1]);
	CHECK_EQ("shrink.1.descheduled_again", deschedule(), 0);

	/* and back up: AVX works again and survives */
	CHECK_EQ("shrink.1to7", try_xsetbv(0, 7), -1);
	asm volatile("vmovdqa %0, %%ymm7" :: "m"(pat_b));
	CHECK_EQ("shrink.1to7.descheduled", deschedule(), 0);
	asm volatile("vmovdqa %%ymm7, %0" : "=m"(out));
	CHECK("shrink.1to7.ymm7_kept", !memcmp(out, pat_b, sizeof(out)));
	CHECK_EQ("shrink.back_to_3", try_xsetbv(0, 3), -1);
}

/* On every vCPU at once: its own XCR0 and registers through deschedules.
 * Returns 0, or which check failed (secondaries cannot CHECK). */
static long fpu_isolation(unsigned int id, void *arg)
{
	uint64_t xcr0 = (id & 1) ? 3 : 7, cr4, mine[4] ALIGNED(32), out[4] ALIGNED(32);

	(void)arg;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	if (!(cr4 & (1UL << 18))) {
		cr4 |= 1UL << 18;
		asm volatile("mov %0, %%cr4" :: "r"(cr4));
	}
	xsetbv(xcr0);
	for (int i = 0; i < 4; i++)
		mine[i] = pat_a[i] ^ (0x0101010101010101UL * (id + 1));
	if (xcr0 & 4)
		asm volatile("vmovdqa %0, %%ymm3" :: "m"(mine));
	else
		asm volatile("movdqa %0, %%xmm3" :: "m"(*(uint64_t (*)[2])mine));
	for (long round = 0; round < 30; round++) {
		if (deschedule())
			return 1000 + round;
		if (xgetbv0() != xcr0)
			return 2000 + round;
		memset(out, 0, sizeof(out));
		if (xcr0 & 4) {
			asm volatile("vmovdqa %%ymm3, %0" : "=m"(out));
			if (memcmp(out, mine, 32))
				return 3000 + round;
		} else {
			asm volatile("movdqa %%xmm3, %0" : "=m"(*(uint64_t (*)[2])out));
			if (memcmp(out, mine, 16))
				return 4000 + round;
		}
	}
	return 0;
}

static void fpu_isolation_checks(unsigned int want)
{
	unsigned int n = smp_start(want);

	CHECK_EQ("vcpus.started", n, want);
	smp_run(fpu_isolation, NULL);
	for (unsigned int i = 0; i < n; i++)
		CHECK_EQ(checkname("vcpus.%u.own_state", i), smp_results[i], 0);
	CHECK_EQ("vcpus.xgetbv0_after", xgetbv0(), 7);
	try_xsetbv(0, 3);
}

void test_main(void)
{
	uint32_t r[4];

	xen_cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		printf("xstate: no XSAVE offered by this CPU model\n");
		CHECK_EQ("absent.osxsave", (r[2] >> 27) & 1, 0);
		CHECK_EQ("absent.xsetbv", try_xsetbv(0, 3), 6);
		return;
	}
	/* CPUID shows the hypervisor's own OSXSAVE; the guest's virtual CR4
	 * bit starts clear and XSETBV is #UD until the guest sets it. */
	CHECK_EQ("osxsave", (r[2] >> 27) & 1, 1);
	CHECK_EQ("xsetbv.before_cr4", try_xsetbv(0, 3), 6);
	uint64_t cr4;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	CHECK_EQ("cr4.osxsave_clear", (cr4 >> 18) & 1, 0);
	cr4 |= 1UL << 18;
	expect_trap(TRAP_ANY);
	asm volatile(PROBE("mov %0, %%cr4") :: "r"(cr4));
	CHECK_EQ("cr4.set_osxsave", trap_seen(), -1);
	expect_trap(-1);
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	CHECK_EQ("cr4.osxsave_set", (cr4 >> 18) & 1, 1);
	bool avx = r[2] & (1u << 28);
	xen_cpuid(0xd, 0, r);
	uint64_t mask = r[0];
	CHECK("leaf_d.x87_sse", (mask & 3) == 3);
	CHECK_EQ("xsetbv.x87_sse", try_xsetbv(0, 3), -1);
	CHECK_EQ("xgetbv.x87_sse", xgetbv0(), 3);
	xen_cpuid(0xd, 0, r);
	CHECK_EQ("leaf_d.size_x87_sse", r[1], 576);
	CHECK_EQ("xsetbv.zero", try_xsetbv(0, 0), 13);
	CHECK_EQ("xsetbv.no_x87", try_xsetbv(0, 2), 13);
	CHECK_EQ("xsetbv.index1", try_xsetbv(1, 3), 13);
	CHECK_EQ("xsetbv.bit63", try_xsetbv(0, 3 | (1ULL << 63)), 13);
	CHECK_EQ("xsetbv.unsupported_bits", try_xsetbv(0, 3 | 0xe0), 13);
	CHECK_EQ("xgetbv.unchanged", xgetbv0(), 3);
	if (!avx || !(mask & 4)) {
		printf("xstate: no AVX\n");
		return;
	}
	CHECK_EQ("xsetbv.avx_without_sse", try_xsetbv(0, 5), 13);
	CHECK_EQ("xsetbv.avx", try_xsetbv(0, 7), -1);
	CHECK_EQ("xgetbv.avx", xgetbv0(), 7);
	xen_cpuid(0xd, 0, r);
	CHECK_EQ("leaf_d.size_avx", r[1], 832);

	/* An AVX register survives hypercalls and a trap. */
	static uint64_t in[4] ALIGNED(32) = { 0x1111222233334444, 0x5555666677778888,
					      0x9999aaaabbbbcccc, 0xddddeeeeffff0000 };
	static uint64_t out[4] ALIGNED(32);
	asm volatile("vmovdqa %0, %%ymm5" :: "m"(in));
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	HYPERVISOR_xen_version(0, NULL);
	struct physdev_set_iopl iopl = { .iopl = 1 };
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
	uint8_t v;
	asm volatile("inb $0x42, %0" : "=a"(v));   /* an emulated instruction on the way */
	asm volatile("vmovdqa %%ymm5, %0" : "=m"(out));
	CHECK("avx.ymm5_kept", !memcmp(in, out, sizeof(in)));
	CHECK_EQ("xsetbv.back_to_sse", try_xsetbv(0, 3), -1);

	idle_port = (evtchn_port_t)evtchn_bind_ipi(0);
	xcr0_shrink_checks();
	const char *cpus = cmdline_value("cpus");
	if (cpus)
		fpu_isolation_checks((unsigned int)(cpus[0] - '0'));
}
