/*
 * xlcfg: the xl.cfg parser pvctl uses.
 *
 * The syntax is xl's (Xen 4.17 libxlutil: strings in either quote style,
 * numbers, [lists], `=` and `+=`, `;` or newline between settings, `#`
 * comments, last setting of a key wins; command-line overrides are extra
 * lines appended after the file, as `xl create cfg key=value` does).  The
 * keys and the disk/vif specs mean what xl gives them (tools/xl/xl_parse.c).
 *
 * Unlike xl, the parser is strict (toolstack/xlcfg/README.md): an unknown key, a key xl knows but pvctl
 * does not implement (HVM options, pci, ...), a value of the wrong type or
 * out of its bounds is refused with the line it is on, never ignored with a
 * warning.  toolstack/xlcfg/README.md lists the accepted keys.
 *
 * Pure module: no I/O besides reading the file in xlcfg_parse_file, no
 * global state; every allocation is released by xlcfg_free.
 */
#ifndef PVISOR_XLCFG_H
#define PVISOR_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds the syntax alone imposes (the caller's limits come on top). */
#define XLCFG_FILE_MAX        (1u << 20)  /* bytes of config, overrides included */
#define XLCFG_NAME_MAX        64          /* domain name, without the NUL */
#define XLCFG_PATH_MAX        4095        /* kernel, ramdisk, disk target */
#define XLCFG_CMDLINE_MAX     1023        /* start_info.cmd_line holds 1024 with the NUL */
#define XLCFG_STRING_MAX      4095        /* any other string value */
#define XLCFG_DISKS_MAX       16
#define XLCFG_VIFS_MAX        8
#define XLCFG_LIST_MAX        64          /* items of any list */
#define XLCFG_OVERRIDES_MAX   64
#define XLCFG_VIF_DEVID_MAX   65535
#define XLCFG_MEMORY_HARD_MAX (1u << 20)  /* MiB (1 TiB), whatever the caller allows */
#define XLCFG_DEFAULT_MEMORY  32          /* MiB; libxl's default when memory= is absent */
#define XLCFG_VCPUS_HARD_MAX  128         /* even if the caller allows more (Xen's PV limit) */

/* What to do when the guest powers off, reboots or crashes (xl's names). */
enum xlcfg_action {
    XLCFG_ACTION_DESTROY = 0,          /* "destroy" */
    XLCFG_ACTION_RESTART,              /* "restart" */
    XLCFG_ACTION_RENAME_RESTART,       /* "rename-restart"   (refused: pvctl lacks it) */
    XLCFG_ACTION_PRESERVE,             /* "preserve" */
    XLCFG_ACTION_COREDUMP_DESTROY,     /* "coredump-destroy" */
    XLCFG_ACTION_COREDUMP_RESTART,     /* "coredump-restart" */
    XLCFG_ACTION_SOFT_RESET,           /* "soft-reset"       (refused) */
};

/* The name xl uses for an action ("destroy", ...). */
const char *xlcfg_action_name(enum xlcfg_action a);

enum xlcfg_disk_access { XLCFG_DISK_RW = 0, XLCFG_DISK_RO };
enum xlcfg_disk_format { XLCFG_DISK_FORMAT_RAW = 0 };     /* qcow, qcow2, vhd: refused */
enum xlcfg_disk_backendtype { XLCFG_DISK_BACKEND_PHY = 0 }; /* tap, qdisk: refused */

/* One entry of disk = [ ... ] (xl-disk-configuration(5)). */
struct xlcfg_disk {
    char *spec;                 /* the list item as written (after unquoting) */
    char *target;               /* file or device in dom0 ("params" in xenstore) */
    char *vdev;                 /* as written: "xvda", "hda1", "sdb", "d0p1" ... */
    uint32_t virtual_device;    /* xenstore virtual-device: xvda = 51712 (202<<8) */
    enum xlcfg_disk_access access;
    enum xlcfg_disk_format format;       /* raw: the only one taken */
    enum xlcfg_disk_backendtype backendtype; /* phy (also when not given) */
    char *script;               /* always NULL: disk scripts are refused (pvctl attaches disks itself) */
    bool discard;               /* discard / no-discard; default: access is rw (libxl's) */
    bool direct_io_safe;        /* direct-io-safe given */
    bool trusted;               /* always true: 4.17's xl has no trusted/untrusted disk flag */
    int line;                   /* line of the disk = setting (0: an override) */
};

