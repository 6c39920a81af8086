/* The per-domain monitor (see life.h). */
#include "life.h"
#include "build.h"
#include "coredump.h"
#include "dom_xs.h"
#include "hv.h"
#include <xen/sched.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

int name_lock(const char *name)
{
    char p[160];

    /* a name from the command line: never a path */
    if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return -1;
    mkdir("/run/pvctl", 0700);
    snprintf(p, sizeof(p), "/run/pvctl/%.100s.lock", name);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

void name_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

static enum xlcfg_action action_for(const struct xlcfg *cfg, unsigned reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return cfg->on_poweroff;
    case SHUTDOWN_reboot: return cfg->on_reboot;
    default: return cfg->on_crash;      /* crash, watchdog, and what we do not know */
    }
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Is there a shutdown to act on? 0 running, 1 shut down (*reason), -1 gone. */
static int state_of(uint32_t domid, unsigned *reason)
{
    struct xen_domctl_getdomaininfo info;

    if (hv_domain_info((domid_t)domid, &info))
        return -1;
    if (info.flags & XEN_DOMINF_dying)
        return -1;
    if (!(info.flags & XEN_DOMINF_shutdown))
        return 0;
    *reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    return 1;
}

/* xl's coredump-*: the core to PVCTL_DUMP_DIR/NAME, and whether it could
 * be written or not the action goes on (xl: "no point crying over spilled
 * milk") */
static void dump_core(const char *name, uint32_t domid)
{
    char path[256], msg[300];

    mkdir("/var/lib/xen", 0755);
    mkdir(PVCTL_DUMP_DIR, 0700);
    snprintf(path, sizeof(path), "%s/%s", PVCTL_DUMP_DIR, name);
    logf_("dumping core to %s", path);
    if (core_dump(domid, path, msg, sizeof(msg)))
        logf_("core dump failed: %s", msg);
    else
        logf_("core dump written: %s", msg);
}

static void monitor(const struct xlcfg *cfg, uint32_t domid)
{
    struct xs_handle *xs = xs_open(0);
    char err[300];

    if (!xs || !xs_watch(xs, "@releaseDomain", "release")) {
        logf_("monitor %u: cannot watch @releaseDomain", domid);
        return;
    }
    /* watching: its actions at dom0's normal priority (monitor_fork) */
    struct sched_param sp = { 0 };
    sched_setscheduler(0, SCHED_OTHER, &sp);
    for (;;) {
        unsigned n, reason = 0;
        char **w = xs_read_watch(xs, &n);      /* also fires once when set */
        free(w);
        int s = state_of(domid, &reason);
        if (s < 0) {
            logf_("domain %u is gone", domid);
            return;
        }
        if (!s)
            continue;
        enum xlcfg_action a = action_for(cfg, reason);
        logf_("domain %u shut down (reason %u): %s", domid, reason, xlcfg_action_name(a));
        if (a == XLCFG_ACTION_PRESERVE)
            return;
        /* destroyed meanwhile by someone else (`pvctl destroy`, under the
         * same lock): that ends a restart loop too */
        int lk = name_lock(cfg->name);
        if (state_of(domid, &reason) <= 0) {
            logf_("domain %u destroyed by someone else: no %s", domid, xlcfg_action_name(a));
            name_unlock(lk);
            return;
        }
        if (a == XLCFG_ACTION_COREDUMP_DESTROY || a == XLCFG_ACTION_COREDUMP_RESTART) {
            dump_core(cfg->name, domid);
            a = a == XLCFG_ACTION_COREDUMP_DESTROY ? XLCFG_ACTION_DESTROY : XLCFG_ACTION_RESTART;
        }
        /* the actions on a handle of their own: the watching one has
         * libxenstore's reader thread on it */
        struct xs_handle *act = xs_open(0);
        if (!act) {
            logf_("monitor %u: cannot reach xenstored", domid);
            name_unlock(lk);
            return;
        }
        if (domain_destroy(act, domid, err, sizeof(err)))
            logf_("%s", err);
        int rc = a == XLCFG_ACTION_RESTART ? domain_create(act, cfg, &domid, NULL, err, sizeof(err)) : 1;
        xs_close(act);
        name_unlock(lk);
        if (rc > 0)
            return;
        if (rc < 0) {
            logf_("restart of %s failed: %s", cfg->name, err);
            return;
        }
        logf_("restarted %s as domain %u", cfg->name, domid);
    }
}

int monitor_fork(const struct xlcfg *cfg, struct monitor *m, char *err, size_t errlen)
{
    int p[2];

    m->fd = -1;
    m->pid = -1;
    /* CLOEXEC: nothing pvctl may exec holds the write end, so the
     * monitor sees it closed as soon as pvctl gives up or exits */
    if (pipe2(p, O_CLOEXEC)) {
        snprintf(err, errlen, "the domain monitor's pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork of the domain monitor: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid > 0) {
        close(p[0]);
        m->fd = p[1];
        m->pid = pid;
        return 0;
    }
    /* the monitor: its own session, not pvctl's stdio (whoever reads
     * pvctl's output sees it end with pvctl) */
    close(p[1]);
    setsid();
    /* dom0's idle time only until the watch is set (monitor): on a dom0
     * of one vCPU the monitor's start, woken by pvctl's exit, would
     * otherwise run before the shell that waits for pvctl */
    struct sched_param sp = { 0 };
    sched_setscheduler(0, SCHED_IDLE, &sp);
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 2)
            close(nul);
    }
    /* asleep until pvctl closes its end (at its exit, after its address
     * space is gone, or before it attaches a console): the domid written
     * earlier does not wake a poll that asks for no events, so nothing
     * here takes dom0's CPU from pvctl's last steps */
    struct pollfd pf = { .fd = p[0], .events = 0 };
    while (poll(&pf, 1, -1) < 0 && errno == EINTR)
        ;
    uint32_t domid;
    ssize_t n;
    do
        n = read(p[0], &domid, sizeof(domid));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(domid))
        _exit(0);                   /* the create failed: nothing to watch */
    close(p[0]);
    /* no session leader (never a controlling terminal), and no child of
     * a pvctl that stays to attach a console */
    if (fork() != 0)
        _exit(0);
    char path[256];
    struct stat st;
    if (!stat("/var/log/pvisor", &st)) {
        snprintf(path, sizeof(path), "/var/log/pvisor/pvctl-%s.log", cfg->name);
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
    }
    hv_forget_after_fork();
    if (hv_open() == 0)
        monitor(cfg, domid);
    _exit(0);
}

