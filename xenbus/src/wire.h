/*
 * Xenstore wire protocol: message header checks, argument splitting and
 * errno names.  Pure functions over byte buffers (fuzzed by
 * fuzz/fuzz_wire.c); they never trust the input.
 */
#ifndef XENBUS_WIRE_H
#define XENBUS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/io/xs_wire.h> /* Keel's copy of Xen's io/xs_wire.h */

#define WIRE_MAX_ARGS 64

/* Name of a message type ("READ"), or "UNKNOWN". */
const char *wire_type_name(uint32_t type);

/* Errno name for the wire ("ENOENT"); unknown numbers map to "EIO". */
const char *wire_errno_name(int err);

/* Errno number for a wire name, or 0 when the name is not one of Xen's. */
int wire_errno_from_name(const char *name, size_t len);

/* A header is acceptable when its payload fits XENSTORE_PAYLOAD_MAX. */
bool wire_header_ok(const struct xsd_sockmsg *hdr);

/*
 * Split a payload into NUL-terminated strings, as Xen's get_strings():
 * argv[i] points into buf.  Returns the number of complete strings
 * (at most max); *rest gets the offset just past the last one.
 */
unsigned int wire_split(const char *buf, size_t len, const char **argv,
			unsigned int max, size_t *rest);

/*
 * The single argument of a one-argument message: the payload must be
 * non-empty and NUL-terminated with no other NUL.  NULL if malformed.
 */
const char *wire_onearg(const char *buf, size_t len);

/* Parse a decimal unsigned number that fills the whole string. */
bool wire_parse_uint(const char *s, unsigned long long max,
		     unsigned long long *out);

#endif
