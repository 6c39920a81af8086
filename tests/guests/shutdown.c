/*
 * shutdown: ends with SCHEDOP_shutdown(reason) where the reason comes from
 * the command line, so each reason gets its own boot:
 *     reason=poweroff|reboot|suspend|crash|watchdog|soft_reset|<number>
 *     code=<number>   first set SCHEDOP_shutdown_code (it overrides reason)
 *     naps=<number>   first sleep that many times 200 us (SCHEDOP_poll with
 *                     a timeout): a domU whose pCPU keeps going idle
 *                     (builder/race.c pauses and destroys it meanwhile)
 * It prints its RESULT first, then "SHUTDOWN reason=<n> code=<n>"; what
 * follows is the hypervisor's.  Xen 4.17 for dom0 (hwdom_shutdown):
 *   poweroff   "Hardware Dom0 halted: halting machine", the machine halts
 *   reboot     "Hardware Dom0 shutdown: rebooting machine", QEMU exits
 *   suspend    "Hardware Dom0 shutdown (unknown reason 2): 'noreboot' set"
 *   crash      "Hardware Dom0 crashed: 'noreboot' set - not rebooting."
 *   watchdog   "Hardware Dom0 shutdown: watchdog rebooting machine"
 *   soft_reset "Hardware domain 0 did unsupported soft reset, rebooting."
 *   other      "Hardware Dom0 shutdown (unknown reason N): 'noreboot' set"
 * pvisor ends QEMU with status (reason << 1) | 1.
 */
#include "guest.h"

static const char *const names[] = {
	"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

static long parse(const char *v)
{
	if (!v)
		return -1;
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(v, names[i], n) == 0 && (v[n] == ' ' || v[n] == '\0'))
			return i;
	}
	long r = 0;
	if (*v < '0' || *v > '9')
		return -1;
	while (*v >= '0' && *v <= '9')
		r = r * 10 + (*v++ - '0');
	return r;
}

/* Block and wake n times: each time the vCPU leaves its pCPU idle. */
static void naps(long n)
{
	long port = evtchn_bind_ipi(0);
	evtchn_port_t p = (evtchn_port_t)port;
	struct sched_poll sp = { .nr_ports = 1 };

	if (port <= 0)
		panic("naps: no IPI port (%ld)", port);
	set_xen_guest_handle(sp.ports, &p);
	for (long i = 0; i < n; i++) {
		sp.timeout = xen_system_time() + 200000;
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	}
}

void test_main(void)
{
	long reason = parse(cmdline_value("reason"));
	long code = parse(cmdline_value("code"));

	CHECK("args.reason", reason >= 0);
	CHECK_EQ("shutdown.badptr", HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)0x1000), -XEN_EFAULT);
	if (reason < 0 || checks_failed())
		finish();

	printf("RESULT %s: 2 passed, 0 failed\n", guest_name);
	if (cmdline_value("naps"))
		naps(parse(cmdline_value("naps")));
	if (code >= 0) {
		struct sched_shutdown c = { .reason = (unsigned int)code };
		HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &c);
	}
	printf("SHUTDOWN reason=%ld code=%ld\n", reason, code);
	struct sched_shutdown s = { .reason = (unsigned int)reason };
	long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	panic("SCHEDOP_shutdown(%ld) returned %ld", reason, rc);
}
