/*
 * Typed guest handles: every guest pointer a hypercall receives (each
 * handler in pvisor/hypercall.h, and the pointers inside the structures it
 * reads) is not a number but an XEN_GUEST_HANDLE(T) from the public
 * headers (a struct holding a T *), so a handler can neither do arithmetic on it as an integer nor
 * dereference it (the pointer lives in the guest's address space). The
 * accessors take their element size from T and refuse, at build time, a
 * host buffer whose type is not T. They add no branch to uaccess.h's
 * copy_*_guest_va (one compare bounds nr so nr * sizeof(T) cannot wrap).
 * Raw addresses stay only where the ABI passes a virtual address as a value
 * (update_va_mapping's va, segment bases, callback entry points), for what
 * is not a hypercall argument (instruction bytes at RIP, frames on the
 * guest's stack), and below the pure modules' environment accessors, which
 * receive the address of a handle the hypercall was given.
 */
#ifndef PVISOR_GUEST_ACCESS_H
#define PVISOR_GUEST_ACCESS_H
#include <pvisor/uaccess.h>

/* A handle is passed in one integer register, like the unsigned long the
 * dispatcher loads from the guest's registers. */
_Static_assert(sizeof(XEN_GUEST_HANDLE(void)) == sizeof(unsigned long),
               "a guest handle must be one register wide");

#define guest_handle_va(h)        ((unsigned long)(h).p)
#define guest_handle_is_null(h)   ((h).p == NULL)
/* Reinterpret (e.g. the void argument of a multiplexed hypercall, per cmd). */
#define guest_handle_ptr_t(type) __typeof__(((XEN_GUEST_HANDLE(type) *)0)->p)
#define guest_handle_cast(h, type) ((XEN_GUEST_HANDLE(type)){ (guest_handle_ptr_t(type))(h).p })
/* A handle from a raw address: for continuations and for fields the ABI
 * declares as integers (uint64_aligned_t addresses inside structures). */
#define guest_handle_from_va(type, va) ((XEN_GUEST_HANDLE(type)){ (guest_handle_ptr_t(type))(unsigned long)(va) })
#define guest_handle_add_offset(h, nr) \
    ((h).p = (__typeof__((h).p))(guest_handle_va(h) + (unsigned long)(nr) * sizeof(*(h).p)))

/* Build-time: the host buffer's element type is the handle's (qualifiers
 * aside). A void handle must be cast to its real type first. */
#define guest_handle_matches(h, ptr) \
    __builtin_types_compatible_p(__typeof__(*(h).p), __typeof__(*(ptr)))
#define guest_handle_type_check(h, ptr) \
    _Static_assert(guest_handle_matches(h, ptr), \
                   "host buffer type differs from the guest handle's type")

/* Address of element off, and a length that is a fault when nr is so large
 * that nr * sizeof(T) would wrap (guest_range_ok then refuses ~0UL). */
#define guest_handle_elem_va(h, off) (guest_handle_va(h) + (unsigned long)(off) * sizeof(*(h).p))
static inline unsigned long guest_nr_bytes(unsigned long nr, unsigned long size)
{
    return nr <= (~0UL >> 17) / size ? nr * size : ~0UL;
}
#define guest_handle_len(h, nr) guest_nr_bytes((nr), sizeof(*(h).p))

/* Copy nr elements at element offset off; 0 or -EFAULT. */
#define copy_from_guest_offset(dst, h, off, nr) ({                          \
    guest_handle_type_check(h, dst);                                        \
    copy_from_guest_va((dst), guest_handle_elem_va(h, off), guest_handle_len(h, nr)); })
#define copy_to_guest_offset(h, off, src, nr) ({                            \
    guest_handle_type_check(h, src);                                        \
    copy_to_guest_va(guest_handle_elem_va(h, off), (src), guest_handle_len(h, nr)); })
#define copy_from_guest(dst, h, nr)  copy_from_guest_offset(dst, h, 0, nr)
#define copy_to_guest(h, src, nr)    copy_to_guest_offset(h, 0, src, nr)

/* One field of the structure a handle points to (write back a result). */
#define copy_field_to_guest(h, src, field) ({                               \
    _Static_assert(__builtin_types_compatible_p(__typeof__((h).p->field),   \
                                                __typeof__((src)->field)),  \
                   "field types differ");                                   \
    copy_to_guest_va(guest_handle_va(h) + __builtin_offsetof(__typeof__(*(h).p), field), \
                     &(src)->field, sizeof((src)->field)); })
#define copy_field_from_guest(dst, h, field) ({                             \
    _Static_assert(__builtin_types_compatible_p(__typeof__((h).p->field),   \
                                                __typeof__((dst)->field)),  \
                   "field types differ");                                   \
    copy_from_guest_va(&(dst)->field,                                       \
                       guest_handle_va(h) + __builtin_offsetof(__typeof__(*(h).p), field), \
                       sizeof((dst)->field)); })
#endif
