/*
 * xlcfg: what each key means (xl's tools/xl/xl_parse.c), pvctl's bounds,
 * and the entry points.  The syntax is xlcfg_syntax.c, the disk and vif
 * specs xlcfg_disk.c and xlcfg_vif.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlcfg_internal.h"
#include "xlcfg_syntax.h"

static const char *const action_names[] = {
    [XLCFG_ACTION_DESTROY] = "destroy",
    [XLCFG_ACTION_RESTART] = "restart",
    [XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACTION_PRESERVE] = "preserve",
    [XLCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [XLCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
    [XLCFG_ACTION_SOFT_RESET] = "soft-reset",
};
#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *xlcfg_action_name(enum xlcfg_action a)
{
    if ((unsigned)a >= N_ACTIONS)
        return "?";
    return action_names[a];
}

/* The keys pvctl implements (README.md documents each). */
static const char *const supported_keys[] = {
    "name", "type", "builder", "uuid", "memory", "maxmem", "vcpus", "maxvcpus",
    "kernel", "ramdisk", "cmdline", "extra", "root",
    "on_poweroff", "on_reboot", "on_crash", "disk", "vif",
};
#define N_SUPPORTED (sizeof(supported_keys) / sizeof(supported_keys[0]))

/* Keys Xen 4.17's xl reads that pvctl does not implement: refused by name. */
static const char *const xl_only_keys[] = {
    "acpi", "acpi_firmware", "acpi_laptop_slate", "acpi_s3", "acpi_s4", "altp2m",
    "altp2mhvm", "apic", "bios", "bios_path_override", "boot", "bootloader",
    "bootloader_args", "cap", "channel", "cpu_weight", "cpuid", "cpus", "cpus_soft",
    "device_model", "device_model_args", "device_model_args_hvm",
    "device_model_args_pv", "device_model_override",
    "device_model_stubdomain_override", "device_model_stubdomain_seclabel",
    "device_model_user", "device_model_version", "device_tree", "display",
    "dm_restrict", "driver_domain", "dtdev", "e820_host", "extratime", "firmware",
    "firmware_override", "gfx_passthru", "gic_version", "hap", "hdtype", "hpet",
    "init_seclabel", "iomem", "ioports", "irqs", "keymap", "latency", "localtime",
    "max_event_channels", "max_grant_frames", "max_grant_version",
    "max_maptrack_frames", "mca_caps", "mmio_hole", "ms_vm_genid", "msr_relaxed",
    "nestedhvm", "nographic", "nomigrate", "nx", "on_soft_reset", "on_watchdog",
    "oos", "opengl", "p9", "pae", "passthrough", "pci", "pci_msitranslate",
    "pci_permissive", "pci_power_mgmt", "pci_seize", "period", "pool", "pvcalls",
    "pvshim", "pvshim_cmdline", "pvshim_extra", "pvshim_path", "rdm",
    "rdm_mem_boundary", "rtc_timeoffset", "sdl", "seclabel", "serial",
    "shadow_memory", "slice", "smbios_firmware", "soundhw", "spice",
    "spice_clipboard_sharing", "spice_image_compression", "spice_streaming_video",
    "spiceagent_mouse", "spicedisable_ticketing", "spicehost", "spicepasswd",
    "spiceport", "spicetls_port", "spiceusbredirection", "spicevdagent", "stdvga",
    "stubdomain_cmdline", "stubdomain_kernel", "stubdomain_memory",
    "stubdomain_ramdisk", "tee", "timer_mode", "tsc_mode", "usb", "usbctrl",
    "usbdev", "usbdevice", "usbversion", "vcpu_hard_affinity", "vdispl",
    "vendor_device", "vfb", "vga", "videoram", "vif2", "viridian", "vkb",
    "vkb_device", "vmtrace_buf_kb", "vnc", "vncconsole", "vncdisplay", "vnclisten",
    "vncpasswd", "vncunused", "vncviewer", "vnuma", "vpmu", "vpt_align", "vsnd",
    "vtpm", "vuart", "xauthority", "xen_platform_pci",
    "xend_suspend_evtchn_compat",
};

