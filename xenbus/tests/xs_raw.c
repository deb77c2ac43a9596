/*
 * xs_raw: replay a scripted session of raw xenstore messages on the
 * socket at $XENSTORED_PATH and print each reply, so that two daemons
 * can be compared byte for byte.  Script lines (stdin):
 *   TYPE[@T] PAYLOAD     TYPE a name (READ, WRITE...) or a number;
 *                        @T sends in the last started transaction;
 *                        PAYLOAD with \0 for NUL and \xNN escapes.
 *   # comment
 * Output: "> line" then "TYPE payload" per reply ("EVENT ..." for watch
 * events met before it).  TRANSACTION_START replies print as <id>;
 * DIRECTORY_PART replies print without the generation count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

static int fd;
static uint32_t req_id, cur_tx;

static int read_all(void *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static void print_bytes(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0)
			fputs("\\0", stdout);
		else if (c < 32 || c > 126 || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static uint32_t type_of(const char *name)
{
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (*end == '\0')
		return (uint32_t)v;
	for (uint32_t t = 0; t < XS_TYPE_COUNT; t++)
		if (!strcmp(wire_type_name(t), name))
			return t;
	fprintf(stderr, "xs_raw: unknown type %s\n", name);
	exit(2);
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	while (*in && n < XENSTORE_PAYLOAD_MAX) {
		if (in[0] == '\\' && in[1] == '0') {
			out[n++] = '\0';
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'x' && in[2] && in[3]) {
			char hex[3] = { in[2], in[3], 0 };

			out[n++] = (char)strtoul(hex, NULL, 16);
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	return n;
}

static int transact(uint32_t type, uint32_t tx, const char *p, size_t len)
{
	struct xsd_sockmsg h = { type, ++req_id, tx, (uint32_t)len }, r;
	char body[XENSTORE_PAYLOAD_MAX + 1];

	if (write(fd, &h, sizeof(h)) != sizeof(h) ||
	    (len && write(fd, p, len) != (ssize_t)len))
		return -1;
	for (;;) {
		if (read_all(&r, sizeof(r)) < 0 || r.len > XENSTORE_PAYLOAD_MAX ||
		    read_all(body, r.len) < 0) {
			printf("CLOSED\n");
			return -1;
		}
		body[r.len] = '\0';
		if (r.type == XS_WATCH_EVENT) {
			fputs("EVENT ", stdout);
			print_bytes(body, r.len);
			putchar('\n');
			continue;
		}
		printf("%s ", wire_type_name(r.type));
		if (r.type == XS_TRANSACTION_START) {
			cur_tx = (uint32_t)strtoul(body, NULL, 10);
			fputs("<id>", stdout);
		} else if (r.type == XS_DIRECTORY_PART) {
			size_t g = strnlen(body, r.len) + 1;

			fputs("<gen>\\0", stdout);
			print_bytes(body + g, r.len > g ? r.len - g : 0);
		} else {
			print_bytes(body, r.len);
		}
		putchar('\n');
		if (r.req_id != h.req_id)
			printf("(req_id %u, sent %u)\n", r.req_id, h.req_id);
		return 0;
	}
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("XENSTORED_PATH");
	char line[8192], payload[XENSTORE_PAYLOAD_MAX + 1];

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("xs_raw: connect");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *sp, *at;
		uint32_t tx = 0;
		size_t len = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		printf("> %s\n", line);
		sp = strchr(line, ' ');
		if (sp) {
			*sp = '\0';
			len = unescape(sp + 1, payload);
		}
		at = strchr(line, '@');
		if (at) {
			*at = '\0';
			tx = cur_tx;
		}
		if (transact(type_of(line), tx, payload, len) < 0)
			break;
	}
	fflush(stdout);
	return 0;
}
