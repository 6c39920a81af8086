/* printk with levels (loglvl=) and panic. */
#include <pvisor/printk.h>
#include <pvisor/console.h>
#include <pvisor/cmdline.h>
#include <pvisor/power.h>
#include <pvisor/smp.h>
#include <pvisor/spinlock.h>
#include <pvisor/time.h>
#include <asm/processor.h>
#include <string.h>
#include <stdio.h>

static unsigned int loglvl = CONFIG_LOGLVL_DEFAULT;

static int parse_loglvl(const char *v)
{
    static const char *const names[] = { "none", "error", "warning", "info", "debug" };

    if (!v)
        return -1;
    if (!strcmp(v, "all")) {
        loglvl = LOGLVL_DEBUG;
        return 0;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(v, names[i]) || (v[0] == '0' + (char)i && !v[1])) {
            loglvl = i;
            return 0;
        }
    }
    /* Xen's form "loglvl=info/debug": take the first (non rate-limited) part. */
    const char *slash = strchr(v, '/');
    if (slash) {
        char first[16];
        size_t n = (size_t)(slash - v) < sizeof(first) - 1 ? (size_t)(slash - v) : sizeof(first) - 1;
        memcpy(first, v, n);
        first[n] = 0;
        return parse_loglvl(first);
    }
    return -1;
}
custom_param("loglvl", parse_loglvl);

static unsigned int level_of(const char *fmt)
{
    if (fmt[0] == '\001' && fmt[1] >= '0' && fmt[1] <= '9')
        return fmt[1] - '0';
    return LOGLVL_INFO;
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    unsigned int level = level_of(fmt);
    int n;

    if (fmt[0] == '\001')
        fmt += 2;
    if (level > loglvl)
        return;
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf)) {
        n = sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }
    console_write_hv(buf, (size_t)n);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* Xen's printk_ratelimit: a token per 5 s, at most 10 saved up. */
#define GUEST_RATELIMIT_MS    5000
#define GUEST_RATELIMIT_BURST 10

static bool guest_line_allowed(unsigned long *suppressed_before)
{
    static DEFINE_SPINLOCK(lock);
    static s64 toks = GUEST_RATELIMIT_BURST * GUEST_RATELIMIT_MS;
    static s64 last_ms;
    static unsigned long suppressed;
    unsigned long flags = spin_lock_irqsave(&lock);
    s64 now_ms = NOW() / 1000000;
    bool ok;

    toks += now_ms - last_ms;
    last_ms = now_ms;
    if (toks > GUEST_RATELIMIT_BURST * GUEST_RATELIMIT_MS)
        toks = GUEST_RATELIMIT_BURST * GUEST_RATELIMIT_MS;
    ok = toks >= GUEST_RATELIMIT_MS;
    if (ok) {
        toks -= GUEST_RATELIMIT_MS;
        *suppressed_before = suppressed;
        suppressed = 0;
    } else {
        suppressed++;
    }
    spin_unlock_irqrestore(&lock, flags);
    return ok;
}

void gprintk(const char *fmt, ...)
{
    unsigned long suppressed;
    va_list ap;

    if (level_of(fmt) > loglvl || !guest_line_allowed(&suppressed))
        return;
    if (suppressed)
        printk(LOG_WARN "printk: %lu guest-caused messages suppressed\n", suppressed);
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    static volatile int in_panic;
    char buf[256];
    va_list ap;

    local_irq_disable();
    if (__atomic_exchange_n(&in_panic, 1, __ATOMIC_SEQ_CST)) {
        for (;;)
            halt();   /* a second CPU panicking, or a panic within the panic */
    }
    smp_stop_other_cpus();
    console_force_unlock();
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    loglvl = LOGLVL_DEBUG;
    printk("\n****************************************\n");
    printk("Panic on CPU %u:\n%s\n", smp_processor_id(), buf);
    printk("****************************************\n");
    machine_panic_stop();
}