/* Of those, the ones that only mean something to an HVM guest. */
static const char *const hvm_keys[] = {
    "acpi", "acpi_firmware", "acpi_laptop_slate", "acpi_s3", "acpi_s4", "altp2m",
    "altp2mhvm", "apic", "bios", "bios_path_override", "boot", "device_model",
    "device_model_args_hvm", "device_model_override", "device_model_version",
    "firmware", "firmware_override", "gfx_passthru", "hap", "hdtype", "hpet",
    "mmio_hole", "ms_vm_genid", "nestedhvm", "pae", "rdm", "rdm_mem_boundary",
    "rtc_timeoffset", "serial", "shadow_memory", "smbios_firmware", "soundhw",
    "stdvga", "timer_mode", "usb", "usbdevice", "vendor_device", "vga",
    "videoram", "viridian", "vpt_align", "xen_platform_pci",
};

struct ctx {
    const struct xlcfg_doc *doc;
    const struct xlcfg_limits *limits;
    struct xlcfg *cfg;
    struct xlcfg_error *err;
};

static int fail_at(struct ctx *c, const struct xlcfg_setting *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct ctx *c, const struct xlcfg_setting *s, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    xlcfg_fail(c->err, s ? s->line : 0, s ? s->override : 0, "%s", msg);
    return -1;
}

static bool in(const char *k, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(k, set[i]))
            return true;
    return false;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* A single string value (xlu_cfg_get_string): lists are refused. */
static int get_string(struct ctx *c, const struct xlcfg_setting *s, size_t max, const char **out)
{
    if (s->value->is_list)
        return fail_at(c, s, "%s takes a single value, not a list", s->key);
    if (has_control(s->value->str))
        return fail_at(c, s, "%s contains a control character", s->key);
    if (strlen(s->value->str) > max)
        return fail_at(c, s, "%s is longer than %zu bytes", s->key, max);
    *out = s->value->str;
    return 0;
}

static int dup_string(struct ctx *c, const struct xlcfg_setting *s, size_t max, char **out)
{
    const char *v;

    if (get_string(c, s, max, &v))
        return -1;
    if (!*v)
        return fail_at(c, s, "%s is empty", s->key);
    *out = strdup(v);
    return *out ? 0 : fail_at(c, s, "out of memory");
}

/* A number as xlu_cfg_get_long reads it (strtol base 0), then bounded. */
static int get_number(struct ctx *c, const struct xlcfg_setting *s, long min, long max, long *out)
{
    const char *v;
    char *ep;
    long l;

    if (s->value->is_list)
        return fail_at(c, s, "%s takes a number, not a list", s->key);
    if (s->add)
        return fail_at(c, s, "can't use += with numbers (%s)", s->key);
    v = s->value->str;
    errno = 0;
    l = strtol(v, &ep, 0);
    if (errno || *ep || ep == v)
        return fail_at(c, s, "%s: \"%s\" is not a number", s->key, v);
    if (l < min || l > max)
        return fail_at(c, s, "%s = %ld is out of range (%ld to %ld)", s->key, l, min, max);
    *out = l;
    return 0;
}

static int get_action(struct ctx *c, const struct xlcfg_setting *s, enum xlcfg_action *out)
{
    const char *v;

    if (get_string(c, s, 64, &v))
        return -1;
    for (size_t i = 0; i < N_ACTIONS; i++) {
        if (strcmp(v, action_names[i]))
            continue;
        if (i == XLCFG_ACTION_RENAME_RESTART || i == XLCFG_ACTION_SOFT_RESET)
            return fail_at(c, s, "%s action \"%s\" is not supported by pvctl (destroy, restart, "
                           "preserve, coredump-destroy or coredump-restart)", s->key, v);
        *out = (enum xlcfg_action)i;
        return 0;
    }
    const char *sug = xlcfg_suggest(v, action_names, N_ACTIONS);
    xlcfg_fail(c->err, s->line, s->override, "unknown %s action \"%s\"", s->key, v);
    if (sug)
        snprintf(c->err->suggestion, sizeof(c->err->suggestion), "%s", sug);
    return -1;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* The canonical form only: 8-4-4-4-12 hex digits. */
static bool parse_uuid(const char *s, uint8_t out[16])
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0, b = 0; i < 36; ) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return false;
            continue;
        }
        int h = hexval(s[i]), l = hexval(s[i + 1]);
        if (h < 0 || l < 0)
            return false;
        out[b++] = (uint8_t)(h << 4 | l);
        i += 2;
    }
    return true;
}

