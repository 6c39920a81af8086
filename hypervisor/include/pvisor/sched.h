/*
 * The scheduler (credit2's rules, common/sched.c): vCPUs wait on a run
 * queue shared by the pCPUs in credit order and run on any pCPU their hard
 * affinity allows; blocked and paused vCPUs are off the queue. A switch
 * resets the pCPU stack, so schedule() does not return when it switches.
 */
#ifndef PVISOR_SCHED_H
#define PVISOR_SCHED_H
#include <pvisor/types.h>
#include <xen/domctl.h>

/*
 * The scheduler id pvisor reports (sysctl sched_id and cpupool info, domctl scheduler_op). libxl reads
 * it to pick the per-domain parameters it sets at `xl create`: for credit
 * and credit2 it first reads them back with XEN_DOMCTL_scheduler_op, which
 * pvisor has no weights or caps to answer; for "null" it sets and reads
 * nothing (sched_null_domain_set/get return 0). pvisor's scheduler has no
 * per-domain parameters either, so "null" is the id whose contract libxl
 * and pvisor share. (Xen itself runs credit2 by default.)
 */
#define PVISOR_SCHEDULER_ID XEN_SCHEDULER_NULL

struct vcpu;
void sched_init_cpu(unsigned int cpu);
void schedule(void);
void __attribute__((noreturn)) idle_loop(void);
void vcpu_wake(struct vcpu *v);
void vcpu_pause_flags(struct vcpu *v, unsigned int flags);
void vcpu_unpause_flags(struct vcpu *v, unsigned int flags);
/* SCHEDOP_block: unmask events; sleep unless one is already pending. */
void vcpu_block(struct vcpu *v);
void vcpu_yield(void);
/* Start running guests on this pCPU (never returns). */
void __attribute__((noreturn)) sched_start(void);
struct vcpu *idle_vcpu_of(unsigned int cpu);
void vcpu_runstate_change(struct vcpu *v, int new_state);
struct vcpu_runstate_info;
/* A consistent copy of v's runstate, the current state counted up to now
 * (VCPUOP_get_runstate_info, XEN_DOMCTL_getvcpuinfo). */
void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *rs);

/* With vcpu_create / domain_destroy: placement, credit; off every queue
 * and off its pCPU before the vCPU is freed (it must be paused or down). */
void sched_vcpu_init(struct vcpu *v);
void sched_vcpu_destroy(struct vcpu *v);
/* The context switch saved v (registers, FPU, segments) and left its GDT
 * window: another pCPU may load it now. */
void sched_context_saved(struct vcpu *v);
/* Wait until a vCPU made not runnable (paused, down, blocked) is off its
 * pCPU with its state saved (Xen's vcpu_sleep_sync); no-op on current. */
void vcpu_sleep_sync(struct vcpu *v);
/* Hard affinity, bit n = pCPU n (XEN_DOMCTL_setvcpuaffinity): -EINVAL if
 * no online pCPU is in it, as Xen. The mask is kept as given. */
long vcpu_set_affinity(struct vcpu *v, u64 mask);
u64 vcpu_get_affinity(const struct vcpu *v);
struct domain;
/* SCHEDOP_watchdog timers: created with the domain, stopped at teardown. */
void watchdog_domain_init(struct domain *d);
void watchdog_domain_destroy(struct domain *d);
#endif
