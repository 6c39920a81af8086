/* Unit tests: the serial transmit ring (common/tx_ring.c) with a UART
 * that is always ready (QEMU), one that never is, and one in between:
 * order kept, hypervisor bytes never lost, guest bytes dropped only when
 * full and until half empty. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <pvisor/tx_ring.h>

static char out[4 * TX_RING_SIZE];
static size_t out_len, waited;
static unsigned int room;              /* what ready() reports */

static unsigned int fake_ready(void) { return room; }
static void fake_send(char c)
{
    assert_true(room > 0 || waited);   /* send() only after ready() */
    out[out_len++] = c;
}
static void fake_send_waiting(char c)
{
    waited++;
    out[out_len++] = c;
}
static const struct tx_uart uart = { fake_ready, fake_send, fake_send_waiting };

/* A UART whose FIFO takes 16 bytes once, then is busy. */
static unsigned int fifo_left;
static unsigned int once_ready(void)
{
    unsigned int n = fifo_left;
    fifo_left = 0;
    return n;
}
static const struct tx_uart slow_uart = { once_ready, fake_send_waiting, fake_send_waiting };

static struct tx_ring r;

static int setup(void **state)
{
    (void)state;
    memset(&r, 0, sizeof(r));
    out_len = waited = 0;
    room = 0;
    return 0;
}

static void always_ready_sends_all_in_order(void **state)
{
    (void)state;
    room = 16;
    for (int i = 0; i < 1000; i++)
        tx_ring_put(&r, &uart, (char)('a' + i % 26), i % 2);
    tx_ring_send_ready(&r, &uart);
    assert_true(tx_ring_empty(&r));
    assert_int_equal(out_len, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(out[i], 'a' + i % 26);
    assert_int_equal(waited, 0);
    assert_int_equal(r.dropped, 0);
}

static void busy_uart_queues_without_waiting(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++)
        tx_ring_put(&r, &uart, 'x', false);
    tx_ring_send_ready(&r, &uart);
    assert_int_equal(out_len, 0);
    assert_int_equal(r.prod - r.cons, 100);
    assert_int_equal(waited, 0);
}

static void one_fifo_per_kick(void **state)
{
    (void)state;
    for (int i = 0; i < 40; i++)
        tx_ring_put(&r, &slow_uart, (char)i, true);
    fifo_left = 16;
    tx_ring_send_ready(&r, &slow_uart);
    assert_int_equal(out_len, 16);
    fifo_left = 16;
    tx_ring_send_ready(&r, &slow_uart);
    fifo_left = 16;
    tx_ring_send_ready(&r, &slow_uart);
    assert_int_equal(out_len, 40);
    assert_true(tx_ring_empty(&r));
}

static void full_ring_drops_guest_bytes_until_half_empty(void **state)
{
    (void)state;
    for (size_t i = 0; i < TX_RING_SIZE; i++)
        tx_ring_put(&r, &uart, 'g', true);
    assert_int_equal(r.dropped, 0);
    tx_ring_put(&r, &uart, 'G', true);            /* full: dropped */
    assert_int_equal(r.dropped, 1);
    assert_true(r.quench);
    /* The UART takes bytes until just above half: still dropping. */
    while (r.prod - r.cons > TX_RING_SIZE / 2 + 1)
        r.cons++;
    tx_ring_put(&r, &uart, 'G', true);
    assert_int_equal(r.dropped, 2);
    r.cons++;                                     /* now exactly half */
    tx_ring_put(&r, &uart, 'k', true);            /* accepted again */
    assert_int_equal(r.dropped, 2);
    assert_false(r.quench);
    assert_int_equal(r.buf[(r.prod - 1) % TX_RING_SIZE], 'k');
    assert_true(r.prod - r.cons <= TX_RING_SIZE);
}

static void full_ring_hypervisor_bytes_wait(void **state)
{
    (void)state;
    for (size_t i = 0; i < TX_RING_SIZE; i++)
        tx_ring_put(&r, &uart, (char)('0' + i % 10), false);
    tx_ring_put(&r, &uart, 'H', false);           /* waits for the oldest to go */
    assert_int_equal(waited, 1);
    assert_int_equal(out_len, 1);
    assert_int_equal(out[0], '0');
    assert_int_equal(r.prod - r.cons, TX_RING_SIZE);
    assert_int_equal(r.dropped, 0);
    tx_ring_flush(&r, &uart);
    assert_int_equal(out_len, TX_RING_SIZE + 1);
    assert_int_equal(out[TX_RING_SIZE], 'H');
    for (size_t i = 1; i < TX_RING_SIZE; i++)
        assert_int_equal(out[i], '0' + i % 10);
}

/* The free-running indexes wrap past SIZE_MAX without losing a byte. */
static void indexes_wrap(void **state)
{
    (void)state;
    r.prod = r.cons = SIZE_MAX - 5;
    room = 16;
    for (int i = 0; i < 20; i++)
        tx_ring_put(&r, &uart, (char)('A' + i), true);
    assert_int_equal(r.prod - r.cons, 20);
    tx_ring_send_ready(&r, &uart);
    assert_int_equal(out_len, 20);
    for (int i = 0; i < 20; i++)
        assert_int_equal(out[i], 'A' + i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(always_ready_sends_all_in_order, setup),
        cmocka_unit_test_setup(busy_uart_queues_without_waiting, setup),
        cmocka_unit_test_setup(one_fifo_per_kick, setup),
        cmocka_unit_test_setup(full_ring_drops_guest_bytes_until_half_empty, setup),
        cmocka_unit_test_setup(full_ring_hypervisor_bytes_wait, setup),
        cmocka_unit_test_setup(indexes_wrap, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