static bool name_ok(const char *n)
{
    bool digits_only = true;

    for (const char *p = n; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || strchr("_.:@+-", ch);
        if (!ok)
            return false;
        digits_only &= ch >= '0' && ch <= '9';
    }
    return !digits_only;
}

/* A list of strings (disk, vif): a single string or a nested list is refused. */
static int get_list(struct ctx *c, const struct xlcfg_setting *s, size_t max)
{
    if (!s->value->is_list)
        return fail_at(c, s, "%s takes a [list] of \"specs\"", s->key);
    if (s->value->n_items > max)
        return fail_at(c, s, "%s has %zu entries, at most %zu", s->key, s->value->n_items, max);
    for (size_t i = 0; i < s->value->n_items; i++)
        if (s->value->items[i]->is_list)
            return fail_at(c, s, "%s entry %zu is a list, not a \"spec\"", s->key, i + 1);
    return 0;
}

static int do_disks(struct ctx *c, const struct xlcfg_setting *s)
{
    const struct xlcfg_value *v = s->value;
    char msg[200];

    if (get_list(c, s, XLCFG_DISKS_MAX))
        return -1;
    c->cfg->disks = calloc(v->n_items ? v->n_items : 1, sizeof(*c->cfg->disks));
    if (!c->cfg->disks)
        return fail_at(c, s, "out of memory");
    for (size_t i = 0; i < v->n_items; i++) {
        struct xlcfg_disk *d = &c->cfg->disks[i];

        if (xlcfg_disk_parse(v->items[i]->str, d, msg, sizeof(msg)))
            return fail_at(c, s, "disk %zu: %s", i + 1, msg);
        c->cfg->n_disks++;
        d->line = s->line;
        d->spec = strdup(v->items[i]->str);
        if (!d->spec)
            return fail_at(c, s, "out of memory");
        for (size_t j = 0; j < i; j++)
            if (c->cfg->disks[j].virtual_device == d->virtual_device)
                return fail_at(c, s, "disk %zu: vdev %s is the same device as disk %zu's (%s)",
                               i + 1, d->vdev, j + 1, c->cfg->disks[j].vdev);
    }
    return 0;
}

static int do_vifs(struct ctx *c, const struct xlcfg_setting *s)
{
    const struct xlcfg_value *v = s->value;
    char msg[200];

    if (get_list(c, s, XLCFG_VIFS_MAX))
        return -1;
    c->cfg->vifs = calloc(v->n_items ? v->n_items : 1, sizeof(*c->cfg->vifs));
    if (!c->cfg->vifs)
        return fail_at(c, s, "out of memory");
    for (size_t i = 0; i < v->n_items; i++) {
        struct xlcfg_vif *f = &c->cfg->vifs[i];

        if (xlcfg_vif_parse(v->items[i]->str, (uint32_t)i, f, msg, sizeof(msg)))
            return fail_at(c, s, "vif %zu: %s", i + 1, msg);
        c->cfg->n_vifs++;
        f->line = s->line;
        f->spec = strdup(v->items[i]->str);
        if (!f->spec)
            return fail_at(c, s, "out of memory");
        for (size_t j = 0; j < i; j++) {
            if (c->cfg->vifs[j].devid == f->devid)
                return fail_at(c, s, "vif %zu: devid %u is also vif %zu's", i + 1, f->devid, j + 1);
            if (f->mac_set && c->cfg->vifs[j].mac_set &&
                !memcmp(c->cfg->vifs[j].mac, f->mac, 6))
                return fail_at(c, s, "vif %zu: mac is also vif %zu's", i + 1, j + 1);
        }
    }
    return 0;
}

/* Every setting's key must be one pvctl implements. */
static int check_keys(struct ctx *c)
{
    for (const struct xlcfg_setting *s = c->doc->first; s; s = s->next) {
        if (in(s->key, supported_keys, N_SUPPORTED))
            continue;
        if (in(s->key, hvm_keys, sizeof(hvm_keys) / sizeof(hvm_keys[0])))
            return fail_at(c, s, "key \"%s\" is for HVM guests; pvctl runs PV guests only", s->key);
        if (in(s->key, xl_only_keys, sizeof(xl_only_keys) / sizeof(xl_only_keys[0])))
            return fail_at(c, s, "key \"%s\" is an xl option pvctl does not support", s->key);
        const char *sug = xlcfg_suggest(s->key, supported_keys, N_SUPPORTED);
        fail_at(c, s, "unknown key \"%s\"", s->key);
        if (sug)
            snprintf(c->err->suggestion, sizeof(c->err->suggestion), "%s", sug);
        return -1;
    }
    return 0;
}

