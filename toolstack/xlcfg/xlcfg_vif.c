/*
 * One vif spec (xl-network-configuration(5)), split as xl's
 * parse_nic_config does: comma-separated `key=value` or flag, blanks
 * before each dropped, empty items skipped, a later key overrides an
 * earlier one.  xl prints and ignores what it does not know; we refuse it,
 * and refuse what pvctl cannot do (HVM models, rate limits, COLO, routing
 * scripts, backends outside dom0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_internal.h"

static const char *const vif_keys[] = {
    "mac", "bridge", "backend", "script", "ip", "vifname", "type", "mtu",
    "devid", "gatewaydev", "trusted", "untrusted",
};

/* Keys xl takes that pvctl does not implement. */
static const char *const vif_refused[] = {
    "model", "rate", "accel", "netdev", "forwarddev",
};

static int replace(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
    return *field ? 0 : -1;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        int n = 0;

        for (; n < 2; n++) {
            char c = s[n];
            unsigned d;
            if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
            else break;
            v = v * 16 + d;
        }
        if (n == 0)
            return false;
        mac[i] = (uint8_t)v;
        s += n;
        if (i < 5 && *s++ != ':')
            return false;
    }
    return *s == 0;
}

/* A decimal number without sign or blanks, at most max. */
static bool parse_dec(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* Linux interface names: 1..15 bytes, no '/', ':' or blanks. */
static bool ifname_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 15)
        return false;
    return strcspn(s, "/: \t") == n;
}

static int vif_option(struct xlcfg_vif *vif, char *tok, char *msg, size_t msglen)
{
    char *eqs = strchr(tok, '=');
    const char *v = eqs ? eqs + 1 : NULL;
    unsigned long n;

    if (!strcmp(tok, "trusted")) {
        vif->trusted = true;
        return 0;
    }
    if (!strcmp(tok, "untrusted")) {
        vif->trusted = false;
        return 0;
    }
    if (!eqs) {
        const char *s = xlcfg_suggest(tok, vif_keys, sizeof(vif_keys) / sizeof(vif_keys[0]));
        snprintf(msg, msglen, "unknown vif parameter \"%s\"%s%s%s", tok,
                 s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
        return -1;
    }
    *eqs = 0;
    for (size_t i = 0; i < sizeof(vif_refused) / sizeof(vif_refused[0]); i++) {
        if (!strcmp(tok, vif_refused[i]) || !strncmp(tok, "colo_", 5)) {
            snprintf(msg, msglen, "vif parameter \"%s\" is not supported by pvctl", tok);
            return -1;
        }
    }
    if (!strcmp(tok, "mac")) {
        if (!parse_mac(v, vif->mac)) {
            snprintf(msg, msglen, "bad vif mac \"%s\" (6 hex bytes, xx:xx:xx:xx:xx:xx)", v);
            return -1;
        }
        if (vif->mac[0] & 1) {
            snprintf(msg, msglen, "vif mac \"%s\" is a multicast address", v);
            return -1;
        }
        vif->mac_set = true;
    } else if (!strcmp(tok, "bridge")) {
        if (!ifname_ok(v)) {
            snprintf(msg, msglen, "bad bridge name \"%s\" (1-15 characters, no '/', ':' or blanks)", v);
            return -1;
        }
        return replace(&vif->bridge, v);
    } else if (!strcmp(tok, "vifname")) {
        if (!ifname_ok(v)) {
            snprintf(msg, msglen, "bad vifname \"%s\" (1-15 characters, no '/', ':' or blanks)", v);
            return -1;
        }
        return replace(&vif->vifname, v);
    } else if (!strcmp(tok, "backend")) {
        if (strcmp(v, "0") && strcmp(v, "Domain-0")) {
            snprintf(msg, msglen, "vif backend \"%s\" is not supported by pvctl (dom0 only)", v);
            return -1;
        }
        return replace(&vif->backend, v);
    } else if (!strcmp(tok, "script")) {
        const char *base = strrchr(v, '/');
        if (strcmp(base ? base + 1 : v, "vif-bridge")) {
            snprintf(msg, msglen, "vif script \"%s\" is not supported by pvctl (vif-bridge only)", v);
            return -1;
        }
        return replace(&vif->script, v);
    } else if (!strcmp(tok, "ip")) {
        if (!*v || strlen(v) > 255 || strspn(v, "0123456789abcdefABCDEF.:/ ") != strlen(v)) {
            snprintf(msg, msglen, "bad vif ip \"%s\"", v);
            return -1;
        }
        return replace(&vif->ip, v);
    } else if (!strcmp(tok, "gatewaydev")) {
        if (!ifname_ok(v)) {
            snprintf(msg, msglen, "bad gatewaydev \"%s\"", v);
            return -1;
        }
        return replace(&vif->gatewaydev, v);
    } else if (!strcmp(tok, "type")) {
        if (strcmp(v, "vif")) {
            snprintf(msg, msglen, "vif type \"%s\" is not supported by pvctl (vif only)", v);
            return -1;
        }
    } else if (!strcmp(tok, "mtu")) {
        if (!parse_dec(v, 65535, &n) || n < 68) {
            snprintf(msg, msglen, "bad vif mtu \"%s\" (68-65535)", v);
            return -1;
        }
        vif->mtu = (uint32_t)n;
    } else if (!strcmp(tok, "devid")) {
        if (!parse_dec(v, XLCFG_VIF_DEVID_MAX, &n)) {
            snprintf(msg, msglen, "bad vif devid \"%s\" (0-%u)", v, XLCFG_VIF_DEVID_MAX);
            return -1;
        }
        vif->devid = (uint32_t)n;
    } else {
        const char *s = xlcfg_suggest(tok, vif_keys, sizeof(vif_keys) / sizeof(vif_keys[0]));
        snprintf(msg, msglen, "unknown vif parameter \"%s\"%s%s%s", tok,
                 s ? " (did you mean \"" : "", s ? s : "", s ? "\"?)" : "");
        return -1;
    }
    return 0;
}

int xlcfg_vif_parse(const char *spec, uint32_t index, struct xlcfg_vif *vif,
                    char *msg, size_t msglen)
{
    char *buf, *save = NULL;
    int rc = 0;

    memset(vif, 0, sizeof(*vif));
    if (msglen)
        msg[0] = 0;
    vif->devid = index;
    vif->trusted = true;
    for (const char *c = spec; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(msg, msglen, "control character in vif spec \"%s\"", spec);
            return -1;
        }
    }
    buf = strdup(spec);
    if (!buf) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    for (char *tok = strtok_r(buf, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        rc = vif_option(vif, tok, msg, msglen);
        if (rc > 0 || (rc < 0 && !msg[0]))
            snprintf(msg, msglen, "out of memory");
    }
    free(buf);
    if (rc)
        xlcfg_vif_free(vif);
    return rc ? -1 : 0;
}

void xlcfg_vif_free(struct xlcfg_vif *vif)
{
    free(vif->spec);
    free(vif->bridge);
    free(vif->backend);
    free(vif->script);
    free(vif->ip);
    free(vif->vifname);
    free(vif->gatewaydev);
    memset(vif, 0, sizeof(*vif));
}
