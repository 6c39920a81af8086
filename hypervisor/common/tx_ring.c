/* The serial transmit ring's bookkeeping (include/pvisor/tx_ring.h). */
#include <pvisor/tx_ring.h>

static char pop(struct tx_ring *r)
{
    return r->buf[r->cons++ % TX_RING_SIZE];
}

void tx_ring_put(struct tx_ring *r, const struct tx_uart *u, char c, bool guest)
{
    size_t fill = r->prod - r->cons;

    if (guest && (r->quench || fill == TX_RING_SIZE)) {
        r->quench = fill > TX_RING_SIZE / 2;
        if (r->quench) {
            r->dropped++;
            return;
        }
    } else if (fill == TX_RING_SIZE) {
        u->send_waiting(pop(r));
    }
    r->buf[r->prod++ % TX_RING_SIZE] = c;
}

/* Fill the UART's FIFO for as long as it reports room (an emulated UART
 * always does, real hardware after one FIFO-full). */
void tx_ring_send_ready(struct tx_ring *r, const struct tx_uart *u)
{
    unsigned int n;

    while (!tx_ring_empty(r) && (n = u->ready()))
        for (; n && !tx_ring_empty(r); n--)
            u->send(pop(r));
}

void tx_ring_flush(struct tx_ring *r, const struct tx_uart *u)
{
    while (!tx_ring_empty(r))
        u->send_waiting(pop(r));
}
