/*
 * flood: a guest that floods the console and the hypervisor's log. The
 * writes must return, the timer keep ticking and the other vCPU keep
 * running: console_io may not hold a CPU (or the console lock, with
 * interrupts off) for the whole of a long write.
 *
 * Xen 4.17 (drivers/char/console.c): CONSOLEIO_write copies 127-byte
 * chunks, checks for preemption between them and continues the call
 * later; a chunk that faults ends it with -EFAULT (earlier chunks are
 * out), so a huge count over a mapping that ends returns -EFAULT. Lines
 * a guest makes the hypervisor print are rate limited (10, then one per
 * 5 s); tests/system/guests/log-ratelimit.sh counts them in this boot's
 * log (pvisor logs each refusal, Xen only in debug builds).
 *
 * Arguments: cpus=N (run with --vcpus N; default 1).
 */
#include "guest.h"

#define MS 1000000UL
#define BIG (16 * 1024)

static long cio_write(const void *buf, unsigned long count)
{
	return HYPERVISOR_console_io(CONSOLEIO_write, count, (unsigned long)buf);
}

static char big[BIG];

static void fill_lines(char *buf, unsigned long len, char tag)
{
	for (unsigned long i = 0; i < len; i++)
		buf[i] = (i % 64 == 63) ? '\n' : (i % 64 == 0) ? tag : (char)('a' + i % 26);
}

static volatile unsigned long ticks;
static void on_timer(evtchn_port_t port)
{
	(void)port;
	ticks++;
}

/* One long write with a 1 ms periodic timer running: the ticks arrive
 * while the write goes on (the call yields between chunks). */
static void long_write_checks(void)
{
	struct vcpu_set_periodic_timer pt = { .period_ns = MS };

	fill_lines(big, BIG, 'L');
	CHECK_EQ("periodic.1ms", HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt), 0);
	unsigned long t0 = ticks;
	uint64_t s0 = xen_system_time();
	long rc = cio_write(big, BIG);
	uint64_t s1 = xen_system_time();
	unsigned long got = ticks - t0;
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	unsigned long ms = (s1 - s0) / MS;

	CHECK_EQ("write.16k", rc, 0);
	/* Ticks come while the write goes on (how many depends on the host:
	 * periods the QEMU thread was descheduled for are not replayed). */
	CHECK("write.16k.timer_ticks", ms < 10 || got > 0);
	printf("flood: 16 KiB write took %lu ms, %lu ticks\n", ms, got);
}

static void hostile_write_checks(void)
{
	/* A huge count over a page whose successor is unmapped: the page
	 * goes out up to the last whole chunk (mid-line), then -EFAULT. */
	static const char nl = '\n';
	char *last = page_before_hole();
	fill_lines(last, PAGE_SIZE, 'H');
	long rc = cio_write(last, 0xffffffffUL);
	cio_write(&nl, 1);
	CHECK_EQ("write.huge_count", rc, -XEN_EFAULT);
	rc = cio_write(last, ~0UL);
	cio_write(&nl, 1);
	CHECK_EQ("write.huge_count_high_bits", rc, -XEN_EFAULT);
	/* Many writes from bad pointers: each fails at once. */
	long bad = 0;
	for (unsigned i = 0; i < 1000; i++)
		bad += cio_write((void *)(0xffff800000000000UL + i * PAGE_SIZE), 4096) == -XEN_EFAULT;
	CHECK_EQ("write.badptr_x1000", bad, 1000);
	CHECK_EQ("write.after_flood", cio_write(&nl, 1), 0);
}

/* vCPU 0 writes 16 KiB blocks while the others write short lines; every
 * short write returns, and none waits for the whole flood. */
static long racer(unsigned int id, void *arg)
{
	(void)arg;
	if (id == 0) {
		long rc = 0;
		for (int i = 0; i < 4 && !rc; i++)
			rc = cio_write(big, BIG);
		return rc;
	}
	char line[32];
	uint64_t worst = 0;
	for (int i = 0; i < 50; i++) {
		int n = snprintf(line, sizeof(line), "flood: vcpu%u line %d\n", id, i);
		uint64_t t0 = xen_system_time();
		if (cio_write(line, (unsigned long)n))
			return -1;
		uint64_t t = xen_system_time() - t0;
		worst = t > worst ? t : worst;
	}
	return (long)(worst / MS);
}

static void smp_checks(void)
{
	const char *arg = cmdline_value("cpus");
	unsigned int want = arg ? (unsigned int)(arg[0] - '0') : 1;

	if (want < 2)
		return;
	CHECK_EQ("smp.started", smp_start(want), want);
	fill_lines(big, BIG, 'S');
	smp_run(racer, NULL);
	CHECK_EQ("smp.flood", smp_results[0], 0);
	for (unsigned int i = 1; i < smp_cpus; i++)
		CHECK(checkname("smp.vcpu%u.short_writes", i),
		      smp_results[i] >= 0 && smp_results[i] < 1000);
}

/* 200 requests the hypervisor refuses and logs, then one more after the
 * 5 s rate-limit window (the log shows the count suppressed). */
static void log_flood_checks(void)
{
	static char page[PAGE_SIZE] PAGE_ALIGNED;
	uint64_t pte = l1e_maddr(page);
	long esrch = 0;

	for (unsigned i = 0; i < 200; i++)
		esrch += mmu_update1(pte, 0, 5) == -XEN_ESRCH;
	CHECK_EQ("log.refused_x200", esrch, 200);
	uint64_t until = xen_system_time() + 5500 * MS;
	while (xen_system_time() < until) {
		struct sched_poll sp = { .nr_ports = 0, .timeout = until };
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	}
	CHECK_EQ("log.refused_after_window", mmu_update1(pte, 0, 5), -XEN_ESRCH);
}

void test_main(void)
{
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	long port = evtchn_bind_virq(VIRQ_TIMER, 0);
	CHECK_EQ("bind_virq.timer", port, 1);
	set_evtchn_handler((evtchn_port_t)port, on_timer);
	events_enable();
	events_poke();

	long_write_checks();
	hostile_write_checks();
	events_disable();
	smp_checks();
	log_flood_checks();
}
