/* xlcfg against libxlutil: see xlcfg_ref.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "xlcfg_internal.h"
#include "xlcfg_syntax.h"
#include "xlcfg_ref.h"

static void why(struct xlcfg_ref_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void why(struct xlcfg_ref_result *r, const char *fmt, ...)
{
    va_list ap;

    if (r->mismatch[0])
        return;
    va_start(ap, fmt);
    vsnprintf(r->mismatch, sizeof(r->mismatch), fmt, ap);
    va_end(ap);
}

static bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return !strcmp(a, b);
}

static void cmp_str(struct xlcfg_ref_result *r, const char *what, const char *xl, const char *ours)
{
    if (!same_str(xl, ours))
        why(r, "%s: libxlutil \"%s\", xlcfg \"%s\"", what, xl ? xl : "(none)", ours ? ours : "(none)");
}

/* xl's reading of a number key: the value, or `dflt` when absent. */
static void cmp_long(struct xlcfg_ref_result *r, XLU_Config *c, const char *key, long dflt, long ours)
{
    long l;
    int e = xlu_cfg_get_long(c, key, &l, 1);

    if (e == ESRCH)
        l = dflt;
    else if (e)
        return why(r, "%s: libxlutil cannot read it as a number (%s) but xlcfg took %ld",
                   key, strerror(e), ours);
    if (l != ours)
        why(r, "%s: libxlutil %ld, xlcfg %ld", key, l, ours);
}

static const char *get_str(XLU_Config *c, const char *key)
{
    const char *v = NULL;

    if (xlu_cfg_get_string(c, key, &v, 1))
        return NULL;
    return v;
}

/* xl's parse_cmdline. */
static char *xl_cmdline(XLU_Config *c)
{
    const char *cl = get_str(c, "cmdline"), *root = get_str(c, "root"), *extra = get_str(c, "extra");
    char *out = NULL;

    if (cl)
        return strdup(cl);
    if (root && extra) {
        if (asprintf(&out, "root=%s %s", root, extra) < 0)
            return NULL;
    } else if (root) {
        if (asprintf(&out, "root=%s", root) < 0)
            return NULL;
    } else if (extra) {
        out = strdup(extra);
    }
    return out;
}

static void cmp_action(struct xlcfg_ref_result *r, XLU_Config *c, const char *key,
                       const char *dflt, enum xlcfg_action ours)
{
    const char *v = get_str(c, key);

    cmp_str(r, key, v ? v : dflt, xlcfg_action_name(ours));
}

static void cmp_disks(struct xlcfg_ref_result *r, XLU_Config *c, const struct xlcfg *cfg)
{
    XLU_ConfigList *list;
    int n = 0;

    if (xlu_cfg_get_list(c, "disk", &list, &n, 1))
        n = 0;
    if ((size_t)n != cfg->n_disks)
        return why(r, "disk: libxlutil has %d, xlcfg %zu", n, cfg->n_disks);
    for (int i = 0; i < n; i++) {
        const char *spec = xlu_cfg_get_listitem(list, i);
        const struct xlcfg_disk *d = &cfg->disks[i];
        libxl_device_disk ld;
        char what[32];

        snprintf(what, sizeof(what), "disk %d spec", i + 1);
        cmp_str(r, what, spec, d->spec);
        if (!spec)
            return;
        libxl_device_disk_init(&ld);
        if (xlu_disk_parse(c, 1, &spec, &ld)) {
            why(r, "disk %d \"%s\": libxlutil refuses it, xlcfg accepts", i + 1, spec);
        } else {
            snprintf(what, sizeof(what), "disk %d target", i + 1);
            cmp_str(r, what, ld.pdev_path, d->target);
            snprintf(what, sizeof(what), "disk %d vdev", i + 1);
            cmp_str(r, what, ld.vdev, d->vdev);
            if (ld.readwrite != (d->access == XLCFG_DISK_RW))
                why(r, "disk %d access: libxlutil readwrite=%d", i + 1, ld.readwrite);
            if (ld.format != LIBXL_DISK_FORMAT_RAW)
                why(r, "disk %d format: libxlutil %d, xlcfg raw", i + 1, ld.format);
            if (ld.backend != LIBXL_DISK_BACKEND_UNKNOWN && ld.backend != LIBXL_DISK_BACKEND_PHY)
                why(r, "disk %d backendtype: libxlutil %d, xlcfg phy", i + 1, ld.backend);
            if (ld.is_cdrom)
                why(r, "disk %d: libxlutil has a cdrom", i + 1);
            if (ld.script)
                why(r, "disk %d: libxlutil has script \"%s\"", i + 1, ld.script);
            /* unset, libxl turns discard on for writable disks (libxl_disk.c) */
            bool discard = libxl_defbool_is_default(ld.discard_enable) ? !!ld.readwrite
                                                                       : libxl_defbool_val(ld.discard_enable);
            if (discard != d->discard)
                why(r, "disk %d discard: libxl %d, xlcfg %d", i + 1, discard, d->discard);
            if (ld.direct_io_safe != d->direct_io_safe)
                why(r, "disk %d direct-io-safe: libxlutil %d", i + 1, ld.direct_io_safe);
            if (!libxl_defbool_is_default(ld.trusted) && libxl_defbool_val(ld.trusted) != d->trusted)
                why(r, "disk %d trusted: libxlutil %d", i + 1, libxl_defbool_val(ld.trusted));
        }
        libxl_device_disk_dispose(&ld);
    }
}

