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

#endif
