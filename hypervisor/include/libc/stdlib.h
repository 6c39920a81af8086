#ifndef PVISOR_LIBC_STDLIB_H
#define PVISOR_LIBC_STDLIB_H
#include <string.h>
#endif
