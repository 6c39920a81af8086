/*
 * timers: guest timers at the edges of time arithmetic (0, 1, INT64_MAX,
 * negative, past and far-future deadlines). Every call must return and
 * the timer must fire when Xen's rules say, never hang the CPU.
 *
 * Xen 4.17 (common/sched/core.c, common/domain.c, common/timer.c):
 *  - set_timer_op(t): 0 cancels; a deadline negative as an s64, or more
 *    than 2^50 ns (~13 days) ahead, is Linux's wrapped jiffies: the timer
 *    fires 100 ms from now instead; any other deadline (the past too) is
 *    set as given, so one in the past fires at once;
 *  - VCPUOP_set_singleshot_timer: timeout_abs_ns (u64) below NOW() fires
 *    at once; otherwise it is set as an s64, so 2^63 and above (negative)
 *    also fire at once and INT64_MAX never does; VCPU_SSHOTTMR_future is
 *    ignored (no -ETIME);
 *  - VCPUOP_set_periodic_timer: period_ns below 1 ms or above
 *    STIME_DELTA_MAX (2^62 - 1) is -EINVAL; it ticks at once only when
 *    a period has passed since the vCPU's last periodic tick;
 *  - SCHEDOP_poll: the timeout is an absolute u64 set as an s64, so one
 *    in the past or at 2^63 and above returns at once, INT64_MAX waits for
 *    an event, 0 means no timeout.
 *
 * Arguments: cpus=2 (run with --vcpus 2) adds vCPUs racing on the
 * periodic timer of one of them.
 */
#include "guest.h"

#define MS 1000000UL
#define INT64_MAX_U 0x7fffffffffffffffUL
#define STIME_DELTA_MAX_U 0x3fffffffffffffffUL

static const evtchn_port_t timer_port = 1;
static volatile unsigned long timer_events;

static void on_timer(evtchn_port_t port)
{
	(void)port;
	timer_events++;
}

/* Wait up to `ms` for the timer event count to pass `before`; returns the
 * wait in ms (rounded down), or -1 when nothing came. */
static long wait_event(unsigned long before, unsigned long ms)
{
	uint64_t t0 = xen_system_time(), deadline = t0 + ms * MS;

	for (;;) {
		events_poke();
		if (timer_events > before)
			return (long)((xen_system_time() - t0) / MS);
		if (xen_system_time() >= deadline)
			return -1;
		struct sched_poll sp = { .nr_ports = 0, .timeout = deadline };
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	}
}

/* The timer fired at once: pending before the next exit to the guest. */
static bool fired_at_once(unsigned long before)
{
	events_poke();
	return timer_events == before + 1;
}

static void set_timer_op_checks(void)
{
	unsigned long n;

	n = timer_events;
	CHECK_EQ("set_timer_op.one", HYPERVISOR_set_timer_op(1UL), 0);
	CHECK("set_timer_op.one.fires_at_once", fired_at_once(n));

	n = timer_events;
	CHECK_EQ("set_timer_op.past", HYPERVISOR_set_timer_op(xen_system_time() - 5 * MS), 0);
	CHECK("set_timer_op.past.fires_at_once", fired_at_once(n));

	/* Deadlines Xen takes for wrapped jiffies: 100 ms from now. The call
	 * returns before it fires (a CPU stuck re-firing never returns). */
	static const struct { const char *name; unsigned long t; bool relative; } huge[] = {
		{ "int64_max", INT64_MAX_U, false },
		{ "minus_one", ~0UL, false },
		{ "int64_min", 1UL << 63, false },
		{ "now_plus_2_51", 1UL << 51, true },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(huge); i++) {
		uint64_t s0 = xen_system_time();
		unsigned long t = huge[i].t + (huge[i].relative ? s0 : 0);
		n = timer_events;
		long rc = HYPERVISOR_set_timer_op(t);
		unsigned long early = timer_events - n;
		/* From before the call: the clock is monotonic, so host stalls
		 * can only make this longer. */
		long waited = wait_event(n, 2000) < 0 ? -1 : (long)((xen_system_time() - s0) / MS);
		CHECK_EQ(checkname("set_timer_op.%s", huge[i].name), rc, 0);
		CHECK_EQ(checkname("set_timer_op.%s.not_at_once", huge[i].name), early, 0);
		CHECK(checkname("set_timer_op.%s.fires_in_100ms", huge[i].name),
		      waited >= 100 && waited < 3000);
	}

	/* 2^49 ns ahead is a real deadline (about 6.5 days): armed, silent. */
	n = timer_events;
	CHECK_EQ("set_timer_op.now_plus_2_49", HYPERVISOR_set_timer_op(xen_system_time() + (1UL << 49)), 0);
	CHECK_EQ("set_timer_op.now_plus_2_49.silent", wait_event(n, 200), -1);
	CHECK_EQ("set_timer_op.cancel", HYPERVISOR_set_timer_op(0), 0);
}

static long singleshot(uint64_t when, uint32_t flags)
{
	struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = when, .flags = flags };

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
}

