/*
 * Fuzz target: everything pvstored parses from a client before any state
 * changes: message framing, argument splitting, paths and permissions.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs_path.h"
#include "xs_perms.h"
#include "xs_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 64];
	struct xsd_sockmsg hdr;
	size_t off = 0, mlen;

	/* framing: consume messages the way a connection does */
	while (off < size) {
		enum xs_frame f = xs_frame_parse(data + off, size - off, &hdr, &mlen);
		unsigned n, i;
		const char *p;

		if (f != XS_FRAME_MSG)
			break;
		if (mlen > size - off || hdr.len > XENSTORE_PAYLOAD_MAX)
			abort();
		memcpy(buf, data + off + 16, hdr.len);
		buf[hdr.len] = 0;
		n = xs_arg_count(buf, hdr.len);
		if (xs_arg_one(buf, hdr.len) && n != 1)
			abort();
		for (i = 0; i < n; i++) {
			char out[XS_PATH_CAP];
			unsigned rel;
			p = xs_arg_nth(buf, i);
			if (p < buf || p >= buf + hdr.len)
				abort();
			if (!xs_path_canon(p, hdr.req_id & 0xffff, hdr.tx_id & 2047,
					   out, sizeof(out), &rel)) {
				if (out[0] != '/' || strlen(out) >= sizeof(out))
					abort();
				if (rel && rel > strlen(out))
					abort();
			}
		}
		if (n && n < 64) {
			struct xs_perm e[64];
			if (!xs_perms_parse(buf, n, e)) {
				const struct xs_permset *ps = xs_permset_get(e, n);
				char out[XENSTORE_PAYLOAD_MAX * 2];
				if (ps && xs_perms_format(ps, out, sizeof(out)) < 0)
					abort();
				xs_permset_put(ps);
			}
		}
		xs_err_string(hdr.type);
		xs_type_name(hdr.type);
		off += mlen;
	}
	if (xs_permset_count())
		abort();
	return 0;
}
