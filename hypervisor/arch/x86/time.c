/*
 * Time: TSC calibrated against the HPET (or the PIT when there is none),
 * system time in ns since boot, the CMOS clock for the wall clock, and
 * per-CPU timers on the local APIC one-shot timer.
 */
#include <pvisor/time.h>
#include <pvisor/apic.h>
#include <pvisor/acpi.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/spinlock.h>
#include <pvisor/softirq.h>
#include <pvisor/perfc.h>
#include <pvisor/watchdog.h>
#include <asm/processor.h>
#include <asm/io.h>
#include <asm/traps.h>

u64 tsc_khz;
u64 boot_tsc;
struct time_scale tsc_scale;
u64 wallclock_boot_sec;
u32 wallclock_boot_nsec;

#define CALIBRATE_MS 20

u64 scale_delta(u64 delta, const struct time_scale *s)
{
    if (s->shift < 0)
        delta >>= -s->shift;
    else
        delta <<= s->shift;
    return (u64)(((unsigned __int128)delta * s->mul_frac) >> 32);
}

/* Pick shift so that ticks scaled by 2^shift are in (1e9/2, 1e9] per s,
 * then mul_frac = 1e9 * 2^32 / scaled rate (< 2^32). Same contract as the
 * vcpu_time_info the PV ABI defines. */
void time_scale_for(u64 hz, struct time_scale *s)
{
    u64 tps = hz;
    int shift = 0;

    while (tps > 2000000000ull) {
        tps >>= 1;
        shift--;
    }
    while (tps <= 1000000000ull && shift < 31) {
        tps <<= 1;
        shift++;
    }
    s->shift = shift;
    s->mul_frac = (u32)((1000000000ull << 32) / tps);
}

s_time_t NOW(void)
{
    return (s_time_t)scale_delta(rdtsc_ordered() - boot_tsc, &tsc_scale);
}

void udelay(unsigned long us)
{
    u64 end = rdtsc_ordered() + tsc_khz * us / 1000;

    while (rdtsc_ordered() < end)
        cpu_relax();
}

void mdelay(unsigned long ms)
{
    udelay(ms * 1000);
}

#define HPET_CAP  0x000
#define HPET_CFG  0x010
#define HPET_MAIN 0x0f0

static u64 calibrate_hpet(void)
{
    static volatile u8 *hpet;
    if (!hpet)
        hpet = ioremap(acpi.hpet_pa, 0x400);
    u64 cap = mmio_read64(hpet + HPET_CAP);
    u32 period_fs = cap >> 32;                 /* femtoseconds per tick */
    u64 ticks, c0, c1, t0, t1;

    if (!period_fs || period_fs > 100000000)
        return 0;
    mmio_write64(hpet + HPET_CFG, mmio_read64(hpet + HPET_CFG) | 1);  /* enable */
    ticks = (u64)CALIBRATE_MS * 1000000000000ull / period_fs;
    c0 = mmio_read64(hpet + HPET_MAIN);
    t0 = rdtsc_ordered();
    do {
        c1 = mmio_read64(hpet + HPET_MAIN);
    } while (c1 - c0 < ticks);
    t1 = rdtsc_ordered();
    /* kHz = ticks per ms: (t1-t0) / elapsed; elapsed in us keeps the
     * intermediate products far from overflow even at 5 GHz */
    u64 elapsed_us = (c1 - c0) * period_fs / 1000000000ull;
    return elapsed_us ? (t1 - t0) * 1000 / elapsed_us : 0;
}

/* PIT channel 2 in one-shot mode, gated through port 0x61. */
static u64 calibrate_pit(void)
{
    const u32 pit_hz = 1193182;
    u32 count = pit_hz * CALIBRATE_MS / 1000;
    u64 t0, t1;

    outb((inb(0x61) & ~0x02) | 0x01, 0x61);  /* gate on, speaker off */
    outb(0xb0, 0x43);                         /* ch2, lo/hi, mode 0, binary */
    outb(count & 0xff, 0x42);
    outb(count >> 8, 0x42);
    t0 = rdtsc_ordered();
    for (unsigned long i = 0; !(inb(0x61) & 0x20) && i < 100000000ul; i++)
        ;
    t1 = rdtsc_ordered();
    return (t1 - t0) / CALIBRATE_MS;
}

static unsigned bcd(unsigned v, bool binary)
{
    return binary ? v : (v & 15) + (v >> 4) * 10;
}

static u8 cmos_read(u8 reg)
{
    outb(reg, 0x70);
    return inb(0x71);
}

u64 rtc_read_unix_time(void)
{
    unsigned sec, min, hour, day, mon, year;
    bool binary;

    for (unsigned i = 0; i < 1000000 && (cmos_read(0x0a) & 0x80); i++)
        cpu_relax();
    binary = cmos_read(0x0b) & 0x04;
    sec = bcd(cmos_read(0x00), binary);
    min = bcd(cmos_read(0x02), binary);
    hour = bcd(cmos_read(0x04) & 0x7f, binary);
    day = bcd(cmos_read(0x07), binary);
    mon = bcd(cmos_read(0x08), binary);
    year = bcd(cmos_read(0x09), binary) + 2000;
    if (!(cmos_read(0x0b) & 0x02) && (cmos_read(0x04) & 0x80))
        hour = (hour % 12) + 12;               /* 12-hour clock, PM */
    if (mon < 1 || mon > 12 || day < 1 || day > 31)
        return 0;
    /* days from civil (Howard Hinnant's algorithm) */
    int y = year - (mon <= 2);
    int era = y / 400;
    unsigned yoe = y - era * 400;
    unsigned doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097L + (long)doe - 719468;
    return (u64)days * 86400 + hour * 3600 + min * 60 + sec;
}

