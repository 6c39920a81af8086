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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <xenstore.h>
#include "xlcfg.h"

#define DEVICES_DEFAULT_TIMEOUT_MS 10000
/* From unpause to every frontend Connected: the guest boots and loads its
 * frontend modules first (tens of seconds under TCG). */
#define DEVICES_CONNECT_TIMEOUT_MS 120000
/* A dead or paused guest's backends closing: dom0's side alone. */
#define DEVICES_CLOSE_TIMEOUT_MS   10000
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

/*
 * The devices of a domU being created, as libxl wires them (guide §5):
 * - devices_domain_check before anything is built: every disk a file or
 *   block device with no other writer, every bridge there, no vdev or
 *   devid twice;
 * - devices_domain_plug while the domain is paused: every disk and vif's
 *   nodes written, loop devices bound, each backend driven (InitWait),
 *   each vif on its bridge with hotplug-status "connected";
 * - devices_domain_wait_connected once it runs: both ends of every device
 *   Connected, within timeout_ms in all; stopped (may be NULL) says the
 *   domain shut down meanwhile, which ends the wait at once.
 * trace (may be NULL) gets a line per phase of each device.
 * A failure leaves the devices made so far: devices_domain_unplug (part of
 * destroying the domain) takes them away.
 */
int devices_domain_check(struct xs_handle *xs, const struct xlcfg *cfg, char *err, size_t errlen);
int devices_domain_plug(struct xs_handle *xs, uint32_t domid, const struct xlcfg *cfg,
                        unsigned timeout_ms, FILE *trace, char *err, size_t errlen);
int devices_domain_wait_connected(struct xs_handle *xs, uint32_t domid, const struct xlcfg *cfg,
                                  unsigned timeout_ms, bool (*stopped)(uint32_t domid),
                                  FILE *trace, char *err, size_t errlen);

/*
 * Every vbd and vif of domid found in xenstore, whoever made them, the
 * domain paused or dead: backends asked to close, frontend directories
 * removed when there is a backend (so the backends let go without the
 * guest; otherwise they go with the domain's directory), Closed awaited
 * (timeout_ms in all), nodes removed, loop devices freed, vifs out of
 * their bridges.  Carries on past errors; the first is in err.
 */
int devices_domain_unplug(struct xs_handle *xs, uint32_t domid, unsigned timeout_ms,
                          FILE *trace, char *err, size_t errlen);

/* PVCTL_DEVICE_TIMEOUT_MS from the environment, else dflt. */
unsigned devices_timeout_ms(unsigned dflt);

/* `network create NAME [ADDR/PREFIX]`: a bridge, up, with an IPv4 address if given. */
int devices_network_create(const char *name, const char *cidr, char *err, size_t errlen);

#endif
