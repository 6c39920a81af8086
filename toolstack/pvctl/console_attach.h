#ifndef PVCTL_CONSOLE_ATTACH_H
#define PVCTL_CONSOLE_ATTACH_H
#include <stdint.h>
#include <stddef.h>
#include <xenstore.h>
/* Relay the terminal and the domain's console pty until Ctrl-] or the
 * domain goes; 0, or -1 with err. */
int console_attach(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen);
#endif
