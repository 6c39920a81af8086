/* What the unit tests reach below devices.h: the node sets as written. */
#ifndef PVISOR_DEVICES_INTERNAL_H
#define PVISOR_DEVICES_INTERNAL_H

#include "devices.h"
#include "nodes.h"

/* The vbd directories for disk backed by node (e.g. "/dev/loop0", or the
 * phy: device itself) whose device number is major:minor. */
void vbd_nodes(uint32_t domid, const struct xlcfg_disk *disk, const char *node,
               unsigned major, unsigned minor, struct node_set *back, struct node_set *front);
/* The vif directories; mac as "00:16:3e:..". */
void vif_nodes(uint32_t domid, const struct xlcfg_vif *vif, const char *mac,
               const char *bridge, struct node_set *back, struct node_set *front);

/* The disk-in-use rule: may a new user (ro or not) open target when the
 * existing backends hold it?  Scans every backend/vbd in transaction t. */
int vbd_check_in_use(struct xs_handle *xs, xs_transaction_t t, const char *target, bool ro,
                     uint32_t domid, uint32_t vdev, char *err, size_t errlen);

/* Before a domain is built: the disk can be opened as asked (a file or
 * block device, no other writer), the vif's bridge exists. */
int vbd_check(struct xs_handle *xs, const struct xlcfg_disk *disk, char *err, size_t errlen);
int vif_check(const struct xlcfg_vif *vif, char *err, size_t errlen);

/* One device's first half, the domain still paused: nodes written (and a
 * disk's loop device bound); with timeout_ms, the backend driven
 * (InitWait or later) and a vif's netdev on its bridge, hotplug-status
 * "connected".  On failure nothing of the device is left. */
int vbd_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg_disk *disk,
             unsigned timeout_ms, char *err, size_t errlen);
int vif_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *vif,
             unsigned timeout_ms, char *err, size_t errlen);

/* A vif's nodes written by vif_plug(.., 0, ..): wait for netback's InitWait
 * and its netdev, put that on the bridge, hotplug-status "connected". */
int vif_bridge(struct xs_handle *xs, uint32_t domid, const struct xlcfg_vif *vif,
               unsigned timeout_ms, char *err, size_t errlen);

#endif
