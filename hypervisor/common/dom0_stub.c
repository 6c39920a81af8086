/* Until PV domains land: a dom0 module is acknowledged and the machine idles. */
#include <pvisor/selftest.h>
#include <pvisor/printk.h>
#include <pvisor/power.h>
#include <pvisor/pv_traps.h>
#include <pvisor/sched.h>

bool pv_handle_guest_trap(struct cpu_regs *regs)
{
    (void)regs;
    return false;
}

void start_dom0(const struct boot_info *bi)
{
    printk(LOG_ERR "dom0 kernel '%s' given, but this build cannot run PV domains yet\n",
           bi->mods[0].cmdline);
    machine_power_off(1);
}
