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
#include <sys/types.h>
#include "xlcfg.h"

/* Fork the monitor before the domain is built, while pvctl's address space
 * is small (a fork of a PV dom0 process copies and validates its page
 * tables; the monitor's own setup waits until pvctl is done): detached,
 * it sleeps until the pipe's write end is closed, then reads the domid.
 * 0, or -1 with err. Then monitor_go once the domain runs (the monitor
 * watches it, logging to /var/log/pvisor/pvctl-NAME.log when that
 * directory exists) or monitor_cancel (it exits, leaving nothing). */
struct monitor { int fd; pid_t pid; };
int monitor_fork(const struct xlcfg *cfg, struct monitor *m, char *err, size_t errlen);
/* The monitor starts once the write end is closed: now (close_now, as
 * before a console attach), or when pvctl exits (its exit's work then not
 * shared with the monitor's start; the fork's child, orphaned, is init's
 * to reap). */
void monitor_go(struct monitor *m, uint32_t domid, bool close_now);
void monitor_cancel(struct monitor *m);

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
