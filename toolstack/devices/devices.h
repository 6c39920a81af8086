/*
 * devices: the split-driver wiring of pvctl (disks and NICs of a PV domU).
 *
 * What Xen 4.17's libxl and its block / vif-bridge scripts do, natively:
 * a plain file goes through a free loop device we set up ourselves, the
 * backend's vifD.N joins its bridge through ioctls, and the backend and
 * frontend xenstore directories are written in one transaction with the
 * permissions libxl gives them (shared/design/domu-path-guide.md §5).
 *
 * Every function returns 0, or -1 with one line for a person in err.
 * timeout_ms bounds each wait for the other end (0: do not wait).
 */
#ifndef PVISOR_DEVICES_H
#define PVISOR_DEVICES_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>
#include "xlcfg.h"

#define DEVICES_DEFAULT_TIMEOUT_MS 10000
#define DEVICES_DEFAULT_BRIDGE     "xenbr0"   /* libxl's default */

/* Attach disk to domid; returns once both ends are Connected (4). */
int devices_block_attach(struct xs_handle *xs, uint32_t domid, const struct xlcfg_disk *disk,
                         unsigned timeout_ms, char *err, size_t errlen);
/* Close the backend, wait for Closed (6), remove the nodes, free the loop device. */
int devices_block_detach(struct xs_handle *xs, uint32_t domid, uint32_t virtual_device,
                         unsigned timeout_ms, char *err, size_t errlen);

/* Attach vif to domid: nodes, the backend's vifD.N on its bridge and up. */
int devices_network_attach(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *vif,
                           unsigned timeout_ms, char *err, size_t errlen);
int devices_network_detach(struct xs_handle *xs, uint32_t domid, uint32_t devid,
                           unsigned timeout_ms, char *err, size_t errlen);

/* `network create NAME [ADDR/PREFIX]`: a bridge, up, with an IPv4 address if given. */
int devices_network_create(const char *name, const char *cidr, char *err, size_t errlen);

#endif
