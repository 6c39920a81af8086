/* Quota names and parsing (see xs_quota.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_quota.h"

static const struct {
	const char *name;
	size_t off;
	const char *what;
} quotas[] = {
	{ "nodes", offsetof(struct xs_limits, nodes), "nodes a domain may own" },
	{ "node-size", offsetof(struct xs_limits, value_max), "bytes in a value" },
	{ "path-length", offsetof(struct xs_limits, path_max), "characters in a path" },
	{ "watches", offsetof(struct xs_limits, watches), "watches per connection" },
	{ "transactions", offsetof(struct xs_limits, transactions), "open transactions per connection" },
	{ "outstanding", offsetof(struct xs_limits, outstanding), "unanswered requests per connection" },
	{ "node-permissions", offsetof(struct xs_limits, perms_max), "permission entries per node" },
	{ "watch-events", offsetof(struct xs_limits, watch_events), "queued watch events per connection" },
	{ "transaction-nodes", offsetof(struct xs_limits, txn_nodes), "nodes one transaction may touch" },
};

int xs_quota_set(struct xs_limits *lim, const char *name, const char *value)
{
	unsigned long v;
	char *end;
	unsigned i;

	v = strtoul(value, &end, 10);
	if (!*value || *end || v > 0x7fffffff)
		return EINVAL;
	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
		if (!strcmp(name, quotas[i].name)) {
			/* keep the protocol's hard limits */
			if (quotas[i].off == offsetof(struct xs_limits, value_max) &&
			    v > 4096)
				return EINVAL;
			if (quotas[i].off == offsetof(struct xs_limits, path_max) &&
			    v > 3072)
				return EINVAL;
			*(unsigned *)((char *)lim + quotas[i].off) = (unsigned)v;
			return 0;
		}
	return EINVAL;
}

int xs_quota_set_arg(struct xs_limits *lim, const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return EINVAL;
	memcpy(name, arg, eq - arg);
	name[eq - arg] = 0;
	return xs_quota_set(lim, name, eq + 1);
}

int xs_quota_format(const struct xs_limits *lim, char *out, size_t cap,
		    size_t *len)
{
	unsigned i;

	for (i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		int n = snprintf(out + *len, cap - *len, "%-18s %8u  %s\n",
				 quotas[i].name,
				 *(const unsigned *)((const char *)lim + quotas[i].off),
				 quotas[i].what);
		if (n < 0 || (size_t)n >= cap - *len)
			return -1;
		*len += n;
	}
	return 0;
}
