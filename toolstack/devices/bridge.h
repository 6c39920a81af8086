/* Bridges and links through ioctls, as vif-bridge's brctl/ip (no scripts). */
#ifndef PVISOR_DEVICES_BRIDGE_H
#define PVISOR_DEVICES_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

/* Create bridge name (an existing bridge is fine), bring it up, and give it
 * cidr ("10.0.0.1/24") when not NULL.  0 or -1 with err. */
int bridge_create(const char *name, const char *cidr, char *err, size_t errlen);
/* Add ifname to bridge br and bring ifname up. */
int bridge_add_port(const char *br, const char *ifname, char *err, size_t errlen);
/* Take ifname out of br (gone already: not an error). */
int bridge_del_port(const char *br, const char *ifname, char *err, size_t errlen);
/* Delete bridge name (down first). */
int bridge_delete(const char *name, char *err, size_t errlen);
/* Is ifname a port of br? */
bool bridge_has_port(const char *br, const char *ifname);

#endif
