/* Output through console_io(CONSOLEIO_write): the hypervisor's console. */
#include "guest.h"

void console_write(const char *s, size_t len)
{
	HYPERVISOR_console_io(CONSOLEIO_write, len, s);
}

void printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}
