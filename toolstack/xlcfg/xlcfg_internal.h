/* xlcfg's parts, shared between its files (not for pvctl). */
#ifndef PVISOR_XLCFG_INTERNAL_H
#define PVISOR_XLCFG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "xlcfg.h"

/* A disk spec as xlu_disk_parse reads it, before pvctl's limits. */
enum xlcfg_disk_fmt { F_UNKNOWN, F_RAW, F_QCOW, F_QCOW2, F_VHD, F_EMPTY, F_QED };
struct xlcfg_disk_scan {
    const char *spec;
    char msg[200];
    bool err;
    char *target, *vdev, *script, *backend;
    enum xlcfg_disk_fmt format;
    int backendtype;            /* 0 unknown, 1 phy, 2 tap, 3 qdisk, 4 standalone (libxl's) */
    int specification;          /* 0 unknown, 1 xen, 2 virtio (libxl's) */
    bool readwrite, is_cdrom, access_set, had_depr_prefix, direct_io_safe;
    int discard, trusted, colo; /* -1 unset */
    bool colo_param;
    char stray_last;            /* a bad last character libxlutil drops */
};
int xlcfg_disk_scan(const char *spec, struct xlcfg_disk_scan *scan);
void xlcfg_disk_scan_free(struct xlcfg_disk_scan *scan);
const char *xlcfg_disk_fmt_name(enum xlcfg_disk_fmt f);

/* The disk spec; 0, or -1 with a one-line reason in msg. */
int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *disk, char *msg, size_t msglen);
void xlcfg_disk_free(struct xlcfg_disk *disk);

/* libxl's number for a vdev name (xvda = 51712), or -1. */
long xlcfg_vdev_number(const char *vdev);

/* The vif spec, entry `index` of the list (its default devid). */
int xlcfg_vif_parse(const char *spec, uint32_t index, struct xlcfg_vif *vif,
                    char *msg, size_t msglen);
void xlcfg_vif_free(struct xlcfg_vif *vif);

/* The candidate closest to `word` by edit distance when close enough, or NULL. */
const char *xlcfg_suggest(const char *word, const char *const *candidates, size_t n);

#endif
