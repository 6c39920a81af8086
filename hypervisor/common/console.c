/*
 * Console output path: printk text gets "(PV) " at every line start, guest
 * console_io bytes go out verbatim; both go to every enabled sink (serial,
 * VGA) and into a ring buffer that sysctl readconsole and dom0 can read.
 */
#include <pvisor/console.h>
#include <pvisor/cmdline.h>
#include <pvisor/spinlock.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <string.h>

#define RING_SIZE (64 * 1024)

static DEFINE_SPINLOCK(console_lock);
static bool sink_serial, sink_vga;
static bool at_line_start = true;
static bool last_was_guest;
static char ring[RING_SIZE];
static size_t ring_prod;          /* total bytes ever written */

#define INPUT_SIZE 1024
static char input[INPUT_SIZE];
static size_t input_prod, input_cons;

static void parse_com(const char *cmdline, const char *name, u32 *baud)
{
    char val[32];

    if (cmdline_find(cmdline, name, val, sizeof(val))) {
        u32 b = 0;
        for (const char *p = val; *p >= '0' && *p <= '9'; p++)
            b = b * 10 + (*p - '0');
        if (b >= 50 && b <= 115200)
            *baud = b;
    }
}

void console_init(const char *cmdline)
{
    char want[64] = "com1";
    u32 baud1 = 115200, baud2 = 115200;

    cmdline_find(cmdline, "console", want, sizeof(want));
    parse_com(cmdline, "com1", &baud1);
    parse_com(cmdline, "com2", &baud2);
    if (strstr(want, "com2"))
        sink_serial = serial_init(1, baud2);
    else if (strstr(want, "com1"))
        sink_serial = serial_init(0, baud1);
#ifdef CONFIG_VGA_CONSOLE
    if (strstr(want, "vga")) {
        vga_init();
        sink_vga = true;
    }
#endif
}

static void emit(char c, bool guest)
{
    ring[ring_prod++ % RING_SIZE] = c;
    if (sink_serial) {
        if (c == '\n')
            console_tx_put('\r', guest);
        console_tx_put(c, guest);
    }
    if (sink_vga)
        vga_putc(c);
}

static volatile int emergency_cpu = -1;
static bool em_line_start, em_fresh;

void console_emergency_begin(void)
{
    em_line_start = em_fresh = true;
    emergency_cpu = (int)smp_processor_id();
}

void console_emergency_end(void)
{
    emergency_cpu = -1;
}

/* No lock, no ring, no VGA: only what cannot deadlock. */
static void write_emergency(const char *buf, size_t len)
{
    for (size_t i = 0; i < len && sink_serial; i++) {
        if (em_line_start) {
            /* The first line starts a line of its own: the CPU may have
             * been stopped in the middle of one. */
            for (const char *p = em_fresh ? "\r\n(PV) " : "(PV) "; *p; p++)
                serial_putc(*p);
            em_fresh = false;
        }
        em_line_start = buf[i] == '\n';
        if (em_line_start)
            serial_putc('\r');
        serial_putc(buf[i]);
    }
}

#ifdef CONFIG_DEBUG
/* debug_fault=stuck_console: a CPU stuck with the console lock held and
 * interrupts off, as console_io was before its transmit ring. */
void __attribute__((noinline)) console_debug_hold(s_time_t ns)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    s_time_t end = NOW() + ns;

    while (NOW() < end)
        cpu_relax();
    spin_unlock_irqrestore(&console_lock, flags);
}
#endif

void console_write_hv(const char *buf, size_t len)
{
    unsigned long flags;

    if (emergency_cpu == (int)smp_processor_id()) {
        write_emergency(buf, len);
        return;
    }
    flags = spin_lock_irqsave(&console_lock);

    if (last_was_guest && !at_line_start) {
        emit('\n', false);
        at_line_start = true;
    }
    last_was_guest = false;
    for (size_t i = 0; i < len; i++) {
        if (at_line_start) {
            for (const char *p = "(PV) "; *p; p++)
                emit(*p, false);
            at_line_start = false;
        }
        emit(buf[i], false);
        if (buf[i] == '\n')
            at_line_start = true;
    }
    spin_unlock_irqrestore(&console_lock, flags);
    console_tx_kick();
}

void console_write_guest(const char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);

    if (!last_was_guest && !at_line_start) {
        emit('\n', true);
        at_line_start = true;
    }
    last_was_guest = true;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        /* Keep guest bytes from driving the terminal: no escape sequences. */
        if ((unsigned char)c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            c = '?';
        if (c == 0x7f)
            c = '?';
        emit(c, true);
        at_line_start = (c == '\n');
    }
    spin_unlock_irqrestore(&console_lock, flags);
    console_tx_kick();
}

void console_force_unlock(void)
{
    console_lock.head = console_lock.tail;
    at_line_start = true;
    console_tx_flush_sync();
}

size_t console_ring_copy(char *buf, size_t len, size_t *index)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    size_t start = *index, n = 0;

    if (ring_prod - start > RING_SIZE)
        start = ring_prod - RING_SIZE;
    while (start < ring_prod && n < len)
        buf[n++] = ring[start++ % RING_SIZE];
    *index = start;
    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

void console_poll_input(void)
{
    int c;

    while ((c = serial_getc()) >= 0) {
        if (input_prod - input_cons < INPUT_SIZE)
            input[input_prod++ % INPUT_SIZE] = (char)c;
    }
}

size_t console_read(char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    size_t n = 0;

    console_poll_input();
    while (input_cons < input_prod && n < len)
        buf[n++] = input[input_cons++ % INPUT_SIZE];
    spin_unlock_irqrestore(&console_lock, flags);
    return n;
}

/* console=, com1= and com2= are read by console_init() before the full
 * parse; registering them here keeps the parser from calling them unknown. */
static int console_param_seen(const char *v)
{
    return v ? 0 : -1;
}
custom_param("console", console_param_seen);
static int com1_param_seen(const char *v) { return console_param_seen(v); }
custom_param("com1", com1_param_seen);
static int com2_param_seen(const char *v) { return console_param_seen(v); }
custom_param("com2", com2_param_seen);
