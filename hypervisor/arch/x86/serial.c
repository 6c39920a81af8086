/* 16550 UART, polled: the hypervisor's main console. */
#include <pvisor/console.h>
#include <asm/io.h>

#define UART_THR 0   /* transmit holding */
#define UART_RBR 0   /* receive buffer */
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LSR_DR   0x01
#define LSR_THRE 0x20

static const u16 com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
static u16 port;

bool serial_init(int idx, u32 baud)
{
    u16 p = com_ports[idx & 3];
    u32 div = baud ? 115200 / baud : 1;

    /* A UART keeps what is written to its scratch register. */
    outb(0x5a, p + UART_SCR);
    if (inb(p + UART_SCR) != 0x5a)
        return false;
    if (!div)
        div = 1;
    outb(0x00, p + UART_IER);
    outb(0x80, p + UART_LCR);            /* DLAB */
    outb(div & 0xff, p + UART_DLL);
    outb(div >> 8, p + UART_DLM);
    outb(0x03, p + UART_LCR);            /* 8n1 */
    outb(0x07, p + UART_FCR);            /* FIFOs on and cleared */
    outb(0x03, p + UART_MCR);            /* DTR, RTS */
    port = p;
    return true;
}

bool serial_present(void)
{
    return port != 0;
}

void serial_putc(char c)
{
    if (!port)
        return;
    for (unsigned spins = 0; !(inb(port + UART_LSR) & LSR_THRE) && spins < 100000; spins++)
        __asm__ __volatile__("pause");
    outb((u8)c, port + UART_THR);
}

/* How many bytes the UART takes right now without waiting: its 16-byte
 * FIFO when the transmitter is empty (set up in serial_init), else 0. */
unsigned int serial_tx_ready(void)
{
    if (!port)
        return 0;
    return (inb(port + UART_LSR) & LSR_THRE) ? 16 : 0;
}

void serial_tx_byte(char c)
{
    if (port)
        outb((u8)c, port + UART_THR);
}

int serial_getc(void)
{
    if (!port || !(inb(port + UART_LSR) & LSR_DR))
        return -1;
    return inb(port + UART_RBR);
}