/* One entry of vif = [ ... ] (xl-network-configuration(5)). */
struct xlcfg_vif {
    char *spec;                 /* the list item as written */
    uint32_t devid;             /* devid=, else the index in the list (as xl) */
    bool mac_set;               /* false: the caller generates 00:16:3e:xx:xx:xx */
    uint8_t mac[6];
    char *bridge;               /* NULL: "xenbr0", libxl's default */
    char *backend;              /* NULL, "0" or "Domain-0": backends run in dom0 only */
    char *script;               /* NULL or a path ending in vif-bridge (the only one taken) */
    char *ip;                   /* ip=, NULL when absent */
    char *vifname;              /* vifname=, NULL: "vif<domid>.<devid>" */
    char *gatewaydev;           /* gatewaydev=, NULL when absent */
    uint32_t mtu;               /* 0: absent (backend default 1500) */
    bool trusted;               /* trusted / untrusted; default true */
    int line;                   /* line of the vif = setting (0: an override) */
};

/* The parsed config: every value pvctl uses, defaults filled in as xl does. */
struct xlcfg {
    char *name;                 /* required */
    uint8_t uuid[16];
    bool uuid_set;              /* false: the caller generates one (xl does) */
    uint64_t memory_mib;        /* memory=, else maxmem=, else XLCFG_DEFAULT_MEMORY (libxl's) */
    uint64_t maxmem_mib;        /* maxmem=, default memory */
    uint32_t vcpus;             /* vcpus=, default 1 */
    uint32_t maxvcpus;          /* maxvcpus=, default vcpus */
    char *kernel;               /* required */
    char *ramdisk;              /* NULL when absent */
    char *cmdline;              /* cmdline=, else "root=R E" from root=/extra=; NULL when none */
    enum xlcfg_action on_poweroff;   /* default destroy */
    enum xlcfg_action on_reboot;     /* default restart */
    enum xlcfg_action on_crash;      /* default destroy */
    struct xlcfg_disk *disks;
    size_t n_disks;
    struct xlcfg_vif *vifs;
    size_t n_vifs;
};

/* The caller's bounds (0 in a field: only the parser's own bound applies). */
struct xlcfg_limits {
    uint64_t max_memory_mib;    /* memory and maxmem (e.g. the host's free memory) */
    uint32_t max_vcpus;         /* vcpus and maxvcpus (e.g. the hypervisor's limit) */
};

/* Why a config was refused: one line for a person. */
struct xlcfg_error {
    int line;                   /* 1-based line in the file; 0 when not tied to one */
    int override;               /* 1-based index of the command-line override, or 0 */
    char message[256];          /* e.g. unknown key "memroy" */
    char suggestion[64];        /* e.g. memory (the key meant), or "" */
};

/*
 * Parse a config.  overrides[] are `key=value` lines in config syntax (as
 * `xl create cfg 'name="x"' memory=512` takes them), applied after the
 * file's own settings.  On success returns 0 and fills *cfg (release with
 * xlcfg_free).  On failure returns -1, fills *err, and leaves *cfg empty
 * (xlcfg_free on it is harmless).  Overrides may not contain a newline.
 */
int xlcfg_parse_buffer(const char *data, size_t len,
                       const char *const *overrides, size_t n_overrides,
                       const struct xlcfg_limits *limits,
                       struct xlcfg *cfg, struct xlcfg_error *err);
int xlcfg_parse_file(const char *path,
                     const char *const *overrides, size_t n_overrides,
                     const struct xlcfg_limits *limits,
                     struct xlcfg *cfg, struct xlcfg_error *err);

void xlcfg_free(struct xlcfg *cfg);

/*
 * The error as one line: `line 4: unknown key "memroy" (did you mean
 * "memory"?)`, or `override 2: ...`.  Returns snprintf's count.
 */
int xlcfg_error_format(const struct xlcfg_error *err, char *buf, size_t len);

#endif
