/* Xenstore wire protocol helpers: see wire.h. */
#include <errno.h>
#include <string.h>

#include "wire.h"

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL", [XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ", [XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH", [XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE", [XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH", [XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR", [XS_RM] = "RM", [XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT", [XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME", [XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

/* Xen's xsd_errors[] list, in its order. */
static const struct {
	int num;
	const char *name;
} errors[] = {
	{ EINVAL, "EINVAL" }, { EACCES, "EACCES" }, { EEXIST, "EEXIST" },
	{ EISDIR, "EISDIR" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
	{ ENOSPC, "ENOSPC" }, { EIO, "EIO" }, { ENOTEMPTY, "ENOTEMPTY" },
	{ ENOSYS, "ENOSYS" }, { EROFS, "EROFS" }, { EBUSY, "EBUSY" },
	{ EAGAIN, "EAGAIN" }, { EISCONN, "EISCONN" }, { E2BIG, "E2BIG" },
	{ EPERM, "EPERM" },
};

const char *wire_type_name(uint32_t type)
{
	if (type < XS_TYPE_COUNT && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

const char *wire_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].num == err)
			return errors[i].name;
	return "EIO";
}

int wire_errno_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strlen(errors[i].name) == len &&
		    memcmp(errors[i].name, name, len) == 0)
			return errors[i].num;
	return 0;
}

bool wire_header_ok(const struct xsd_sockmsg *hdr)
{
	return hdr->len <= XENSTORE_PAYLOAD_MAX;
}

unsigned int wire_split(const char *buf, size_t len, const char **argv,
			unsigned int max, size_t *rest)
{
	unsigned int n = 0;
	size_t off = 0;

	while (n < max && off < len) {
		const char *nul = memchr(buf + off, '\0', len - off);

		if (!nul)
			break;
		argv[n++] = buf + off;
		off = (size_t)(nul - buf) + 1;
	}
	if (rest)
		*rest = off;
	return n;
}

const char *wire_onearg(const char *buf, size_t len)
{
	if (len == 0 || buf[len - 1] != '\0' || strlen(buf) != len - 1)
		return NULL;
	return buf;
}

bool wire_parse_uint(const char *s, unsigned long long max,
		     unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}