static void singleshot_checks(void)
{
	static const struct { const char *name; uint64_t t; uint32_t flags; bool now_relative; } at_once[] = {
		{ "zero", 0, 0, false },
		{ "one", 1, 0, false },
		{ "past", -5 * (long)MS, 0, true },
		{ "past.future_flag", -5 * (long)MS, VCPU_SSHOTTMR_future, true },
		{ "zero.future_flag", 0, VCPU_SSHOTTMR_future, false },
		{ "int64_min", 1UL << 63, 0, false },
		{ "minus_one", ~0UL, 0, false },
	};
	unsigned long n;

	for (unsigned i = 0; i < ARRAY_SIZE(at_once); i++) {
		uint64_t t = at_once[i].t + (at_once[i].now_relative ? xen_system_time() : 0);
		n = timer_events;
		long rc = singleshot(t, at_once[i].flags);
		long waited = wait_event(n, 500);
		CHECK_EQ(checkname("singleshot.%s", at_once[i].name), rc, 0);
		CHECK(checkname("singleshot.%s.fires", at_once[i].name),
		      waited >= 0 && waited < 500);
	}

	/* INT64_MAX is a real deadline (292 years): armed, silent, stoppable. */
	n = timer_events;
	CHECK_EQ("singleshot.int64_max", singleshot(INT64_MAX_U, 0), 0);
	CHECK_EQ("singleshot.int64_max.silent", wait_event(n, 100), -1);
	CHECK_EQ("singleshot.int64_max.stop",
		 HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);

	/* A near deadline with the future flag still fires normally. */
	n = timer_events;
	CHECK_EQ("singleshot.future_flag.ahead", singleshot(xen_system_time() + 10 * MS, VCPU_SSHOTTMR_future), 0);
	long waited = wait_event(n, 2000);
	CHECK("singleshot.future_flag.ahead.fires", waited >= 0);
}

static long periodic(uint64_t period)
{
	struct vcpu_set_periodic_timer pt = { .period_ns = period };

	return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt);
}

static void periodic_checks(void)
{
	static const struct { const char *name; uint64_t period; } refused[] = {
		{ "zero", 0 },
		{ "one", 1 },
		{ "below_1ms", MS - 1 },
		{ "2_62", 1UL << 62 },
		{ "int64_max", INT64_MAX_U },
		{ "int64_min", 1UL << 63 },
		{ "minus_one", ~0UL },
	};
	/* Each refusal is followed by a wait: a period accepted by mistake
	 * would run (and, overflowing, re-fire without end) in it. */
	for (unsigned i = 0; i < ARRAY_SIZE(refused); i++) {
		unsigned long n = timer_events;
		CHECK_EQ(checkname("periodic.%s", refused[i].name), periodic(refused[i].period), -XEN_EINVAL);
		CHECK_EQ(checkname("periodic.%s.silent", refused[i].name), wait_event(n, 30), -1);
	}

	/* The largest accepted period: no tick at once (the last tick, from
	 * the boot-time 100 Hz timer, is less than a period ago), silence,
	 * and the next-expiry sums stay in range across block and wake-up. */
	unsigned long n = timer_events;
	long rc = periodic(STIME_DELTA_MAX_U);
	CHECK_EQ("periodic.delta_max", rc, 0);
	CHECK_EQ("periodic.delta_max.silent", wait_event(n, 100), -1);
	CHECK_EQ("periodic.delta_max.stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);

	/* The smallest accepted period ticks. */
	n = timer_events;
	CHECK_EQ("periodic.1ms", periodic(MS), 0);
	long waited = wait_event(n + 1, 1000);
	CHECK("periodic.1ms.ticks", waited >= 0);
	CHECK_EQ("periodic.1ms.stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	events_poke();
}

/* Poll with events masked so only the polled port or the timeout ends it;
 * returns the time spent in ms, the return code in *rc. */
static long poll_ms(unsigned nr_ports, uint64_t timeout, long *rc)
{
	evtchn_port_t port = timer_port;
	struct sched_poll sp = { .nr_ports = nr_ports, .timeout = timeout };
	set_xen_guest_handle(sp.ports, &port);
	uint64_t t0 = xen_system_time();

	*rc = HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	return (long)((xen_system_time() - t0) / MS);
}

static void poll_checks(void)
{
	static const struct { const char *name; uint64_t t; bool now_relative; } at_once[] = {
		{ "one", 1, false },
		{ "past", -5 * (long)MS, true },
		{ "int64_min", 1UL << 63, false },
		{ "minus_one", ~0UL, false },
	};
	long rc, ms;

	events_disable();
	for (unsigned i = 0; i < ARRAY_SIZE(at_once); i++) {
		evtchn_clear(timer_port);
		ms = poll_ms(1, at_once[i].t + (at_once[i].now_relative ? xen_system_time() : 0), &rc);
		CHECK_EQ(checkname("poll.%s", at_once[i].name), rc, 0);
		CHECK(checkname("poll.%s.returns", at_once[i].name), ms < 500);
		CHECK_EQ(checkname("poll.%s.not_pending", at_once[i].name), evtchn_is_pending(timer_port), 0);
	}

	/* No timeout (0) and INT64_MAX: only the port ends the poll. */
	static const struct { const char *name; uint64_t t; } forever[] = {
		{ "zero", 0 },
		{ "int64_max", INT64_MAX_U },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(forever); i++) {
		evtchn_clear(timer_port);
		uint64_t s0 = xen_system_time();
		singleshot(s0 + 20 * MS, 0);
		poll_ms(1, forever[i].t, &rc);
		ms = (long)((xen_system_time() - s0) / MS);
		CHECK_EQ(checkname("poll.%s", forever[i].name), rc, 0);
		CHECK(checkname("poll.%s.woken_by_port", forever[i].name), ms >= 20 && ms < 2000);
		CHECK_EQ(checkname("poll.%s.pending", forever[i].name), evtchn_is_pending(timer_port), 1);
	}
	evtchn_clear(timer_port);
	events_enable();
}

/* vCPU 0 sets and stops vCPU 1's periodic timer (allowed from another
 * vCPU, as in Xen) with the smallest, the largest and a refused period,
 * while vCPU 1 arms and stops its own and polls with short timeouts:
 * every call gives its usual answer and neither CPU hangs. */
static long periodic_race(unsigned int id, void *arg)
{
	static const struct { uint64_t period; long rc; } mix[] = {
		{ MS, 0 }, { STIME_DELTA_MAX_U, 0 }, { 1UL << 62, -XEN_EINVAL },
	};
	uint64_t deadline = *(const uint64_t *)arg;
	long bad = 0;

	for (unsigned i = 0; xen_system_time() < deadline; i++) {
		if (id == 0) {
			struct vcpu_set_periodic_timer pt = { .period_ns = mix[i % 3].period };
			bad += HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 1, &pt) != mix[i % 3].rc;
			if (i % 2)
				bad += HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL) != 0;
		} else if (id == 1) {
			struct vcpu_set_periodic_timer pt = { .period_ns = MS };
			bad += HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 1, &pt) != 0;
			struct sched_poll sp = { .nr_ports = 0, .timeout = xen_system_time() + MS };
			bad += HYPERVISOR_sched_op(SCHEDOP_poll, &sp) != 0;
			bad += HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL) != 0;
		}
	}
	return bad;
}

