/* xlcfg's parts, shared between its files (not for pvctl). */
#ifndef PVISOR_XLCFG_INTERNAL_H
#define PVISOR_XLCFG_INTERNAL_H

#include <stddef.h>

#include "xlcfg.h"

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
