/* Loop devices through /dev/loop-control, as the block script's losetup. */
#ifndef PVISOR_DEVICES_LOOP_H
#define PVISOR_DEVICES_LOOP_H

#include <stdbool.h>
#include <stddef.h>

/* Bind path to a free loop device (read-only when ro).  Fills dev ("/dev/loopN")
 * and the device's major/minor.  Returns 0 or -1 with err. */
int loop_attach(const char *path, bool ro, char *dev, size_t devlen,
                unsigned *major, unsigned *minor, char *err, size_t errlen);
/* Unbind dev ("/dev/loopN"); a device already free is not an error. */
int loop_detach(const char *dev, char *err, size_t errlen);

#endif