/* vCPU 0 gives the running vCPU 1 a 1 ms periodic timer: vCPU 1 (events
 * masked, spinning on its timer port) sees it tick while it runs, not
 * only after its next switch-in (a few ticks: under a loaded host, TCG
 * and Xen deliver far fewer than 200). */
static long remote_periodic(unsigned int id, void *arg)
{
	evtchn_port_t port = *(const evtchn_port_t *)arg;
	uint64_t end = xen_system_time() + 200 * MS;
	long n = 0;

	if (id == 0) {
		struct vcpu_set_periodic_timer pt = { .period_ns = MS };
		long rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 1, &pt);
		while (xen_system_time() < end + 20 * MS)
			asm volatile("pause" ::: "memory");
		return rc;
	}
	while (xen_system_time() < end) {
		if (evtchn_is_pending(port)) {
			evtchn_clear(port);
			n++;
		}
		asm volatile("pause" ::: "memory");
	}
	return n;
}

static void race_checks(void)
{
	const char *arg = cmdline_value("cpus");

	if (!arg || arg[0] < '2')
		return;
	CHECK_EQ("race.started", smp_start(2), 2);
	uint64_t deadline = xen_system_time() + 300 * MS;
	smp_run(periodic_race, &deadline);
	CHECK_EQ("race.periodic.vcpu0", smp_results[0], 0);
	CHECK_EQ("race.periodic.vcpu1", smp_results[1], 0);
	CHECK_EQ("race.periodic.stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);

	long port = evtchn_bind_virq(VIRQ_TIMER, 1);
	CHECK("remote_periodic.bind", port > 0);
	evtchn_port_t p = (evtchn_port_t)port;
	evtchn_clear(p);
	smp_run(remote_periodic, &p);
	CHECK_EQ("remote_periodic.set", smp_results[0], 0);
	CHECK("remote_periodic.ticks_while_running", smp_results[1] >= 2);
	printf("timers: vCPU 1 saw %ld periodic ticks in 200 ms\n", smp_results[1]);
	CHECK_EQ("remote_periodic.stop", HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL), 0);
	evtchn_close(p);
}

void test_main(void)
{
	/* Xen starts every vCPU with a 100 Hz periodic timer. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	CHECK_EQ("bind_virq.timer", evtchn_bind_virq(VIRQ_TIMER, 0), timer_port);
	set_evtchn_handler(timer_port, on_timer);
	events_enable();
	events_poke();

	set_timer_op_checks();
	singleshot_checks();
	periodic_checks();
	poll_checks();
	events_disable();
	race_checks();
}
