/*
 * The devices module on the host: the vbd/vif node sets and permissions
 * against what Xen 4.17's toolstack writes (devices-xenstore-reference.txt,
 * recorded on the reference stack), the state handshake against a
 * simulated backend and frontend, loop devices (as root), bridges (only in
 * a network namespace of this test's own), and hostile specs: missing and
 * odd files, a disk in use by another writer, an end that never connects.
 * pvstored runs as a daemon on a private Unix socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/pvstored_daemon.h"
#include "bridge.h"
#include "devices_cli.h"
#include "devices_internal.h"
#include "handshake.h"
#include "loop.h"

static struct xs_handle *xs;

static char *rd(const char *path)
{
    unsigned len;
    return xs_read(xs, XBT_NULL, path, &len);
}

static void perms_of(const char *path, char *out, size_t len)
{
    unsigned n;
    struct xs_permissions *p = xs_get_permissions(xs, XBT_NULL, path, &n);
    size_t o = 0;
    out[0] = 0;
    for (unsigned i = 0; p && i < n; i++) {
        char c = p[i].perms == XS_PERM_NONE ? 'n' : p[i].perms == XS_PERM_READ ? 'r'
                 : p[i].perms == XS_PERM_WRITE ? 'w' : 'b';
        o += (size_t)snprintf(out + o, len - o, "%s%c%u", i ? "," : "", c, p[i].id);
    }
    free(p);
}

/* The reference's value and permissions of path; false when absent. */
static bool reference(const char *path, char *val, char *perm)
{
    FILE *f = fopen("tests/unit/toolstack/devices-xenstore-reference.txt", "r");
    assert_non_null(f);
    char line[1024];
    bool found = false;
    size_t pl = strlen(path);
    while (!found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, path, pl) || strncmp(line + pl, " = \"", 4))
            continue;
        char *q = strchr(line + pl + 4, '"');
        *q = 0;
        strcpy(val, line + pl + 4);
        char *a = strchr(q + 1, '('), *b = strchr(q + 1, ')');
        *b = 0;
        strcpy(perm, a + 1);
        found = true;
    }
    fclose(f);
    return found;
}

