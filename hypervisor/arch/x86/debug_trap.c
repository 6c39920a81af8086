/*
 * #DB taken in hypervisor context (XSA-260 / CVE-2018-8897). The guest owns
 * DR0-3 and DR7 (never on hypervisor addresses), so a #DB here is one of:
 * the hypervisor touching guest memory the guest watches, or a #DB the
 * guest held back with MOV SS / POP SS until the first instruction of an
 * entry stub, where RSP (SYSCALL) is still the guest's. The gate has its
 * own IST stack, so nothing was written through the interrupted RSP; here
 * nothing may trust it either. Like Xen: clear what would fire again, note
 * it, carry on; the guest does not see this #DB.
 */
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <asm/debug_trap.h>
#include <asm/regs.h>
#include <asm/traps.h>

#define DR6_DEFAULT 0xffff0ff0ul

/* Where the last hypervisor-context #DB frame of each CPU was (selftest). */
unsigned long hv_debug_frame[CONFIG_NR_CPUS];
static unsigned long stub_hits;

static bool in_entry_stub(unsigned long rip)
{
    extern char trap_stubs[];
    unsigned long t = (unsigned long)trap_stubs;

    return is_syscall_stub(rip) || (rip >= t && rip < t + 256 * 16);
}

void debug_in_hypervisor(struct cpu_regs *regs)
{
    unsigned long dr6, dr7;

    __asm__ __volatile__("mov %%db6, %0" : "=r"(dr6));
    __asm__ __volatile__("mov %0, %%db6" :: "r"(DR6_DEFAULT));
    hv_debug_frame[smp_processor_id()] = (unsigned long)regs;

    /* Nothing in the hypervisor single-steps: a TF here would trap forever. */
    regs->rflags &= ~X86_EFLAGS_TF;

    /* An instruction breakpoint is a fault: returning re-runs it. The guest
     * cannot aim one here; if one fires anyway, disarm everything (the
     * guest's DR7 is reloaded on its next context switch in). */
    __asm__ __volatile__("mov %%db7, %0" : "=r"(dr7));
    for (unsigned int bp = 0; bp < 4; bp++)
        if ((dr6 & (1ul << bp)) && (dr7 & (3ul << (2 * bp))) &&
            !((dr7 >> (16 + 4 * bp)) & 3)) {
            printk(LOG_ERR "instruction breakpoint %u in hypervisor context at %#lx\n",
                   bp, (unsigned long)regs->rip);
            __asm__ __volatile__("mov %0, %%db7" :: "r"(0x400ul));
            break;
        }

    /* The MOV SS case: a guest doing this is probing. One line per power
     * of two, so a guest that loops cannot flood the console. */
    if (in_entry_stub(regs->rip)) {
        unsigned long n = __atomic_add_fetch(&stub_hits, 1, __ATOMIC_RELAXED);
        if (!(n & (n - 1)))
            printk(LOG_WARN "#DB on an entry stub at %#lx, guest rsp %#lx, dr6 %#lx "
                   "(delayed by MOV SS?), ignored (%lu so far)\n",
                   (unsigned long)regs->rip, (unsigned long)regs->rsp, dr6, n);
    }
}
