/*
 * One disk spec (xl-disk-configuration(5)), read as libxlutil's
 * libxlu_disk_l.l reads it: at each position the longest of its patterns
 * wins, ties go to the pattern listed first.  What that gives:
 *   - blanks before a parameter are skipped (not after it);
 *   - key=value up to the next comma for the keys below; target= takes the
 *     rest of the spec (one trailing comma dropped);
 *   - the flags cdrom, discard, no-discard, direct-io-safe, colo, no-colo,
 *     whole words only;
 *   - a deprecated prefix (raw: qcow: qcow2: vhd: iscsi: nbd: enbd: drbd:
 *     tapdisk: tap: tap2: aio: ioemu: file: phy:) at a parameter's start;
 *   - anything else without '=' is positional: target, format, vdev,
 *     access in that order (after a prefix, format is skipped);
 *   - a parameter given twice with different values is an error.
 * Then pvctl's limits: raw format, phy backend in dom0, no cdrom, no
 * scripts, no COLO, a vdev libxl can number.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_internal.h"

static const char *const fmt_names[] = {
    [F_RAW] = "raw", [F_QCOW] = "qcow", [F_QCOW2] = "qcow2", [F_VHD] = "vhd",
    [F_EMPTY] = "empty", [F_QED] = "qed",
};


static void derr(struct xlcfg_disk_scan *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void derr(struct xlcfg_disk_scan *d, const char *fmt, ...)
{
    va_list ap;

    if (d->err)
        return;
    d->err = true;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
}

/* SAVESTRING: a second non-empty value for the same field is an error. */
static void save(struct xlcfg_disk_scan *d, char **field, const char *what, const char *val, size_t n)
{
    if (*field && **field) {
        derr(d, "%s given twice", what);
        return;
    }
    free(*field);
    *field = strndup(val, n);
    if (!*field)
        derr(d, "out of memory");
}

static bool eq(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && !memcmp(s, w, n);
}

static void set_format(struct xlcfg_disk_scan *d, const char *s, size_t n)
{
    enum xlcfg_disk_fmt f;

    if (n == 0 || eq(s, n, "raw")) f = F_RAW;
    else if (eq(s, n, "qcow")) f = F_QCOW;
    else if (eq(s, n, "qcow2")) f = F_QCOW2;
    else if (eq(s, n, "vhd")) f = F_VHD;
    else if (eq(s, n, "empty")) f = F_EMPTY;
    else if (eq(s, n, "qed")) f = F_QED;
    else {
        derr(d, "unknown disk format \"%.*s\"", (int)n, s);
        return;
    }
    if (d->format != F_UNKNOWN && d->format != f)
        derr(d, "disk format given twice");
    else
        d->format = f;
}

static void set_access(struct xlcfg_disk_scan *d, const char *s, size_t n)
{
    if (eq(s, n, "r") || eq(s, n, "ro"))
        d->readwrite = false;
    else if (eq(s, n, "rw") || eq(s, n, "w") || n == 0)
        d->readwrite = true;
    else
        derr(d, "unknown disk access \"%.*s\" (r, ro, w or rw)", (int)n, s);
}

static void set_enum(struct xlcfg_disk_scan *d, int *field, int v, const char *what)
{
    if (*field && *field != v)
        derr(d, "%s given twice", what);
    else
        *field = v;
}

/* <vdev>:<devtype> (deprecated); returns false when there is no colon. */
static bool vdev_and_devtype(struct xlcfg_disk_scan *d, const char *s, size_t n)
{
    const char *colon = NULL;

    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            colon = s + i;
    if (!colon)
        return false;
    save(d, &d->vdev, "vdev", s, (size_t)(colon - s));
    size_t tl = n - (size_t)(colon + 1 - s);
    if (eq(colon + 1, tl, "cdrom"))
        d->is_cdrom = true;
    else if (eq(colon + 1, tl, "disk"))
        d->is_cdrom = false;
    else
        derr(d, "unknown device type \"%.*s\"", (int)tl, colon + 1);
    return true;
}

