/*
 * start_pvisor: the boot sequence, from the multiboot handover to the idle
 * loop (or dom0, once PV domains exist).
 */
#include <pvisor/spec_ctrl.h>
#include <pvisor/acpi.h>
#include <pvisor/apic.h>
#include <pvisor/bootinfo.h>
#include <pvisor/cmdline.h>
#include <pvisor/console.h>
#include <pvisor/cpu.h>
#include <pvisor/page_alloc.h>
#include <pvisor/power.h>
#include <pvisor/printk.h>
#include <pvisor/sched.h>
#include <pvisor/selftest.h>
#include <pvisor/smp.h>
#include <pvisor/time.h>
#include <pvisor/version.h>
#include <pvisor/pv.h>
#include <pvisor/pv_mm.h>
#include <pvisor/perfc.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <string.h>

extern char cpu0_stack[];
extern const struct kernel_param __param_start[], __param_end[];

static struct boot_info boot_info;

static const void *boot_map(u64 pa, size_t len, void *ctx)
{
    (void)ctx;
    return direct_map_covers(pa, len) ? __va(pa) : NULL;
}

const char *hv_cmdline(void)
{
    return boot_info.cmdline;
}

static void unknown_param(const char *name, const char *value)
{
    /* Debian's GRUB scripts put a "placeholder" word first; Xen ignores it too. */
    if (!strcmp(name, "placeholder"))
        return;
    printk(LOG_WARN "unknown command-line option '%s%s%s' ignored\n", name,
           value ? "=" : "", value ? value : "");
}

void __attribute__((noreturn)) start_pvisor(u32 magic, u32 mbi_pa)
{
    const char *err = NULL;
    int rc;

    get_cpu_info()->cpu_id = 0;
    rc = multiboot_parse(magic, mbi_pa, boot_map, NULL, &boot_info, &err);
    console_init(rc ? "" : boot_info.cmdline);
    trap_init_bsp();
    trap_init_cpu(0, cpu0_stack);
    cpu_detect();
    cpu_setup_local();

    printk("pvisor %s (Xen %d.%d PV ABI) - %s\n", PVISOR_VERSION, XEN_ABI_MAJOR, XEN_ABI_MINOR,
           PVISOR_BUILD_INFO);
    if (rc)
        panic("boot loader handover: %s", err);
    printk("Boot loader: %s (multiboot%d)\n", boot_info.loader[0] ? boot_info.loader : "unknown",
           boot_info.protocol);
    printk("Command line: %s\n", boot_info.cmdline);
    if (cmdline_parse(boot_info.cmdline, __param_start, __param_end - __param_start,
                      unknown_param))
        printk(LOG_WARN "some command-line options had bad values and were ignored\n");
    printk("CPU: %s %s\n", cpu_vendor, cpu_brand);
    for (unsigned i = 0; i < boot_info.nr_mods; i++)
        printk("Module %u: %#llx-%#llx (%llu KiB) '%s'\n", i,
               (unsigned long long)boot_info.mods[i].start, (unsigned long long)boot_info.mods[i].end,
               (unsigned long long)(boot_info.mods[i].end - boot_info.mods[i].start) >> 10,
               boot_info.mods[i].cmdline);
    if (boot_info.nr_mods_dropped)
        printk(LOG_WARN "%u boot modules beyond the first %u ignored\n",
               boot_info.nr_mods_dropped, BOOT_MAX_MODS);

    spec_ctrl_init(&boot_info);
    mm_init(&boot_info);
    acpi_init(&boot_info);
    power_init();
    apic_init_bsp();
    apic_setup_local();
    smp_ipi_init();
    timers_init_cpu(0);
    sched_init_cpu(0);
    syscall_init_cpu(0, cpu0_stack);
    time_init();
    local_irq_enable();
    console_tx_start_async();
    smp_boot_cpus();
    console_init_ring();

    selftests_run();
    profile_start();
    debug_fault_maybe();
    m2p_init();
    pv_mm_init();
    selftests_run_late();

    if (!boot_info.nr_mods) {
        printk("No dom0 kernel module given: nothing to run.\n");
        machine_power_off(0);
    }
    start_dom0(&boot_info);
}
