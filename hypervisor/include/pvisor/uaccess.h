/*
 * Guest memory access from hypercall handlers. Guest pointers are virtual
 * addresses in the current guest's (kernel) page tables, which are live
 * while a hypercall runs. Every access checks the range stays clear of the
 * hypervisor's reserved addresses and is canonical, and survives faults:
 * a bad pointer gives -EFAULT (Xen's errno), never a hypervisor fault.
 */
#ifndef PVISOR_UACCESS_H
#define PVISOR_UACCESS_H
#include <pvisor/types.h>
#include <xen/errno.h>

#include <asm/layout.h>
#include <xen/xen.h>

/* Canonical, not wrapping, and clear of the hypervisor's slots (256-271).
 * Inline and without branches (bitwise & and |): every hypercall argument
 * copy passes here, and under TCG each branch ends a translated block. */
static inline bool guest_range_ok(unsigned long va, size_t len)
{
    unsigned long end = va + len, last = end - 1;
    bool canonical = ((long)(va << 16) >> 16 == (long)va) & ((long)(last << 16) >> 16 == (long)last);
    bool clear = (end <= HYPERVISOR_VIRT_START) | (va >= HYPERVISOR_VIRT_END);

    return (len == 0) | ((end >= va) & canonical & clear);
}

/* Both return the number of bytes NOT copied (0 on success). */
size_t raw_copy_from_guest(void *dst, unsigned long src, size_t len);
size_t raw_copy_to_guest(unsigned long dst, const void *src, size_t len);

static inline int copy_from_guest_va(void *dst, unsigned long src, size_t len)
{
    return (guest_range_ok(src, len) && !raw_copy_from_guest(dst, src, len)) ? 0 : -XEN_EFAULT;
}
static inline int copy_to_guest_va(unsigned long dst, const void *src, size_t len)
{
    return (guest_range_ok(dst, len) && !raw_copy_to_guest(dst, src, len)) ? 0 : -XEN_EFAULT;
}
#define get_guest(var, ptr) copy_from_guest_va(&(var), (unsigned long)(ptr), sizeof(var))
#define put_guest(var, ptr) copy_to_guest_va((unsigned long)(ptr), &(var), sizeof(var))
#endif