static void cmp_vifs(struct xlcfg_ref_result *r, XLU_Config *c, const struct xlcfg *cfg)
{
    XLU_ConfigList *list;
    int n = 0;

    if (xlu_cfg_get_list(c, "vif", &list, &n, 1))
        n = 0;
    if ((size_t)n != cfg->n_vifs)
        return why(r, "vif: libxlutil has %d, xlcfg %zu", n, cfg->n_vifs);
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof(what), "vif %d spec", i + 1);
        cmp_str(r, what, xlu_cfg_get_listitem(list, i), cfg->vifs[i].spec);
    }
}

/* Does xl's syntax layer take it, with every disk spec? */
static bool xl_accepts(XLU_Config *c)
{
    XLU_ConfigList *list;
    const char *spec;
    int n = 0;

    if (xlu_cfg_get_list(c, "disk", &list, &n, 1))
        return true;
    for (int i = 0; i < n && (spec = xlu_cfg_get_listitem(list, i)); i++) {
        libxl_device_disk ld;
        int e;

        libxl_device_disk_init(&ld);
        e = xlu_disk_parse(c, 1, &spec, &ld);
        libxl_device_disk_dispose(&ld);
        if (e)
            return false;
    }
    return true;
}

int xlcfg_ref_compare(const char *data, size_t len,
                      const char *const *overrides, size_t n_overrides,
                      const struct xlcfg_limits *limits,
                      struct xlcfg_ref_result *res)
{
    struct xlcfg cfg;
    struct xlcfg_error err;
    FILE *devnull = fopen("/dev/null", "w");
    XLU_Config *c;
    char *buf;
    size_t blen = len;

    memset(res, 0, sizeof(*res));
    res->ours_ok = xlcfg_parse_buffer(data, len, overrides, n_overrides, limits, &cfg, &err) == 0;
    if (!res->ours_ok) {
        xlcfg_error_format(&err, res->ours_error, sizeof(res->ours_error));
        res->ours_line = err.line;
        res->ours_override = err.override;
    }

    /* xl create's buffer: the file, then "\n" and each override with "\n" */
    for (size_t i = 0; i < n_overrides; i++)
        blen += strlen(overrides[i]) + 2;
    buf = malloc(blen + 1);
    memcpy(buf, data, len);
    blen = len;
    if (n_overrides) {
        buf[blen++] = '\n';
        for (size_t i = 0; i < n_overrides; i++)
            blen += (size_t)sprintf(buf + blen, "%s\n", overrides[i]);
    }
    c = xlu_cfg_init(devnull, "ref");
    /* libxlutil asserts (xlu__cfgl_dequote) on a NUL in a string: xl dies */
    if (memchr(buf, 0, blen))
        res->xl_ok = false;
    else
        res->xl_ok = xlu_cfg_readdata(c, buf, (int)blen) == 0 && xl_accepts(c);

