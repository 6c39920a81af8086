/*
 * pvctl: the toolstack of pvisor's dom0 (also runs in Xen 4.17's dom0).
 *
 *   pvctl [-v] create CFG [-c] [--no-connect] [key=value...]
 *   pvctl list [--json] | info [--json] | dmesg [-c]
 *   pvctl destroy|pause|unpause|reboot|console DOM
 *   pvctl shutdown DOM [--wait]
 *
 * DOM is a domain name or id. Errors are one line on stderr; exit codes:
 */
#define EXIT_OK      0
#define EXIT_FAIL    1      /* the operation failed (hypervisor, xenstore, image) */
#define EXIT_USAGE   2      /* bad arguments or a config that is refused */
#define EXIT_NODOM   3      /* no such domain */
#define EXIT_ENV     4      /* not in a dom0: no privcmd or no xenstored */

#include "build.h"
#include "config.h"
#include "console_attach.h"
#include "devices_cli.h"
#include "dom_xs.h"
#include "hv.h"
#include <xen/sched.h>
#include "life.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/version.h>

static bool verbose;
static double t_start;          /* for -v */
static struct xs_handle *xs;
static char err[512];

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pvctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: pvctl [-v] COMMAND ...\n"
            "  create CFG [-c] [--no-connect] [key=value...]\n"
            "                                  build and start a domain (-c: attach its console;\n"
            "                                  --no-connect: return before its disks and vifs connect)\n"
            "  list [--json]                   domains\n"
            "  info [--json]                   the host (free_memory in MiB, as xl info; free_pages)\n"
            "  console DOM                     attach to a console (Ctrl-] detaches)\n"
            "  shutdown DOM [--wait]           ask the guest to power off\n"
            "  reboot DOM                      ask the guest to reboot\n"
            "  destroy DOM                     kill a domain, free all it holds\n"
            "  pause DOM | unpause DOM\n"
            "  dmesg [-c]                      the hypervisor's log (-c: then clear it)\n"
            "  block-attach DOM DISKSPEC | block-detach DOM VDEV       hotplug a disk (xl's spec)\n"
            "  network-attach DOM [VIFSPEC] | network-detach DOM DEVID hotplug a vif\n"
            "  network create NAME [A.B.C.D/N]  a bridge for vifs\n"
            "DOM: a name or an id. Exit: 0 ok, 1 failed, 2 usage or config, 3 no such domain,\n"
            "4 not in a dom0 (no /dev/xen/privcmd or xenstored).\n");
    return EXIT_USAGE;
}

static int need_env(bool store)
{
    if (hv_open())
        return fail(EXIT_ENV, "cannot open /dev/xen/privcmd (%s): not in a dom0 with xen-privcmd loaded?",
                    strerror(errno));
    if (store && !(xs = xs_open(0)))
        return fail(EXIT_ENV, "cannot reach xenstored (%s)", strerror(errno));
    return 0;
}

/* A domain by name or id: its id, or -1 after printing why. */
static long resolve(const char *s)
{
    char *end;
    unsigned long id = strtoul(s, &end, 10);
    struct xen_domctl_getdomaininfo info;

    if (*s && !*end) {
        if (id < 0x7ff0 && !hv_domain_info((domid_t)id, &info))
            return (long)id;
    } else {
        long d = dom_xs_find(xs, s);
        if (d >= 0 && !hv_domain_info((domid_t)d, &info))
            return d;
    }
    fail(EXIT_NODOM, "no domain \"%s\"", s);
    return -1;
}

static uint64_t free_mib(uint64_t *total)
{
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_physinfo };
    if (hv_sysctl(&s))
        return 0;
    if (total)
        *total = s.u.physinfo.total_pages >> 8;
    return s.u.physinfo.free_pages >> 8;
}