/* Median of three runs: one run can be skewed when the (virtual) CPU is
 * descheduled at the wrong moment. */
static u64 median3(u64 a, u64 b, u64 c)
{
    if (a > b) { u64 t = a; a = b; b = t; }
    if (b > c) { u64 t = b; b = c; c = t; }
    return a > b ? a : b;
}

void time_init(void)
{
    u64 khz = 0;
    const char *src = "PIT";

    boot_tsc = rdtsc_ordered();
    if (acpi.have_hpet) {
        khz = median3(calibrate_hpet(), calibrate_hpet(), calibrate_hpet());
        src = "HPET";
    }
    if (!khz) {
        khz = median3(calibrate_pit(), calibrate_pit(), calibrate_pit());
        src = "PIT";
    }
    if (!khz)
        panic("TSC calibration failed (no HPET and the PIT does not count)");
    tsc_khz = khz;
    time_scale_for(tsc_khz * 1000, &tsc_scale);
    wallclock_boot_sec = rtc_read_unix_time();
    wallclock_boot_nsec = 0;
    printk("TSC: %llu.%03llu MHz (calibrated against the %s)\n",
           (unsigned long long)tsc_khz / 1000, (unsigned long long)tsc_khz % 1000, src);
    apic_timer_calibrate();
    printk("APIC timer: %llu.%03llu MHz\n", (unsigned long long)apic_timer_hz / 1000000,
           (unsigned long long)(apic_timer_hz / 1000) % 1000);
}

/* ---- per-CPU timers ------------------------------------------------------ */

struct timer_queue {
    spinlock_t lock;
    struct timer *head;          /* sorted by expiry */
    struct timer *running;       /* whose handler runs now (kill_timer waits) */
    u32 pass;                    /* timer_softirq passes so far */
};
static struct timer_queue queues[CONFIG_NR_CPUS];

/* The soonest the next timer interrupt comes (Xen's timer_slop): a timer
 * due now, or re-armed in the past by its own handler, waits this long
 * instead of interrupting the CPU back to back. */
#define TIMER_SLOP MICROSECS(50)

static void reprogram(struct timer_queue *q)
{
    perfc_incr(PERFC_apic_timer_write);
    if (!q->head) {
        apic_timer_stop();
        return;
    }
    u64 delta = stime_until(q->head->expires, NOW());
    apic_timer_oneshot(delta > (u64)TIMER_SLOP ? delta : (u64)TIMER_SLOP);
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->active = false;
    t->killed = false;
    t->next = NULL;
}

static void unlink_timer(struct timer_queue *q, struct timer *t)
{
    for (struct timer **pp = &q->head; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->active = false;
}

void set_timer(struct timer *t, s_time_t expires)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags = spin_lock_irqsave(&q->lock);
    struct timer **pp;

    if (t->killed) {
        spin_unlock_irqrestore(&q->lock, flags);
        return;
    }
    if (t->active)
        unlink_timer(q, t);
    t->expires = expires;
    for (pp = &q->head; *pp && (*pp)->expires <= expires; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    t->active = true;
    if (q->head == t) {
        if (t->cpu == smp_processor_id()) {
            perfc_incr(PERFC_apic_timer_write_set);
            reprogram(q);
        }
        else    /* its timer softirq re-arms its APIC (an event check alone did not) */
            cpu_raise_softirq(t->cpu, TIMER_SOFTIRQ);
    }
    spin_unlock_irqrestore(&q->lock, flags);
}

void stop_timer(struct timer *t)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags = spin_lock_irqsave(&q->lock);

    if (t->active)
        unlink_timer(q, t);
    spin_unlock_irqrestore(&q->lock, flags);
}

void kill_timer(struct timer *t)
{
    struct timer_queue *q = &queues[t->cpu];
    unsigned long flags = spin_lock_irqsave(&q->lock);

    t->killed = true;
    if (t->active)
        unlink_timer(q, t);
    spin_unlock_irqrestore(&q->lock, flags);
    /* On its own CPU the handler is either done or is our caller. */
    if (t->cpu == smp_processor_id())
        return;
    while (__atomic_load_n(&q->running, __ATOMIC_ACQUIRE) == t)
        cpu_relax();
}

/* Run the timers of this CPU that were due when the pass began, each at
 * most once: one that re-arms itself in the past (or is re-armed by
 * another) waits for the next pass, so no timer can keep the CPU here. */
void timer_softirq(void)
{
    struct timer_queue *q = &queues[smp_processor_id()];
    unsigned long flags = spin_lock_irqsave(&q->lock);
    s_time_t now = NOW();
    u32 pass = ++q->pass;

    if (!q->head || q->head->expires > now)
        perfc_incr(PERFC_timer_pass_empty);
    while (q->head && q->head->expires <= now && q->head->pass != pass) {
        struct timer *t = q->head;
        q->head = t->next;
        t->active = false;
        t->pass = pass;
        q->running = t;
        spin_unlock_irqrestore(&q->lock, flags);
        t->fn(t->data);
        flags = spin_lock_irqsave(&q->lock);
        __atomic_store_n(&q->running, NULL, __ATOMIC_RELEASE);
    }
    reprogram(q);
    spin_unlock_irqrestore(&q->lock, flags);
}

static void timer_interrupt(struct cpu_regs *regs)
{
    profile_sample(regs);
    watchdog_tick(regs);
    raise_softirq(TIMER_SOFTIRQ);
}

void timers_init_cpu(unsigned int cpu)
{
    queues[cpu].head = NULL;
    queues[cpu].running = NULL;
    queues[cpu].lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    if (cpu == 0)
        set_vector_handler(VECTOR_TIMER, timer_interrupt);
}