static int apply(struct ctx *c, const struct xlcfg_setting *s)
{
    struct xlcfg *cfg = c->cfg;
    const char *k = s->key, *v;
    long max, l;

    if (!strcmp(k, "name")) {
        if (dup_string(c, s, XLCFG_NAME_MAX, &cfg->name))
            return -1;
        if (!name_ok(cfg->name))
            return fail_at(c, s, "name \"%s\": use letters, digits and _.:@+- (not digits only)",
                           cfg->name);
    } else if (!strcmp(k, "type") || !strcmp(k, "builder")) {
        if (get_string(c, s, 64, &v))
            return -1;
        if (strcmp(v, !strcmp(k, "type") ? "pv" : "generic"))
            return fail_at(c, s, "%s \"%s\" is not supported by pvctl (PV domains only: type = \"pv\")",
                           k, v);
    } else if (!strcmp(k, "uuid")) {
        if (get_string(c, s, 64, &v))
            return -1;
        if (!parse_uuid(v, cfg->uuid))
            return fail_at(c, s, "uuid \"%s\" is not xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", v);
        cfg->uuid_set = true;
    } else if (!strcmp(k, "memory")) {
        max = XLCFG_MEMORY_HARD_MAX;
        if (c->limits && c->limits->max_memory_mib && c->limits->max_memory_mib < (uint64_t)max)
            max = (long)c->limits->max_memory_mib;
        if (get_number(c, s, 1, max, &l))
            return -1;
        cfg->memory_mib = (uint64_t)l;
    } else if (!strcmp(k, "maxmem")) {
        if (get_number(c, s, 1, XLCFG_MEMORY_HARD_MAX, &l))
            return -1;
        cfg->maxmem_mib = (uint64_t)l;
    } else if (!strcmp(k, "vcpus") || !strcmp(k, "maxvcpus")) {
        max = XLCFG_VCPUS_HARD_MAX;
        if (c->limits && c->limits->max_vcpus && c->limits->max_vcpus < (uint32_t)max)
            max = (long)c->limits->max_vcpus;
        if (get_number(c, s, 1, max, &l))
            return -1;
        if (!strcmp(k, "vcpus"))
            cfg->vcpus = (uint32_t)l;
        else
            cfg->maxvcpus = (uint32_t)l;
    } else if (!strcmp(k, "kernel")) {
        return dup_string(c, s, XLCFG_PATH_MAX, &cfg->kernel);
    } else if (!strcmp(k, "ramdisk")) {
        return dup_string(c, s, XLCFG_PATH_MAX, &cfg->ramdisk);
    } else if (!strcmp(k, "cmdline") || !strcmp(k, "extra") || !strcmp(k, "root")) {
        return get_string(c, s, XLCFG_CMDLINE_MAX, &v);
    } else if (!strcmp(k, "on_poweroff")) {
        return get_action(c, s, &cfg->on_poweroff);
    } else if (!strcmp(k, "on_reboot")) {
        return get_action(c, s, &cfg->on_reboot);
    } else if (!strcmp(k, "on_crash")) {
        return get_action(c, s, &cfg->on_crash);
    } else if (!strcmp(k, "disk")) {
        return do_disks(c, s);
    } else if (!strcmp(k, "vif")) {
        return do_vifs(c, s);
    }
    return 0;
}

/* cmdline, else root=R and extra combined as xl's parse_cmdline does. */
static int combine_cmdline(struct ctx *c)
{
    const struct xlcfg_setting *cl = xlcfg_doc_find(c->doc, "cmdline");
    const struct xlcfg_setting *root = xlcfg_doc_find(c->doc, "root");
    const struct xlcfg_setting *extra = xlcfg_doc_find(c->doc, "extra");
    char *out;
    int n;

    if (cl && (root || extra))
        return fail_at(c, root ? root : extra, "cmdline is set, so xl would ignore %s: "
                       "give either cmdline or root/extra", root ? "root" : "extra");
    if (cl)
        n = asprintf(&out, "%s", cl->value->str);
    else if (root && extra)
        n = asprintf(&out, "root=%s %s", root->value->str, extra->value->str);
    else if (root)
        n = asprintf(&out, "root=%s", root->value->str);
    else if (extra)
        n = asprintf(&out, "%s", extra->value->str);
    else
        return 0;
    if (n < 0)
        return fail_at(c, NULL, "out of memory");
    c->cfg->cmdline = out;
    if ((size_t)n > XLCFG_CMDLINE_MAX)
        return fail_at(c, root ? root : extra, "kernel command line (root= and extra=) is longer "
                       "than %u bytes", XLCFG_CMDLINE_MAX);
    return 0;
}