static int cmd_create(int argc, char **argv)
{
    const char *cfgpath = NULL;
    const char *ov[XLCFG_OVERRIDES_MAX];
    size_t nov = 0;
    bool attach = false;
    struct xlcfg cfg;
    struct timings t = { 0 };
    uint32_t domid;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c"))
            attach = true;
        else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else if (!strcmp(argv[i], "--no-connect"))
            t.no_connect = true;
        else if (!cfgpath && !strchr(argv[i], '='))
            cfgpath = argv[i];
        else if (strchr(argv[i], '=') && nov < XLCFG_OVERRIDES_MAX)
            ov[nov++] = argv[i];
        else
            return usage();
    }
    if (!cfgpath)
        return usage();
    if ((rc = need_env(true)))
        return rc;
    double t0 = now_s();
    double t_env = t0 - t_start;
    struct xlcfg_limits lim = { .max_memory_mib = free_mib(NULL), .max_vcpus = XLCFG_VCPUS_HARD_MAX };
    if (config_load(cfgpath, ov, nov, &lim, &cfg, err, sizeof(err)))
        return fail(EXIT_USAGE, "%s", err);
    t.parse = now_s() - t0;
    t.verbose = verbose;
    /* the monitor forked now, while this process is small: after the
     * unpause only telling it the domid is left (life.h) */
    double tm = now_s();
    struct monitor mon;
    if (monitor_fork(&cfg, &mon, err, sizeof(err)))
        fprintf(stderr, "pvctl: %s (nothing will act on the domain's shutdown)\n", err);
    tm = now_s() - tm;
    if (domain_create(xs, &cfg, &domid, &t, err, sizeof(err))) {
        monitor_cancel(&mon);
        config_free(&cfg);
        return fail(EXIT_FAIL, "%s", err);
    }
    monitor_go(&mon, domid, attach);
    printf("Started domain %s (id=%u)\n", cfg.name, domid);
    fflush(stdout);
    if (verbose)
        fprintf(stderr, "pvctl: create %s: parse %.3f s, load %.3f s, build %.3f s, xenstore %.3f s, "
                "devices %.3f s, unpause %.3f s, connect %.3f s, total %.3f s (kernel %s; build: populate "
                "%.3f s, fill %.3f s (kernel: %lu of %lu pages mapped %.3f s, written %.3f s, unmapped "
                "%.3f s); xenstore: introduce %.3f s; before: %.3f s, monitor %.3f s, "
                "%.3f s since pvctl started)\n", cfg.name, t.parse,
                t.load, t.build, t.xenstore, t.devices, t.unpause, t.connect,
                t.parse + t.load + t.build + t.xenstore + t.devices + t.unpause + t.connect,
                t.kernel ? t.kernel : "?", t.populate, t.fill, t.kpages_mapped, t.kpages, t.kmap, t.kcopy,
                t.kunmap, t.introduce, t_env, tm, now_s() - t_start);
    config_free(&cfg);
    if (attach && console_attach(xs, domid, err, sizeof(err)))
        return err[0] ? fail(EXIT_FAIL, "%s", err) : EXIT_FAIL;
    return EXIT_OK;
}

