/*
 * xstate: XSAVE as a PV guest sees it. When CPUID offers XSAVE (e.g.
 * -cpu max), OSXSAVE is set already (the hypervisor's CR4 shows through),
 * XSETBV is emulated within the allowed components and refuses the rest
 * with #GP, CPUID leaf 0xD follows XCR0, and AVX state survives a trip
 * through the hypervisor. Without XSAVE (qemu64) XSETBV is a #GP.
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
}
