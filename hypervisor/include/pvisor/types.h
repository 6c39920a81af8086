/* Fixed-width types for everything a guest or the hardware can see. */
#ifndef PVISOR_TYPES_H
#define PVISOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 paddr_t;
typedef unsigned long mfn_t;    /* machine frame number */
typedef unsigned long vaddr_t;

#endif