static int semantics(struct ctx *c)
{
    struct xlcfg *cfg = c->cfg;
    const struct xlcfg_setting *s;

    cfg->on_poweroff = XLCFG_ACTION_DESTROY;
    cfg->on_reboot = XLCFG_ACTION_RESTART;
    cfg->on_crash = XLCFG_ACTION_DESTROY;
    if (check_keys(c))
        return -1;
    /* the last setting of each key, in file order */
    for (s = c->doc->first; s; s = s->next)
        if (xlcfg_doc_find(c->doc, s->key) == s && apply(c, s))
            return -1;
    if (combine_cmdline(c))
        return -1;
    if (!cfg->name)
        return fail_at(c, NULL, "no name = \"...\" (xl requires one)");
    if (!cfg->kernel)
        return fail_at(c, NULL, "no kernel = \"...\" (pvctl boots PV kernels directly)");
    if (!cfg->memory_mib) {
        /* libxl: the target is maxmem when only maxmem is given, else 32 MiB */
        uint64_t lim = c->limits ? c->limits->max_memory_mib : 0;
        const struct xlcfg_setting *mm = xlcfg_doc_find(c->doc, "maxmem");

        cfg->memory_mib = cfg->maxmem_mib ? cfg->maxmem_mib : XLCFG_DEFAULT_MEMORY;
        if (lim && lim < cfg->memory_mib) {
            if (cfg->maxmem_mib)
                return fail_at(c, mm, "maxmem = %llu without memory = makes the domain that "
                               "large, more than the %llu MiB allowed",
                               (unsigned long long)cfg->maxmem_mib, (unsigned long long)lim);
            return fail_at(c, NULL, "memory (default %u MiB) is more than the %llu MiB allowed",
                           XLCFG_DEFAULT_MEMORY, (unsigned long long)lim);
        }
    }
    if (!cfg->maxmem_mib)
        cfg->maxmem_mib = cfg->memory_mib;
    if (cfg->maxmem_mib < cfg->memory_mib)
        return fail_at(c, xlcfg_doc_find(c->doc, "maxmem"), "maxmem (%llu MiB) is less than memory (%llu MiB)",
                       (unsigned long long)cfg->maxmem_mib, (unsigned long long)cfg->memory_mib);
    if (!cfg->vcpus)
        cfg->vcpus = 1;
    if (!cfg->maxvcpus)
        cfg->maxvcpus = cfg->vcpus;
    if (cfg->maxvcpus < cfg->vcpus)
        return fail_at(c, xlcfg_doc_find(c->doc, "maxvcpus"), "maxvcpus (%u) is less than vcpus (%u)",
                       cfg->maxvcpus, cfg->vcpus);
    return 0;
}

/*
 * Lines past the file's are the overrides (one line each); the end of the
 * buffer (a list left open) belongs to the last override.
 */
static void place_overrides(struct xlcfg_doc *doc, struct xlcfg_error *err, int file_lines,
                            size_t n_overrides)
{
    for (struct xlcfg_setting *s = doc->first; s; s = s->next) {
        if (s->line > file_lines) {
            s->override = s->line - file_lines;
            s->line = 0;
        }
    }
    if (err && err->line > file_lines) {
        err->override = err->line - file_lines;
        if ((size_t)err->override > n_overrides)
            err->override = (int)n_overrides;
        err->line = 0;
    }
}

int xlcfg_parse_buffer(const char *data, size_t len,
                       const char *const *overrides, size_t n_overrides,
                       const struct xlcfg_limits *limits,
                       struct xlcfg *cfg, struct xlcfg_error *err)
{
    struct xlcfg_doc doc = { 0 };
    struct ctx c = { .doc = &doc, .limits = limits, .cfg = cfg, .err = err };
    size_t total = len;
    char *buf;
    int file_lines = 1, rc = -1;

