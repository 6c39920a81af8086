/* Virtual block devices: a disk spec to a Connected blkback/blkfront pair. */
#include "devices_internal.h"
#include "handshake.h"
#include "loop.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void vbd_nodes(uint32_t domid, const struct xlcfg_disk *d, const char *node,
               unsigned major, unsigned minor, struct node_set *b, struct node_set *f)
{
    char be[128], fe[128];
    nodes_paths("vbd", domid, d->virtual_device, be, sizeof(be), fe, sizeof(fe));
    b->count = f->count = 0;
    /* libxl__device_disk_add + what the block script adds (no script key:
     * nothing runs one). */
    node_add(b, "frontend", "%s", fe);
    node_add(b, "params", "%s", d->target);
    node_add(b, "frontend-id", "%u", domid);
    node_add(b, "online", "1");
    node_add(b, "removable", "0");
    node_add(b, "bootable", "1");
    node_add(b, "state", "1");
    node_add(b, "dev", "%s", d->vdev);
    node_add(b, "type", "phy");
    node_add(b, "mode", "%s", d->access == XLCFG_DISK_RO ? "r" : "w");
    node_add(b, "device-type", "disk");
    node_add(b, "discard-enable", "%d", d->discard ? 1 : 0);
    node_add(b, "specification", "xen");
    node_add(b, "node", "%s", node);
    node_add(b, "physical-device", "%x:%x", major, minor);   /* as block writes it */
    node_add(b, "physical-device-path", "%s", node);
    node_add(b, "hotplug-status", "connected");

    node_add(f, "backend", "%s", be);
    node_add(f, "backend-id", "0");
    node_add(f, "state", "1");
    node_add(f, "virtual-device", "%u", d->virtual_device);
    node_add(f, "device-type", "disk");
    node_add(f, "trusted", "%d", d->trusted ? 1 : 0);
}

/* The identity of a disk: a file's inode or a block device's number. */
static bool disk_id(const char *path, dev_t *dev, ino_t *ino)
{
    struct stat st;
    if (stat(path, &st))
        return false;
    if (S_ISBLK(st.st_mode)) {
        *dev = st.st_rdev;
        *ino = 0;
    } else {
        *dev = st.st_dev;
        *ino = st.st_ino;
    }
    return true;
}

static char *rd(struct xs_handle *xs, xs_transaction_t t, const char *fmt, const char *a,
                const char *b, const char *c)
{
    char p[256];
    unsigned len;
    snprintf(p, sizeof(p), fmt, a, b, c);
    return xs_read(xs, t, p, &len);
}

int vbd_check_in_use(struct xs_handle *xs, xs_transaction_t t, const char *target, bool ro,
                     uint32_t domid, uint32_t vdev, char *err, size_t errlen)
{
    dev_t dev;
    ino_t ino;
    if (!disk_id(target, &dev, &ino)) {
        snprintf(err, errlen, "disk %s: %s", target, strerror(errno));
        return -1;
    }
    unsigned nd = 0, nv;
    char **doms = xs_directory(xs, t, "/local/domain/0/backend/vbd", &nd);
    int rc = 0;
    for (unsigned i = 0; !rc && doms && i < nd; i++) {
        char p[128];
        snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%s", doms[i]);
        char **devs = xs_directory(xs, t, p, &nv);
        for (unsigned j = 0; !rc && devs && j < nv; j++) {
            char *params = rd(xs, t, "/local/domain/0/backend/vbd/%s/%s/%s", doms[i], devs[j], "params");
            char *mode = rd(xs, t, "/local/domain/0/backend/vbd/%s/%s/%s", doms[i], devs[j], "mode");
            char *phys = rd(xs, t, "/local/domain/0/backend/vbd/%s/%s/%s", doms[i], devs[j], "physical-device");
            dev_t d2;
            ino_t i2;
            unsigned ma, mi;
            bool same = params && disk_id(params, &d2, &i2) && d2 == dev && i2 == ino;
            /* A phy: device also matches a loop device's number. */
            if (!same && !ino && phys && sscanf(phys, "%x:%x", &ma, &mi) == 2)
                same = makedev(ma, mi) == dev;
            bool self = strtoul(doms[i], NULL, 10) == domid && strtoul(devs[j], NULL, 10) == vdev;
            if (same && !self && (!ro || !mode || strcmp(mode, "r"))) {
                snprintf(err, errlen, "disk %s is in use by domain %s (%s, mode %s): "
                         "only read-only disks can be shared", target, doms[i], devs[j],
                         mode ? mode : "?");
                rc = -1;
            }
            free(params);
            free(mode);
            free(phys);
        }
        free(devs);
    }
    free(doms);
    return rc;
}

