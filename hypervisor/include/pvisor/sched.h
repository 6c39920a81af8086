/*
 * The scheduler: each vCPU belongs to one pCPU's run queue; round robin
 * with a time slice; blocked and paused vCPUs are off the queue. A switch
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
struct domain;
/* SCHEDOP_watchdog timers: created with the domain, stopped at teardown. */
void watchdog_domain_init(struct domain *d);
void watchdog_domain_destroy(struct domain *d);
#endif
