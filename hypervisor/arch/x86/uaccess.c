/* Fault-tolerant copies to and from guest virtual memory. */
#include <pvisor/uaccess.h>
#include <asm/traps.h>
#include <asm/layout.h>
#include <xen/xen.h>

/* Quadwords, then the byte tail, each with a fixup; on a fault %rcx ends
 * up holding the bytes left. (8 bytes per iteration: under emulation a
 * string iteration costs the same whatever its width.) */
static size_t copy_with_fixup(void *dst, const void *src, size_t len)
{
    size_t left = len >> 3, tail = len & 7;

    __asm__ __volatile__("1: rep movsq\n"
                         "   mov %3, %%rcx\n"
                         "2: rep movsb\n"
                         "3:\n"
                         ".pushsection .text.fixup, \"ax\"\n"
                         "4: lea (%3, %%rcx, 8), %%rcx\n"
                         "   jmp 3b\n"
                         ".popsection\n"
                         _ASM_EXTABLE(1b, 4b)
                         _ASM_EXTABLE(2b, 3b)
                         : "+D"(dst), "+S"(src), "+c"(left) : "r"(tail) : "memory");
    return left;
}

size_t raw_copy_from_guest(void *dst, unsigned long src, size_t len)
{
    return copy_with_fixup(dst, (const void *)src, len);
}

size_t raw_copy_to_guest(unsigned long dst, const void *src, size_t len)
{
    return copy_with_fixup((void *)dst, src, len);
}
