/*
 * Secondary vCPUs for race tests, brought up the way PV Linux does it:
 * VCPUOP_initialise with a context of their own, then VCPUOP_up.
 *
 * Each secondary gets its own stack, its own GDT page (read-only, null
 * descriptors: the flat selectors are the hypervisor's), the framework's
 * trap table and callbacks, and starts with events masked in its
 * vcpu_info: event handling stays vCPU 0's.  Waiting spins (pause, and a
 * yield every 64 rounds): blocking waits (a secondary taking itself down,
 * SCHEDOP_poll on an IPI port) stalled runnable vCPUs for seconds to
 * minutes on Xen 4.17 under QEMU TCG.  So secondaries spin between runs
 * too: keep what vCPU 0 does between smp_run() calls short.
 *
 * Secondaries must not CHECK or expect traps (those counters and records
 * are vCPU 0's): the function they run returns a value vCPU 0 checks.
 */
#include "guest.h"

char smp_stacks[SMP_MAX_VCPUS - 1][SMP_STACK_SIZE] PAGE_ALIGNED;
static char smp_gdts[SMP_MAX_VCPUS][PAGE_SIZE] PAGE_ALIGNED;
struct vcpu_info *smp_vcpu_info[SMP_MAX_VCPUS];
unsigned int smp_cpus = 1;
volatile long smp_results[SMP_MAX_VCPUS];

static volatile unsigned int online[SMP_MAX_VCPUS];
static volatile unsigned int work_gen;
static smp_fn_t work_fn;
static void *work_arg;
static volatile unsigned int arrived, finished;
static struct vcpu_guest_context ctx;

void smp_secondary_main(unsigned long id);
/* A secondary starts here: RSP at the top of its stack, RDI its id. */
asm(".text\n"
    ".globl smp_secondary_entry\n"
    "smp_secondary_entry:\n"
    "	cld\n"
    "	and $-16, %rsp\n"
    "	call smp_secondary_main\n"
    "	ud2\n");
extern char smp_secondary_entry[];

/* Spin politely: on 2 host CPUs the vCPU we wait for may need ours. */
static void relax(unsigned long *spins)
{
	if (++*spins % 64 == 0)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	else
		asm volatile("pause" ::: "memory");
}

static void run_here(unsigned int id)
{
	unsigned long spins = 0;

	/* Start barrier: everybody enters fn together. */
	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < smp_cpus)
		relax(&spins);
	smp_results[id] = work_fn(id, work_arg);
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
}

void smp_secondary_main(unsigned long id)
{
	unsigned int seen = 0;

	__atomic_store_n(&online[id], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		unsigned long spins = 0;
		while (__atomic_load_n(&work_gen, __ATOMIC_SEQ_CST) == seen)
			relax(&spins);
		seen = work_gen;
		run_here((unsigned int)id);
	}
}

/* The context a secondary starts with (also what vcpu tests build on). */
struct vcpu_guest_context *smp_context(unsigned int id)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.user_regs.rip = (unsigned long)smp_secondary_entry;
	ctx.user_regs.rsp = (unsigned long)smp_stacks[id - 1] + SMP_STACK_SIZE;
	ctx.user_regs.rdi = id;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	ctx.user_regs.ds = ctx.user_regs.es = FLAT_KERNEL_DS;
	ctx.user_regs.rflags = 0x200;
	for (const trap_info_t *t = default_traps; t->address; t++)
		ctx.trap_ctxt[t->vector] = *t;
	ctx.gdt_frames[0] = va_to_mfn(smp_gdts[id]);
	ctx.gdt_ents = 16;
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = ctx.user_regs.rsp;
	ctx.event_callback_eip = (unsigned long)event_callback_entry;
	ctx.failsafe_callback_eip = (unsigned long)failsafe_callback_entry;
	ctx.syscall_callback_eip = (unsigned long)syscall_callback_entry;
	ctx.flags |= VGCF_failsafe_disables_events | VGCF_syscall_disables_events;
	ctx.ctrlreg[3] = xen_pfn_to_cr3(cur_l4_mfn);
	return &ctx;
}

unsigned int smp_start(unsigned int want)
{
	static bool gdts_ro;

	if (!gdts_ro) {
		for (unsigned int i = 1; i < SMP_MAX_VCPUS; i++)
			page_set_ro(smp_gdts[i]);
		gdts_ro = true;
	}
	if (want > SMP_MAX_VCPUS)
		want = SMP_MAX_VCPUS;
	for (unsigned int id = smp_cpus; id < want; id++) {
		if (HYPERVISOR_vcpu_op(VCPUOP_is_up, id, NULL) < 0)
			break;                  /* the domain has no vCPU id */
		smp_vcpu_info[id] = &shared_info->vcpu_info[id];
		smp_vcpu_info[id]->evtchn_upcall_mask = 1;
		long rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, smp_context(id));
		if (rc)
			panic("VCPUOP_initialise(%u): %ld", id, rc);
		rc = HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
		if (rc)
			panic("VCPUOP_up(%u): %ld", id, rc);
		unsigned long spins = 0;
		while (!__atomic_load_n(&online[id], __ATOMIC_SEQ_CST))
			relax(&spins);
		smp_cpus = id + 1;
	}
	return smp_cpus;
}

void smp_run(smp_fn_t fn, void *arg)
{
	work_fn = fn;
	work_arg = arg;
	arrived = finished = 0;
	__atomic_add_fetch(&work_gen, 1, __ATOMIC_SEQ_CST);
	run_here(0);
	unsigned long spins = 0;
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < smp_cpus)
		relax(&spins);
}
