/*
 * The scheduler (pvisor/sched.h): credits as in Xen's credit2. Every vCPU
 * earns the same credit and burns it while it runs; the run queue is kept
 * in credit order and a pCPU runs the vCPU with the most credit it may run
 * (hard affinity). A vCPU that blocks often keeps its credit and so wins
 * when it wakes, but only for the time it did not use: CPU-bound vCPUs
 * share the rest evenly. When the vCPU picked has no credit left, everyone
 * on the queue gets a fresh allowance (a "reset").
 *
 * All pCPUs share one run queue, so a vCPU goes to whichever pCPU is free:
 * at wake-up the idle pCPU is told to pick it ("tickled"), and a pCPU that
 * would otherwise idle takes any vCPU waiting, whichever pCPU it ran on.
 * With no pCPU idle, the one running the vCPU with the least credit is
 * tickled, unless that vCPU took it less than the rate limit ago: as in
 * Xen, the slice it was given then stands.
 * Its state lives in a run queue reached through the pCPU it last ran on
 * (v->processor), as in Xen, so locking a vCPU re-checks that pCPU after
 * taking the lock.
 *
 * A vCPU's first wake (it has never run: a new domain's unpause, a
 * secondary vCPU brought up) does not preempt the vCPU that woke it: it
 * goes on the queue, an idle pCPU is told to take it, and otherwise it
 * waits for the waker's pCPU to block or end its slice (at most
 * MAX_TIMER), as Linux lets the parent of a fork run on. The toolstack
 * that unpaused a domain finishes its work (and `pvctl create` returns)
 * instead of waiting for the new guest's first slice; after that first
 * wait, credit decides as before.
 *
 * Migration safety: a vCPU descheduled by one pCPU is not on the queue
 * and keeps is_running until that pCPU has saved its registers, FPU state
 * and left its GDT window (sched_context_saved, called by the context
 * switch); only then does it go back on the queue. A pCPU therefore never
 * loads a vCPU whose state another pCPU has not finished saving.
 */
#include <pvisor/sched.h>
#include <pvisor/console.h>
#include <pvisor/domain.h>
#include <pvisor/cmdline.h>
#include <pvisor/selftest.h>
#include <pvisor/watchdog.h>
#include <pvisor/softirq.h>
#include <pvisor/smp.h>
#include <pvisor/printk.h>
#include <pvisor/event.h>
#include <asm/processor.h>
#include <asm/atomic.h>
#include <xen/sysctl.h>

/* Xen 4.17's credit2 figures. */
#define CREDIT_INIT     MILLISECS(10)      /* allowance per reset */
#define CREDIT_MIN      (-CREDIT_INIT)     /* burning stops counting here */
#define IDLE_CREDIT     (CREDIT_MIN - 1)   /* the idle vCPU loses to everyone */
#define CARRYOVER_MAX   MICROSECS(500)     /* credit kept across a reset */
#define MIN_TIMER       MICROSECS(500)
#define MAX_TIMER       CREDIT_INIT
#define RATELIMIT_US    1000               /* no preemption before this */
#define MIGRATE_RESIST  MICROSECS(500)     /* a busy pCPU takes another's vCPU only for this much more credit */
#define TICKLE_TOLERANCE MICROSECS(50)     /* a vCPU this close to the rate limit may be tickled */

/* sched_ratelimit_us= as Xen's: 0 turns it off, 100..500000 (out of range:
 * the default, as Xen) */
static unsigned int opt_ratelimit_us = RATELIMIT_US;
integer_param("sched_ratelimit_us", opt_ratelimit_us);
#define RATELIMIT       MICROSECS((s64)opt_ratelimit_us)

/*
 * The run queue lock: test-and-set, waiting with interrupts enabled when
 * the caller had them. Every pCPU takes it on every switch, wake-up and
 * yield; a FIFO ticket lock hands it to the next waiter in line even when
 * that CPU is not running (a host that preempts the virtual CPU, as QEMU
 * on a busy machine does), and all then wait for it with interrupts off.
 */
typedef struct { u32 held; } rq_lock_t;

static unsigned long rq_lock_irqsave(rq_lock_t *l)
{
    unsigned long flags = local_irq_save();

    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE)) {
        local_irq_restore(flags);
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            cpu_relax();
        local_irq_disable();
    }
    return flags;
}

static void rq_unlock_irqrestore(rq_lock_t *l, unsigned long flags)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
    local_irq_restore(flags);
}

