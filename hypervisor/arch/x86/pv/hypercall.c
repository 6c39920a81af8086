/*
 * Hypercall dispatch: number in RAX, arguments in RDI, RSI, RDX, R10, R8,
 * R9 (the 64-bit PV ABI; R10 because SYSCALL clobbers RCX), result in RAX.
 * Unknown numbers get -ENOSYS. A handler that must be preempted returns
 * through hypercall_create_continuation(), which rewinds the guest RIP over
 * the SYSCALL so the guest re-issues the call with updated arguments.
 */
#include <pvisor/hypercall.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/printk.h>
#include <pvisor/softirq.h>
#include <pvisor/smp.h>
#include <pvisor/perfc.h>
#include <stdarg.h>

/* The table (pvisor/hypercall.h) declares each handler's prototype. The
 * dispatcher calls every handler with six unsigned longs: the SysV ABI
 * ignores the extra ones, and a guest handle is a one-pointer struct passed
 * in the same integer register (guest_access.h asserts its size). */
#define HC_CHECK(name, fn, params) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), long (*)params), \
                   #fn ": not the prototype the hypercall table declares");
HYPERCALLS(HC_CHECK)

#define HC_ENTRY(name, fn, params) [__HYPERVISOR_##name] = (hypercall_fn_t)(void (*)(void))(fn),
static const hypercall_fn_t hypercall_table[64] = {
    HYPERCALLS(HC_ENTRY)
};

static bool continuation_pending[CONFIG_NR_CPUS];

long hypercall_dispatch(unsigned long op, const unsigned long args[6])
{
    if (op >= sizeof(hypercall_table) / sizeof(hypercall_table[0]) || !hypercall_table[op])
        return -XEN_ENOSYS;
    return hypercall_table[op](args[0], args[1], args[2], args[3], args[4], args[5]);
}

long do_hypercall(struct cpu_regs *regs)
{
    unsigned long op = regs->rax;
    unsigned long args[6] = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9 };
    unsigned int cpu = smp_processor_id();
    long rc;

    continuation_pending[cpu] = false;
    if (op < 64)
        perfc_incr(PERFC_hypercall_base + op);
    rc = hypercall_dispatch(op, args);
    if (op == __HYPERVISOR_iret)
        return rc;              /* the frame (rax included) is the guest's own */
    if (continuation_pending[cpu]) {
        continuation_pending[cpu] = false;
        regs->rip -= 2;         /* re-execute the SYSCALL */
        regs->rax = op;
        return rc;
    }
    regs->rax = (unsigned long)rc;
    return rc;
}

/* Inside a multicall, continuations are collected here instead. */
static struct mm_cont *capture[CONFIG_NR_CPUS];

void hypercall_capture_continuation(struct mm_cont *cont)
{
    capture[smp_processor_id()] = cont;
}

long hypercall_continue_with(unsigned int op, unsigned int nargs, const unsigned long *args)
{
    unsigned int cpu = smp_processor_id();
    struct cpu_regs *regs = guest_regs();
    u64 *slots[6] = { &regs->rdi, &regs->rsi, &regs->rdx, &regs->r10, &regs->r8, &regs->r9 };

    if (nargs > 6)
        nargs = 6;
    if (capture[cpu]) {
        capture[cpu]->nargs = nargs;
        for (unsigned i = 0; i < nargs; i++)
            capture[cpu]->args[i] = args[i];
        return -XEN_ERESTART;
    }
    for (unsigned i = 0; i < nargs; i++)
        *slots[i] = args[i];
    continuation_pending[cpu] = true;
    return op;
}

long hypercall_create_continuation(unsigned int op, unsigned int nargs, ...)
{
    unsigned long args[6] = { 0 };
    va_list ap;

    va_start(ap, nargs);
    for (unsigned i = 0; i < nargs && i < 6; i++)
        args[i] = va_arg(ap, unsigned long);
    va_end(ap);
    return hypercall_continue_with(op, nargs, args);
}

bool hypercall_preempt_check(void)
{
    return softirq_pending(smp_processor_id());
}
