/* Wire protocol framing and argument helpers (see xs_wire.h). */
#include <errno.h>
#include <string.h>

#include "xs_wire.h"

enum xs_frame xs_frame_parse(const void *buf, size_t len,
			     struct xsd_sockmsg *hdr, size_t *msglen)
{
	if (len < XS_HDR_LEN)
		return XS_FRAME_MORE;
	memcpy(hdr, buf, XS_HDR_LEN);
	/* The payload limit is the protocol's, not ours to relax. */
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return XS_FRAME_BAD;
	if (len < XS_HDR_LEN + hdr->len)
		return XS_FRAME_MORE;
	*msglen = XS_HDR_LEN + hdr->len;
	return XS_FRAME_MSG;
}

unsigned xs_arg_count(const char *buf, uint32_t len)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < len; i++)
		if (!buf[i])
			n++;
	return n;
}

const char *xs_arg_one(const char *buf, uint32_t len)
{
	if (!len || buf[len - 1] || memchr(buf, 0, len - 1))
		return NULL;
	return buf;
}

const char *xs_arg_nth(const char *buf, unsigned i)
{
	while (i--)
		buf += strlen(buf) + 1;
	return buf;
}

const char *xs_err_string(int err)
{
	unsigned i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EINVAL";
}

const char *xs_type_name(uint32_t type)
{
	static const char *const names[] = {
		"CONTROL", "DIRECTORY", "READ", "GET_PERMS", "WATCH",
		"UNWATCH", "TRANSACTION_START", "TRANSACTION_END",
		"INTRODUCE", "RELEASE", "GET_DOMAIN_PATH", "WRITE", "MKDIR",
		"RM", "SET_PERMS", "WATCH_EVENT", "ERROR",
		"IS_DOMAIN_INTRODUCED", "RESUME", "SET_TARGET", "RESTRICT",
		"RESET_WATCHES", "DIRECTORY_PART",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "UNKNOWN";
}
