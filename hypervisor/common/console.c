/*
 * Console output path: printk text gets "(PV) " at every line start, guest
 * console_io bytes go out verbatim; both go to every enabled sink (serial,
 * VGA). The hypervisor's own text is also kept in the console history ring
 * (Xen's conring) that dom0 reads with sysctl readconsole (`xl dmesg`);
 * dom0's console bytes are not, as on Xen without console_to_ring.
 */
#include <pvisor/console.h>
#include <pvisor/cmdline.h>
#include <pvisor/spinlock.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/guest_access.h>
#include <xen/sysctl.h>
#include <string.h>

/* The history ring: a power of two in size, indexed by free-running u32
 * counters (cons = oldest byte kept, prod = next byte written) as Xen's,
 * so readconsole's `index` means the same on both. A 16 KiB static ring
 * serves until the heap is up; console_init_ring() then moves it into one
 * of conring_size= (rounded up to a power of two, as Xen). */
#define CONRING_BOOT_SIZE (16 * 1024)
static char boot_conring[CONRING_BOOT_SIZE];
static char *conring = boot_conring;
static u32 conring_size = CONRING_BOOT_SIZE;
static u32 conring_cons, conring_prod;
static u64 opt_conring_size;
size_param("conring_size", opt_conring_size);

static DEFINE_SPINLOCK(console_lock);
static bool sink_serial, sink_vga;
static bool at_line_start = true;
static bool last_was_guest;

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

static void conring_putc(char c)
{
    conring[conring_prod++ & (conring_size - 1)] = c;
    if (conring_prod - conring_cons > conring_size)
        conring_cons = conring_prod - conring_size;
}

static void emit(char c, bool guest)
{
    if (!guest)
        conring_putc(c);
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

void console_init_ring(void)
{
    u64 want = opt_conring_size;
    unsigned int order = 0;
    char *ring;
    unsigned long flags;

    if (!want)   /* Xen's default: 512 bytes per CPU at the lowest level */
        want = (u64)nr_cpus_online << 12;
    if (want < CONRING_BOOT_SIZE)
        want = CONRING_BOOT_SIZE;
    if (want > CONRING_MAX_SIZE)
        want = CONRING_MAX_SIZE;
    while ((PAGE_SIZE << order) < want)
        order++;
    while (!(ring = alloc_xenheap_pages(order)) && order)
        order--;
    if (!ring || (PAGE_SIZE << order) < conring_size) {
        if (ring)
            free_xenheap_pages(ring, order);
        return;
    }
    flags = spin_lock_irqsave(&console_lock);
    for (u32 i = conring_cons; i != conring_prod; i++)
        ring[i & ((PAGE_SIZE << order) - 1)] = conring[i & (conring_size - 1)];
    conring = ring;
    conring_size = PAGE_SIZE << order;
    spin_unlock_irqrestore(&console_lock, flags);
    printk("Allocated console ring of %u KiB.\n", conring_size >> 10);
}

/*
 * Xen's readconsole: from the oldest byte kept, or from `index` when
 * incremental and `index` lies within what is kept (otherwise the oldest);
 * at most `count` bytes; returns the bytes copied in `count` and the index
 * after them in `index`. `clear` forgets what was read (and everything
 * older). The guest buffer is written without the console lock: a byte
 * overwritten meanwhile by new output reads as the new byte, as on Xen.
 */
long console_readconsole(struct xen_sysctl_readconsole *op)
{
    u32 c = __atomic_load_n(&conring_cons, __ATOMIC_ACQUIRE);
    u32 p = __atomic_load_n(&conring_prod, __ATOMIC_ACQUIRE);
    u32 max = op->count, sofar = 0;

    if (op->incremental &&
        (c <= p ? (c < op->index && op->index <= p) : (c < op->index || op->index <= p)))
        c = op->index;
    while (c != p && sofar < max) {
        u32 idx = c & (conring_size - 1), len = p - c;

        if (idx + len > conring_size)
            len = conring_size - idx;
        if (sofar + len > max)
            len = max - sofar;
        if (copy_to_guest_offset(op->buffer, sofar, &conring[idx], len))
            return -XEN_EFAULT;
        sofar += len;
        c += len;
    }
    if (op->clear) {
        unsigned long flags = spin_lock_irqsave(&console_lock);
        conring_cons = p - c > conring_size ? p - conring_size : c;
        spin_unlock_irqrestore(&console_lock, flags);
    }
    op->count = sofar;
    op->index = c;
    return 0;
}

void console_poll_input(void)
{
    int c;

    while ((c = serial_getc()) >= 0) {
        if (input_prod - input_cons < INPUT_SIZE)
            input[input_prod++ % INPUT_SIZE] = (char)c;
    }
}

bool console_poll_input_pending(void)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    bool pending;

    console_poll_input();
    pending = input_cons != input_prod;
    spin_unlock_irqrestore(&console_lock, flags);
    return pending;
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
