/*
 * Serial transmit ring. At 115200 baud the UART takes ~11 bytes per ms, so
 * waiting for it with the console lock held and interrupts off lets
 * anyone who writes a lot (dom0 through console_io) stall the CPU and
 * everyone waiting for the lock. Instead the console queues bytes here
 * and sends only what the UART's FIFO takes at once; a 1 ms timer on
 * CPU 0 sends the rest. When the ring is full, guest bytes are dropped
 * until it is half empty again (Xen's tx_quench); hypervisor text waits
 * for room, since losing it would hide what went wrong. Before timers
 * run, and from a panic or power-off on, every byte goes out at once.
 */
#include <pvisor/console.h>
#include <pvisor/spinlock.h>
#include <pvisor/time.h>

#define TX_SIZE 16384                  /* a power of two */

static char ring[TX_SIZE];
static size_t prod, cons;              /* free-running */
static bool sync_mode = true;
static bool quench;
static DEFINE_SPINLOCK(tx_lock);
static struct timer drain_timer;
unsigned long console_tx_dropped;

/* Fill the UART's FIFO for as long as it reports room (an emulated UART
 * always does, real hardware after one FIFO-full). */
static void send_ready(void)
{
    unsigned int n;

    while (cons != prod && (n = serial_tx_ready()))
        for (; n && cons != prod; n--)
            serial_tx_byte(ring[cons++ % TX_SIZE]);
}

/* Room for one more byte now: hypervisor text may wait this long. */
static void send_one_waiting(void)
{
    serial_putc(ring[cons++ % TX_SIZE]);
}

static void drain_fired(void *data)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    (void)data;
    send_ready();
    if (cons != prod && !sync_mode)
        set_timer(&drain_timer, NOW() + MILLISECS(1));
    spin_unlock_irqrestore(&tx_lock, flags);
}

void console_tx_put(char c, bool guest)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    if (sync_mode) {
        while (cons != prod)
            send_one_waiting();
        serial_putc(c);
    } else if (guest && (quench || prod - cons == TX_SIZE)) {
        quench = prod - cons > TX_SIZE / 2;
        if (quench)
            console_tx_dropped++;
        else
            ring[prod++ % TX_SIZE] = c;
    } else {
        if (prod - cons == TX_SIZE)
            send_one_waiting();
        ring[prod++ % TX_SIZE] = c;
    }
    spin_unlock_irqrestore(&tx_lock, flags);
}

void console_tx_kick(void)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    send_ready();
    if (cons != prod && !sync_mode && !drain_timer.active)
        set_timer(&drain_timer, NOW() + MILLISECS(1));
    spin_unlock_irqrestore(&tx_lock, flags);
}

void console_tx_start_async(void)
{
    init_timer(&drain_timer, drain_fired, NULL, 0);
    sync_mode = false;
}

/* The caller has stopped the other CPUs: the lock may be held by one. */
void console_tx_flush_sync(void)
{
    tx_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    sync_mode = true;
    while (cons != prod)
        send_one_waiting();
}
