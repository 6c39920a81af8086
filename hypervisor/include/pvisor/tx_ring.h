/*
 * The serial transmit ring's bookkeeping, apart from the UART, locking
 * and timers (common/console_tx.c), so host unit tests can drive it with
 * a UART of any speed. Indexes are free-running: prod - cons is the fill.
 */
#ifndef PVISOR_TX_RING_H
#define PVISOR_TX_RING_H
#include <pvisor/types.h>

#define TX_RING_SIZE 16384                 /* a power of two */

struct tx_ring {
    char buf[TX_RING_SIZE];
    size_t prod, cons;
    bool quench;                           /* dropping guest bytes until half empty */
    unsigned long dropped;                 /* guest bytes dropped, ever */
};

struct tx_uart {
    unsigned int (*ready)(void);           /* bytes it takes now without waiting */
    void (*send)(char c);                  /* only after ready() */
    void (*send_waiting)(char c);          /* waits until the UART takes it */
};

static inline bool tx_ring_empty(const struct tx_ring *r)
{
    return r->prod == r->cons;
}

/* Queue one byte. When the ring is full a guest byte is dropped (and
 * guest bytes keep being dropped until the ring is half empty: Xen's
 * tx_quench), a hypervisor byte waits for the UART to take the oldest. */
void tx_ring_put(struct tx_ring *r, const struct tx_uart *u, char c, bool guest);
/* Send what the UART takes without waiting. */
void tx_ring_send_ready(struct tx_ring *r, const struct tx_uart *u);
/* Send everything, waiting for the UART. */
void tx_ring_flush(struct tx_ring *r, const struct tx_uart *u);
#endif