struct check_arg {
    const struct xlcfg_disk *disk;
    uint32_t domid;
};

static int check(struct xs_handle *xs, xs_transaction_t t, void *a, char *err, size_t errlen)
{
    struct check_arg *c = a;
    char p[128];
    unsigned len;
    snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/%u", c->domid, c->disk->virtual_device);
    char *v = xs_read(xs, t, p, &len);
    if (v) {
        free(v);
        snprintf(err, errlen, "domain %u already has a disk %s", c->domid, c->disk->vdev);
        return -1;
    }
    snprintf(p, sizeof(p), "/local/domain/%u", c->domid);
    if (!(v = xs_read(xs, t, p, &len))) {
        snprintf(err, errlen, "no domain %u in xenstore", c->domid);
        return -1;
    }
    free(v);
    return vbd_check_in_use(xs, t, c->disk->target, c->disk->access == XLCFG_DISK_RO,
                            c->domid, c->disk->virtual_device, err, errlen);
}

/* The backend in a state that says it is driven (InitWait .. Connected). */
static bool backend_ready(int s)
{
    return s == 2 || s == 3 || s == 4;
}

/* What can be said of a disk before anything is bound: a file or a block
 * device named by an absolute path.  Fills *st. */
static int vbd_target_ok(const struct xlcfg_disk *d, struct stat *st, char *err, size_t errlen)
{
    if (!d->target || !d->target[0] || d->target[0] != '/') {
        snprintf(err, errlen, "disk %s: target must be an absolute path", d->vdev ? d->vdev : "?");
        return -1;
    }
    if (stat(d->target, st)) {
        snprintf(err, errlen, "disk %s: %s", d->target, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
        snprintf(err, errlen, "disk %s: neither a file nor a block device", d->target);
        return -1;
    }
    return 0;
}

int vbd_check(struct xs_handle *xs, const struct xlcfg_disk *d, char *err, size_t errlen)
{
    struct stat st;
    if (vbd_target_ok(d, &st, err, errlen))
        return -1;
    return vbd_check_in_use(xs, XBT_NULL, d->target, d->access == XLCFG_DISK_RO, ~0u,
                            d->virtual_device, err, errlen);
}

int vbd_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg_disk *d,
             unsigned timeout_ms, char *err, size_t errlen)
{
    err[0] = 0;
    bool ro = d->access == XLCFG_DISK_RO;
    struct stat st;
    if (vbd_target_ok(d, &st, err, errlen))
        return -1;
    char node[64];
    unsigned major, minor;
    bool loop = S_ISREG(st.st_mode);
    if (loop) {
        if (loop_attach(d->target, ro, node, sizeof(node), &major, &minor, err, errlen))
            return -1;
    } else {
        snprintf(node, sizeof(node), "%s", d->target);
        major = major(st.st_rdev);
        minor = minor(st.st_rdev);
    }

    struct node_set b, f;
    vbd_nodes(domid, d, node, major, minor, &b, &f);
    struct check_arg ca = { d, domid };
    if (nodes_write(xs, "vbd", domid, d->virtual_device, &b, &f, check, &ca, err, errlen)) {
        char e2[128];
        if (loop)
            loop_detach(node, e2, sizeof(e2));
        return -1;
    }
    if (!timeout_ms)
        return 0;
    /* blkback's probe ends in InitWait; it then waits for the frontend. */
    char be[128], fe[128], e2[256];
    nodes_paths("vbd", domid, d->virtual_device, be, sizeof(be), fe, sizeof(fe));
    int sb = -1;
    if (!handshake_wait(xs, be, 2, 4, timeout_ms, &sb))
        return 0;
    snprintf(err, errlen, "disk %s of domain %u: backend still %s after %u ms "
             "(is xen-blkback loaded in dom0?)", d->vdev, domid, handshake_state_name(sb), timeout_ms);
    devices_block_detach(xs, domid, d->virtual_device, timeout_ms < 2000 ? timeout_ms : 2000,
                         e2, sizeof(e2));
    return -1;
}

