/*
 * Build-time checks of the guest handle rules (guest_access.h): the
 * accessors refuse what these assertions show is refused. Nothing here
 * runs; the file fails to build if a rule is loosened.
 */
#include <pvisor/guest_access.h>
#include <pvisor/hypercall.h>

extern XEN_GUEST_HANDLE(mmu_update_t) check_updates;
extern XEN_GUEST_HANDLE(const_trap_info_t) check_traps;
extern XEN_GUEST_HANDLE(void) check_void;
extern struct mmu_update *check_update_buf;
extern struct mmuext_op *check_ext_buf;
extern const struct trap_info *check_trap_buf;

/* A host buffer of the handle's type, qualifiers aside, is accepted... */
_Static_assert(guest_handle_matches(check_updates, check_update_buf), "same type");
_Static_assert(guest_handle_matches(check_traps, check_trap_buf), "const aside");
/* ...one of another type is not (copy_from_guest would not build)... */
_Static_assert(!guest_handle_matches(check_updates, check_ext_buf), "other type");
/* ...nor an untyped one: a void handle must be cast to its real type. */
_Static_assert(!guest_handle_matches(check_void, check_update_buf), "void handle");
/* A handle is not a number: no integer arithmetic, no integer argument. */
_Static_assert(!__builtin_types_compatible_p(__typeof__(check_updates), unsigned long),
               "handle is not an integer");
/* A handler taking a number where the table declares a handle is refused. */
long check_wrong_multicall(unsigned long call_list, unsigned long nr_calls);
_Static_assert(!__builtin_types_compatible_p(__typeof__(&check_wrong_multicall),
                                             __typeof__(&do_multicall)),
               "table prototype and an integer prototype differ");
/* Every handler Xen gives a pointer takes a handle: the multiplexed ones a
 * void handle cast per subop, so an integer prototype for them is refused. */
long check_wrong_memory_op(unsigned long cmd, unsigned long arg);
_Static_assert(!__builtin_types_compatible_p(__typeof__(&check_wrong_memory_op),
                                             __typeof__(&do_memory_op)),
               "memory_op takes a handle");
long check_wrong_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);
_Static_assert(!__builtin_types_compatible_p(__typeof__(&check_wrong_grant_table_op),
                                             __typeof__(&do_grant_table_op)),
               "grant_table_op takes a handle");
long check_wrong_domctl(unsigned long u_domctl);
_Static_assert(!__builtin_types_compatible_p(__typeof__(&check_wrong_domctl),
                                             __typeof__(&do_domctl)),
               "domctl takes a handle");
/* The element size comes from the handle's type. */
_Static_assert(sizeof(*check_updates.p) == sizeof(struct mmu_update), "element size");