static void positional(struct xlcfg_disk_scan *d, const char *s, size_t n)
{
    if (d->err)
        return;
    if (!d->target) {
        save(d, &d->target, "target", s, n);
    } else if (!d->had_depr_prefix && d->format == F_UNKNOWN) {
        char tok[40];

        snprintf(tok, sizeof(tok), "%.*s", (int)(n < 39 ? n : 39), s);
        if (!*d->target && vdev_and_devtype(d, s, n))
            d->format = F_EMPTY;
        else if (n < 39 && strchr(tok, ':') == NULL && xlcfg_vdev_number(tok) >= 0 &&
                 !eq(s, n, "raw"))
            /* the usual slip: "/img,xvda,w" without the deprecated prefix */
            derr(d, "\"%s\" stands where the format goes (target,format,vdev,access): "
                 "write \"%s,,%s\"", tok, d->target, tok);
        else
            set_format(d, s, n);
    } else if (!d->vdev) {
        if (!vdev_and_devtype(d, s, n))
            save(d, &d->vdev, "vdev", s, n);
    } else if (!d->access_set) {
        d->access_set = true;
        set_access(d, s, n);
    } else {
        derr(d, "too many positional parameters at \"%.*s\"", (int)n, s);
    }
}

/*
 * trusted/untrusted are in libxlu_disk_l.l but not in the scanner 4.17
 * ships pregenerated (libxlu_disk_l.c), which Debian builds: there they are
 * positional words, and so they are here.
 */
static const char *const flags[] = {
    "cdrom", "direct-io-safe", "discard", "no-discard", "colo", "no-colo",
};
static const char *const keys[] = {
    "format", "devtype", "access", "backend", "backendtype", "specification",
    "vdev", "script", "colo-host", "colo-port", "colo-export", "active-disk",
    "hidden-disk", "target",
};
static const char *const prefixes[] = {
    "raw", "qcow", "qcow2", "vhd", "iscsi", "nbd", "enbd", "drbd",
    "tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy",
};

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static void keyword(struct xlcfg_disk_scan *d, const char *k, const char *v, size_t n)
{
    if (!strcmp(k, "format")) set_format(d, v, n);
    else if (!strcmp(k, "devtype")) {
        if (eq(v, n, "cdrom")) d->is_cdrom = true;
        else if (eq(v, n, "disk")) d->is_cdrom = false;
        else derr(d, "unknown devtype \"%.*s\" (disk or cdrom)", (int)n, v);
    } else if (!strcmp(k, "access")) set_access(d, v, n);
    else if (!strcmp(k, "backend")) save(d, &d->backend, "backend", v, n);
    else if (!strcmp(k, "backendtype")) {
        if (eq(v, n, "phy")) set_enum(d, &d->backendtype, 1, "backendtype");
        else if (eq(v, n, "tap")) set_enum(d, &d->backendtype, 2, "backendtype");
        else if (eq(v, n, "qdisk")) set_enum(d, &d->backendtype, 3, "backendtype");
        else if (eq(v, n, "standalone")) set_enum(d, &d->backendtype, 4, "backendtype");
        else derr(d, "unknown backendtype \"%.*s\"", (int)n, v);
    } else if (!strcmp(k, "specification")) {
        if (eq(v, n, "xen")) set_enum(d, &d->specification, 1, "specification");
        else if (eq(v, n, "virtio")) set_enum(d, &d->specification, 2, "specification");
        else derr(d, "unknown specification \"%.*s\"", (int)n, v);
    } else if (!strcmp(k, "vdev")) save(d, &d->vdev, "vdev", v, n);
    else if (!strcmp(k, "script")) save(d, &d->script, "script", v, n);
    else if (!strcmp(k, "colo-port")) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%.*s", (int)(n < 31 ? n : 31), v);
        if (!atoi(buf))
            derr(d, "bad colo-port");
        d->colo_param = true;
    } else {
        d->colo_param = true;   /* colo-host, colo-export, active-disk, hidden-disk */
    }
}