struct sched_rq {
    rq_lock_t lock;
    struct vcpu *runq;           /* waiting vCPUs, most credit first */
    u64 cpus;                    /* pCPUs it serves */
    u64 idle;                    /* of those, running the idle vCPU */
    u64 tickled;                 /* told to reschedule, not done yet */
    u32 resets;                  /* credit resets so far */
};

struct sched_pcpu {
    struct sched_rq *rq;
    struct vcpu *curr;           /* what it runs (under the rq lock) */
    struct timer slice_timer;
};

static struct sched_rq the_rq;
static struct sched_pcpu pcpus[CONFIG_NR_CPUS];
static struct vcpu idle_vcpus[CONFIG_NR_CPUS];

static inline u64 cpu_bit(unsigned int cpu) { return 1ull << cpu; }
static inline bool runnable(const struct vcpu *v)
{
    return !__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE);
}

struct vcpu *idle_vcpu_of(unsigned int cpu)
{
    return &idle_vcpus[cpu];
}

/* Lock v's scheduler state: the run queue of the pCPU it last ran on,
 * which may change until we hold that queue's lock (Xen's
 * vcpu_schedule_lock). */
static struct sched_rq *vcpu_schedule_lock(struct vcpu *v, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_ACQUIRE);
        struct sched_rq *rq = pcpus[cpu].rq;

        *flags = rq_lock_irqsave(&rq->lock);
        if (pcpus[__atomic_load_n(&v->processor, __ATOMIC_RELAXED)].rq == rq)
            return rq;
        rq_unlock_irqrestore(&rq->lock, *flags);
    }
}

