/* Following the XenbusState handshake of a device's two ends (bounded). */
#ifndef PVISOR_DEVICES_HANDSHAKE_H
#define PVISOR_DEVICES_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

/* XenbusState's name ("Connected"), "?" when out of range. */
const char *handshake_state_name(int state);
/* Read path's state: 0..8, or -1 when absent or not a state. */
int handshake_read_state(struct xs_handle *xs, const char *path);
/* Wait until dir/state is want (or, when want_or >= 0, want_or), at most
 * timeout_ms.  Returns 0, or -1 with the last state seen in *last. */
int handshake_wait(struct xs_handle *xs, const char *dir, int want, int want_or,
                   unsigned timeout_ms, int *last);

/* The one line for a device whose ends did not reach Connected in
 * timeout_ms: the backend's side (backend: state is its state) or the
 * guest's (state: the frontend's).  kind "disk" or "vif", name its vdev or
 * devid. */
void handshake_stuck_message(const char *kind, const char *name, unsigned domid, bool backend,
                             int state, unsigned timeout_ms, char *err, size_t errlen);

/* Ask the backend at be to close (libxl: online=0, state=Closing in one
 * transaction) and wait for Closed (6). */
int devices_close_backend(struct xs_handle *xs, const char *be, unsigned timeout_ms, int *last);

#endif