static void scan(struct xlcfg_disk_scan *d)
{
    const char *p = d->spec;

    while (*p && !d->err) {
        size_t rest = strlen(p);

        /* blanks before a parameter (their pattern's context runs to the end) */
        if (*p == ' ' || *p == '\t') {
            while (*p == ' ' || *p == '\t')
                p++;
            continue;
        }
        /* key=value: the pattern key=[^,]*,? (target=.* takes everything) */
        const char *eqs = NULL;
        size_t klen = 0;
        while (klen < rest && p[klen] != '=' && p[klen] != ',')
            klen++;
        if (klen < rest && p[klen] == '=')
            eqs = p + klen;
        if (eqs) {
            for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                if (!eq(p, klen, keys[i]))
                    continue;
                const char *v = eqs + 1;
                size_t vn;
                if (!strcmp(keys[i], "target")) {
                    vn = strlen(v);
                    if (vn && v[vn - 1] == ',')
                        vn--;
                    save(d, &d->target, "target", v, vn);
                    return;
                }
                vn = strcspn(v, ",");
                keyword(d, keys[i], v, vn);
                p = v + vn + (v[vn] == ',');
                goto next;
            }
        }
        /* a deprecated prefix word: followed by ':' (pattern's context: .*) */
        {
            size_t w = 0;
            while (w < rest && is_lower_alnum(p[w]))
                w++;
            if (w && p[w] == ':' && (p[0] >= 'a' && p[0] <= 'z')) {
                for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                    if (!eq(p, w, prefixes[i]))
                        continue;
                    d->had_depr_prefix = true;
                    if (i <= 3) {
                        set_format(d, p, w);
                    } else if (i <= 7) {
                        char s[16];
                        snprintf(s, sizeof(s), "block-%.*s", (int)w, p);
                        save(d, &d->script, "script", s, strlen(s));
                    }
                    p += w + 1;
                    goto next;
                }
                /* [a-z][a-z0-9]*:/([^a-z0-9].*)? */
                if (!is_lower_alnum(p[w + 1])) {
                    derr(d, "unknown deprecated disk prefix \"%.*s\"", (int)(w + 1), p);
                    return;
                }
            }
        }
        /* [a-z][-a-z0-9]*=[^,] : an unknown key (one value char suffices) */
        if (eqs && p[0] >= 'a' && p[0] <= 'z' && eqs[1] && eqs[1] != ',') {
            bool word = true;
            for (const char *q = p; q < eqs; q++)
                word &= is_lower_alnum(*q) || *q == '-';
            if (word) {
                derr(d, "unknown disk parameter \"%.*s\"", (int)klen, p);
                return;
            }
        }
        /* flags: whole words; a longer positional wins over them */
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
            if (!eq(p, klen, flags[i]))
                continue;
            const char *f = flags[i];
            if (!strcmp(f, "cdrom")) d->is_cdrom = true;
            else if (!strcmp(f, "direct-io-safe")) d->direct_io_safe = true;
            else if (!strcmp(f, "discard")) d->discard = 1;
            else if (!strcmp(f, "no-discard")) d->discard = 0;
            else if (!strcmp(f, "colo")) d->colo = 1;
            else d->colo = 0;
            p += klen + (p[klen] == ',');
            goto next;
        }
        /* positional: [^=,]*, | [^=,]+,? */
        if (p[klen] == ',' || klen > 0) {
            positional(d, p, klen);
            p += klen + (p[klen] == ',');
            goto next;
        }
        /* libxlutil's error pattern needs a character after the bad one:
         * a bad last character is dropped without a word */
        if (!p[1]) {
            d->stray_last = *p;
            return;
        }
        derr(d, "bad disk syntax at \"%s\"", p);
        return;
next:
        ;
    }
}

/* libxl's vdev numbering (xvd*, hd*, sd*, dNpM); -1 when it has none. */
static bool disk_letters(const char *s, const char *pfx, long max_index, long max_part,
                         long *index, long *part)
{
    size_t pl = strlen(pfx);
    long idx = -1;

    if (strncmp(s, pfx, pl))
        return false;
    s += pl;
    while (*s >= 'a' && *s <= 'z') {
        idx = (idx + 1) * 26 + (*s++ - 'a');
        if (idx > max_index)
            return false;
    }
    if (idx < 0)
        return false;   /* libxl takes "xvd" as index -1; no disk has that name */
    *index = idx;
    if (!*s) {
        *part = 0;
        return true;
    }
    if (*s == '0')
        return false;
    long n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        n = n * 10 + (*s - '0');
        if (n > max_part)
            return false;
    }
    *part = n;
    return true;
}

long xlcfg_vdev_number(const char *vdev)
{
    long disk, part;
    const char *s = vdev;

    if (s[0] == 'd' && s[1] >= '0' && s[1] <= '9') {
        /* d<disk>p<partition>, decimal */
        disk = part = 0;
        for (s++; *s >= '0' && *s <= '9'; s++)
            if ((disk = disk * 10 + (*s - '0')) >= (1 << 20))
                return -1;
        if (*s++ != 'p' || !(*s >= '0' && *s <= '9'))
            return -1;
        for (; *s >= '0' && *s <= '9'; s++)
            if ((part = part * 10 + (*s - '0')) >= 256)
                return -1;
        if (*s)
            return -1;
    } else if (!disk_letters(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part)) {
        if (disk_letters(vdev, "hd", 3, 63, &disk, &part))
            return ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
        if (disk_letters(vdev, "sd", 15, 15, &disk, &part))
            return (8 << 8) | (disk << 4) | part;
        return -1;
    }
    if (disk <= 15 && part <= 15)
        return (202 << 8) | (disk << 4) | part;
    return (1L << 28) | (disk << 8) | part;
}

