/*
 * Secondary CPUs: started with INIT-SIPI-SIPI through the real-mode
 * trampoline, each given its own stack block (struct cpu_info at the top),
 * GDT/TSS, APIC and timer queue, then parked in the idle loop. Also NMI-based
 * stop for panics and a simple cross-CPU function call.
 */
#include <pvisor/smp.h>
#include <pvisor/acpi.h>
#include <pvisor/apic.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/printk.h>
#include <pvisor/time.h>
#include <pvisor/sched.h>
#include <pvisor/softirq.h>
#include <pvisor/pv_traps.h>
#include <pvisor/watchdog.h>
#include <asm/traps.h>
#include <asm/processor.h>
#include <asm/atomic.h>
#include <asm/regs.h>
#include <string.h>

#define TRAMPOLINE_PA 0x8000ul

extern char trampoline_start[], trampoline_end[], tr_gdt[], tr_pm[], tr_lm[];
extern char tr_gdtr_base[], tr_pm_jump[], tr_lm_jump[], tr_cr3[], tr_efer_nx[], tr_stack[], tr_target[];
extern char boot_l4[], cpu0_stack[];

unsigned int nr_cpus_online = 1;
unsigned int nr_cpus_possible = 1;
static u32 apic_ids[CONFIG_NR_CPUS];
static void *cpu_stacks[CONFIG_NR_CPUS];
static volatile unsigned int ap_ready;
static volatile bool stop_requested;

u32 cpu_apic_id(unsigned int cpu)
{
    return apic_ids[cpu];
}

static void tr_put32(char *sym, u32 v)
{
    memcpy((char *)__va(TRAMPOLINE_PA) + (sym - trampoline_start), &v, 4);
}

static void tr_put64(char *sym, u64 v)
{
    memcpy((char *)__va(TRAMPOLINE_PA) + (sym - trampoline_start), &v, 8);
}

void __attribute__((noreturn)) start_secondary(void)
{
    struct cpu_info *ci = get_cpu_info();
    unsigned int cpu = ci->cpu_id;

    write_cr3(__pa(idle_pg_table));
    cpu_setup_local();
    trap_init_cpu(cpu, cpu_stacks[cpu]);
    apic_setup_local();
    timers_init_cpu(cpu);
    sched_init_cpu(cpu);
    syscall_init_cpu(cpu, cpu_stacks[cpu]);
    __atomic_store_n(&ap_ready, cpu, __ATOMIC_RELEASE);
    local_irq_enable();
    idle_loop();
}

static bool start_one(unsigned int cpu, u32 apic_id)
{
    void *stack = alloc_cpu_stack();
    struct cpu_info *ci;

    if (!stack)
        return false;
    cpu_stacks[cpu] = stack;
    ci = stack_cpu_info(stack);
    memset(ci, 0, sizeof(*ci));
    ci->cpu_id = cpu;
    tr_put64(tr_stack, (u64)(unsigned long)ci);
    tr_put64(tr_target, (u64)(unsigned long)start_secondary);
    ap_ready = 0;

    apic_send_init(apic_id);
    mdelay(10);
    for (int i = 0; i < 2 && !ap_ready; i++) {
        apic_send_sipi(apic_id, TRAMPOLINE_PA >> 12);
        udelay(200);
    }
    /* TCG can be slow to get a new vCPU going: allow a generous second. */
    for (int i = 0; i < 1000 && __atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE) != cpu; i++)
        mdelay(1);
    return ap_ready == cpu;
}