    /* every disk spec libxlutil sees, accepted or not, through both scanners */
    if (!memchr(buf, 0, blen)) {
        XLU_ConfigList *list;
        const char *spec;
        int n = 0;

        if (xlu_cfg_get_list(c, "disk", &list, &n, 1))
            n = 0;
        for (int i = 0; i < n && !res->mismatch[0]; i++)
            if ((spec = xlu_cfg_get_listitem(list, i)))
                xlcfg_ref_disk_compare(spec, res->mismatch, sizeof(res->mismatch));
    }
    if (res->ours_ok) {
        if (!res->xl_ok) {
            why(res, "xlcfg accepts what libxlutil refuses");
        } else {
            cmp_str(res, "name", get_str(c, "name"), cfg.name);
            /* xl: maxmem defaults to memory; libxl: memory (target) to maxmem, else 32 MiB */
            long mem = -1, maxmem = -1;
            xlu_cfg_get_long(c, "memory", &mem, 1);
            xlu_cfg_get_long(c, "maxmem", &maxmem, 1);
            cmp_long(res, c, "memory", maxmem > 0 ? maxmem : XLCFG_DEFAULT_MEMORY, (long)cfg.memory_mib);
            cmp_long(res, c, "maxmem", mem > 0 ? mem : XLCFG_DEFAULT_MEMORY, (long)cfg.maxmem_mib);
            cmp_long(res, c, "vcpus", 1, cfg.vcpus);
            cmp_long(res, c, "maxvcpus", cfg.vcpus, cfg.maxvcpus);
            cmp_str(res, "kernel", get_str(c, "kernel"), cfg.kernel);
            cmp_str(res, "ramdisk", get_str(c, "ramdisk"), cfg.ramdisk);
            char *cl = xl_cmdline(c);
            cmp_str(res, "cmdline", cl, cfg.cmdline);
            free(cl);
            cmp_action(res, c, "on_poweroff", "destroy", cfg.on_poweroff);
            cmp_action(res, c, "on_reboot", "restart", cfg.on_reboot);
            cmp_action(res, c, "on_crash", "destroy", cfg.on_crash);
            const char *type = get_str(c, "type");
            if (type && strcmp(type, "pv"))
                why(res, "type: libxlutil \"%s\", xlcfg pv", type);
            const char *u = get_str(c, "uuid");
            if (!u != !cfg.uuid_set) {
                why(res, "uuid: libxlutil %s, xlcfg %s", u ? u : "(none)", cfg.uuid_set ? "set" : "(none)");
            } else if (u) {
                libxl_uuid lu;
                if (libxl_uuid_from_string(&lu, u) ||
                    memcmp(libxl_uuid_bytearray(&lu), cfg.uuid, 16))
                    why(res, "uuid: libxl reads \"%s\" differently", u);
            }
            cmp_disks(res, c, &cfg);
            cmp_vifs(res, c, &cfg);
        }
        xlcfg_free(&cfg);
    }
    xlu_cfg_destroy(c);
    free(buf);
    if (devnull)
        fclose(devnull);
    return res->mismatch[0] ? -1 : 0;
}

static const char *libxl_fmt_name(libxl_disk_format f)
{
    switch (f) {
    case LIBXL_DISK_FORMAT_UNKNOWN: return "unknown";
    case LIBXL_DISK_FORMAT_QCOW: return "qcow";
    case LIBXL_DISK_FORMAT_QCOW2: return "qcow2";
    case LIBXL_DISK_FORMAT_VHD: return "vhd";
    case LIBXL_DISK_FORMAT_RAW: return "raw";
    case LIBXL_DISK_FORMAT_EMPTY: return "empty";
    case LIBXL_DISK_FORMAT_QED: return "qed";
    }
    return "?";
}

static int defbool3(libxl_defbool b)
{
    return libxl_defbool_is_default(b) ? -1 : libxl_defbool_val(b);
}