static void state_str(const struct xen_domctl_getdomaininfo *i, char s[7])
{
    unsigned f = i->flags;
    unsigned reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    snprintf(s, 7, "%c%c%c%c%c%c", f & XEN_DOMINF_running ? 'r' : '-', f & XEN_DOMINF_blocked ? 'b' : '-',
             f & XEN_DOMINF_paused ? 'p' : '-',
             (f & XEN_DOMINF_shutdown) && reason != SHUTDOWN_crash ? 's' : '-',
             (f & XEN_DOMINF_shutdown) && reason == SHUTDOWN_crash ? 'c' : '-',
             f & XEN_DOMINF_dying ? 'd' : '-');
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int cmd_list(int argc, char **argv)
{
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    enum { MAXD = 1024 };
    int rc;

    if (argc > 2 || (argc == 2 && !json))
        return usage();
    if ((rc = need_env(true)))
        return rc;
    struct xen_domctl_getdomaininfo *buf = hv_buf(MAXD * sizeof(*buf));
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_getdomaininfolist };
    if (!buf)
        return fail(EXIT_FAIL, "out of hypercall buffer memory");
    s.u.getdomaininfolist.first_domain = 0;
    s.u.getdomaininfolist.max_domains = MAXD;
    set_xen_guest_handle(s.u.getdomaininfolist.buffer, buf);
    if (hv_sysctl(&s))
        return fail(EXIT_FAIL, "getdomaininfolist: %s", strerror(errno));
    if (json)
        printf("[");
    else
        printf("%-40s %5s %5s %5s %6s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
    for (unsigned i = 0; i < s.u.getdomaininfolist.num_domains && i < MAXD; i++) {
        const struct xen_domctl_getdomaininfo *d = &buf[i];
        char st[7], *name = dom_xs_name(xs, d->domain);
        const char *nm = name ? name : "(null)";
        unsigned long long mem = (unsigned long long)d->tot_pages >> 8;
        double cpu = d->cpu_time / 1e9;
        state_str(d, st);
        if (json) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            json_str(nm);
            printf(", \"domid\": %u, \"memory_mib\": %llu, \"max_memory_mib\": %llu, \"vcpus\": %u, "
                   "\"state\": \"%s\", \"shutdown\": %s, \"shutdown_reason\": %d, \"cpu_time_s\": %.3f}",
                   d->domain, mem, (unsigned long long)d->max_pages >> 8, d->nr_online_vcpus, st,
                   d->flags & XEN_DOMINF_shutdown ? "true" : "false",
                   d->flags & XEN_DOMINF_shutdown ? (int)((d->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) : -1,
                   cpu);
        } else {
            printf("%-40s %5u %5llu %5u %6s %9.1f\n", nm, d->domain, mem, d->nr_online_vcpus, st, cpu);
        }
        free(name);
    }
    if (json)
        printf("\n]\n");
    hv_buf_free(buf, MAXD * sizeof(*buf));
    return EXIT_OK;
}

static int cmd_info(int argc, char **argv)
{
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    int rc;

    if (argc > 2 || (argc == 2 && !json))
        return usage();
    if ((rc = need_env(false)))
        return rc;
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_physinfo };
    if (hv_sysctl(&s))
        return fail(EXIT_FAIL, "physinfo: %s", strerror(errno));
    const struct xen_sysctl_physinfo *p = &s.u.physinfo;
    long ver = hv_xen_version(XENVER_version, NULL);
    char *extra = hv_buf(sizeof(xen_extraversion_t));
    char *caps = hv_buf(sizeof(xen_capabilities_info_t));
    if (!extra || !caps || hv_xen_version(XENVER_extraversion, extra) < 0 ||
        hv_xen_version(XENVER_capabilities, caps) < 0)
        return fail(EXIT_FAIL, "xen_version: %s", strerror(errno));
    extra[sizeof(xen_extraversion_t) - 1] = caps[sizeof(xen_capabilities_info_t) - 1] = 0;
    unsigned long long total = (unsigned long long)p->total_pages >> 8, fr = (unsigned long long)p->free_pages >> 8;
    if (json)
        printf("{\"xen_version\": \"%ld.%ld%s\", \"xen_caps\": \"%s\", \"nr_cpus\": %u, "
               "\"cpu_mhz\": %u, \"total_memory\": %llu, \"free_memory\": %llu, \"free_pages\": %llu}\n",
               ver >> 16, ver & 0xffff, extra, caps, p->nr_cpus, p->cpu_khz / 1000, total, fr,
               (unsigned long long)p->free_pages);
    else
        printf("xen_version            : %ld.%ld%s\nxen_caps               : %s\n"
               "nr_cpus                : %u\ncpu_mhz                : %u\n"
               "total_memory           : %llu\nfree_memory            : %llu\n",
               ver >> 16, ver & 0xffff, extra, caps, p->nr_cpus, p->cpu_khz / 1000, total, fr);
    return EXIT_OK;
}

static int cmd_dmesg(int argc, char **argv)
{
    bool clear = argc > 1 && !strcmp(argv[1], "-c");
    const uint32_t size = 1u << 20;
    int rc;

    if (argc > 2 || (argc == 2 && !clear))
        return usage();
    if ((rc = need_env(false)))
        return rc;
    char *buf = hv_buf(size);
    struct xen_sysctl s = { .cmd = XEN_SYSCTL_readconsole };
    if (!buf)
        return fail(EXIT_FAIL, "out of hypercall buffer memory");
    s.u.readconsole.clear = clear;
    s.u.readconsole.count = size;
    set_xen_guest_handle(s.u.readconsole.buffer, buf);
    if (hv_sysctl(&s))
        return fail(EXIT_FAIL, "readconsole: %s", strerror(errno));
    fwrite(buf, 1, s.u.readconsole.count < size ? s.u.readconsole.count : size, stdout);
    hv_buf_free(buf, size);
    return EXIT_OK;
}

static int write_control(uint32_t domid, const char *what)
{
    char p[80];
    snprintf(p, sizeof(p), "/local/domain/%u/control/shutdown", domid);
    if (!xs_write(xs, XBT_NULL, p, what, (unsigned)strlen(what)))
        return fail(EXIT_FAIL, "writing %s: %s", p, strerror(errno));
    return EXIT_OK;
}

