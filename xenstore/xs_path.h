/*
 * Client paths: validation and canonical form.
 *
 * Valid characters are A-Z a-z 0-9 - / _ @. A path not starting with '/'
 * or '@' is relative to the caller's home /local/domain/<domid>. Paths
 * starting with '@' name special nodes that live under the root
 * ("@foo" is the node "/@foo"), as in Xen's oxenstored. No trailing '/'
 * (except "/" itself) and no "//". The length limit counts the part after
 * "/local/domain/<N>/" when the path is below a domain's home, the whole
 * path otherwise, so every domain gets the same budget.
 */
#ifndef XS_PATH_H
#define XS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_PATH_CAP 3200   /* > XENSTORE_ABS_PATH_MAX, fits any canonical path */

/*
 * Canonicalizes `in` for caller domid into out (cap bytes). path_max of 0
 * means no length limit. *rel_len (optional) gets the length of the prefix
 * added to a relative path plus its '/', 0 for absolute paths.
 * Returns 0 or EINVAL.
 */
int xs_path_canon(const char *in, uint32_t domid, unsigned path_max,
		  char *out, size_t cap, unsigned *rel_len);

/* Is `child` equal to `parent` or below it ("/" is above everything)? */
bool xs_path_is_child(const char *child, const char *parent);

/* Home path of a domain: "/local/domain/<domid>". Returns its length. */
int xs_path_home(uint32_t domid, char *out, size_t cap);

#endif
