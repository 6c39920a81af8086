/* Bridge and link control by ioctl (see bridge.h). */
#include "bridge.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ctl_socket(void)
{
    return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static bool name_ok(const char *n)
{
    return n && n[0] && strlen(n) < IFNAMSIZ && !strchr(n, '/') && strcmp(n, ".") && strcmp(n, "..");
}

static int set_up(int s, const char *ifname, bool up)
{
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    snprintf(r.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(s, SIOCGIFFLAGS, &r))
        return -1;
    r.ifr_flags = (short)(up ? (r.ifr_flags | IFF_UP) : (r.ifr_flags & ~IFF_UP));
    return ioctl(s, SIOCSIFFLAGS, &r);
}

static int set_addr(int s, const char *name, const char *cidr, char *err, size_t errlen)
{
    char ip[INET_ADDRSTRLEN + 4];
    snprintf(ip, sizeof(ip), "%s", cidr);
    char *slash = strchr(ip, '/');
    long prefix = 24;
    if (slash) {
        *slash = 0;
        char *end;
        prefix = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || prefix < 1 || prefix > 32)
            goto bad;
    }
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    snprintf(r.ifr_name, IFNAMSIZ, "%s", name);
    struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
        goto bad;
    if (ioctl(s, SIOCSIFADDR, &r)) {
        snprintf(err, errlen, "bridge %s: address %s: %s", name, cidr, strerror(errno));
        return -1;
    }
    sin->sin_addr.s_addr = htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
    if (ioctl(s, SIOCSIFNETMASK, &r)) {
        snprintf(err, errlen, "bridge %s: netmask /%ld: %s", name, prefix, strerror(errno));
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "bridge %s: bad address \"%s\" (want A.B.C.D/PREFIX)", name, cidr);
    return -1;
}

int bridge_create(const char *name, const char *cidr, char *err, size_t errlen)
{
    if (!name_ok(name)) {
        snprintf(err, errlen, "bad bridge name \"%s\"", name ? name : "");
        return -1;
    }
    int s = ctl_socket();
    if (s < 0) {
        snprintf(err, errlen, "bridge %s: socket: %s", name, strerror(errno));
        return -1;
    }
    int rc = -1;
    if (ioctl(s, SIOCBRADDBR, name) && errno != EEXIST) {
        snprintf(err, errlen, "bridge %s: cannot create: %s", name, strerror(errno));
        goto out;
    }
    if (cidr && set_addr(s, name, cidr, err, errlen))
        goto out;
    if (set_up(s, name, true)) {
        snprintf(err, errlen, "bridge %s: cannot bring up: %s", name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    close(s);
    return rc;
}

static int port_op(unsigned long op, const char *br, const char *ifname, char *err, size_t errlen)
{
    if (!name_ok(br) || !name_ok(ifname)) {
        snprintf(err, errlen, "bad interface name");
        return -1;
    }
    unsigned idx = if_nametoindex(ifname);
    if (!idx) {
        if (op == SIOCBRDELIF)
            return 0;
        snprintf(err, errlen, "%s: no such interface", ifname);
        return -1;
    }
    int s = ctl_socket();
    if (s < 0) {
        snprintf(err, errlen, "bridge %s: socket: %s", br, strerror(errno));
        return -1;
    }
    struct ifreq r;
    memset(&r, 0, sizeof(r));
    snprintf(r.ifr_name, IFNAMSIZ, "%s", br);
    r.ifr_ifindex = (int)idx;
    int rc = 0;
    if (ioctl(s, op, &r)) {
        int e = errno;
        if (op == SIOCBRDELIF && (e == EINVAL || e == ENODEV)) {
            rc = 0; /* not a port (any more) */
        } else {
            snprintf(err, errlen, "%s: cannot %s bridge %s: %s", ifname,
                     op == SIOCBRADDIF ? "join" : "leave", br,
                     e == ENODEV ? "no such bridge (pvctl network create it)" : strerror(e));
            rc = -1;
        }
    }
    if (!rc && op == SIOCBRADDIF && set_up(s, ifname, true)) {
        snprintf(err, errlen, "%s: cannot bring up: %s", ifname, strerror(errno));
        rc = -1;
    }
    close(s);
    return rc;
}

int bridge_add_port(const char *br, const char *ifname, char *err, size_t errlen)
{
    return port_op(SIOCBRADDIF, br, ifname, err, errlen);
}

int bridge_del_port(const char *br, const char *ifname, char *err, size_t errlen)
{
    return port_op(SIOCBRDELIF, br, ifname, err, errlen);
}

int bridge_delete(const char *name, char *err, size_t errlen)
{
    if (!name_ok(name)) {
        snprintf(err, errlen, "bad bridge name");
        return -1;
    }
    int s = ctl_socket();
    if (s < 0)
        return -1;
    set_up(s, name, false);
    int rc = ioctl(s, SIOCBRDELBR, name);
    if (rc)
        snprintf(err, errlen, "bridge %s: cannot delete: %s", name, strerror(errno));
    close(s);
    return rc ? -1 : 0;
}

bool bridge_has_port(const char *br, const char *ifname)
{
    char p[128];
    if (!name_ok(br) || !name_ok(ifname))
        return false;
    snprintf(p, sizeof(p), "/sys/class/net/%s/brif/%s", br, ifname);
    return access(p, F_OK) == 0;
}
