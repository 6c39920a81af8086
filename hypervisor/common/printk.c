/* printk with levels (loglvl=) and panic. */
#include <pvisor/printk.h>
#include <pvisor/console.h>
#include <pvisor/cmdline.h>
#include <pvisor/power.h>
#include <pvisor/smp.h>
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

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    unsigned int level = LOGLVL_INFO;
    int n;

    if (fmt[0] == '\001' && fmt[1] >= '0' && fmt[1] <= '9') {
        level = fmt[1] - '0';
        fmt += 2;
    }
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
