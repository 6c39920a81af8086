/*
 * The stopgap reader behind config_load (see config.h): `key = value`
 * lines, values "string", 'string' or a decimal number, `#` comments.
 * Strict as xlcfg will be: an unknown key or bad value is refused with its
 * line. Used only while xlcfg_parse_file is the stub.
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int act(const char *v, enum xlcfg_action *a)
{
    if (!strcmp(v, "destroy")) *a = XLCFG_ACTION_DESTROY;
    else if (!strcmp(v, "restart")) *a = XLCFG_ACTION_RESTART;
    else if (!strcmp(v, "preserve")) *a = XLCFG_ACTION_PRESERVE;
    else return -1;
    return 0;
}

static int uuid_parse(const char *s, uint8_t u[16])
{
    unsigned n = 0;
    for (; *s && n < 32; s++) {
        if (*s == '-')
            continue;
        if (!isxdigit((unsigned char)*s))
            return -1;
        int d = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);
        u[n / 2] = (uint8_t)(n & 1 ? u[n / 2] | d : d << 4);
        n++;
    }
    return n == 32 && !*s ? 0 : -1;
}

static int set(struct xlcfg *c, char **extra, char **root, const char *k, const char *v,
               bool quoted, const struct xlcfg_limits *lim, char *err, size_t el)
{
    char *end;
    unsigned long long n = quoted ? 0 : strtoull(v, &end, 10);
    bool num_ok = !quoted && *v && !*end;
    char **str = !strcmp(k, "name") ? &c->name : !strcmp(k, "kernel") ? &c->kernel :
                 !strcmp(k, "ramdisk") ? &c->ramdisk : !strcmp(k, "cmdline") ? &c->cmdline :
                 !strcmp(k, "extra") ? extra : !strcmp(k, "root") ? root : NULL;
    if (str) {
        if (!quoted) {
            snprintf(err, el, "%.64s must be a string", k);
            return -1;
        }
        free(*str);
        *str = strdup(v);
        return 0;
    }
    if (!strcmp(k, "type"))
        return quoted && !strcmp(v, "pv") ? 0 : (snprintf(err, el, "type must be \"pv\""), -1);
    if (!strcmp(k, "on_poweroff") || !strcmp(k, "on_reboot") || !strcmp(k, "on_crash")) {
        enum xlcfg_action *a = k[3] == 'p' ? &c->on_poweroff : k[3] == 'r' ? &c->on_reboot : &c->on_crash;
        if (!quoted || act(v, a))
            return snprintf(err, el, "%.64s must be \"destroy\", \"restart\" or \"preserve\"", k), -1;
        return 0;
    }
    if (!strcmp(k, "uuid")) {
        if (!quoted || uuid_parse(v, c->uuid))
            return snprintf(err, el, "uuid is not a UUID"), -1;
        c->uuid_set = true;
        return 0;
    }
    uint64_t maxmem = lim && lim->max_memory_mib ? lim->max_memory_mib : (1ull << 20);
    uint32_t maxcpu = lim && lim->max_vcpus ? lim->max_vcpus : XLCFG_VCPUS_HARD_MAX;
    if (!strcmp(k, "memory") || !strcmp(k, "maxmem")) {
        if (!num_ok || n < 1 || n > maxmem)
            return snprintf(err, el, "%.64s must be a number of MiB from 1 to %llu", k,
                            (unsigned long long)maxmem), -1;
        *(k[1] == 'e' ? &c->memory_mib : &c->maxmem_mib) = n;
        return 0;
    }
    if (!strcmp(k, "vcpus") || !strcmp(k, "maxvcpus")) {
        if (!num_ok || n < 1 || n > maxcpu)
            return snprintf(err, el, "%.64s must be from 1 to %u", k, maxcpu), -1;
        *(k[0] == 'v' ? &c->vcpus : &c->maxvcpus) = (uint32_t)n;
        return 0;
    }
    snprintf(err, el, "unknown key \"%.64s\"", k);
    return -1;
}

static int parse_line(struct xlcfg *c, char **extra, char **root, char *l,
                      const struct xlcfg_limits *lim, char *err, size_t el)
{
    char *p = l, *k, *v;
    while (isspace((unsigned char)*p)) p++;
    if (!*p || *p == '#')
        return 0;
    k = p;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    char *kend = p;
    while (isspace((unsigned char)*p)) p++;
    if (*p != '=' || kend == k)
        return snprintf(err, el, "expected key = value"), -1;
    *kend = 0;
    p++;
    while (isspace((unsigned char)*p)) p++;
    bool quoted = *p == '"' || *p == '\'';
    if (quoted) {
        char q = *p++;
        v = p;
        while (*p && *p != q) p++;
        if (*p != q)
            return snprintf(err, el, "unterminated string"), -1;
        *p++ = 0;
    } else {
        v = p;
        while (*p && !isspace((unsigned char)*p) && *p != '#' && *p != ';') p++;
        if (*p) *p++ = 0;
    }
    while (isspace((unsigned char)*p) || *p == ';') p++;
    if (*p && *p != '#')
        return snprintf(err, el, "trailing text after the value"), -1;
    return set(c, extra, root, k, v, quoted, lim, err, el);
}

int config_seam_parse(const char *data, size_t len, const char *const *ov, size_t n_ov,
                      const struct xlcfg_limits *lim, struct xlcfg *c, char *err, size_t el);
int config_seam_parse(const char *data, size_t len, const char *const *ov, size_t n_ov,
                      const struct xlcfg_limits *lim, struct xlcfg *c, char *err, size_t el)
{
    char *extra = NULL, *root = NULL, line[4096], why[200];
    size_t i = 0;
    int lineno = 0, rc = 0;

    memset(c, 0, sizeof(*c));
    c->vcpus = 1;
    c->on_reboot = XLCFG_ACTION_RESTART;
    for (size_t o = 0; o <= n_ov && !rc; o++) {
        const char *src = o ? ov[o - 1] : data;
        size_t slen = o ? strlen(src) : len;
        for (i = 0; i < slen && !rc;) {
            size_t j = 0;
            lineno++;
            while (i < slen && src[i] != '\n') {
                if (j < sizeof(line) - 1) line[j++] = src[i];
                i++;
            }
            i++;
            line[j] = 0;
            if (memchr(line, 0, j) || j == sizeof(line) - 1) {
                snprintf(why, sizeof(why), "line too long or holds a NUL");
                rc = -1;
            } else {
                rc = parse_line(c, &extra, &root, line, lim, why, sizeof(why));
            }
            if (rc && o)
                snprintf(err, el, "override %zu: %s", o, why);
            else if (rc)
                snprintf(err, el, "line %d: %s", lineno, why);
        }
    }
    if (!rc && (!c->name || !*c->name)) {
        snprintf(err, el, "no name = \"...\"");
        rc = -1;
    }
    if (!rc && !c->kernel) {
        snprintf(err, el, "no kernel = \"...\"");
        rc = -1;
    }
    if (!rc) {
        if (!c->memory_mib)
            c->memory_mib = XLCFG_DEFAULT_MEMORY;
        if (!c->maxmem_mib || c->maxmem_mib < c->memory_mib)
            c->maxmem_mib = c->memory_mib;
        if (!c->maxvcpus)
            c->maxvcpus = c->vcpus;
        if (!c->cmdline && (root || extra)) {
            size_t n = (root ? strlen(root) + 6 : 0) + (extra ? strlen(extra) : 0) + 2;
            c->cmdline = malloc(n);
            if (c->cmdline)
                snprintf(c->cmdline, n, "%s%s%s%s", root ? "root=" : "", root ? root : "",
                         root && extra ? " " : "", extra ? extra : "");
        }
    }
    free(extra);
    free(root);
    return rc;
}
