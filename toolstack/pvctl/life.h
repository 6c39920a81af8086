/*
 * Life and death of a domU: one small monitor process per domain, as xl
 * runs (its own config in memory, nothing to keep in step with another
 * daemon, gone with the domain). It watches @releaseDomain and acts on the
 * guest's shutdown as on_poweroff / on_reboot / on_crash say: destroy,
 * restart (destroy, then create again from the same config), preserve, or
 * coredump-destroy / coredump-restart (coredump.h, then destroy / restart).
 */
#ifndef PVCTL_LIFE_H
#define PVCTL_LIFE_H
#include <stdint.h>
#include "xlcfg.h"

/* Fork the monitor of domid (detached; logs to /var/log/pvisor/pvctl-NAME.log
 * when that directory exists). 0, or -1 with err. */
int monitor_start(const struct xlcfg *cfg, uint32_t domid, char *err, size_t errlen);

/* The per-name lock a monitor's action and `pvctl destroy` take, so a
 * destroy lands either before the monitor looks (it then sees the domain
 * dying and stops) or after its restart (the new domain goes, the monitor
 * sees it gone and stops): an fd to close, or -1 (no /run: no lock). */
int name_lock(const char *name);
void name_unlock(int fd);

/* Wait until domid is gone or shut down (timeout_s seconds at most):
 * 0 gone, 1 shut down and still there, -1 timeout or error. */
int wait_domain(uint32_t domid, double timeout_s, bool until_gone);
#endif