int xlcfg_ref_disk_compare(const char *spec, char *why, size_t whylen)
{
    struct xlcfg_disk_scan d;
    libxl_device_disk ld;
    FILE *devnull;
    XLU_Config *c;
    int ours, xl, rc = 0;

    why[0] = 0;
    for (const char *p = spec; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return 0;
    devnull = fopen("/dev/null", "w");
    c = xlu_cfg_init(devnull, "ref");
    libxl_device_disk_init(&ld);
    xl = xlu_disk_parse(c, 1, &spec, &ld) == 0;
    ours = xlcfg_disk_scan(spec, &d) == 0;

#define DIFF(...) do { if (!rc) snprintf(why, whylen, __VA_ARGS__); rc = -1; } while (0)
    if (xl != ours) {
        DIFF("disk \"%s\": libxlutil %s, xlcfg %s%s%s", spec, xl ? "accepts" : "refuses",
             ours ? "accepts" : "refuses: ", ours ? "" : d.msg, "");
    } else if (xl) {
        if (!same_str(ld.pdev_path, d.target))
            DIFF("disk \"%s\" target: libxlutil \"%s\", xlcfg \"%s\"", spec,
                 ld.pdev_path ? ld.pdev_path : "(none)", d.target ? d.target : "(none)");
        if (!same_str(ld.vdev, d.vdev))
            DIFF("disk \"%s\" vdev: libxlutil \"%s\", xlcfg \"%s\"", spec, ld.vdev, d.vdev);
        if (strcmp(libxl_fmt_name(ld.format), xlcfg_disk_fmt_name(d.format)))
            DIFF("disk \"%s\" format: libxlutil %s, xlcfg %s", spec, libxl_fmt_name(ld.format),
                 xlcfg_disk_fmt_name(d.format));
        if (ld.readwrite != d.readwrite)
            DIFF("disk \"%s\" readwrite: libxlutil %d, xlcfg %d", spec, ld.readwrite, d.readwrite);
        if (ld.is_cdrom != d.is_cdrom)
            DIFF("disk \"%s\" cdrom: libxlutil %d, xlcfg %d", spec, ld.is_cdrom, d.is_cdrom);
        if ((int)ld.backend != d.backendtype)
            DIFF("disk \"%s\" backendtype: libxlutil %d, xlcfg %d", spec, ld.backend, d.backendtype);
        if ((int)ld.specification != d.specification)
            DIFF("disk \"%s\" specification: libxlutil %d, xlcfg %d", spec, ld.specification, d.specification);
        if (!same_str(ld.script, d.script))
            DIFF("disk \"%s\" script: libxlutil \"%s\", xlcfg \"%s\"", spec,
                 ld.script ? ld.script : "(none)", d.script ? d.script : "(none)");
        if (!same_str(ld.backend_domname, d.backend))
            DIFF("disk \"%s\" backend: libxlutil \"%s\", xlcfg \"%s\"", spec,
                 ld.backend_domname ? ld.backend_domname : "(none)", d.backend ? d.backend : "(none)");
        if (defbool3(ld.discard_enable) != d.discard)
            DIFF("disk \"%s\" discard: libxlutil %d, xlcfg %d", spec, defbool3(ld.discard_enable), d.discard);
        if (defbool3(ld.colo_enable) != d.colo)
            DIFF("disk \"%s\" colo: libxlutil %d, xlcfg %d", spec, defbool3(ld.colo_enable), d.colo);
        if (ld.direct_io_safe != d.direct_io_safe)
            DIFF("disk \"%s\" direct-io-safe differs", spec);
    }
#undef DIFF
    xlcfg_disk_scan_free(&d);
    libxl_device_disk_dispose(&ld);
    xlu_cfg_destroy(c);
    if (devnull)
        fclose(devnull);
    return rc;
}

/* xlcfg's refusals that libxlutil does not share, by design. */
static bool deliberate(const char *msg)
{
    static const char *const why[] = {
        "octal escapes are refused", "lists nested deeper", "list longer than",
        "string longer than", "key longer than", "number longer than", "settings",
        "NUL byte", "+= on a list of lists", "at the end of the file (xl ignores it)",
    };
    for (size_t i = 0; i < sizeof(why) / sizeof(why[0]); i++)
        if (strstr(msg, why[i]))
            return true;
    return false;
}

int xlcfg_ref_syntax_compare(const char *data, size_t len, char *why, size_t whylen)
{
    struct xlcfg_doc doc = { 0 };
    struct xlcfg_error err = { 0 };
    FILE *devnull;
    XLU_Config *c;
    int ours, xl, rc = 0;

    why[0] = 0;
    ours = xlcfg_syntax_parse(data, len, 0, &doc, &err) == 0;
    if (memchr(data, 0, len)) {
        xlcfg_doc_free(&doc);
        return ours ? (snprintf(why, whylen, "xlcfg accepts a NUL byte"), -1) : 0;
    }
    devnull = fopen("/dev/null", "w");
    c = xlu_cfg_init(devnull, "ref");
    xl = xlu_cfg_readdata(c, data, (int)len) == 0;
#define DIFF(...) do { if (!rc) snprintf(why, whylen, __VA_ARGS__); rc = -1; } while (0)
    if (ours && !xl) {
        DIFF("syntax: xlcfg accepts, libxlutil refuses");
    } else if (!ours && xl) {
        if (!deliberate(err.message))
            DIFF("syntax: libxlutil accepts, xlcfg refuses: line %d: %s", err.line, err.message);
    } else if (ours) {
        for (const struct xlcfg_setting *st = doc.first; st; st = st->next) {
            if (xlcfg_doc_find(&doc, st->key) != st)
                continue;
            const struct xlcfg_value *v = st->value;
            if (!v->is_list) {
                const char *xs = NULL;
                if (xlu_cfg_get_string(c, st->key, &xs, 1) || strcmp(xs, v->str))
                    DIFF("syntax: %s: libxlutil \"%s\", xlcfg \"%s\"", st->key, xs ? xs : "(not a string)", v->str);
                continue;
            }
            XLU_ConfigList *list;
            int n;
            if (xlu_cfg_get_list(c, st->key, &list, &n, 1) || (size_t)n != v->n_items) {
                DIFF("syntax: %s: list lengths differ", st->key);
                continue;
            }
            for (int i = 0; i < n; i++) {
                const char *item = xlu_cfg_get_listitem(list, i);
                if (v->items[i]->is_list ? item != NULL : (!item || strcmp(item, v->items[i]->str)))
                    DIFF("syntax: %s[%d]: libxlutil \"%s\"", st->key, i, item ? item : "(list)");
            }
        }
    }
#undef DIFF
    xlcfg_doc_free(&doc);
    xlu_cfg_destroy(c);
    if (devnull)
        fclose(devnull);
    return rc;
}
