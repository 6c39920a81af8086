/*
 * Serial transmit ring. At 115200 baud the UART takes ~11 bytes per ms, so
 * waiting for it with the console lock held and interrupts off lets
 * anyone who writes a lot (dom0 through console_io) stall the CPU and
 * everyone waiting for the lock. Instead the console queues bytes here
 * and sends only what the UART's FIFO takes at once; a 1 ms timer on
 * CPU 0 sends the rest. When the ring is full, guest bytes are dropped
 * until it is half empty again (Xen's tx_quench); hypervisor text waits
 * for room, since losing it would hide what went wrong (common/tx_ring.c).
 * Before timers run, and from a panic or power-off on, every byte goes
 * out at once.
 */
#include <pvisor/console.h>
#include <pvisor/spinlock.h>
#include <pvisor/time.h>
#include <pvisor/tx_ring.h>

static struct tx_ring ring;
static const struct tx_uart uart = {
    .ready = serial_tx_ready,
    .send = serial_tx_byte,
    .send_waiting = serial_putc,
};
static bool sync_mode = true;
static DEFINE_SPINLOCK(tx_lock);
static struct timer drain_timer;

static void drain_fired(void *data)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    (void)data;
    tx_ring_send_ready(&ring, &uart);
    if (!tx_ring_empty(&ring) && !sync_mode)
        set_timer(&drain_timer, NOW() + MILLISECS(1));
    spin_unlock_irqrestore(&tx_lock, flags);
}

void console_tx_put(char c, bool guest)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    if (sync_mode) {
        tx_ring_flush(&ring, &uart);
        serial_putc(c);
    } else {
        tx_ring_put(&ring, &uart, c, guest);
    }
    spin_unlock_irqrestore(&tx_lock, flags);
}

void console_tx_kick(void)
{
    unsigned long flags = spin_lock_irqsave(&tx_lock);

    tx_ring_send_ready(&ring, &uart);
    if (!tx_ring_empty(&ring) && !sync_mode && !drain_timer.active)
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
    tx_ring_flush(&ring, &uart);
}
