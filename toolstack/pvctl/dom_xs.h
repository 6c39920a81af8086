/*
 * A domU's xenstore entries in the layout Xen's toolstack writes
 * (domu-path-guide.md §1.1 row 3, §1.4 rows 30 and 33, §5): the domain
 * directory and /vm/<uuid> dom0-owned and readable by the domU, the
 * guest-writable nodes owned by the domU, the console frontend and its
 * backend for the console daemon.
 */
#ifndef PVCTL_DOM_XS_H
#define PVCTL_DOM_XS_H
#include <stdint.h>
#include <xenstore.h>
#include "xlcfg.h"

struct dom_xs_info {
    uint32_t domid;
    const struct xlcfg *cfg;
    uint8_t uuid[16];
    uint32_t store_port, cons_port;
    uint64_t store_mfn, cons_mfn;
};

int dom_xs_write(struct xs_handle *xs, const struct dom_xs_info *i, char *err, size_t errlen);
void dom_xs_remove(struct xs_handle *xs, uint32_t domid);
/* domid of the domain named `name` (Domain-0 is 0), or -1. */
long dom_xs_find(struct xs_handle *xs, const char *name);
/* Its name ("Domain-0" for 0), malloc'd, or NULL. */
char *dom_xs_name(struct xs_handle *xs, uint32_t domid);
void uuid_format(const uint8_t u[16], char out[37]);
#endif