void xlcfg_disk_scan_free(struct xlcfg_disk_scan *d)
{
    free(d->target);
    free(d->vdev);
    free(d->script);
    free(d->backend);
    memset(d, 0, sizeof(*d));
}

const char *xlcfg_disk_fmt_name(enum xlcfg_disk_fmt f)
{
    return f == F_UNKNOWN ? "unknown" : fmt_names[f];
}

int xlcfg_disk_scan(const char *spec, struct xlcfg_disk_scan *d)
{
    memset(d, 0, sizeof(*d));
    d->spec = spec;
    d->readwrite = true;
    d->discard = d->trusted = d->colo = -1;
    for (const char *c = spec; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\t') {
            derr(d, "control character in disk spec \"%s\"", spec);
            return -1;
        }
    }
    scan(d);
    if (!d->err) {
        /* xlu_disk_parse's final checks */
        if (d->format == F_UNKNOWN)
            d->format = F_RAW;
        if (d->is_cdrom) {
            d->readwrite = false;
            if (!d->target || !*d->target)
                d->format = F_EMPTY;
        }
        if (!d->vdev)
            derr(d, "no vdev in disk spec");
        else if (!d->target && !d->is_cdrom)
            derr(d, "no target in disk spec");
    }
    return d->err ? -1 : 0;
}

int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *disk, char *msg, size_t msglen)
{
    struct xlcfg_disk_scan d;

    memset(disk, 0, sizeof(*disk));
    xlcfg_disk_scan(spec, &d);
    /* pvctl's limits */
    if (!d.err) {
        long num;

        if (d.stray_last)
            derr(&d, "stray '%c' at the end of the disk spec", d.stray_last);
        else if (d.is_cdrom)
            derr(&d, "cdrom disks are not supported by pvctl");
        else if (d.format != F_RAW)
            derr(&d, "disk format %s is not supported by pvctl (raw only)", fmt_names[d.format]);
        else if (d.backendtype > 1)
            derr(&d, "backendtype %s is not supported by pvctl (phy only)",
                 d.backendtype == 2 ? "tap" : d.backendtype == 3 ? "qdisk" : "standalone");
        else if (d.specification == 2)
            derr(&d, "specification=virtio is not supported by pvctl");
        else if (d.script)
            derr(&d, "disk scripts are not supported by pvctl (it attaches the disk itself)");
        else if (d.colo != -1 || d.colo_param)
            derr(&d, "COLO disk parameters are not supported by pvctl");
        else if (d.backend && *d.backend && strcmp(d.backend, "0") && strcmp(d.backend, "Domain-0"))
            derr(&d, "disk backend \"%s\" is not supported by pvctl (dom0 only)", d.backend);
        else if (!*d.target)
            derr(&d, "disk target is empty");
        else if (strlen(d.target) > XLCFG_PATH_MAX)
            derr(&d, "disk target longer than %u bytes", XLCFG_PATH_MAX);
        else if ((num = xlcfg_vdev_number(d.vdev)) < 0)
            derr(&d, "unknown vdev \"%s\" (xvdX, hdX, sdX or dNpM)", d.vdev);
        else
            disk->virtual_device = (uint32_t)num;
    }
    if (d.err) {
        snprintf(msg, msglen, "%s", d.msg);
        xlcfg_disk_scan_free(&d);
        return -1;
    }
    disk->target = d.target;
    disk->vdev = d.vdev;
    disk->access = d.readwrite ? XLCFG_DISK_RW : XLCFG_DISK_RO;
    disk->format = XLCFG_DISK_FORMAT_RAW;
    disk->backendtype = XLCFG_DISK_BACKEND_PHY;
    disk->script = NULL;
    /* libxl's default: discard on writable disks only */
    disk->discard = d.discard == -1 ? d.readwrite : d.discard != 0;
    disk->direct_io_safe = d.direct_io_safe;
    disk->trusted = d.trusted != 0;
    free(d.backend);
    return 0;
}

void xlcfg_disk_free(struct xlcfg_disk *disk)
{
    free(disk->spec);
    free(disk->target);
    free(disk->vdev);
    free(disk->script);
    memset(disk, 0, sizeof(*disk));
}
