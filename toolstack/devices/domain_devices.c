/*
 * Every disk and vif of a domU over its life (see devices.h): checked
 * before the build, plugged while it is paused, awaited to Connected once
 * it runs, and unplugged as a whole when it goes, whoever plugged them.
 */
#include "devices_internal.h"
#include "bridge.h"
#include "handshake.h"
#include "loop.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned devices_timeout_ms(unsigned dflt)
{
    const char *t = getenv("PVCTL_DEVICE_TIMEOUT_MS");
    char *end;
    unsigned long v = t ? strtoul(t, &end, 10) : 0;
    return t && *t && !*end && v > 0 && v <= 3600000 ? (unsigned)v : dflt;
}

int devices_domain_check(struct xs_handle *xs, const struct xlcfg *cfg, char *err, size_t errlen)
{
    err[0] = 0;
    /* the config against itself first, then each device against dom0 */
    for (size_t i = 0; i < cfg->n_disks; i++) {
        const struct xlcfg_disk *d = &cfg->disks[i];
        for (size_t j = 0; j < i; j++) {
            const struct xlcfg_disk *o = &cfg->disks[j];
            if (o->virtual_device == d->virtual_device) {
                snprintf(err, errlen, "disk %s: a second disk with the same device (%s)", d->vdev, o->vdev);
                return -1;
            }
            /* one guest, one disk twice: the same rule as between guests */
            if (o->target && d->target && !strcmp(o->target, d->target) &&
                (o->access != XLCFG_DISK_RO || d->access != XLCFG_DISK_RO)) {
                snprintf(err, errlen, "disk %s is given twice (%s and %s): only read-only disks can be shared",
                         d->target, o->vdev, d->vdev);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < cfg->n_vifs; i++)
        for (size_t j = 0; j < i; j++)
            if (cfg->vifs[j].devid == cfg->vifs[i].devid) {
                snprintf(err, errlen, "vif %u is given twice", cfg->vifs[i].devid);
                return -1;
            }
    for (size_t i = 0; i < cfg->n_disks; i++)
        if (vbd_check(xs, &cfg->disks[i], err, errlen))
            return -1;
    for (size_t i = 0; i < cfg->n_vifs; i++)
        if (vif_check(&cfg->vifs[i], err, errlen))
            return -1;
    return 0;
}

int devices_domain_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg *cfg,
                        unsigned timeout_ms, FILE *trace, char *err, size_t errlen)
{
    err[0] = 0;
    /* All nodes first, then the waits: the backends probe side by side. */
    for (size_t i = 0; i < cfg->n_disks; i++)
        if (vbd_plug(xs, domid, &cfg->disks[i], 0, err, errlen))
            return -1;
    for (size_t i = 0; i < cfg->n_vifs; i++)
        if (vif_plug(xs, domid, &cfg->vifs[i], 0, err, errlen))
            return -1;
    double t0 = now_s();
    char be[128], fe[128];
    for (size_t i = 0; i < cfg->n_disks; i++) {
        const struct xlcfg_disk *d = &cfg->disks[i];
        unsigned left = timeout_ms - (unsigned)((now_s() - t0) * 1000);
        int sb = -1;
        nodes_paths("vbd", domid, d->virtual_device, be, sizeof(be), fe, sizeof(fe));
        if (left > timeout_ms || handshake_wait(xs, be, 2, 4, left, &sb)) {
            handshake_stuck_message("disk", d->vdev, domid, true, handshake_read_state(xs, be),
                                    timeout_ms, err, errlen);
            return -1;
        }
        if (trace)
            fprintf(trace, "pvctl: disk %s (%s): backend %s after %.3f s\n", d->vdev, d->target,
                    handshake_state_name(sb), now_s() - t0);
    }
    for (size_t i = 0; i < cfg->n_vifs; i++) {
        const struct xlcfg_vif *v = &cfg->vifs[i];
        unsigned left = timeout_ms - (unsigned)((now_s() - t0) * 1000);
        if (left > timeout_ms)
            left = 1;
        /* the nodes are there: plug again only waits and bridges */
        if (vif_bridge(xs, domid, v, left, err, errlen))
            return -1;
        if (trace)
            fprintf(trace, "pvctl: vif %u: vif%u.%u on %s after %.3f s\n", v->devid, domid, v->devid,
                    v->bridge ? v->bridge : DEVICES_DEFAULT_BRIDGE, now_s() - t0);
    }
    return 0;
}

int devices_domain_wait_connected(struct xs_handle *xs, uint32_t domid, const struct xlcfg *cfg,
                                  unsigned timeout_ms, bool (*stopped)(uint32_t domid),
                                  FILE *trace, char *err, size_t errlen)
{
    size_t n = cfg->n_disks + cfg->n_vifs;
    double t0 = now_s();
    err[0] = 0;
    if (!n)
        return 0;
    bool *done = calloc(n, sizeof(*done));
    if (!done) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    for (size_t left = n;;) {
        for (size_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            bool disk = i < cfg->n_disks;
            uint32_t dev = disk ? cfg->disks[i].virtual_device : cfg->vifs[i - cfg->n_disks].devid;
            char be[128], fe[128];
            nodes_paths(disk ? "vbd" : "vif", domid, dev, be, sizeof(be), fe, sizeof(fe));
            if (handshake_read_state(xs, be) != 4 || handshake_read_state(xs, fe) != 4)
                continue;
            done[i] = true;
            left--;
            if (trace && disk)
                fprintf(trace, "pvctl: disk %s: Connected after %.3f s\n", cfg->disks[i].vdev, now_s() - t0);
            else if (trace)
                fprintf(trace, "pvctl: vif %u: Connected after %.3f s\n", dev, now_s() - t0);
        }
        if (!left) {
            rc = 0;
            break;
        }
        bool late = (now_s() - t0) * 1000 >= timeout_ms, gone = stopped && stopped(domid);
        if (late || gone) {
            /* name the first device still waiting, and whose side it is */
            size_t i = 0;
            while (done[i])
                i++;
            bool disk = i < cfg->n_disks;
            uint32_t dev = disk ? cfg->disks[i].virtual_device : cfg->vifs[i - cfg->n_disks].devid;
            char be[128], fe[128], name[16];
            nodes_paths(disk ? "vbd" : "vif", domid, dev, be, sizeof(be), fe, sizeof(fe));
            snprintf(name, sizeof(name), "%u", dev);
            int sb = handshake_read_state(xs, be), sf = handshake_read_state(xs, fe);
            if (gone)
                snprintf(err, errlen, "domain %u stopped before %s %s connected (frontend %s)", domid,
                         disk ? "disk" : "vif", disk ? cfg->disks[i].vdev : name, handshake_state_name(sf));
            else
                handshake_stuck_message(disk ? "disk" : "vif", disk ? cfg->disks[i].vdev : name, domid,
                                        !(sb >= 2 && sb <= 4), sb >= 2 && sb <= 4 ? sf : sb,
                                        timeout_ms, err, errlen);
            break;
        }
        nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
    }
    free(done);
    return rc;
}

/* One backend directory of the domain as found in xenstore. */
struct plugged {
    bool vif;
    uint32_t dev;
    bool wait;                  /* a driver holds it: wait for Closed */
    char *node, *params;        /* vbd: the device the backend opened, the target */
    char *bridge;               /* vif */
};

static char *rd(struct xs_handle *xs, const char *be, const char *key)
{
    char p[192];
    unsigned len;
    snprintf(p, sizeof(p), "%s/%s", be, key);
    return xs_read(xs, XBT_NULL, p, &len);
}

/*
 * online=0 and state=Closing in one transaction, unless the backend is
 * Closed already: read and written in the same transaction, so a backend
 * that says Closed meanwhile makes it retry rather than have its Closed
 * overwritten (the driver would then never write Closed again).  Returns
 * whether the backend is to be waited for.
 */
static bool ask_close(struct xs_handle *xs, const char *be)
{
    char p[192];
    for (int attempt = 0; attempt < 16; attempt++) {
        xs_transaction_t t = xs_transaction_start(xs);
        if (t == XBT_NULL)
            return false;
        unsigned len;
        snprintf(p, sizeof(p), "%s/state", be);
        char *v = xs_read(xs, t, p, &len);
        int s = v && len == 1 && v[0] >= '0' && v[0] <= '8' ? v[0] - '0' : -1;
        free(v);
        if (s == 6 || s < 0) {
            xs_transaction_end(xs, t, true);
            return false;
        }
        snprintf(p, sizeof(p), "%s/online", be);
        xs_write(xs, t, p, "0", 1);
        snprintf(p, sizeof(p), "%s/state", be);
        xs_write(xs, t, p, "5", 1);
        /* Initialising: no driver took it, nothing to wait for */
        if (xs_transaction_end(xs, t, false))
            return s >= 2;
        if (errno != EAGAIN)
            return false;
    }
    return false;
}

/* Closed or gone (0), else -1 after timeout_ms with the last state. */
static int wait_closed(struct xs_handle *xs, const char *be, long long timeout_ms, int *last)
{
    double end = now_s() + timeout_ms / 1000.0;
    for (;;) {
        *last = handshake_read_state(xs, be);
        if (*last == 6 || *last < 0)
            return 0;
        if (now_s() >= end)
            return -1;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
}

int devices_domain_unplug(struct xs_handle *xs, uint32_t domid, unsigned timeout_ms,
                          FILE *trace, char *err, size_t errlen)
{
    enum { MAXP = 2 * 256 };
    struct plugged *pl = calloc(MAXP, sizeof(*pl));
    size_t n = 0;
    char be[128], fe[128], p[128], e2[256];
    int rc = 0;
    err[0] = 0;
    if (!pl) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int k = 0; k < 2; k++) {
        unsigned nd = 0;
        snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u", k ? "vif" : "vbd", domid);
        char **devs = xs_directory(xs, XBT_NULL, p, &nd);
        for (unsigned i = 0; devs && i < nd && n < MAXP; i++) {
            char *end;
            unsigned long dev = strtoul(devs[i], &end, 10);
            if (*end || end == devs[i] || dev > 0xffffffffUL)
                continue;
            struct plugged *d = &pl[n++];
            d->vif = k;
            d->dev = (uint32_t)dev;
            nodes_paths(k ? "vif" : "vbd", domid, d->dev, be, sizeof(be), fe, sizeof(fe));
            if (k)
                d->bridge = rd(xs, be, "bridge");
            else {
                d->node = rd(xs, be, "node");
                d->params = rd(xs, be, "params");
            }
            d->wait = ask_close(xs, be);
        }
        free(devs);
    }
    /* The guest is paused or dead: its frontends cannot answer.  Their
     * directories gone, each backend sees its frontend Unknown and lets go
     * (unmaps the rings, closes the device), then says Closed. With no
     * backend nothing waits for that: the directories go with the
     * domain's own (two round trips fewer for a domain without devices). */
    if (n) {
        snprintf(p, sizeof(p), "/local/domain/%u/device/vbd", domid);
        xs_rm(xs, XBT_NULL, p);
        snprintf(p, sizeof(p), "/local/domain/%u/device/vif", domid);
        xs_rm(xs, XBT_NULL, p);
    }
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        struct plugged *d = &pl[i];
        nodes_paths(d->vif ? "vif" : "vbd", domid, d->dev, be, sizeof(be), fe, sizeof(fe));
        long long left = (long long)timeout_ms - (long long)((now_s() - t0) * 1000);
        int last = -1;
        if (d->wait && wait_closed(xs, be, left, &last) && !rc) {
            snprintf(err, errlen, "%s %u of domain %u: backend still %s after %u ms; removed anyway",
                     d->vif ? "vif" : "disk", d->dev, domid, handshake_state_name(last), timeout_ms);
            rc = -1;
        }
        if (trace)
            fprintf(trace, "pvctl: %s %u: closed after %.3f s\n", d->vif ? "vif" : "disk", d->dev,
                    now_s() - t0);
    }
    for (size_t i = 0; i < n; i++) {
        struct plugged *d = &pl[i];
        if (nodes_remove(xs, d->vif ? "vif" : "vbd", domid, d->dev, e2, sizeof(e2)) && !rc) {
            snprintf(err, errlen, "%s", e2);
            rc = -1;
        }
        if (d->vif && d->bridge) {
            char ifname[32];
            snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, d->dev);
            if (bridge_del_port(d->bridge, ifname, e2, sizeof(e2)) && !rc) {
                snprintf(err, errlen, "%s", e2);
                rc = -1;
            }
        }
        /* only a loop device we bound for a file (node differs from params) */
        const char *nd = d->node;
        if (nd && d->params && strcmp(nd, d->params) && !strncmp(nd, "/dev/loop", 9) && nd[9] &&
            strspn(nd + 9, "0123456789") == strlen(nd + 9) && loop_detach(nd, e2, sizeof(e2)) && !rc) {
            snprintf(err, errlen, "%s", e2);
            rc = -1;
        }
        free(d->node);
        free(d->params);
        free(d->bridge);
    }
    free(pl);
    return rc;
}
