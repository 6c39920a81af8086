/*
 * Quota names, as on the command line (-Q name=value) and for
 * `xenstore-control quota`. Names follow C xenstored where it has one.
 */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H

#include <stddef.h>

#include "xs_access.h"

/* Sets limit `name` to the decimal value; 0 or EINVAL. */
int xs_quota_set(struct xs_limits *lim, const char *name, const char *value);
/* "name=value" form. */
int xs_quota_set_arg(struct xs_limits *lim, const char *arg);
/* Appends "name: value\n" lines to out at *len. 0, or -1 if it won't fit. */
int xs_quota_format(const struct xs_limits *lim, char *out, size_t cap,
		    size_t *len);

#endif