/* the fork's child exits at once once the pipe is closed (the monitor
 * goes on in its grandchild) */
static void monitor_reap(struct monitor *m)
{
    while (m->pid > 0 && waitpid(m->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    m->pid = -1;
}

void monitor_go(struct monitor *m, uint32_t domid, bool close_now)
{
    if (m->fd < 0)
        return;
    /* a monitor killed meanwhile must not take pvctl down with SIGPIPE */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    if (write(m->fd, &domid, sizeof(domid)) != (ssize_t)sizeof(domid))
        fprintf(stderr, "pvctl: the domain monitor: %s (the domain runs; nothing will act on its shutdown)\n",
                strerror(errno));
    signal(SIGPIPE, old);
    if (close_now) {
        close(m->fd);
        m->fd = -1;
        monitor_reap(m);
    }
}

void monitor_cancel(struct monitor *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
    monitor_reap(m);
}

int wait_domain(uint32_t domid, double timeout_s, bool until_gone)
{
    struct xs_handle *xs = xs_open(0);
    double end = now_s() + timeout_s;
    int rc = -1;

    if (!xs || !xs_watch(xs, "@releaseDomain", "wait"))
        goto out;
    for (;;) {
        unsigned reason;
        int s = state_of(domid, &reason);
        if (s < 0) { rc = 0; break; }
        if (s > 0 && !until_gone) { rc = 1; break; }
        double left = end - now_s();
        if (left <= 0)
            break;
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        if (poll(&p, 1, left > 0.5 ? 500 : (int)(left * 1000) + 1) > 0) {
            unsigned n;
            free(xs_read_watch(xs, &n));
        }
    }
out:
    if (xs)
        xs_close(xs);
    return rc;
}
