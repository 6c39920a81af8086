/*
 * Boot selftest of the #DB IST stack (XSA-260 shape): raise #DB in ring 0
 * with RSP on a buffer standing in for the hypervisor memory a guest would
 * aim at, and check that the handler ran on this CPU's #DB IST page, that
 * nothing was written through RSP, and that we came back. Two ways in:
 * `int $1` (ICEBP is #UD under QEMU), and a data breakpoint on a MOV SS operand (real CPUs hold
 * that #DB back one instruction, QEMU's TCG does not; the stack choice is
 * what is tested).
 */
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <asm/debug_trap.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <string.h>

#define CANARY 0x5aa5c33cdb15ab1eull

static u64 target[512] __aligned(4096);
static volatile u16 ss_operand = HV_DS;

/* What went wrong, or NULL. */
static const char *check(unsigned long before)
{
    unsigned int cpu = smp_processor_id();
    unsigned long base = (unsigned long)get_cpu_info() + CPU_INFO_SIZE - STACK_SIZE;
    unsigned long frame = hv_debug_frame[cpu];

    for (unsigned int i = 0; i < 512; i++)
        if (target[i] != CANARY)
            return "the #DB frame was written through the interrupted RSP";
    if (frame == before)
        return "no #DB seen";
    if (frame < base + IST_DB_PAGE * PAGE_SIZE || frame >= base + (IST_DB_PAGE + 1) * PAGE_SIZE)
        return "the handler did not run on the #DB IST stack";
    return NULL;
}

static void fill(void)
{
    for (unsigned int i = 0; i < 512; i++)
        target[i] = CANARY;
}

static int ist_checks(void);

/* Interrupts off: any interrupt taken on the hostile RSP would write its
 * frame over `target` (the checks would blame #DB for it). */
int debug_ist_selftest(void)
{
    unsigned long flags = local_irq_save();
    int rc = ist_checks();

    local_irq_restore(flags);
    return rc;
}

static int ist_checks(void)
{
    unsigned long sp = (unsigned long)&target[448], before;
    const char *why;
    unsigned long dr7;

    fill();
    before = hv_debug_frame[smp_processor_id()] = 0;
    __asm__ __volatile__("mov %%rsp, %%rbx\n\t"
                         "mov %0, %%rsp\n\t"
                         "int $1\n\t"
                         "mov %%rbx, %%rsp"
                         :: "r"(sp) : "rbx", "memory");
    why = check(before);
    if (why) {
        printk(LOG_ERR "selftest: #DB by int $1 with a hostile RSP: %s\n", why);
        return -1;
    }

    fill();
    hv_debug_frame[smp_processor_id()] = 0;
    /* DR0 on ss_operand, read/write, 2 bytes, enabled locally */
    dr7 = 0x400 | 1 | (3ul << 16) | (1ul << 18);
    __asm__ __volatile__("mov %0, %%db0" :: "r"((unsigned long)&ss_operand));
    __asm__ __volatile__("mov %0, %%db7" :: "r"(dr7));
    __asm__ __volatile__("mov %%rsp, %%rbx\n\t"
                         "mov %0, %%rsp\n\t"
                         "mov %1, %%ss\n\t"
                         "nop\n\t"
                         "mov %%rbx, %%rsp"
                         :: "r"(sp), "m"(ss_operand) : "rbx", "memory");
    __asm__ __volatile__("mov %0, %%db7" :: "r"(0x400ul));
    why = check(0);
    if (why) {
        printk(LOG_ERR "selftest: #DB by a MOV SS data breakpoint with a hostile RSP: %s\n", why);
        return -1;
    }
    return 0;
}
