/*
 * System time: nanoseconds since boot from the TSC, scaled the same way on
 * every CPU (the scale is also what PV guests get in vcpu_time_info).
 * Timers: per-CPU, driven by the local APIC one-shot timer.
 */
#ifndef PVISOR_TIME_H
#define PVISOR_TIME_H
#include <pvisor/types.h>
#include <pvisor/stime.h>

#define MILLISECS(ms) ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us) ((s_time_t)(us) * 1000LL)
#define SECONDS(s)    ((s_time_t)(s) * 1000000000LL)

struct time_scale {
    int shift;             /* pre-shift of the TSC delta */
    u32 mul_frac;          /* 32.32 fixed-point multiplier */
};

extern u64 tsc_khz;
extern u64 boot_tsc;
extern struct time_scale tsc_scale;
extern u64 wallclock_boot_sec;     /* Unix time at system time 0 */
extern u32 wallclock_boot_nsec;

void time_init(void);
s_time_t NOW(void);
u64 scale_delta(u64 delta, const struct time_scale *s);
/* Xen's set_time_scale: the scale that turns ticks at `hz` into ns. */
void time_scale_for(u64 hz, struct time_scale *s);
void udelay(unsigned long us);
void mdelay(unsigned long ms);

struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    struct timer *next;
    unsigned int cpu;
    bool active;
    bool killed;           /* kill_timer: set_timer ignores it from then on */
    u32 pass;              /* timer_softirq pass that last ran it */
};

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
/* For a timer whose memory is about to go (Xen's kill_timer): dequeued,
 * never armed again (a handler re-arming itself included), and if its
 * handler is running on another CPU, returns only once it has finished.
 * Not under a lock the handler takes. */
void kill_timer(struct timer *t);
void timer_softirq(void);
void timers_init_cpu(unsigned int cpu);
/* Read the CMOS real-time clock (Unix seconds). */
u64 rtc_read_unix_time(void);
#endif
