/* Per-pCPU round-robin scheduler (see pvisor/sched.h). */
#include <pvisor/sched.h>
#include <pvisor/domain.h>
#include <pvisor/selftest.h>
#include <pvisor/watchdog.h>
#include <pvisor/softirq.h>
#include <pvisor/smp.h>
#include <pvisor/printk.h>
#include <pvisor/event.h>
#include <asm/processor.h>
#include <asm/atomic.h>

#define TIME_SLICE MILLISECS(30)

struct sched_pcpu {
    spinlock_t lock;
    struct vcpu *head, *tail;
    struct timer slice_timer;
};

static struct sched_pcpu pcpu_sched[CONFIG_NR_CPUS];
static struct vcpu idle_vcpus[CONFIG_NR_CPUS];
static struct vcpu *running_on[CONFIG_NR_CPUS];

struct vcpu *idle_vcpu_of(unsigned int cpu)
{
    return &idle_vcpus[cpu];
}

static void slice_expired(void *data)
{
    (void)data;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

void sched_init_cpu(unsigned int cpu)
{
    struct sched_pcpu *s = &pcpu_sched[cpu];

    s->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    s->head = s->tail = NULL;
    idle_vcpus[cpu].processor = cpu;
    idle_vcpus[cpu].is_running = true;
    get_cpu_info()->curr_vcpu = &idle_vcpus[cpu];
    running_on[cpu] = &idle_vcpus[cpu];
    init_timer(&s->slice_timer, slice_expired, NULL, cpu);
}

static void runq_add(struct sched_pcpu *s, struct vcpu *v)
{
    v->rq_next = NULL;
    if (s->tail)
        s->tail->rq_next = v;
    else
        s->head = v;
    s->tail = v;
    v->on_runq = true;
}

static void runq_remove(struct sched_pcpu *s, struct vcpu *v)
{
    struct vcpu **pp = &s->head, *prev = NULL;

    for (; *pp; prev = *pp, pp = &(*pp)->rq_next) {
        if (*pp == v) {
            *pp = v->rq_next;
            if (s->tail == v)
                s->tail = prev;
            break;
        }
    }
    v->on_runq = false;
}

void vcpu_runstate_change(struct vcpu *v, int new_state)
{
    s_time_t now = NOW();
    s_time_t delta = now - (s_time_t)v->runstate.state_entry_time;

    if (delta > 0)
        v->runstate.time[v->runstate.state] += delta;
    v->runstate.state = new_state;
    v->runstate.state_entry_time = now;
}

void vcpu_wake(struct vcpu *v)
{
    struct sched_pcpu *s = &pcpu_sched[v->processor];
    unsigned long flags = spin_lock_irqsave(&s->lock);
    bool kick = false;

    if (!v->pause_flags && !v->on_runq && !v->is_running) {
        /* A woken vCPU goes first: I/O completions and timers are
         * latency-sensitive, and the slice timer bounds the unfairness. */
        v->rq_next = s->head;
        s->head = v;
        if (!s->tail)
            s->tail = v;
        v->on_runq = true;
        if (v->runstate.state != RUNSTATE_runnable)
            vcpu_runstate_change(v, RUNSTATE_runnable);
        kick = true;
    }
    spin_unlock_irqrestore(&s->lock, flags);
    if (kick)
        cpu_raise_softirq(v->processor, SCHEDULE_SOFTIRQ);
}

void vcpu_pause_flags(struct vcpu *v, unsigned int f)
{
    struct sched_pcpu *s = &pcpu_sched[v->processor];
    unsigned long flags = spin_lock_irqsave(&s->lock);

    v->pause_flags |= f;
    if (v->on_runq)
        runq_remove(s, v);
    if (v->runstate.state == RUNSTATE_runnable)
        vcpu_runstate_change(v, (v->pause_flags & VPF_blocked) ? RUNSTATE_blocked : RUNSTATE_offline);
    spin_unlock_irqrestore(&s->lock, flags);
    if (v->is_running)
        cpu_raise_softirq(v->processor, SCHEDULE_SOFTIRQ);
}

void vcpu_unpause_flags(struct vcpu *v, unsigned int f)
{
    __atomic_and_fetch(&v->pause_flags, ~f, __ATOMIC_SEQ_CST);
    vcpu_wake(v);
}

void vcpu_block(struct vcpu *v)
{
    v->vcpu_info->evtchn_upcall_mask = 0;
    __atomic_or_fetch(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
    smp_mb();
    /* An event that arrived before we set the flag must not be slept through. */
    if (v->vcpu_info->evtchn_upcall_pending) {
        __atomic_and_fetch(&v->pause_flags, ~VPF_blocked, __ATOMIC_SEQ_CST);
        return;
    }
    raise_softirq(SCHEDULE_SOFTIRQ);
}

void vcpu_yield(void)
{
    raise_softirq(SCHEDULE_SOFTIRQ);
}

void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_pcpu *s = &pcpu_sched[cpu];
    struct vcpu *prev = current, *next;
    unsigned long flags = spin_lock_irqsave(&s->lock);

    if (!is_idle_vcpu(prev) && !prev->pause_flags && !prev->on_runq)
        runq_add(s, prev);
    next = s->head;
    if (next)
        runq_remove(s, next);
    else
        next = &idle_vcpus[cpu];
    if (!is_idle_vcpu(prev) && prev != next) {
        prev->is_running = false;
        vcpu_runstate_change(prev, prev->pause_flags ?
                             ((prev->pause_flags & VPF_blocked) ? RUNSTATE_blocked : RUNSTATE_offline)
                             : RUNSTATE_runnable);
    }
    /* Under the lock: a pause that finds next neither queued nor running
     * would not wait for it (domain_kill). */
    if (!is_idle_vcpu(next) && next != prev)
        next->is_running = true;
    spin_unlock_irqrestore(&s->lock, flags);

    if (!is_idle_vcpu(next) && s->head)
        set_timer(&s->slice_timer, NOW() + TIME_SLICE);
    else
        stop_timer(&s->slice_timer);
    if (next == prev)
        return;
    if (!is_idle_vcpu(next))
        vcpu_runstate_change(next, RUNSTATE_running);
    running_on[cpu] = next;
    context_switch(prev, next);    /* does not return */
}

void sched_start(void)
{
    watchdog_start();
    debug_fault_stuck_maybe();
    local_irq_disable();
    raise_softirq(SCHEDULE_SOFTIRQ);
    idle_loop();
}
