/* Virtual NICs: a vif spec to a Connected netback/netfront pair whose
 * backend netdev is a port of its bridge (what vif-bridge does, natively). */
#include "bridge.h"
#include "devices_internal.h"
#include "handshake.h"
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void vif_nodes(uint32_t domid, const struct xlcfg_vif *v, const char *mac, const char *bridge,
               struct node_set *b, struct node_set *f)
{
    char be[128], fe[128];
    nodes_paths("vif", domid, v->devid, be, sizeof(be), fe, sizeof(fe));
    b->count = f->count = 0;
    node_add(b, "frontend", "%s", fe);
    node_add(b, "frontend-id", "%u", domid);
    node_add(b, "online", "1");
    node_add(b, "state", "1");
    node_add(b, "mac", "%s", mac);
    node_add(b, "bridge", "%s", bridge);
    node_add(b, "handle", "%u", v->devid);
    node_add(b, "type", "vif");
    /* netback's probe fails (-ENOENT, "reading script") without the key;
     * empty: nothing is to run it, pvctl does the script's work itself. */
    node_add(b, "script", "%s", "");
    if (v->mtu)
        node_add(b, "mtu", "%u", v->mtu);

    node_add(f, "backend", "%s", be);
    node_add(f, "backend-id", "0");
    node_add(f, "state", "1");
    node_add(f, "handle", "%u", v->devid);
    node_add(f, "mac", "%s", mac);
    node_add(f, "trusted", "%d", v->trusted ? 1 : 0);
    node_add(f, "mtu", "%u", v->mtu ? v->mtu : 1500);
    f->n[f->count - 1].dom0_owned = true;   /* the guest may not change its MTU key */
}

static void ifname_of(uint32_t domid, uint32_t devid, char *out, size_t len)
{
    snprintf(out, len, "vif%u.%u", domid, devid);
}

static bool bridge_exists(const char *br)
{
    char p[96];
    if (strlen(br) >= IFNAMSIZ || strchr(br, '/'))
        return false;
    snprintf(p, sizeof(p), "/sys/class/net/%s/bridge", br);
    return access(p, F_OK) == 0;
}

int vif_check(const struct xlcfg_vif *v, char *err, size_t errlen)
{
    const char *br = v->bridge ? v->bridge : DEVICES_DEFAULT_BRIDGE;
    if (v->vifname) {
        snprintf(err, errlen, "vif %u: vifname= is not supported (the backend names it vifDOMID.%u)",
                 v->devid, v->devid);
        return -1;
    }
    if (!bridge_exists(br)) {
        snprintf(err, errlen, "bridge %s does not exist (create it: pvctl network create %s)", br, br);
        return -1;
    }
    return 0;
}

int vif_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *v,
             unsigned timeout_ms, char *err, size_t errlen)
{
    err[0] = 0;
    const char *br = v->bridge ? v->bridge : DEVICES_DEFAULT_BRIDGE;
    if (vif_check(v, err, errlen))
        return -1;
    char mac[18];
    uint8_t m[6] = { 0x00, 0x16, 0x3e };
    if (v->mac_set) {
        memcpy(m, v->mac, 6);
    } else if (getrandom(m + 3, 3, 0) != 3) {
        snprintf(err, errlen, "vif %u: no random bytes for a MAC: %s", v->devid, strerror(errno));
        return -1;
    } else {
        m[3] &= 0x7f;   /* Xen's OUI range libxl draws from */
    }
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);

    char be[128], fe[128], p[192];
    nodes_paths("vif", domid, v->devid, be, sizeof(be), fe, sizeof(fe));
    unsigned len;
    char *old = xs_read(xs, XBT_NULL, be, &len);
    if (old) {
        free(old);
        snprintf(err, errlen, "domain %u already has vif %u", domid, v->devid);
        return -1;
    }
    snprintf(p, sizeof(p), "/local/domain/%u", domid);
    if (!(old = xs_read(xs, XBT_NULL, p, &len))) {
        snprintf(err, errlen, "no domain %u in xenstore", domid);
        return -1;
    }
    free(old);

    struct node_set b, f;
    vif_nodes(domid, v, mac, br, &b, &f);
    if (nodes_write(xs, "vif", domid, v->devid, &b, &f, NULL, NULL, err, errlen))
        return -1;
    return timeout_ms ? vif_bridge(xs, domid, v, timeout_ms, err, errlen) : 0;
}