static int cmd_dom(int argc, char **argv)
{
    const char *cmd = argv[0];
    bool wait = argc == 3 && !strcmp(cmd, "shutdown") && !strcmp(argv[2], "--wait");
    long id;
    int rc;

    if (argc != 2 && !wait)
        return usage();
    if ((rc = need_env(true)))
        return rc;
    if (!strcmp(cmd, "destroy")) {
        /* under the monitor's lock (life.h), taken before the name is
         * looked up: a restart in progress finishes first */
        char *end;
        bool by_id = (strtoul(argv[1], &end, 10), *argv[1] && !*end);
        char *name = NULL;
        if (by_id && (id = resolve(argv[1])) < 0)
            return EXIT_NODOM;
        if (by_id)
            name = dom_xs_name(xs, (uint32_t)id);
        int lk = by_id ? (name && id ? name_lock(name) : -1) : name_lock(argv[1]);
        free(name);
        if ((id = resolve(argv[1])) < 0) {
            name_unlock(lk);
            return EXIT_NODOM;
        }
        double t0 = now_s();
        rc = domain_destroy(xs, (uint32_t)id, err, sizeof(err));
        name_unlock(lk);
        if (verbose)
            fprintf(stderr, "pvctl: destroy %ld: pause %.3f s, devices %.3f s, xenstore %.3f s, "
                    "destroydomain %.3f s (%u calls), total %.3f s; before: lookup %.3f s, "
                    "%.3f s since pvctl started\n", id, destroy_t.pause, destroy_t.devices,
                    destroy_t.xenstore, destroy_t.destroy, destroy_t.calls,
                    now_s() - t0, t0 - t_start, now_s() - t_start);
        return rc ? fail(EXIT_FAIL, "%s", err) : EXIT_OK;
    }
    if ((id = resolve(argv[1])) < 0)
        return EXIT_NODOM;
    if (!strcmp(cmd, "console"))
        return !console_attach(xs, (uint32_t)id, err, sizeof(err)) ? EXIT_OK :
               err[0] ? fail(EXIT_FAIL, "%s", err) : EXIT_FAIL;
    if (!strcmp(cmd, "pause") || !strcmp(cmd, "unpause")) {
        struct xen_domctl d = { .cmd = cmd[0] == 'p' ? XEN_DOMCTL_pausedomain : XEN_DOMCTL_unpausedomain,
                                .domain = (domid_t)id };
        return hv_domctl(&d) ? fail(EXIT_FAIL, "%s %ld: %s", cmd, id, strerror(errno)) : EXIT_OK;
    }
    if (id == 0)
        return fail(EXIT_USAGE, "%s of domain 0 is not pvctl's to do", cmd);
    if (!strcmp(cmd, "reboot"))
        return write_control((uint32_t)id, "reboot");
    if ((rc = write_control((uint32_t)id, "poweroff")) || !wait)
        return rc;
    if (wait_domain((uint32_t)id, 120, false) < 0)
        return fail(EXIT_FAIL, "domain %ld did not shut down within 120 s", id);
    wait_domain((uint32_t)id, 10, true);       /* its monitor destroys it */
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    int i = 1;
    t_start = now_s();
    while (i < argc && !strcmp(argv[i], "-v")) {
        verbose = true;
        i++;
    }
    if (i >= argc)
        return usage();
    const char *c = argv[i];
    int rc;
    if (!strcmp(c, "create"))
        rc = cmd_create(argc - i, argv + i);
    else if (!strcmp(c, "list"))
        rc = cmd_list(argc - i, argv + i);
    else if (!strcmp(c, "info"))
        rc = cmd_info(argc - i, argv + i);
    else if (!strcmp(c, "dmesg"))
        rc = cmd_dmesg(argc - i, argv + i);
    else if (!strcmp(c, "destroy") || !strcmp(c, "shutdown") || !strcmp(c, "reboot") ||
             !strcmp(c, "pause") || !strcmp(c, "unpause") || !strcmp(c, "console"))
        rc = cmd_dom(argc - i, argv + i);
    else if (devices_cli_handles(c))   /* block-/network-attach ... (toolstack/devices) */
        rc = devices_cli(argc - i, argv + i);
    else
        rc = usage();
    if (xs)
        xs_close(xs);
    return rc;
}
