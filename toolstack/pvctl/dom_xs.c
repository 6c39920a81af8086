/* A domU's xenstore entries (see dom_xs.h). */
#include "dom_xs.h"
#include "xs_batch.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

/* DOM0_READ: (n0,rN), set on the tree tops; GUEST_OWNED: (nN);
 * FRONTEND: (nN,r0), libxl's frontend entries of a device; INHERIT: a new
 * node takes its parent's permissions in xenstore, so no second request. */
enum own { DOM0_READ, GUEST_OWNED, FRONTEND, DOM0_ONLY, INHERIT };

/* Write (value) or mkdir (NULL) path with its permissions. */
static void put(struct xs_batch *b, uint32_t domid, enum own o, const char *path, const char *value)
{
    struct xs_permissions p[2] = {
        { .id = o == GUEST_OWNED || o == FRONTEND ? domid : 0, .perms = XS_PERM_NONE },
        { .id = o == FRONTEND ? 0 : domid, .perms = XS_PERM_READ },
    };
    xs_batch_write(b, path, value);
    if (o != INHERIT)
        xs_batch_perms(b, path, p, o == DOM0_READ || o == FRONTEND ? 2 : 1);
}

int dom_xs_write(struct xs_handle *xs, const struct dom_xs_info *i, char *err, size_t errlen)
{
    const struct xlcfg *c = i->cfg;
    char dom[64], vm[64], be[96], uuid[37], p[256], v[128];
    uint32_t id = i->domid;

    uuid_format(i->uuid, uuid);
    snprintf(dom, sizeof(dom), "/local/domain/%u", id);
    snprintf(vm, sizeof(vm), "/vm/%s", uuid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/0", id);

    struct xs_batch b;
    xs_batch_init(&b);
    {
#define P(o, val, ...) do { snprintf(p, sizeof(p), __VA_ARGS__); put(&b, id, o, p, val); } while (0)
#define V(...) (snprintf(v, sizeof(v), __VA_ARGS__), v)
        xs_batch_rm(&b, dom);
        xs_batch_rm(&b, vm);
        /* libxl__domain_make */
        P(DOM0_READ, NULL, "%s", dom);
        P(DOM0_READ, NULL, "%s", vm);
        P(DOM0_ONLY, NULL, "/libxl/%u", id);
        P(INHERIT, "pv", "/libxl/%u/type", id);
        P(INHERIT, vm, "%s/vm", dom);
        P(INHERIT, c->name, "%s/name", dom);
        P(INHERIT, c->name, "%s/name", vm);
        P(INHERIT, uuid, "%s/uuid", vm);
        /* cpu/, memory/, device/ and control/ are made by their first
         * child's write, with the same (inherited) permissions an mkdir
         * gives them: four requests less for xenstored */
        P(GUEST_OWNED, NULL, "%s/device/suspend/event-channel", dom);
        P(GUEST_OWNED, NULL, "%s/control/shutdown", dom);
        P(GUEST_OWNED, NULL, "%s/control/feature-poweroff", dom);
        P(GUEST_OWNED, NULL, "%s/control/feature-reboot", dom);
        P(GUEST_OWNED, NULL, "%s/control/feature-suspend", dom);
        P(GUEST_OWNED, NULL, "%s/control/sysrq", dom);
        P(INHERIT, "1", "%s/control/platform-feature-multiprocessor-suspend", dom);
        P(INHERIT, "1", "%s/control/platform-feature-xs_reset_watches", dom);
        P(GUEST_OWNED, NULL, "%s/data", dom);
        P(GUEST_OWNED, NULL, "%s/drivers", dom);
        P(GUEST_OWNED, NULL, "%s/feature", dom);
        P(GUEST_OWNED, NULL, "%s/attr", dom);
        P(GUEST_OWNED, NULL, "%s/error", dom);
        /* libxl__build_post */
        P(INHERIT, V("%llu", (unsigned long long)c->maxmem_mib << 10), "%s/memory/static-max", dom);
        P(INHERIT, V("%llu", (unsigned long long)c->memory_mib << 10), "%s/memory/target", dom);
        P(INHERIT, "0", "%s/memory/videoram", dom);
        P(INHERIT, V("%u", id), "%s/domid", dom);
        P(INHERIT, V("%u", i->store_port), "%s/store/port", dom);
        P(INHERIT, V("%llu", (unsigned long long)i->store_mfn), "%s/store/ring-ref", dom);
        for (uint32_t cpu = 0; cpu < c->maxvcpus; cpu++)
            P(INHERIT, cpu < c->vcpus ? "online" : "offline", "%s/cpu/%u/availability", dom, cpu);
        P(INHERIT, "linux", "%s/image/ostype", vm);
        P(INHERIT, c->kernel, "%s/image/kernel", vm);
        P(INHERIT, c->ramdisk ? c->ramdisk : "", "%s/image/ramdisk", vm);
        P(INHERIT, c->cmdline ? c->cmdline : "", "%s/image/cmdline", vm);
        P(INHERIT, V("%lld.00", (long long)time(NULL)), "%s/start_time", vm);
        /* the console (libxl__device_console_add, device 0) */
        P(INHERIT, be, "%s/console/backend", dom);
        P(FRONTEND, "0", "%s/console/backend-id", dom);
        P(INHERIT, "1048576", "%s/console/limit", dom);
        P(INHERIT, "xenconsoled", "%s/console/type", dom);
        P(INHERIT, "pty", "%s/console/output", dom);
        P(INHERIT, "", "%s/console/tty", dom);
        P(INHERIT, V("%u", i->cons_port), "%s/console/port", dom);
        P(INHERIT, V("%llu", (unsigned long long)i->cons_mfn), "%s/console/ring-ref", dom);
        P(DOM0_READ, NULL, "%s", be);
        P(INHERIT, V("%s/console", dom), "%s/frontend", be);
        P(INHERIT, V("%u", id), "%s/frontend-id", be);
        P(INHERIT, "1", "%s/online", be);
        P(INHERIT, "1", "%s/state", be);
        P(INHERIT, "vt100", "%s/protocol", be);
        /* libxl's own record of the console device, and its device-model
         * version (written for every domain, PV too) */
        P(INHERIT, V("%s/console", dom), "/libxl/%u/device/console/0/frontend", id);
        P(INHERIT, be, "/libxl/%u/device/console/0/backend", id);
        P(INHERIT, V("%u", id), "/libxl/%u/device/console/0/frontend-id", id);
        P(INHERIT, "1", "/libxl/%u/device/console/0/online", id);
        P(INHERIT, "1", "/libxl/%u/device/console/0/state", id);
        P(INHERIT, "vt100", "/libxl/%u/device/console/0/protocol", id);
        P(INHERIT, "qemu_xen", "/libxl/%u/dm-version", id);
#undef P
#undef V
    }
    int rc = xs_batch_commit(xs, &b, err, errlen);
    xs_batch_free(&b);
    return rc;
}

void dom_xs_remove(struct xs_handle *xs, uint32_t domid)
{
    char p[96], *vm, err[300];
    unsigned len;
    struct xs_batch b;

    snprintf(p, sizeof(p), "/local/domain/%u/vm", domid);
    vm = xs_read(xs, XBT_NULL, p, &len);
    xs_batch_init(&b);
    if (vm && !strncmp(vm, "/vm/", 4))
        xs_batch_rm(&b, vm);
    free(vm);
    snprintf(p, sizeof(p), "/local/domain/%u", domid);
    xs_batch_rm(&b, p);
    snprintf(p, sizeof(p), "/libxl/%u", domid);
    xs_batch_rm(&b, p);
    snprintf(p, sizeof(p), "/local/domain/0/backend/console/%u", domid);
    xs_batch_rm(&b, p);
    xs_batch_apply(xs, &b, err, sizeof(err));    /* what is left is not ours to fix */
    xs_batch_free(&b);
}

char *dom_xs_name(struct xs_handle *xs, uint32_t domid)
{
    char p[64];
    unsigned len;

    if (domid == 0)
        return strdup("Domain-0");
    snprintf(p, sizeof(p), "/local/domain/%u/name", domid);
    return xs_read(xs, XBT_NULL, p, &len);
}

long dom_xs_find(struct xs_handle *xs, const char *name)
{
    unsigned n;
    long found = -1;
    char **ids;

    if (!strcmp(name, "Domain-0"))
        return 0;
    ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
    for (unsigned i = 0; ids && i < n && found < 0; i++) {
        char *end, *nm;
        unsigned long id = strtoul(ids[i], &end, 10);
        if (*end || id == 0 || id >= 0x7ff0)
            continue;
        nm = dom_xs_name(xs, (uint32_t)id);
        if (nm && !strcmp(nm, name))
            found = (long)id;
        free(nm);
    }
    free(ids);
    return found;
}
