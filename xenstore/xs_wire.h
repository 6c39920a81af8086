/*
 * The xenstore wire protocol (xen/io/xs_wire.h): framing of a byte stream
 * into messages, argument splitting, and error strings. Pure: no I/O, no
 * allocation, so it is fuzzed on its own.
 */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#define XS_HDR_LEN sizeof(struct xsd_sockmsg)

enum xs_frame {
	XS_FRAME_MORE,    /* need more bytes */
	XS_FRAME_MSG,     /* a complete message is at the start of the buffer */
	XS_FRAME_BAD,     /* protocol violation: drop the connection */
};

/*
 * Looks at the bytes a connection sent: is there a complete message at
 * the start? On XS_FRAME_MSG, *hdr is its header and *msglen its total
 * length (header + payload).
 */
enum xs_frame xs_frame_parse(const void *buf, size_t len,
			     struct xsd_sockmsg *hdr, size_t *msglen);

/* Number of nul-terminated strings in buf[0..len). */
unsigned xs_arg_count(const char *buf, uint32_t len);
/* The single argument of a message that must be exactly "arg\0", else NULL. */
const char *xs_arg_one(const char *buf, uint32_t len);
/* The i-th nul-terminated string (caller checked the count). */
const char *xs_arg_nth(const char *buf, unsigned i);

/* Xen's error string for an errno ("EINVAL" for unknown ones). */
const char *xs_err_string(int err);
/* Name of a message type for logs. */
const char *xs_type_name(uint32_t type);

#endif