int vif_bridge(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *v,
               unsigned timeout_ms, char *err, size_t errlen)
{
    const char *br = v->bridge ? v->bridge : DEVICES_DEFAULT_BRIDGE;
    char be[128], fe[128], p[192], ifname[IFNAMSIZ + 8], e2[256];
    nodes_paths("vif", domid, v->devid, be, sizeof(be), fe, sizeof(fe));
    /* netback creates vifD.N when it probes (state InitWait). */
    ifname_of(domid, v->devid, ifname, sizeof(ifname));
    int last = -1;
    if (handshake_wait(xs, be, 2, 4, timeout_ms, &last)) {
        char name[16];
        snprintf(name, sizeof(name), "%u", v->devid);
        handshake_stuck_message("vif", name, domid, true, last, timeout_ms, err, errlen);
        goto undo;
    }
    for (int i = 0; !if_nametoindex(ifname); i++) {
        if (i * 10 >= (int)timeout_ms) {
            snprintf(err, errlen, "vif %u of domain %u: no netdev %s after %u ms",
                     v->devid, domid, ifname, timeout_ms);
            goto undo;
        }
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
    if (bridge_add_port(br, ifname, err, errlen))
        goto undo;
    snprintf(p, sizeof(p), "%s/hotplug-status", be);
    if (!xs_write(xs, XBT_NULL, p, "connected", 9)) {
        snprintf(err, errlen, "xenstore: cannot write %s: %s", p, strerror(errno));
        goto undo;
    }
    return 0;
undo:
    devices_network_detach(xs, domid, v->devid, timeout_ms < 2000 ? timeout_ms : 2000, e2, sizeof(e2));
    return -1;
}

int devices_network_attach(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *v,
                           unsigned timeout_ms, char *err, size_t errlen)
{
    if (vif_plug(xs, domid, v, timeout_ms, err, errlen))
        return -1;
    if (!timeout_ms)
        return 0;
    char be[128], fe[128], name[16], e2[256];
    nodes_paths("vif", domid, v->devid, be, sizeof(be), fe, sizeof(fe));
    int sb = -1, sf = -1;
    if (!handshake_wait(xs, be, 4, -1, timeout_ms, &sb) &&
        !handshake_wait(xs, fe, 4, -1, timeout_ms, &sf))
        return 0;
    /* netback waits in InitWait for the frontend: then it is the guest's. */
    bool guest = sb == 2 || sb == 4;
    snprintf(name, sizeof(name), "%u", v->devid);
    handshake_stuck_message("vif", name, domid, !guest, guest ? handshake_read_state(xs, fe) : sb,
                            timeout_ms, err, errlen);
    devices_network_detach(xs, domid, v->devid, timeout_ms < 2000 ? timeout_ms : 2000, e2, sizeof(e2));
    return -1;
}

int devices_network_detach(struct xs_handle *xs, uint32_t domid, uint32_t devid,
                           unsigned timeout_ms, char *err, size_t errlen)
{
    char be[128], fe[128], p[192], ifname[IFNAMSIZ + 8], e2[256];
    unsigned len;
    err[0] = 0;
    nodes_paths("vif", domid, devid, be, sizeof(be), fe, sizeof(fe));
    snprintf(p, sizeof(p), "%s/bridge", be);
    char *br = xs_read(xs, XBT_NULL, p, &len);
    if (!br) {
        snprintf(err, errlen, "domain %u has no vif %u", domid, devid);
        return -1;
    }
    int last = -1, rc = 0;
    if (timeout_ms && devices_close_backend(xs, be, timeout_ms, &last)) {
        snprintf(err, errlen, "vif %u of domain %u: backend still %s after %u ms; removed anyway",
                 devid, domid, handshake_state_name(last), timeout_ms);
        rc = -1;
    }
    ifname_of(domid, devid, ifname, sizeof(ifname));
    if (bridge_del_port(br, ifname, e2, sizeof(e2)) && !rc) {
        snprintf(err, errlen, "%s", e2);
        rc = -1;
    }
    free(br);
    if (nodes_remove(xs, "vif", domid, devid, e2, sizeof(e2)) && !rc) {
        snprintf(err, errlen, "%s", e2);
        rc = -1;
    }
    return rc;
}

int devices_network_create(const char *name, const char *cidr, char *err, size_t errlen)
{
    return bridge_create(name, cidr, err, errlen);
}
