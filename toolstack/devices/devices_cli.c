/* Hotplug commands on a running domU, xl's syntax:
 *   block-attach DOM DISKSPEC      block-detach DOM VDEV        (DOM: id or name)
 *   network-attach DOM [VIFSPEC]   network-detach DOM DEVID
 *   network create NAME [A.B.C.D/N]
 * Specs go through xlcfg, so they mean what they mean in a config file. */
#include "devices_cli.h"
#include "devices.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmds[] = { "block-attach", "block-detach", "network-attach",
                                    "network-detach", "network" };

int devices_cli_handles(const char *cmd)
{
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(cmd, cmds[i]))
            return 1;
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: block-attach DOM DISKSPEC | block-detach DOM VDEV | "
                    "network-attach DOM [VIFSPEC] | network-detach DOM DEVID | "
                    "network create NAME [ADDR/PREFIX]\n");
    return 2;
}

/* One disk or vif spec through the config parser. */
static int parse_one(const char *key, const char *spec, struct xlcfg *cfg)
{
    char buf[8192];
    struct xlcfg_error e;
    if (strchr(spec, '\'') || strchr(spec, '\n') || strlen(spec) > 4000) {
        fprintf(stderr, "bad %s spec \"%s\"\n", key, spec);
        return -1;
    }
    int n = snprintf(buf, sizeof(buf), "name='hotplug'\nkernel='/'\n%s=['%s']\n", key, spec);
    if (xlcfg_parse_buffer(buf, (size_t)n, NULL, 0, NULL, cfg, &e)) {
        char line[512];
        xlcfg_error_format(&e, line, sizeof(line));
        fprintf(stderr, "%s spec \"%s\": %s\n", key, spec, strstr(line, ": ") ? strstr(line, ": ") + 2 : line);
        return -1;
    }
    return 0;
}

/* DOM as a domU's id or name (xenstore's /local/domain/N/name). */
static int domid_of(struct xs_handle *xs, const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*s && !*end && !errno) {
        if (v == 0 || v >= 0x7ff0) {
            fprintf(stderr, "bad domain id \"%s\" (a domU's number)\n", s);
            return -1;
        }
        *out = (uint32_t)v;
        return 0;
    }
    unsigned n = 0;
    char **ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
    int rc = -1;
    for (unsigned i = 0; ids && i < n && rc; i++) {
        char p[64], *nm;
        unsigned len;
        v = strtoul(ids[i], &end, 10);
        if (*end || v == 0 || v >= 0x7ff0)
            continue;
        snprintf(p, sizeof(p), "/local/domain/%lu/name", v);
        if ((nm = xs_read(xs, XBT_NULL, p, &len)) && !strcmp(nm, s)) {
            *out = (uint32_t)v;
            rc = 0;
        }
        free(nm);
    }
    free(ids);
    if (rc)
        fprintf(stderr, "no domU \"%s\"\n", s);
    return rc;
}

static unsigned timeout_ms(void)
{
    return devices_timeout_ms(DEVICES_DEFAULT_TIMEOUT_MS);
}

int devices_cli(int argc, char **argv)
{
    char err[512] = "";
    const char *cmd = argv[0];
    if (!strcmp(cmd, "network")) {
        if (argc < 3 || argc > 4 || strcmp(argv[1], "create"))
            return usage();
        if (devices_network_create(argv[2], argc == 4 ? argv[3] : NULL, err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        return 0;
    }
    uint32_t domid;
    bool vif_attach = !strcmp(cmd, "network-attach");
    if (argc != 3 && !(vif_attach && argc == 2))
        return usage();
    struct xs_handle *xs = xs_open(0);
    if (!xs) {
        fprintf(stderr, "cannot reach xenstore: %s\n", strerror(errno));
        return 1;
    }
    if (domid_of(xs, argv[1], &domid)) {
        xs_close(xs);
        return 1;
    }
    struct xlcfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    int rc = -1;
    if (!strcmp(cmd, "block-attach")) {
        if (!parse_one("disk", argv[2], &cfg))
            rc = devices_block_attach(xs, domid, &cfg.disks[0], timeout_ms(), err, sizeof(err));
    } else if (!strcmp(cmd, "block-detach")) {
        /* VDEV as a name (xvda) or xenstore's number (51712); target= must come last in xl's syntax. */
        char spec[128];
        char *end;
        unsigned long n = strtoul(argv[2], &end, 10);
        if (!*end && end != argv[2] && n <= 0xffffffffUL) {
            rc = devices_block_detach(xs, domid, (uint32_t)n, timeout_ms(), err, sizeof(err));
        } else if (snprintf(spec, sizeof(spec), "vdev=%s,target=/", argv[2]) < (int)sizeof(spec) &&
                   !parse_one("disk", spec, &cfg)) {
            rc = devices_block_detach(xs, domid, cfg.disks[0].virtual_device, timeout_ms(),
                                      err, sizeof(err));
        }
    } else if (vif_attach) {
        if (!parse_one("vif", argc == 3 ? argv[2] : "", &cfg))
            rc = devices_network_attach(xs, domid, &cfg.vifs[0], timeout_ms(), err, sizeof(err));
    } else if (!strcmp(cmd, "network-detach")) {
        char *end;
        unsigned long n = strtoul(argv[2], &end, 10);
        if (*end || end == argv[2] || n > 65535)
            fprintf(stderr, "bad vif devid \"%s\"\n", argv[2]);
        else
            rc = devices_network_detach(xs, domid, (uint32_t)n, timeout_ms(), err, sizeof(err));
    } else {
        rc = usage();
    }
    if (rc == -1 && err[0])
        fprintf(stderr, "%s\n", err);
    xlcfg_free(&cfg);
    xs_close(xs);
    return rc == 0 ? 0 : rc == 2 ? 2 : 1;
}