void smp_boot_cpus(void)
{
    u32 bsp = apic_read_id();
    unsigned int cpu = 1;

    apic_ids[0] = bsp;
    get_cpu_info()->cpu_id = 0;
    if (!acpi.have_madt || acpi.nr_cpus <= 1) {
        printk("CPUs: 1 (no other processors in the MADT)\n");
        return;
    }
    memcpy(__va(TRAMPOLINE_PA), trampoline_start, trampoline_end - trampoline_start);
    tr_put32(tr_gdtr_base, TRAMPOLINE_PA + (tr_gdt - trampoline_start));
    tr_put32(tr_pm_jump, TRAMPOLINE_PA + (tr_pm - trampoline_start));
    tr_put32(tr_lm_jump, TRAMPOLINE_PA + (tr_lm - trampoline_start));
    tr_put32(tr_cr3, __pa(boot_l4));
    tr_put32(tr_efer_nx, cpu_has_nx ? EFER_NXE : 0);

    for (unsigned i = 0; i < acpi.nr_cpus; i++) {
        u32 id = acpi.cpu_apic_ids[i];
        if (id == bsp)
            continue;
        if (cpu >= CONFIG_NR_CPUS) {
            printk(LOG_WARN "CPU with APIC id %u left parked (CONFIG_NR_CPUS=%u)\n", id,
                   CONFIG_NR_CPUS);
            continue;
        }
        if (start_one(cpu, id)) {
            apic_ids[cpu] = id;
            cpu++;
        } else {
            printk(LOG_ERR "CPU with APIC id %u did not start\n", id);
        }
    }
    nr_cpus_online = nr_cpus_possible = cpu;
    printk("CPUs: %u online\n", nr_cpus_online);
}

void nmi_handler(struct cpu_regs *regs)
{
    if (stop_requested) {
        for (;;)
            halt();
    }
    if (watchdog_nmi(regs))
        return;
    printk(LOG_WARN "NMI on CPU %u at %016lx\n", smp_processor_id(), (unsigned long)regs->rip);
}

void smp_stop_other_cpus(void)
{
    unsigned int me = smp_processor_id();

    watchdog_stop();
    stop_requested = true;
    for (unsigned int c = 0; c < nr_cpus_online; c++)
        if (c != me)
            apic_send_nmi(apic_ids[c]);
    mdelay(10);
}

void smp_send_event_check(unsigned int cpu)
{
    apic_send_ipi(apic_ids[cpu], VECTOR_EVENT_CHECK);
}

void smp_send_ipi(unsigned int cpu, u8 vector)
{
    apic_send_ipi(apic_ids[cpu], vector);
}

/* ---- cross-CPU function calls ------------------------------------------- */

static struct {
    void (*fn)(void *);
    void *arg;
    volatile unsigned int pending;
} call_data;
static volatile int call_lock;

static void call_function_interrupt(struct cpu_regs *regs)
{
    void (*fn)(void *) = call_data.fn;
    void *arg = call_data.arg;

    (void)regs;
    fn(arg);
    __atomic_sub_fetch(&call_data.pending, 1, __ATOMIC_SEQ_CST);
}

static void event_check_interrupt(struct cpu_regs *regs)
{
    (void)regs;   /* the softirq check on the way out does the work */
}

void smp_call_function(void (*fn)(void *), void *arg, bool wait)
{
    u64 all = nr_cpus_online >= 64 ? ~0ull : (1ull << nr_cpus_online) - 1;

    smp_call_function_mask(all, fn, arg, wait);
}

void smp_call_function_mask(u64 mask, void (*fn)(void *), void *arg, bool wait)
{
    unsigned int me = smp_processor_id();

    if (nr_cpus_online < 64)
        mask &= (1ull << nr_cpus_online) - 1;
    mask &= ~(1ull << me);
    if (!mask)
        return;
    while (__atomic_exchange_n(&call_lock, 1, __ATOMIC_ACQUIRE))
        cpu_relax();
    call_data.fn = fn;
    call_data.arg = arg;
    call_data.pending = 0;
    for (unsigned int c = 0; c < nr_cpus_online; c++)
        call_data.pending += (mask >> c) & 1;
    for (unsigned int c = 0; c < nr_cpus_online; c++)
        if (mask & (1ull << c))
            apic_send_ipi(apic_ids[c], VECTOR_CALL_FUNC);
    while (wait && __atomic_load_n(&call_data.pending, __ATOMIC_ACQUIRE))
        cpu_relax();
    while (!wait && __atomic_load_n(&call_data.pending, __ATOMIC_ACQUIRE))
        cpu_relax();    /* call_data is reused: always wait for pickup */
    __atomic_store_n(&call_lock, 0, __ATOMIC_RELEASE);
}

void smp_ipi_init(void)
{
    set_vector_handler(VECTOR_CALL_FUNC, call_function_interrupt);
    set_vector_handler(VECTOR_EVENT_CHECK, event_check_interrupt);
}
