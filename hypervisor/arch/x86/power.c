/*
 * Powering off and restarting the machine: ACPI S5 through the FADT's PM1
 * control blocks (as real hardware expects), the FADT reset register or the
 * keyboard controller for a restart, and QEMU's isa-debug-exit device to
 * hand an exit status to the test harness.
 */
#include <pvisor/power.h>
#include <pvisor/console.h>
#include <pvisor/acpi.h>
#include <pvisor/cmdline.h>
#include <pvisor/cpu.h>
#include <pvisor/printk.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <asm/io.h>
#include <asm/processor.h>

#define DEBUG_EXIT_PORT 0xf4

static bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);
static bool have_debug_exit;

bool debug_exit_present(void)
{
    return have_debug_exit;
}

void power_init(void)
{
    /* isa-debug-exit reads as 0; an unclaimed port reads as all ones. Only
     * probe under a hypervisor (QEMU): on real hardware 0xf4 is not ours. */
    if (cpu_has_hypervisor)
        have_debug_exit = inb(DEBUG_EXIT_PORT) == 0;
    if (acpi.have_fadt)
        printk("ACPI: power-off via PM1a_CNT %#llx%s, SLP_TYP %u\n",
               (unsigned long long)acpi.pm1a_cnt, acpi.have_s5 ? "" : " (no \\_S5, assuming 0)",
               acpi.slp_typ_a);
    if (have_debug_exit)
        printk("QEMU isa-debug-exit at %#x: exit status goes to the host\n", DEBUG_EXIT_PORT);
}

static void acpi_s5(void)
{
    if (!acpi.have_fadt || !acpi.pm1a_cnt)
        return;
    u16 a = (u16)(inw((u16)acpi.pm1a_cnt) & ~(7u << 10));
    outw(a | (u16)((acpi.slp_typ_a & 7) << 10) | (1u << 13), (u16)acpi.pm1a_cnt);
    if (acpi.pm1b_cnt) {
        u16 b = (u16)(inw((u16)acpi.pm1b_cnt) & ~(7u << 10));
        outw(b | (u16)((acpi.slp_typ_b & 7) << 10) | (1u << 13), (u16)acpi.pm1b_cnt);
    }
    mdelay(100);
}

void machine_power_off(u32 status)
{
    local_irq_disable();
    smp_stop_other_cpus();
    console_tx_flush_sync();
    printk("Powering off (status %u)\n", status);
    if (have_debug_exit)
        outl(status, DEBUG_EXIT_PORT);
    acpi_s5();
    printk(LOG_ERR "ACPI power-off did not work; halting\n");
    for (;;)
        halt();
}

void machine_restart(void)
{
    local_irq_disable();
    smp_stop_other_cpus();
    console_tx_flush_sync();
    printk("Restarting\n");
    if (acpi.have_reset_reg && acpi.reset_reg.space_id == ACPI_GAS_IO)
        outb(acpi.reset_value, (u16)acpi.reset_reg.address);
    mdelay(50);
    outb(0xfe, 0x64);                /* keyboard controller pulse reset */
    mdelay(50);
    outb(0x06, 0xcf9);               /* PCI reset control */
    for (;;)
        halt();
}

void machine_panic_stop(void)
{
    if (have_debug_exit) {
        printk("Stopping QEMU with exit status %u\n", (PANIC_EXIT_STATUS << 1) | 1);
        outl(PANIC_EXIT_STATUS, DEBUG_EXIT_PORT);
    }
    if (opt_noreboot) {
        printk("Manual reset required ('noreboot' specified)\n");
        for (;;)
            halt();
    }
    printk("Reboot in five seconds...\n");
    mdelay(5000);
    machine_restart();
}
