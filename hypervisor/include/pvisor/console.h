/* Console sinks (serial, VGA) and the output path shared by printk and guests. */
#ifndef PVISOR_CONSOLE_H
#define PVISOR_CONSOLE_H
#include <pvisor/types.h>

/* Bring up the sinks named by console= / com1= / com2= (before printk). */
void console_init(const char *cmdline);

/* Raw bytes from a guest (console_io): no prefix, lines kept intact. */
void console_write_guest(const char *buf, size_t len);

/* Hypervisor text, already formatted; adds "(PV) " at line starts. */
void console_write_hv(const char *buf, size_t len);

/* An NMI report from a CPU that may be stuck holding the console's locks:
 * between begin and end, this CPU's hypervisor text goes straight to the
 * UART, taking no lock (it may interleave with other output). */
void console_emergency_begin(void);
void console_emergency_end(void);
#ifdef CONFIG_DEBUG
void console_debug_hold(s64 ns);           /* debug_fault=stuck_console */
#endif

/* Received serial bytes not yet consumed by dom0 (CONSOLEIO_read). */
size_t console_read(char *buf, size_t len);
void console_poll_input(void);
bool console_poll_input_pending(void);   /* polls; true if bytes wait */
/* Timer polling the UART for dom0's console (common/console_rx.c). */
void console_rx_start(void);

/* The console history ring (Xen's conring): moved to its full size
 * (conring_size=) once the heap is up; read by sysctl readconsole. */
#define CONRING_MAX_SIZE (16u << 20)
void console_init_ring(void);
struct xen_sysctl_readconsole;
long console_readconsole(struct xen_sysctl_readconsole *op);

/* Serial 16550 driver (arch/x86/serial.c). */
bool serial_init(int port_index, u32 baud);
void serial_putc(char c);             /* waits for the UART */
unsigned int serial_tx_ready(void);   /* bytes it takes now without waiting */
void serial_tx_byte(char c);          /* only after serial_tx_ready() */
int serial_getc(void);
bool serial_present(void);

/* Serial transmit ring (common/console_tx.c): the console queues bytes
 * with its lock held and interrupts off, the UART gets them as it is
 * ready, a timer sends the rest. */
void console_tx_put(char c, bool guest);   /* guest bytes may be dropped */
void console_tx_kick(void);                /* send what the UART takes now */
void console_tx_start_async(void);         /* timers work: stop waiting */
void console_tx_flush_sync(void);          /* panic, power-off: send all, wait */

/* VGA text mode (arch/x86/vga.c). */
void vga_init(void);
void vga_putc(char c);
#endif
