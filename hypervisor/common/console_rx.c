/*
 * Serial input for dom0's console. The UART's receive interrupt is off, so
 * a 10 ms timer on CPU 0 moves received bytes into the console's input
 * buffer and, when there are some, raises VIRQ_CONSOLE for dom0 (as Xen's
 * serial_rx does): Linux's hvc_xen only reads its console (CONSOLEIO_read)
 * when that VIRQ fires or it writes, so without it a dom0 shell never
 * sees what is typed.
 */
#include <pvisor/console.h>
#include <pvisor/domain.h>
#include <pvisor/event.h>
#include <pvisor/time.h>
#include <xen/xen.h>

static struct timer rx_timer;

static void rx_poll(void *data)
{
    (void)data;
    if (console_poll_input_pending())
        send_guest_global_virq(dom0, VIRQ_CONSOLE);
    set_timer(&rx_timer, NOW() + MILLISECS(10));
}

void console_rx_start(void)
{
    if (!serial_present())
        return;
    init_timer(&rx_timer, rx_poll, NULL, 0);
    set_timer(&rx_timer, NOW() + MILLISECS(10));
}