static void slice_expired(void *data)
{
    (void)data;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

void sched_init_cpu(unsigned int cpu)
{
    struct sched_pcpu *p = &pcpus[cpu];
    struct sched_rq *rq = &the_rq;
    unsigned long flags;

    if (cpu == 0 && opt_ratelimit_us &&
        (opt_ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN || opt_ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX)) {
        printk(LOG_WARN "sched_ratelimit_us=%u outside %u..%u: %u\n", opt_ratelimit_us,
               XEN_SYSCTL_SCHED_RATELIMIT_MIN, XEN_SYSCTL_SCHED_RATELIMIT_MAX, RATELIMIT_US);
        opt_ratelimit_us = RATELIMIT_US;
    }
    idle_vcpus[cpu].processor = cpu;
    idle_vcpus[cpu].is_running = true;
    idle_vcpus[cpu].credit = IDLE_CREDIT;
    get_cpu_info()->curr_vcpu = &idle_vcpus[cpu];
    init_timer(&p->slice_timer, slice_expired, NULL, cpu);
    flags = rq_lock_irqsave(&rq->lock);
    p->curr = &idle_vcpus[cpu];
    p->rq = rq;
    rq->cpus |= cpu_bit(cpu);
    rq->idle |= cpu_bit(cpu);
    rq_unlock_irqrestore(&rq->lock, flags);
}

/* A new vCPU: first placed as Xen does (vCPU n after vCPU n-1's pCPU),
 * may run anywhere, starts with a full allowance. */
void sched_vcpu_init(struct vcpu *v)
{
    v->processor = v->vcpu_id % nr_cpus_online;
    v->cpu_hard_affinity = ~0ull;
    v->credit = CREDIT_INIT;
    v->resets = the_rq.resets;
}

/* ---- credits --------------------------------------------------------- */

/* The resets v missed since it was last accounted: each adds the
 * allowance, clipped to what may be carried over (Xen's reset_credit). */
static void credit_catch_up(const struct sched_rq *rq, struct vcpu *v)
{
    u32 missed = rq->resets - v->resets;

    v->resets = rq->resets;
    if (!missed)
        return;
    if (missed > 3)
        missed = 3;
    v->credit += (s64)missed * CREDIT_INIT;
    if (v->credit > CREDIT_INIT + CARRYOVER_MAX)
        v->credit = CREDIT_INIT + CARRYOVER_MAX;
}

static void burn_credit(struct sched_rq *rq, struct vcpu *v, s_time_t now)
{
    s_time_t ran = now - v->start_time;

    if (ran > 0)
        v->credit -= ran;
    if (v->credit < CREDIT_MIN)
        v->credit = CREDIT_MIN;
    v->start_time = now;
    credit_catch_up(rq, v);
}

/* A vCPU's credit as of now, without accounting it (for comparisons). */
static s64 credit_now(const struct vcpu *v, s_time_t now)
{
    s_time_t ran = now - v->start_time;

    return is_idle_vcpu(v) ? IDLE_CREDIT : v->credit - (ran > 0 ? ran : 0);
}

/* The vCPU picked has run out: everyone on the queue gets the allowance
 * now, the others when they are next accounted. */
static void reset_credit(struct sched_rq *rq, struct vcpu *picked)
{
    rq->resets++;
    credit_catch_up(rq, picked);
    if (picked->credit <= 0)            /* it overran by more than a reset */
        picked->credit = MIN_TIMER;
    for (struct vcpu *v = rq->runq; v; v = v->rq_next)
        credit_catch_up(rq, v);         /* keeps the order: all move up alike */
}

/* ---- the run queue --------------------------------------------------- */

static void runq_insert(struct sched_rq *rq, struct vcpu *v)
{
    struct vcpu **pp = &rq->runq;

    credit_catch_up(rq, v);
    while (*pp && (*pp)->credit >= v->credit)
        pp = &(*pp)->rq_next;
    v->rq_next = *pp;
    *pp = v;
    v->on_runq = true;
}

static void runq_remove(struct sched_rq *rq, struct vcpu *v)
{
    for (struct vcpu **pp = &rq->runq; *pp; pp = &(*pp)->rq_next) {
        if (*pp == v) {
            *pp = v->rq_next;
            break;
        }
    }
    v->rq_next = NULL;
    v->on_runq = false;
}

/* Has `cur` run long enough to be preempted (Xen's is_preemptable)? A
 * pCPU whose vCPU started less than the rate limit ago is not told to
 * reschedule: it would keep its vCPU anyway, but the decision would cut
 * that vCPU's slice to what is left of the rate limit, which Xen leaves
 * as it was set when the vCPU was picked. */
static bool preemptable(const struct vcpu *cur, s_time_t now)
{
    if (RATELIMIT <= TICKLE_TOLERANCE)
        return true;
    return now - (s_time_t)cur->runstate.state_entry_time > RATELIMIT - TICKLE_TOLERANCE;
}

/* A runnable vCPU waits: tell a pCPU that should take it. An idle pCPU it
 * may run on first (the one it last ran on if idle); else the pCPU running
 * the vCPU with the least credit, if that is less than the waiter's (a
 * pCPU other than its own only for MIGRATE_RESIST more) and it has run
 * for the rate limit, never `spare`
 * (the waker's pCPU on a first wake; CONFIG_NR_CPUS: none). */
static void runq_tickle(struct sched_rq *rq, struct vcpu *v, s_time_t now, unsigned int spare)
{
    u64 allowed = v->cpu_hard_affinity & rq->cpus & ~rq->tickled;
    u64 idle = allowed & rq->idle;
    unsigned int target = CONFIG_NR_CPUS;

    if (idle) {
        target = (idle & cpu_bit(v->processor)) ? v->processor : (unsigned int)__builtin_ctzll(idle);
    } else {
        s64 lowest = v->credit;
        for (u64 m = allowed; m; m &= m - 1) {
            unsigned int c = (unsigned int)__builtin_ctzll(m);
            const struct vcpu *cur = pcpus[c].curr;
            s64 cc = credit_now(cur, now);
            if (!preemptable(cur, now))
                continue;
            if (c != v->processor)
                cc += MIGRATE_RESIST;
            if (cc < lowest && c != spare) {
                lowest = cc;
                target = c;
            }
        }
    }
    if (target < CONFIG_NR_CPUS) {
        rq->tickled |= cpu_bit(target);
        cpu_raise_softirq(target, SCHEDULE_SOFTIRQ);
    }
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

/* The state a vCPU that is not running is in. */
static int idle_state(const struct vcpu *v)
{
    unsigned int f = __atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE);

    if (!f)
        return RUNSTATE_runnable;
    return (f & VPF_blocked) ? RUNSTATE_blocked : RUNSTATE_offline;
}

void vcpu_runstate_get(struct vcpu *v, struct vcpu_runstate_info *rs)
{
    unsigned long flags;
    struct sched_rq *rq = vcpu_schedule_lock(v, &flags);
    s_time_t now = NOW();

    *rs = v->runstate;
    rq_unlock_irqrestore(&rq->lock, flags);
    if (now > (s_time_t)rs->state_entry_time)      /* the current state so far */
        rs->time[rs->state] += now - rs->state_entry_time;
}

/* ---- wake, sleep, affinity ------------------------------------------ */

void vcpu_wake(struct vcpu *v)
{
    unsigned long flags;
    struct sched_rq *rq = vcpu_schedule_lock(v, &flags);

    if (runnable(v) && !v->on_runq) {
        if (v->runstate.state != RUNSTATE_running && v->runstate.state != RUNSTATE_runnable)
            vcpu_runstate_change(v, RUNSTATE_runnable);
        if (v->is_running) {
            /* Still on a pCPU: running (nothing to do), or being switched
             * out, when its state must be saved before anyone takes it. */
            v->delayed_runq_add = true;
        } else {
            runq_insert(rq, v);
            runq_tickle(rq, v, NOW(), !v->has_run && !is_idle_vcpu(current) ?
                                      smp_processor_id() : CONFIG_NR_CPUS);
        }
    }
    rq_unlock_irqrestore(&rq->lock, flags);
}

void vcpu_pause_flags(struct vcpu *v, unsigned int f)
{
    unsigned long flags;
    struct sched_rq *rq = vcpu_schedule_lock(v, &flags);
    unsigned int cpu = v->processor;
    bool running;

    __atomic_or_fetch(&v->pause_flags, f, __ATOMIC_SEQ_CST);
    if (v->on_runq)
        runq_remove(rq, v);
    if (v->runstate.state == RUNSTATE_runnable)
        vcpu_runstate_change(v, idle_state(v));
    running = v->is_running;
    rq_unlock_irqrestore(&rq->lock, flags);
    if (running)
        cpu_raise_softirq(cpu, SCHEDULE_SOFTIRQ);
}

void vcpu_unpause_flags(struct vcpu *v, unsigned int f)
{
    __atomic_and_fetch(&v->pause_flags, ~f, __ATOMIC_SEQ_CST);
    vcpu_wake(v);
}

void vcpu_sleep_sync(struct vcpu *v)
{
    if (v == current)
        return;
    while (!runnable(v) && __atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
        cpu_relax();
    smp_mb();
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

/* SCHEDOP_yield (credit2): the next pick on this pCPU takes the best other
 * vCPU that may run here, whatever its credit; without one we go on. */
void vcpu_yield(void)
{
    current->yielding = true;
    raise_softirq(SCHEDULE_SOFTIRQ);
}

long vcpu_set_affinity(struct vcpu *v, u64 mask)
{
    unsigned long flags;
    struct sched_rq *rq;
    unsigned int kick = CONFIG_NR_CPUS;

    if (!(mask & the_rq.cpus))
        return -XEN_EINVAL;         /* as Xen: no online pCPU in it */
    rq = vcpu_schedule_lock(v, &flags);
    v->cpu_hard_affinity = mask;
    if (v->on_runq)
        runq_tickle(rq, v, NOW(), CONFIG_NR_CPUS);
    else if (v->is_running && !(mask & cpu_bit(v->processor)))
        kick = v->processor;        /* its pCPU puts it back on the queue */
    rq_unlock_irqrestore(&rq->lock, flags);
    if (kick < CONFIG_NR_CPUS)
        cpu_raise_softirq(kick, SCHEDULE_SOFTIRQ);
    return 0;
}

u64 vcpu_get_affinity(const struct vcpu *v)
{
    return __atomic_load_n(&v->cpu_hard_affinity, __ATOMIC_RELAXED);
}

void sched_vcpu_destroy(struct vcpu *v)
{
    unsigned long flags;
    struct sched_rq *rq = vcpu_schedule_lock(v, &flags);

    if (v->on_runq)
        runq_remove(rq, v);
    v->delayed_runq_add = false;
    rq_unlock_irqrestore(&rq->lock, flags);
    while (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
        cpu_relax();
}

/* ---- picking --------------------------------------------------------- */

/* The best waiting vCPU for this pCPU: more credit than `base` (what it
 * would run otherwise), or any if base yields. */
static struct vcpu *runq_candidate(struct sched_rq *rq, unsigned int cpu,
                                   const struct vcpu *base, bool yield)
{
    s64 base_credit = base->credit;

    for (struct vcpu *v = rq->runq; v; v = v->rq_next) {
        if (!yield && v->credit <= base_credit)
            break;
        if (!(v->cpu_hard_affinity & cpu_bit(cpu)) || v->is_running)
            continue;
        /* A pCPU with work of its own leaves another's vCPU to its pCPU
         * unless it is well ahead (an idle pCPU takes it at once). */
        if (!is_idle_vcpu(base) && v->processor != cpu && base_credit + MIGRATE_RESIST > v->credit)
            continue;
        return v;
    }
    return NULL;
}

/* How long `next` runs before the next decision (credit2's runtime):
 * until it falls to the next waiter's credit, within the bounds. */
static s_time_t run_time(const struct sched_rq *rq, const struct vcpu *next, s_time_t now)
{
    s_time_t min_t = MIN_TIMER, t = next->credit;
    s_time_t rl = (s_time_t)next->runstate.state_entry_time + RATELIMIT - now;

    if (rl > min_t)
        min_t = rl;
    if (rq->runq && rq->runq->credit > 0)
        t = next->credit - rq->runq->credit;
    if (t < min_t)
        t = min_t;
    else if (t > MAX_TIMER)
        t = MAX_TIMER;
    return t;
}

void schedule(void)
{
    unsigned int cpu = smp_processor_id();
    struct sched_pcpu *p = &pcpus[cpu];
    struct sched_rq *rq = p->rq;
    struct vcpu *prev = current, *next, *cand = NULL;
    bool yield = false, keep;
    unsigned long flags = rq_lock_irqsave(&rq->lock);
    s_time_t now = NOW();

    rq->tickled &= ~cpu_bit(cpu);
    if (!is_idle_vcpu(prev)) {
        burn_credit(rq, prev, now);
        yield = prev->yielding;
        prev->yielding = false;
    }
    keep = !is_idle_vcpu(prev) && runnable(prev) && (prev->cpu_hard_affinity & cpu_bit(cpu));
    if (keep && !yield && now - (s_time_t)prev->runstate.state_entry_time < RATELIMIT) {
        next = prev;            /* too soon to preempt it */
    } else {
        cand = runq_candidate(rq, cpu, keep ? prev : &idle_vcpus[cpu], yield);
        next = cand ? cand : keep ? prev : &idle_vcpus[cpu];
    }
    if (cand) {
        runq_remove(rq, cand);
        credit_catch_up(rq, cand);
    }
    if (!is_idle_vcpu(next) && next->credit <= 0)
        reset_credit(rq, next);

    if (next != prev) {
        if (!is_idle_vcpu(prev)) {
            /* Back on the queue once its state is saved, if runnable. */
            prev->delayed_runq_add = runnable(prev);
            vcpu_runstate_change(prev, idle_state(prev));
        }
        if (!is_idle_vcpu(next)) {
            __atomic_store_n(&next->processor, cpu, __ATOMIC_RELEASE);
            next->is_running = true;
            next->has_run = true;
            next->start_time = now;
            vcpu_runstate_change(next, RUNSTATE_running);
            rq->idle &= ~cpu_bit(cpu);
        } else {
            rq->idle |= cpu_bit(cpu);
        }
        p->curr = next;
    } else if (!is_idle_vcpu(prev)) {
        prev->delayed_runq_add = false;
    }
    if (!is_idle_vcpu(next))
        set_timer(&p->slice_timer, now + run_time(rq, next, now));
    else
        stop_timer(&p->slice_timer);
    rq_unlock_irqrestore(&rq->lock, flags);

    if (next == prev)
        return;
    context_switch(prev, next);    /* does not return */
}

/* The context switch has saved v's state and left its GDT window: from
 * now on another pCPU may load it. */
void sched_context_saved(struct vcpu *v)
{
    unsigned long flags;
    struct sched_rq *rq = vcpu_schedule_lock(v, &flags);

    __atomic_store_n(&v->is_running, false, __ATOMIC_RELEASE);
    if (v->delayed_runq_add) {
        v->delayed_runq_add = false;
        if (runnable(v) && !v->on_runq) {
            runq_insert(rq, v);
            runq_tickle(rq, v, NOW(), CONFIG_NR_CPUS);
        }
    }
    rq_unlock_irqrestore(&rq->lock, flags);
}

void sched_start(void)
{
    watchdog_start();
    debug_fault_stuck_maybe();
    /* Last: a timer due while setup ran would hold the head of CPU 0's
     * queue until its softirq runs, and the watchdog's would not arm. */
    console_rx_start();
    local_irq_disable();
    raise_softirq(SCHEDULE_SOFTIRQ);
    idle_loop();
}