int devices_block_attach(struct xs_handle *xs, uint32_t domid, const struct xlcfg_disk *d,
                         unsigned timeout_ms, char *err, size_t errlen)
{
    if (vbd_plug(xs, domid, d, timeout_ms, err, errlen))
        return -1;
    if (!timeout_ms)
        return 0;
    char be[128], fe[128], e2[256];
    nodes_paths("vbd", domid, d->virtual_device, be, sizeof(be), fe, sizeof(fe));
    int sb = -1, sf = -1;
    if (!handshake_wait(xs, be, 4, -1, timeout_ms, &sb) &&
        !handshake_wait(xs, fe, 4, -1, timeout_ms, &sf))
        return 0;
    bool guest = backend_ready(sb);
    handshake_stuck_message("disk", d->vdev, domid, !guest,
                            guest ? handshake_read_state(xs, fe) : sb, timeout_ms, err, errlen);
    /* Take the half-made device down again: no nodes or loop device left. */
    devices_block_detach(xs, domid, d->virtual_device, timeout_ms < 2000 ? timeout_ms : 2000,
                         e2, sizeof(e2));
    return -1;
}

int devices_block_detach(struct xs_handle *xs, uint32_t domid, uint32_t vdev,
                         unsigned timeout_ms, char *err, size_t errlen)
{
    char be[128], fe[128], p[192];
    unsigned len;
    err[0] = 0;
    nodes_paths("vbd", domid, vdev, be, sizeof(be), fe, sizeof(fe));
    snprintf(p, sizeof(p), "%s/node", be);
    char *node = xs_read(xs, XBT_NULL, p, &len);
    snprintf(p, sizeof(p), "%s/params", be);
    char *params = xs_read(xs, XBT_NULL, p, &len);
    /* A phy: loop device is the user's: only a file's loop device is ours. */
    bool ours = node && params && strcmp(node, params);
    free(params);
    snprintf(p, sizeof(p), "%s/frontend", be);
    char *front = xs_read(xs, XBT_NULL, p, &len);
    if (!front) {
        free(node);
        snprintf(err, errlen, "domain %u has no disk %u", domid, vdev);
        return -1;
    }
    free(front);
    int last = -1, rc = 0;
    if (timeout_ms && devices_close_backend(xs, be, timeout_ms, &last)) {
        snprintf(err, errlen, "disk %u of domain %u: backend still %s after %u ms; removed anyway",
                 vdev, domid, handshake_state_name(last), timeout_ms);
        rc = -1;
    }
    char e2[256];
    if (nodes_remove(xs, "vbd", domid, vdev, e2, sizeof(e2)) && !rc) {
        snprintf(err, errlen, "%s", e2);
        rc = -1;
    }
    /* Only a loop device we bound: the node key names it. The kernel
     * frees a device still held by blkback once blkback lets go. */
    if (ours && !strncmp(node, "/dev/loop", 9) && strspn(node + 9, "0123456789") == strlen(node + 9) &&
        node[9] && loop_detach(node, e2, sizeof(e2)) && !rc) {
        snprintf(err, errlen, "%s", e2);
        rc = -1;
    }
    free(node);
    return rc;
}
