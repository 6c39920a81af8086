/* Performance counters (see pvisor/perfc.h). */
#include <pvisor/perfc.h>
#include <pvisor/printk.h>
#include <pvisor/cmdline.h>
#include <pvisor/domain.h>
#include <pvisor/time.h>
#include <string.h>

u64 perfc[PERFC_NR];
static bool opt_perfc;
boolean_param("perfc", opt_perfc);
static bool opt_profile;
boolean_param("profile", opt_profile);

/*
 * profile: the RIP the 1 kHz timer interrupt lands on. Good for where guest
 * kernels spend their time; for the hypervisor it is skewed, since its
 * paths run with interrupts off and a pending tick lands on the next point
 * that enables them (traps.c's local_irq_enable, spin_unlock_irqrestore).
 */
#define PROF_SLOTS 8192
static struct { u64 rip; u32 count; } prof[PROF_SLOTS];
static u64 prof_total, prof_guest_user, prof_guest_kernel, prof_hv, prof_dropped;
static struct timer prof_timer;

void profile_sample(const struct cpu_regs *regs)
{
    u64 rip = regs->rip;
    unsigned int h;

    if (!opt_profile)
        return;
    prof_total++;
    if (!(regs->cs & 3))
        prof_hv++;
    else if (current && !is_idle_vcpu(current) && current->mm.kernel_mode)
        prof_guest_kernel++;
    else
        prof_guest_user++;
    h = (unsigned int)((rip * 0x9e3779b97f4a7c15ull) >> 51) % PROF_SLOTS;
    for (unsigned n = 0; n < 64; n++, h = (h + 1) % PROF_SLOTS) {
        if (prof[h].rip == rip || !prof[h].count) {
            prof[h].rip = rip;
            prof[h].count++;
            return;
        }
    }
    prof_dropped++;
}

static void prof_tick(void *data)
{
    (void)data;
    set_timer(&prof_timer, prof_timer.expires + MILLISECS(1));
}

void profile_start(void)
{
    if (!opt_profile)
        return;
    init_timer(&prof_timer, prof_tick, NULL, 0);
    set_timer(&prof_timer, NOW() + MILLISECS(1));
}

static void profile_print(void)
{
    if (!opt_profile || !prof_total)
        return;
    printk("profile: %llu samples: hypervisor %llu, guest kernel %llu, guest user %llu (dropped %llu)\n",
           (unsigned long long)prof_total, (unsigned long long)prof_hv,
           (unsigned long long)prof_guest_kernel, (unsigned long long)prof_guest_user,
           (unsigned long long)prof_dropped);
    for (unsigned k = 0; k < 60; k++) {
        unsigned best = 0;
        for (unsigned i = 1; i < PROF_SLOTS; i++)
            if (prof[i].count > prof[best].count)
                best = i;
        if (!prof[best].count)
            break;
        printk("profile: %6u %016llx\n", prof[best].count, (unsigned long long)prof[best].rip);
        prof[best].count = 0;
    }
}

static const char *const names[] = {
    [PERFC_syscall_bounce] = "guest syscalls bounced",
    [PERFC_event_upcall] = "event upcalls",
    [PERFC_ptwr] = "ptwr emulations",
    [PERFC_privop] = "privileged ops emulated",
    [PERFC_ctxt_switch] = "context switches",
    [PERFC_mmu_update_reqs] = "mmu_update requests",
    [PERFC_mmuext_ops] = "mmuext ops",
    [PERFC_multicall_entries] = "multicall entries",
    [PERFC_tlb_flush_stamp] = "full TLB flushes for type changes",
    [PERFC_tlb_flush_guest] = "full TLB flushes asked by the guest",
    [PERFC_tlb_flush_guest_ipi] = "  of them sent to other CPUs running the domain",
    [PERFC_tlb_invlpg_guest] = "invlpg asked by the guest",
    [PERFC_cr3_write] = "CR3 loads",
    [PERFC_cr3_changed] = "base pointer changes",
    [PERFC_toggle_mode] = "guest kernel/user switches",
    [PERFC_tlb_clock_wrap] = "TLB flush clock wraps",
    [PERFC_gnttab_map] = "grant map entries",
    [PERFC_gnttab_unmap] = "grant unmap entries",
    [PERFC_gnttab_copy] = "grant copy entries",
    [PERFC_evtchn_send] = "event channel sends",
    [PERFC_lazy_cr3_kept] = "CR3 loads saved (vCPU back from idle)",
    [PERFC_lazy_sync] = "idle pCPUs asked to drop a vCPU's tables",
    [PERFC_lazy_wait] = "  of them for a vCPU moving pCPU",
    [PERFC_apic_timer_write] = "APIC timer writes",
    [PERFC_apic_timer_write_set] = "  of them by set_timer (a new first timer)",
    [PERFC_timer_pass_empty] = "timer softirq passes with no timer due",
};

static u32 port_count[0x10000 / 8];    /* per 8-port group */
static u32 isa_port_count[0x100];      /* the legacy ports one by one: PIT, 0x61, PIC... */

void perfc_port(unsigned int port)
{
    port &= 0xffff;
    if (port < 0x100)
        isa_port_count[port]++;
    else
        port_count[port / 8]++;
}

/* Debug key 'p' (`xl debug-keys p`, as Xen's): the counters since boot or
 * since the last 'P', so a script can frame one phase of a run. */
static void perfc_print_counters(void)
{
    if (!opt_perfc)
        return;
    for (unsigned i = 0; i < 0x100; i++)
        if (isa_port_count[i] > 100)
            printk("perfc:   port %#x: %u accesses\n", i, isa_port_count[i]);
    for (unsigned i = 0x100 / 8; i < 0x10000 / 8; i++)
        if (port_count[i] > 100)
            printk("perfc:   ports %#x-%#x: %u accesses\n", i * 8, i * 8 + 7, port_count[i]);
    printk("perfc: counters since boot or the last reset\n");
    for (unsigned i = 0; i < 64; i++)
        if (perfc[PERFC_hypercall_base + i])
            printk("perfc:   hypercall %2u: %llu\n", i, (unsigned long long)perfc[PERFC_hypercall_base + i]);
    for (unsigned i = 0; i < 32; i++)
        if (perfc[PERFC_trap_base + i])
            printk("perfc:   trap %2u: %llu\n", i, (unsigned long long)perfc[PERFC_trap_base + i]);
    for (unsigned i = PERFC_syscall_bounce; i < PERFC_NR; i++)
        printk("perfc:   %s: %llu\n", names[i], (unsigned long long)perfc[i]);
}

void perfc_print(void)
{
    profile_print();
    perfc_print_counters();
}

void perfc_debug_key(char key)
{
    if (key == 'p') {
        perfc_print_counters();
    } else if (key == 'P' && opt_perfc) {
        /* Racy against increments on other CPUs: a statistic, as Xen's. */
        memset(perfc, 0, sizeof(perfc));
        memset(port_count, 0, sizeof(port_count));
        memset(isa_port_count, 0, sizeof(isa_port_count));
        printk("perfc: counters reset\n");
    }
}
