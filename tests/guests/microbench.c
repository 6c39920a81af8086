/*
 * microbench: the cost of the hypervisor paths a PV Linux kernel uses most,
 * in ns per operation on pvisor's (or Xen's) own pvclock. Not a test:
 * bench/guest-paths.sh runs it on both hypervisors and prints ratios.
 *
 *   hypercall     xen_version(0): SYSCALL in, dispatch, exit path
 *   privop_io     `inb $0x42` (dom0's virtual PIT channel 2): #GP, decode, emulate
 *   forced_cpuid  the forced-emulation CPUID Linux issues for every cpuid
 *   pf_bounce     a #PF bounced to the kernel and back through iret
 *   ptwr          a direct store to a read-only L1 entry (writable page tables)
 *   mmu_update    one PTE through HYPERVISOR_mmu_update
 *   uvm           update_va_mapping with UVMF_INVLPG
 *   multicall16   a multicall of 16 update_va_mapping entries (Linux batches
 *                 its PTE updates this way)
 *   multicall16_nop  the same with xen_version(0): the batching itself
 *   evtchn_ipi    send to an IPI port bound to ourselves, upcall taken
 *   evtchn_loop   send on one end of an interdomain channel bound to
 *                 ourselves (dom0 loopback), upcall taken on the other
 */
#include "guest.h"

static char *scratch;

static uint64_t now(void)
{
	return xen_system_time();
}

/* The fastest of ROUNDS rounds of n/ROUNDS operations: the host is
 * shared, and its load only ever adds time (under -icount every round
 * is the same). */
#define ROUNDS 5
#define BENCH(name, n, body) do {                                     \
		uint64_t _best = ~0UL;                                 \
		for (unsigned int _r = 0; _r < ROUNDS; _r++) {         \
			uint64_t _t0 = now();                          \
			for (unsigned long _i = 0; _i < (n) / ROUNDS; _i++) { body; } \
			uint64_t _dt = now() - _t0;                    \
			if (_dt < _best)                               \
				_best = _dt;                           \
		}                                                      \
		printf("BENCH %s %lu\n", (name), (unsigned long)(_best / ((n) / ROUNDS))); \
	} while (0)

static volatile uint64_t *pte_of(void *va)
{
	uint64_t ma = l1e_maddr(va);
	return (volatile uint64_t *)((char *)pfn_to_va(mfn_to_pfn(ma >> 12)) + (ma & 0xfff));
}

void test_main(void)
{
	scratch = alloc_page();
	struct physdev_set_iopl iopl = { .iopl = 1 };
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);

	BENCH("hypercall", 20000, HYPERVISOR_xen_version(0, NULL));
	BENCH("privop_io", 20000, ({ uint8_t v; asm volatile("inb $0x42, %0" : "=a"(v)); (void)v; }));
	BENCH("forced_cpuid", 20000, ({ uint32_t r[4]; xen_cpuid(1, 0, r); }));

	expect_trap(TRAP_ANY);
	BENCH("pf_bounce", 5000, ({ uint64_t v; probe_read64(0x1000, &v); }));
	expect_trap(-1);

	volatile uint64_t *e = pte_of(scratch);
	uint64_t orig = *e;
	BENCH("ptwr", 10000, *e = orig);

	uint64_t ma = l1e_maddr(scratch);
	BENCH("mmu_update", 10000, mmu_update1(ma, orig, DOMID_SELF));
	BENCH("uvm", 10000, HYPERVISOR_update_va_mapping((unsigned long)scratch, orig, UVMF_INVLPG));
	static struct multicall_entry mc[16];
	for (unsigned int i = 0; i < 16; i++)
		mc[i] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
			.args = { (unsigned long)scratch, orig, i == 15 ? UVMF_INVLPG : 0 } };
	BENCH("multicall16", 2000, HYPERVISOR_multicall(mc, 16));
	static struct multicall_entry nop[16];
	for (unsigned int i = 0; i < 16; i++)
		nop[i] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version };
	BENCH("multicall16_nop", 2000, HYPERVISOR_multicall(nop, 16));

	long port = evtchn_bind_ipi(0);
	events_enable();
	BENCH("evtchn_ipi", 5000, evtchn_send((evtchn_port_t)port));
	events_disable();
	CHECK("ipi.delivered", port_events[port] > 0);

	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au);
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
	HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
	events_enable();
	BENCH("evtchn_loop", 5000, evtchn_send(au.port));
	events_disable();
	CHECK("loop.delivered", bi.local_port < 1024 && port_events[bi.local_port] > 0);
}
