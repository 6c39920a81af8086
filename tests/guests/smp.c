/*
 * smp: the framework's secondary vCPUs (lib/smp.c) and the vcpu_op
 * bring-up they rely on.  Boot with several vCPUs (run-guest.sh --vcpus N,
 * kernels.list) and `cpus=N`.
 *
 * Xen 4.17 (common/domain.c, arch/x86/domain.c):
 *  - dom0's other vCPUs exist but are down and uninitialised: is_up is 0,
 *    VCPUOP_up before VCPUOP_initialise is -EINVAL;
 *  - VCPUOP_initialise of an initialised vCPU is -EEXIST, down or not.
 */
#include "guest.h"

static long vop(unsigned long cmd, unsigned long id, const void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, id, arg);
}

static long whoami(unsigned int id, void *arg)
{
	(void)arg;
	return smp_this_cpu() == id ? (long)id : -1;
}

/* Each vCPU's own vcpu_info is kept by the hypervisor: its time moves. */
static long own_time(unsigned int id, void *arg)
{
	(void)id; (void)arg;
	uint64_t t0 = xen_system_time();
	for (int i = 0; i < 100; i++)
		HYPERVISOR_xen_version(XENVER_version, NULL);
	return t0 != 0 && xen_system_time() >= t0;
}

/* Hypercalls from every vCPU at once. */
static long many_hypercalls(unsigned int id, void *arg)
{
	(void)id; (void)arg;
	long bad = 0;
	for (int i = 0; i < 2000; i++)
		if (HYPERVISOR_xen_version(XENVER_version, NULL) <= 0)
			bad++;
	return bad;
}

void test_main(void)
{
	const char *want = cmdline_value("cpus");
	unsigned int n = want ? (unsigned int)(want[0] - '0') : 2;

	CHECK_EQ("is_up.1.before", vop(VCPUOP_is_up, 1, NULL), 0);
	CHECK_EQ("up.uninitialised", vop(VCPUOP_up, 1, NULL), -XEN_EINVAL);
	CHECK_EQ("is_up.beyond", vop(VCPUOP_is_up, n, NULL), -XEN_ENOENT);
	CHECK_EQ("started", smp_start(SMP_MAX_VCPUS), n);
	CHECK_EQ("is_up.1.parked", vop(VCPUOP_is_up, 1, NULL) >= 0, 1);
	CHECK_EQ("initialise.again", vop(VCPUOP_initialise, 1, smp_context(1)), -XEN_EEXIST);

	for (int round = 0; round < 3; round++) {
		smp_run(whoami, NULL);
		for (unsigned int i = 0; i < smp_cpus; i++)
			CHECK_EQ(checkname("whoami.%d.%u", round, i), smp_results[i], i);
	}
	smp_run(own_time, NULL);
	for (unsigned int i = 0; i < smp_cpus; i++)
		CHECK_EQ(checkname("own_time.%u", i), smp_results[i], 1);
	smp_run(many_hypercalls, NULL);
	for (unsigned int i = 0; i < smp_cpus; i++)
		CHECK_EQ(checkname("hypercalls.%u", i), smp_results[i], 0);
}