static int setup(void **state)
{
    (void)state;
    xs = pvstored_start("test_devices");
    for (unsigned d = 1; d <= 3; d++) {
        char p[64];
        snprintf(p, sizeof(p), "/local/domain/%u", d);
        xs_mkdir(xs, XBT_NULL, p);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return pvstored_stop(xs);
}

/* Every key we write has the reference's value and permissions, and every
 * key Xen's toolstack writes (not the drivers) is among ours. */
static void check_against_reference(const char *kind, uint32_t dev, const struct node_set *b,
                                    const struct node_set *f, const char *const *xen_keys_b,
                                    const char *const *xen_keys_f)
{
    char be[128], fe[128], p[256], val[512], perm[64], rv[512], rp[64];
    nodes_paths(kind, 1, dev, be, sizeof(be), fe, sizeof(fe));
    for (int side = 0; side < 2; side++) {
        const struct node_set *s = side ? f : b;
        const char *base = side ? fe : be;
        assert_true(reference(base, rv, rp));
        perms_of(base, perm, sizeof(perm));
        assert_string_equal(perm, rp);
        for (size_t i = 0; i < s->count; i++) {
            snprintf(p, sizeof(p), "%s/%s", base, s->n[i].key);
            char *v = rd(p);
            assert_non_null(v);
            snprintf(val, sizeof(val), "%s", v);
            free(v);
            perms_of(p, perm, sizeof(perm));
            if (!reference(p, rv, rp))
                fail_msg("%s: not in the reference", p);
            /* state: the reference is at Connected; script: libxl's path
             * there, empty here (no script runs) */
            if (!strcmp(s->n[i].key, "script"))
                assert_string_equal(val, "");
            else if (strcmp(s->n[i].key, "state"))
                assert_string_equal(val, rv);
            assert_string_equal(perm, rp);
        }
        for (const char *const *k = side ? xen_keys_f : xen_keys_b; *k; k++) {
            bool have = false;
            for (size_t i = 0; i < s->count; i++)
                have |= !strcmp(s->n[i].key, *k);
            if (!have)
                fail_msg("%s/%s: Xen's toolstack writes it, we do not", base, *k);
        }
    }
    snprintf(p, sizeof(p), "/local/domain/0/backend/%s/1", kind);
    perms_of(p, perm, sizeof(perm));
    assert_string_equal(perm, "n0");
}

static void test_vbd_nodes_match_reference(void **state)
{
    (void)state;
    struct xlcfg_disk d = { .target = "/data/disk.img", .vdev = "xvda", .virtual_device = 51712,
                            .access = XLCFG_DISK_RW, .discard = true, .trusted = true };
    struct node_set b, f;
    char err[256];
    vbd_nodes(1, &d, "/dev/loop0", 7, 0, &b, &f);
    assert_true(b.count < NODES_MAX && f.count < NODES_MAX);
    assert_int_equal(nodes_write(xs, "vbd", 1, 51712, &b, &f, NULL, NULL, err, sizeof(err)), 0);
    static const char *const kb[] = { "frontend", "params", "frontend-id", "online", "removable",
        "bootable", "state", "dev", "type", "mode", "device-type", "discard-enable",
        "specification", "node", "physical-device", "physical-device-path", "hotplug-status", NULL };
    static const char *const kf[] = { "backend", "backend-id", "state", "virtual-device",
        "device-type", "trusted", NULL };
    check_against_reference("vbd", 51712, &b, &f, kb, kf);
    /* physical-device is hex, as the block script writes it */
    vbd_nodes(1, &d, "/dev/sdb", 8, 16, &b, &f);
    for (size_t i = 0; i < b.count; i++)
        if (!strcmp(b.n[i].key, "physical-device"))
            assert_string_equal(b.n[i].value, "8:10");
    assert_int_equal(nodes_remove(xs, "vbd", 1, 51712, err, sizeof(err)), 0);
    assert_null(rd("/local/domain/1/device/vbd/51712"));
    assert_null(rd("/local/domain/0/backend/vbd/1/51712"));
}

static void test_vif_nodes_match_reference(void **state)
{
    (void)state;
    struct xlcfg_vif v = { .devid = 0, .mac_set = true, .trusted = true };
    struct node_set b, f;
    char err[256];
    vif_nodes(1, &v, "00:16:3e:5a:00:01", "xenbr0", &b, &f);
    assert_int_equal(nodes_write(xs, "vif", 1, 0, &b, &f, NULL, NULL, err, sizeof(err)), 0);
    static const char *const kb[] = { "frontend", "frontend-id", "online", "state", "mac",
        "bridge", "handle", "type", "script", NULL };
    static const char *const kf[] = { "backend", "backend-id", "state", "handle", "mac",
        "trusted", "mtu", NULL };
    check_against_reference("vif", 0, &b, &f, kb, kf);
    assert_int_equal(nodes_remove(xs, "vif", 1, 0, err, sizeof(err)), 0);
}

/* A backend and frontend that follow the handshake, on their own handle. */
struct sim {
    const char *be, *fe;
    volatile int stop;
    bool need_hotplug;
    bool frontend_dead;     /* the backend probes, the frontend never answers */
};

static void *simulate(void *a)
{
    struct sim *s = a;
    struct xs_handle *h = xs_open(0);
    char p[256];
    unsigned len;
    while (!s->stop) {
        int sb = handshake_read_state(h, s->be);
        snprintf(p, sizeof(p), "%s/hotplug-status", s->be);
        char *hp = xs_read(h, XBT_NULL, p, &len);
        bool hot = hp && !strcmp(hp, "connected");
        free(hp);
        snprintf(p, sizeof(p), "%s/state", s->be);
        if (sb == 1)
            xs_write(h, XBT_NULL, p, "2", 1);
        else if (sb == 2 && !s->frontend_dead && (hot || !s->need_hotplug)) {
            xs_write(h, XBT_NULL, p, "4", 1);
            snprintf(p, sizeof(p), "%s/state", s->fe);
            xs_write(h, XBT_NULL, p, "4", 1);
        } else if (sb == 5)
            xs_write(h, XBT_NULL, p, "6", 1);
        usleep(2000);
    }
    xs_close(h);
    return NULL;
}

static char *tmpfile_of(const char *name, size_t size)
{
    static char path[4][128];
    static int k;
    char *p = path[k++ & 3];
    snprintf(p, 128, "%s/%s", pvstored_dir, name);   /* files beside the daemon's socket */
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    close(fd);
    return p;
}

/* Is any loop device bound to path? (the kernel's own record) */
static int loops_on(const char *path)
{
    int n = 0;
    for (int i = 0; i < 256; i++) {
        char p[96], b[512] = "";
        snprintf(p, sizeof(p), "/sys/block/loop%d/loop/backing_file", i);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        if (fgets(b, sizeof(b), f)) {
            b[strcspn(b, "\n")] = 0;
            n += !strcmp(b, path);
        }
        fclose(f);
    }
    return n;
}

static bool can_loop(void)
{
    return geteuid() == 0 && access("/dev/loop-control", R_OK | W_OK) == 0;
}

static void test_block_attach_detach_loop(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *img = tmpfile_of("disk.img", 1 << 20), err[256];
    struct xlcfg_disk d = { .target = img, .vdev = "xvda", .virtual_device = 51712,
                            .access = XLCFG_DISK_RO, .trusted = true };
    /* static: a failing assertion leaves the thread running */
    static struct sim s = { "/local/domain/0/backend/vbd/1/51712", "/local/domain/1/device/vbd/51712", 0, false, false };
    pthread_t th;
    pthread_create(&th, NULL, simulate, &s);
    int rc = devices_block_attach(xs, 1, &d, 3000, err, sizeof(err));
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(loops_on(img), 1);
    char *node = rd("/local/domain/0/backend/vbd/1/51712/node");
    assert_non_null(node);
    char p[128], ro[8] = "";
    snprintf(p, sizeof(p), "/sys/block/%s/ro", node + 5);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(ro, sizeof(ro), f));
    fclose(f);
    assert_int_equal(atoi(ro), 1);               /* access=ro: a read-only loop device */
    char *mode = rd("/local/domain/0/backend/vbd/1/51712/mode");
    assert_string_equal(mode, "r");
    free(mode);
    free(node);

    /* A second reader shares it; a writer is refused, without a loop device left. */
    struct xlcfg_disk d2 = d;
    d2.vdev = "xvdb";
    d2.virtual_device = 51728;
    assert_int_equal(devices_block_attach(xs, 2, &d2, 0, err, sizeof(err)), 0);
    assert_int_equal(loops_on(img), 2);
    struct xlcfg_disk w = d;
    w.access = XLCFG_DISK_RW;
    assert_int_equal(devices_block_attach(xs, 3, &w, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in use by domain"));
    assert_int_equal(loops_on(img), 2);
    assert_null(rd("/local/domain/0/backend/vbd/3/51712"));
    /* The same vdev twice in one domain. */
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "already has a disk xvda"));
    assert_int_equal(loops_on(img), 2);

    assert_int_equal(devices_block_detach(xs, 2, 51728, 0, err, sizeof(err)), 0);
    assert_int_equal(devices_block_detach(xs, 1, 51712, 3000, err, sizeof(err)), 0);
    s.stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(loops_on(img), 0);
    assert_null(rd("/local/domain/0/backend/vbd/1/51712"));
    assert_null(rd("/local/domain/1/device/vbd/51712"));

    /* Now a writer is fine, and a reader is refused while it writes. */
    assert_int_equal(devices_block_attach(xs, 3, &w, 0, err, sizeof(err)), 0);
    assert_int_equal(devices_block_attach(xs, 2, &d2, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in use by domain 3"));
    assert_int_equal(devices_block_detach(xs, 3, 51712, 0, err, sizeof(err)), 0);
    assert_int_equal(loops_on(img), 0);
}

static void test_block_frontend_never_connects(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *img = tmpfile_of("lonely.img", 1 << 20), err[256];
    struct xlcfg_disk d = { .target = img, .vdev = "xvda", .virtual_device = 51712,
                            .access = XLCFG_DISK_RW, .trusted = true };
    assert_int_equal(devices_block_attach(xs, 1, &d, 200, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "backend still Initialising after 200 ms"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(loops_on(img), 0);
    assert_null(rd("/local/domain/0/backend/vbd/1/51712"));
    assert_null(rd("/local/domain/1/device/vbd/51712"));
}

/* The backend is ready, the guest never loads its frontend: the message
 * names the guest's side, and nothing is left. */
static void test_block_frontend_dead(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *img = tmpfile_of("dead.img", 1 << 20), err[256];
    struct xlcfg_disk d = { .target = img, .vdev = "xvda", .virtual_device = 51712,
                            .access = XLCFG_DISK_RW, .trusted = true };
    static struct sim s = { "/local/domain/0/backend/vbd/1/51712", "/local/domain/1/device/vbd/51712",
                            0, false, true };
    pthread_t th;
    pthread_create(&th, NULL, simulate, &s);
    assert_int_equal(devices_block_attach(xs, 1, &d, 300, err, sizeof(err)), -1);
    s.stop = 1;
    pthread_join(th, NULL);
    assert_string_equal(err, "disk xvda of domain 1: frontend still Initialising after 300 ms "
                             "(is xen-blkfront loaded in the guest?)");
    assert_int_equal(loops_on(img), 0);
    assert_null(rd("/local/domain/0/backend/vbd/1/51712"));
    assert_null(rd("/local/domain/0/backend/vbd/1"));
}

static void test_block_hostile_specs(void **state)
{
    (void)state;
    char err[256], big[8192];
    struct xlcfg_disk d = { .vdev = "xvda", .virtual_device = 51712 };
    d.target = "/nonexistent/disk.img";
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "disk /nonexistent/disk.img: No such file or directory");
    d.target = "relative.img";
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    d.target = pvstored_dir;                               /* a directory */
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "neither a file nor a block device"));
    d.target = "/dev/null";                           /* a character device */
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    memset(big, 'a', sizeof(big) - 1);
    big[0] = '/';
    big[sizeof(big) - 1] = 0;
    d.target = big;                                   /* longer than PATH_MAX */
    assert_int_equal(devices_block_attach(xs, 1, &d, 0, err, sizeof(err)), -1);
    assert_null(strchr(err, '\n'));
    if (can_loop()) {
        d.target = tmpfile_of("nodom.img", 4096);     /* no such domain */
        assert_int_equal(devices_block_attach(xs, 77, &d, 0, err, sizeof(err)), -1);
        assert_string_equal(err, "no domain 77 in xenstore");
        assert_int_equal(loops_on(d.target), 0);
    }
    assert_int_equal(devices_block_detach(xs, 1, 51712, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "domain 1 has no disk 51712");
}

/* A config of disks for the domain-level calls (no file: the specs only). */
static void cfg_of(struct xlcfg *c, struct xlcfg_disk *d, size_t n)
{
    memset(c, 0, sizeof(*c));
    c->name = "t";
    c->disks = d;
    c->n_disks = n;
}

static int stopped_calls;
static bool always_stopped(uint32_t domid)
{
    (void)domid;
    stopped_calls++;
    return true;
}

/* pvctl create's sequence on two disks (one shared read-only), another
 * domain refused the writable one, then destroy's unplug: nothing left. */
static void test_domain_plug_connect_unplug(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *rw = tmpfile_of("dom-rw.img", 1 << 20), *ro = tmpfile_of("dom-ro.img", 1 << 20), err[256];
    struct xlcfg_disk d[2] = {
        { .target = rw, .vdev = "xvda", .virtual_device = 51712, .access = XLCFG_DISK_RW, .trusted = true },
        { .target = ro, .vdev = "xvdb", .virtual_device = 51728, .access = XLCFG_DISK_RO, .trusted = true },
    };
    struct xlcfg c;
    cfg_of(&c, d, 2);
    static struct sim s1 = { "/local/domain/0/backend/vbd/1/51712", "/local/domain/1/device/vbd/51712", 0, false, false };
    static struct sim s2 = { "/local/domain/0/backend/vbd/1/51728", "/local/domain/1/device/vbd/51728", 0, false, false };
    pthread_t t1, t2;
    pthread_create(&t1, NULL, simulate, &s1);
    pthread_create(&t2, NULL, simulate, &s2);
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), 0);
    if (devices_domain_plug(xs, 1, &c, 3000, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    if (devices_domain_wait_connected(xs, 1, &c, 3000, NULL, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    assert_int_equal(loops_on(rw), 1);
    assert_int_equal(loops_on(ro), 1);

    /* another domU: the writable disk refused before it is built, the
     * read-only one shared */
    struct xlcfg c2;
    cfg_of(&c2, &d[0], 1);
    assert_int_equal(devices_domain_check(xs, &c2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is in use by domain 1"));
    cfg_of(&c2, &d[1], 1);
    assert_int_equal(devices_domain_check(xs, &c2, err, sizeof(err)), 0);

    if (devices_domain_unplug(xs, 1, 3000, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    s1.stop = s2.stop = 1;
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(loops_on(rw), 0);
    assert_int_equal(loops_on(ro), 0);
    assert_null(rd("/local/domain/0/backend/vbd/1"));
    assert_null(rd("/local/domain/1/device/vbd"));
    char *dom = rd("/local/domain/1");
    assert_non_null(dom);
    free(dom);
}

static void test_domain_check_refusals(void **state)
{
    (void)state;
    char *img = tmpfile_of("twice.img", 4096), err[256];
    struct xlcfg_disk d[2] = {
        { .target = img, .vdev = "xvda", .virtual_device = 51712, .access = XLCFG_DISK_RO },
        { .target = img, .vdev = "xvdb", .virtual_device = 51728, .access = XLCFG_DISK_RO },
    };
    struct xlcfg c;
    cfg_of(&c, d, 2);
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), 0);   /* ro twice: fine */
    d[1].access = XLCFG_DISK_RW;
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is given twice (xvda and xvdb)"));
    d[1].virtual_device = 51712;
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "disk xvdb: a second disk with the same device (xvda)");
    d[1].target = "/nonexistent/x.img";
    d[1].virtual_device = 51728;
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "disk /nonexistent/x.img: No such file or directory");
    struct xlcfg_vif v[2] = { { .devid = 0, .bridge = "nosuchbr0" }, { .devid = 0 } };
    cfg_of(&c, d, 1);
    c.vifs = v;
    c.n_vifs = 1;
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "bridge nosuchbr0 does not exist (create it: pvctl network create nosuchbr0)");
    c.n_vifs = 2;                               /* the config's own fault first */
    assert_int_equal(devices_domain_check(xs, &c, err, sizeof(err)), -1);
    assert_string_equal(err, "vif 0 is given twice");
}

/* The guest never loads blkfront: the wait ends at its bound with the
 * guest's side named, or at once when the domain stops; unplug leaves
 * nothing, also of a device no backend driver ever took. */
static void test_domain_never_connects(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *img = tmpfile_of("never.img", 1 << 20), *img2 = tmpfile_of("nodriver.img", 1 << 20), err[256];
    struct xlcfg_disk d = { .target = img, .vdev = "xvda", .virtual_device = 51712,
                            .access = XLCFG_DISK_RW, .trusted = true };
    struct xlcfg c;
    cfg_of(&c, &d, 1);
    static struct sim s = { "/local/domain/0/backend/vbd/2/51712", "/local/domain/2/device/vbd/51712",
                            0, false, true };
    pthread_t th;
    pthread_create(&th, NULL, simulate, &s);
    if (devices_domain_plug(xs, 2, &c, 3000, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    assert_int_equal(devices_domain_wait_connected(xs, 2, &c, 300, NULL, NULL, err, sizeof(err)), -1);
    assert_string_equal(err, "disk xvda of domain 2: frontend still Initialising after 300 ms "
                             "(is xen-blkfront loaded in the guest?)");
    assert_int_equal(devices_domain_wait_connected(xs, 2, &c, 60000, always_stopped, NULL, err, sizeof(err)), -1);
    assert_int_equal(stopped_calls, 1);
    assert_string_equal(err, "domain 2 stopped before disk xvda connected (frontend Initialising)");
    /* a second disk whose backend no driver takes (state stays Initialising) */
    struct xlcfg_disk d2 = d;
    d2.target = img2;
    d2.vdev = "xvdb";
    d2.virtual_device = 51728;
    assert_int_equal(devices_block_attach(xs, 2, &d2, 0, err, sizeof(err)), 0);
    if (devices_domain_unplug(xs, 2, 3000, NULL, err, sizeof(err)))
        fail_msg("%s", err);
    s.stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(loops_on(img), 0);
    assert_int_equal(loops_on(img2), 0);
    assert_null(rd("/local/domain/0/backend/vbd/2"));
    assert_null(rd("/local/domain/2/device/vbd"));
    /* plugging with no backend driver: bounded, nothing left */
    assert_int_equal(devices_domain_plug(xs, 2, &c, 200, NULL, err, sizeof(err)), -1);
    assert_string_equal(err, "disk xvda of domain 2: backend still Initialising after 200 ms "
                             "(is xen-blkback loaded in dom0?)");
    assert_int_equal(devices_domain_unplug(xs, 2, 200, NULL, err, sizeof(err)), 0);
    assert_int_equal(loops_on(img), 0);
    assert_null(rd("/local/domain/0/backend/vbd/2"));
}

/* The hotplug commands take a domain's name as well as its id; an unknown
 * name writes nothing. */
static void test_cli_domain_by_name(void **state)
{
    (void)state;
    if (!can_loop())
        skip();
    char *img = tmpfile_of("byname.img", 1 << 20), spec[256];
    assert_true(xs_write(xs, XBT_NULL, "/local/domain/1/name", "alpha", 5));
    static struct sim s = { "/local/domain/0/backend/vbd/1/51744", "/local/domain/1/device/vbd/51744", 0, false, false };
    pthread_t th;
    pthread_create(&th, NULL, simulate, &s);
    snprintf(spec, sizeof(spec), "vdev=xvdc, access=ro, target=%s", img);
    char *attach[] = { "block-attach", "alpha", spec, NULL };
    assert_int_equal(devices_cli(3, attach), 0);
    char *st = rd("/local/domain/1/device/vbd/51744/state");
    assert_non_null(st);
    assert_string_equal(st, "4");
    free(st);
    char *nosuch[] = { "block-attach", "nosuch", spec, NULL };
    assert_int_equal(devices_cli(3, nosuch), 1);
    char *detach[] = { "block-detach", "alpha", "xvdc", NULL };
    assert_int_equal(devices_cli(3, detach), 0);
    s.stop = 1;
    pthread_join(th, NULL);
    assert_null(rd("/local/domain/0/backend/vbd/1/51744"));
    assert_int_equal(loops_on(img), 0);
    char *bad[] = { "block-detach", "0", "xvdc", NULL };       /* dom0: refused */
    assert_int_equal(devices_cli(3, bad), 1);
    xs_rm(xs, XBT_NULL, "/local/domain/1/name");
}

/* Bridges only in a network namespace of a child of ours. */
static int in_netns(void (*fn)(void))
{
    pid_t c = fork();
    if (!c) {
        /* sysfs shows the namespace of whoever mounted it: mount our own. */
        if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
            mount("sysfs", "/sys", "sysfs", 0, NULL))
            _exit(77);
        fn();
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); _exit(1); } } while (0)

/* A tap named as netback names its netdev stands in for it. */
static int make_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0)
        return -1;
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    r.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(r.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &r)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void vif_in_netns(void)
{
    char err[256];
    xs_close(xs);
    xs = xs_open(0);
    CHECK(xs);
    struct xlcfg_vif v = { .devid = 0, .trusted = true };
    /* No bridge yet: a clear refusal, nothing written. */
    CHECK(devices_network_attach(xs, 1, &v, 0, err, sizeof(err)) == -1);
    CHECK(!strcmp(err, "bridge xenbr0 does not exist (create it: pvctl network create xenbr0)"));
    CHECK(!rd("/local/domain/0/backend/vif/1/0"));
    CHECK(devices_network_create("xenbr0", "10.77.0.1/24", err, sizeof(err)) == 0);
    CHECK(devices_network_create("xenbr0", NULL, err, sizeof(err)) == 0);   /* exists: fine */
    CHECK(devices_network_create("xenbr1", "10.77.0.1/33", err, sizeof(err)) == -1);
    CHECK(devices_network_create("a/b", NULL, err, sizeof(err)) == -1);
    CHECK(devices_network_create("waytoolongbridgename", NULL, err, sizeof(err)) == -1);
    int tap = make_tap("vif1.0");
    CHECK(tap >= 0);
    struct sim s = { "/local/domain/0/backend/vif/1/0", "/local/domain/1/device/vif/0", 0, true, false };
    pthread_t th;
    pthread_create(&th, NULL, simulate, &s);
    if (devices_network_attach(xs, 1, &v, 3000, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        _exit(1);
    }
    CHECK(bridge_has_port("xenbr0", "vif1.0"));
    char *mac = rd("/local/domain/1/device/vif/0/mac");
    CHECK(mac && !strncmp(mac, "00:16:3e:", 9) && strlen(mac) == 17);
    free(mac);
    char *hs = rd("/local/domain/0/backend/vif/1/0/hotplug-status");
    CHECK(hs && !strcmp(hs, "connected"));
    free(hs);
    CHECK(devices_network_attach(xs, 1, &v, 0, err, sizeof(err)) == -1);   /* twice */
    CHECK(devices_network_detach(xs, 1, 0, 3000, err, sizeof(err)) == 0);
    s.stop = 1;
    pthread_join(th, NULL);
    CHECK(!bridge_has_port("xenbr0", "vif1.0"));
    CHECK(!rd("/local/domain/0/backend/vif/1/0"));
    CHECK(!rd("/local/domain/1/device/vif/0"));
    /* A netdev that never appears: bounded, clear, nothing left. */
    v.devid = 1;
    CHECK(devices_network_attach(xs, 1, &v, 200, err, sizeof(err)) == -1);
    CHECK(strstr(err, "backend still Initialising after 200 ms"));
    CHECK(!rd("/local/domain/0/backend/vif/1/1"));
    close(tap);
    CHECK(bridge_delete("xenbr0", err, sizeof(err)) == 0);
}

static void test_vif_bridge_in_netns(void **state)
{
    (void)state;
    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK))
        skip();
    int rc = in_netns(vif_in_netns);
    if (rc == 77)
        skip();
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vbd_nodes_match_reference),
        cmocka_unit_test(test_vif_nodes_match_reference),
        cmocka_unit_test(test_block_attach_detach_loop),
        cmocka_unit_test(test_block_frontend_never_connects),
        cmocka_unit_test(test_block_frontend_dead),
        cmocka_unit_test(test_block_hostile_specs),
        cmocka_unit_test(test_vif_bridge_in_netns),
        cmocka_unit_test(test_domain_plug_connect_unplug),
        cmocka_unit_test(test_domain_check_refusals),
        cmocka_unit_test(test_domain_never_connects),
        cmocka_unit_test(test_cli_domain_by_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
