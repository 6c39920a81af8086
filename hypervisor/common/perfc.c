/* Performance counters (see pvisor/perfc.h). */
#include <pvisor/perfc.h>
#include <pvisor/printk.h>
#include <pvisor/cmdline.h>

u64 perfc[PERFC_NR];
static bool opt_perfc;
boolean_param("perfc", opt_perfc);

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
    [PERFC_tlb_invlpg_guest] = "invlpg asked by the guest",
    [PERFC_cr3_write] = "CR3 loads",
    [PERFC_cr3_changed] = "base pointer changes",
    [PERFC_toggle_mode] = "guest kernel/user switches",
};

static u32 port_count[0x10000 / 8];    /* per 8-port group */

void perfc_port(unsigned int port)
{
    port_count[(port & 0xffff) / 8]++;
}

void perfc_print(void)
{
    if (!opt_perfc)
        return;
    for (unsigned i = 0; i < 0x10000 / 8; i++)
        if (port_count[i] > 100)
            printk("perfc:   ports %#x-%#x: %u accesses\n", i * 8, i * 8 + 7, port_count[i]);
    printk("perfc: counters since boot\n");
    for (unsigned i = 0; i < 64; i++)
        if (perfc[PERFC_hypercall_base + i])
            printk("perfc:   hypercall %2u: %llu\n", i, (unsigned long long)perfc[PERFC_hypercall_base + i]);
    for (unsigned i = 0; i < 32; i++)
        if (perfc[PERFC_trap_base + i])
            printk("perfc:   trap %2u: %llu\n", i, (unsigned long long)perfc[PERFC_trap_base + i]);
    for (unsigned i = PERFC_syscall_bounce; i < PERFC_NR; i++)
        printk("perfc:   %s: %llu\n", names[i], (unsigned long long)perfc[i]);
}
