/* Client path validation and canonicalization (rules in xs_path.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "xs_path.h"

static bool valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
	       c == '@';
}

int xs_path_home(uint32_t domid, char *out, size_t cap)
{
	return snprintf(out, cap, "/local/domain/%u", domid);
}

/* Length that counts against the limit (see xs_path.h). */
static size_t counted_len(const char *p, size_t len)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1;

	if (len <= i || memcmp(p, pre, i))
		return len;
	if (p[i] < '0' || p[i] > '9')
		return len;
	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i < len && p[i] == '/')
		return len - i - 1;
	return len;
}

int xs_path_canon(const char *in, uint32_t domid, unsigned path_max,
		  char *out, size_t cap, unsigned *rel_len)
{
	size_t inlen = strlen(in), pre = 0, len, i;

	if (rel_len)
		*rel_len = 0;
	if (!inlen || inlen > XENSTORE_ABS_PATH_MAX)
		return EINVAL;
	for (i = 0; i < inlen; i++)
		if (!valid_char(in[i]))
			return EINVAL;
	if (in[0] == '@') {
		if (cap < inlen + 2)
			return EINVAL;
		out[0] = '/';
		pre = 1;
	} else if (in[0] != '/') {
		int h = xs_path_home(domid, out, cap);
		if (h < 0 || (size_t)h + 1 + inlen + 1 > cap)
			return EINVAL;
		out[h] = '/';
		pre = h + 1;
		if (rel_len)
			*rel_len = (unsigned)pre;
	} else if (cap < inlen + 1) {
		return EINVAL;
	}
	memcpy(out + pre, in, inlen + 1);
	len = pre + inlen;
	if (len > 1 && out[len - 1] == '/')
		return EINVAL;
	if (strstr(out, "//"))
		return EINVAL;
	if (len > XENSTORE_ABS_PATH_MAX)
		return EINVAL;
	if (path_max && counted_len(out, len) > path_max)
		return EINVAL;
	return 0;
}

bool xs_path_is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (parent[0] == '/' && parent[1] == 0)
		return child[0] == '/';
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == 0;
}