    memset(cfg, 0, sizeof(*cfg));
    memset(err, 0, sizeof(*err));
    if (n_overrides > XLCFG_OVERRIDES_MAX)
        return fail_at(&c, NULL, "more than %u overrides", XLCFG_OVERRIDES_MAX);
    for (size_t i = 0; i < n_overrides; i++) {
        if (strchr(overrides[i], '\n')) {
            xlcfg_fail(err, 0, (int)i + 1, "an override is one key=value line");
            return -1;
        }
        total += strlen(overrides[i]) + 2;
        if (total > XLCFG_FILE_MAX)
            break;
    }
    if (total > XLCFG_FILE_MAX)
        return fail_at(&c, NULL, "config larger than %u bytes", XLCFG_FILE_MAX);
    for (size_t i = 0; i < len; i++)
        file_lines += data[i] == '\n';

    /* as xl create: the file, "\n", then each override and "\n" */
    buf = malloc(total + 2);
    if (!buf)
        return fail_at(&c, NULL, "out of memory");
    memcpy(buf, data, len);
    total = len;
    if (n_overrides) {
        buf[total++] = '\n';
        for (size_t i = 0; i < n_overrides; i++) {
            size_t n = strlen(overrides[i]);
            memcpy(buf + total, overrides[i], n);
            total += n;
            buf[total++] = '\n';
        }
    }
    if (xlcfg_syntax_parse(buf, total, 0, &doc, err) == 0 && (place_overrides(&doc, NULL, file_lines, n_overrides), 1) &&
        semantics(&c) == 0)
        rc = 0;
    else
        place_overrides(&doc, err, file_lines, n_overrides);
    free(buf);
    xlcfg_doc_free(&doc);
    if (rc)
        xlcfg_free(cfg);
    return rc;
}

int xlcfg_parse_file(const char *path,
                     const char *const *overrides, size_t n_overrides,
                     const struct xlcfg_limits *limits,
                     struct xlcfg *cfg, struct xlcfg_error *err)
{
    size_t cap = XLCFG_FILE_MAX + 1, len = 0;
    char *data;
    ssize_t n;
    int fd, rc;

    memset(cfg, 0, sizeof(*cfg));
    memset(err, 0, sizeof(*err));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err->message, sizeof(err->message), "%s: %s", path, strerror(errno));
        return -1;
    }
    data = malloc(cap);
    if (!data) {
        close(fd);
        snprintf(err->message, sizeof(err->message), "%s: out of memory", path);
        return -1;
    }
    while (len < cap && (n = read(fd, data + len, cap - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err->message, sizeof(err->message), "%s: %s", path, strerror(errno));
            free(data);
            close(fd);
            return -1;
        }
        len += (size_t)n;
    }
    close(fd);
    if (len > XLCFG_FILE_MAX) {
        snprintf(err->message, sizeof(err->message), "%s: larger than %u bytes", path, XLCFG_FILE_MAX);
        free(data);
        return -1;
    }
    rc = xlcfg_parse_buffer(data, len, overrides, n_overrides, limits, cfg, err);
    free(data);
    return rc;
}

void xlcfg_free(struct xlcfg *cfg)
{
    free(cfg->name);
    free(cfg->kernel);
    free(cfg->ramdisk);
    free(cfg->cmdline);
    for (size_t i = 0; i < cfg->n_disks; i++)
        xlcfg_disk_free(&cfg->disks[i]);
    free(cfg->disks);
    for (size_t i = 0; i < cfg->n_vifs; i++)
        xlcfg_vif_free(&cfg->vifs[i]);
    free(cfg->vifs);
    memset(cfg, 0, sizeof(*cfg));
}

int xlcfg_error_format(const struct xlcfg_error *err, char *buf, size_t len)
{
    char where[32] = "";

    if (err->override)
        snprintf(where, sizeof(where), "override %d: ", err->override);
    else if (err->line)
        snprintf(where, sizeof(where), "line %d: ", err->line);
    if (err->suggestion[0])
        return snprintf(buf, len, "%s%s (did you mean \"%s\"?)", where, err->message, err->suggestion);
    return snprintf(buf, len, "%s%s", where, err->message);
}
