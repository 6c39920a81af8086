/* Host stand-ins for the few hypervisor libc routines glibc 2.36 lacks. */
#ifndef HOST_COMPAT_H
#define HOST_COMPAT_H
#include <stddef.h>
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);
#endif
