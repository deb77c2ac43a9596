/*
 * keel-xenstore: a small xenstore client over libkeelxs, for dom0 shells
 * and initramfs tests (static, no shared libraries).  It talks to
 * $XENSTORED_PATH, else the daemon's socket, else the kernel's
 * /dev/xen/xenbus, as libxenstore's xenstore-* tools do.
 *
 *   keel-xenstore read PATH...          one value per line
 *   keel-xenstore write PATH VALUE...   pairs
 *   keel-xenstore rm PATH...
 *   keel-xenstore list PATH             one child per line
 *   keel-xenstore chmod PATH PERM...    Xen's letters: n0 r5 w7 b9
 *   keel-xenstore watch [-n N] PATH     print "path token" per event,
 *                                       stop after N events (the first
 *                                       is the one sent at registration)
 *   keel-xenstore introduce DOMID MFN PORT   XS_INTRODUCE (dom0 only)
 *   keel-xenstore release DOMID              XS_RELEASE
 *
 * Also callable as xenstore-read, xenstore-write, xenstore-rm,
 * xenstore-list, xenstore-chmod, xenstore-watch (argv[0]).  Errors: one
 * line "keel-xenstore: VERB PATH: reason" and status 1; usage: 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keelxs.h"

static const char *prog = "keel-xenstore";

static int fail(const char *verb, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, verb, path, strerror(errno));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: %s read|write|rm|list|chmod|watch|introduce|"
		"release ARGS "
		"(see the source's header)\n", prog);
	return 2;
}

static int do_read(struct xs_handle *h, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		unsigned int len;
		char *v = xs_read(h, XBT_NULL, argv[i], &len);

		if (!v)
			return fail("read", argv[i]);
		fwrite(v, 1, len, stdout);
		putchar('\n');
		free(v);
	}
	return 0;
}

static int do_write(struct xs_handle *h, int argc, char **argv)
{
	if (argc % 2)
		return usage();
	for (int i = 0; i < argc; i += 2)
		if (!xs_write(h, XBT_NULL, argv[i], argv[i + 1],
			      (unsigned int)strlen(argv[i + 1])))
			return fail("write", argv[i]);
	return 0;
}

static int do_rm(struct xs_handle *h, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!xs_rm(h, XBT_NULL, argv[i]))
			return fail("rm", argv[i]);
	return 0;
}

static int do_list(struct xs_handle *h, int argc, char **argv)
{
	unsigned int n;
	char **v;

	if (argc != 1)
		return usage();
	v = xs_directory(h, XBT_NULL, argv[0], &n);
	if (!v)
		return fail("list", argv[0]);
	for (unsigned int i = 0; i < n; i++)
		puts(v[i]);
	free(v);
	return 0;
}

static int do_chmod(struct xs_handle *h, int argc, char **argv)
{
	struct xs_permissions p[16];
	unsigned int n = (unsigned int)argc - 1;
	char buf[256];
	size_t off = 0;

	if (argc < 2 || n > 16)
		return usage();
	/* xs_strings_to_perms reads NUL-separated strings. */
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;

		if (off + l > sizeof(buf))
			return usage();
		memcpy(buf + off, argv[i], l);
		off += l;
	}
	if (!xs_strings_to_perms(p, n, buf)) {
		fprintf(stderr, "%s: chmod %s: bad permission list\n", prog,
			argv[0]);
		return 1;
	}
	if (!xs_set_permissions(h, XBT_NULL, argv[0], p, n))
		return fail("chmod", argv[0]);
	return 0;
}

static int do_watch(struct xs_handle *h, int argc, char **argv)
{
	long max = -1;
	unsigned int num;

	if (argc == 3 && !strcmp(argv[0], "-n")) {
		char *end;

		max = strtol(argv[1], &end, 10);
		if (*end || max < 1)
			return usage();
		argc -= 2;
		argv += 2;
	}
	if (argc != 1)
		return usage();
	if (!xs_watch(h, argv[0], "keel-xenstore"))
		return fail("watch", argv[0]);
	for (long i = 0; max < 0 || i < max; i++) {
		char **ev = xs_read_watch(h, &num);

		if (!ev)
			return fail("watch", argv[0]);
		printf("%s %s\n", ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
		fflush(stdout);
		free(ev);
	}
	return 0;
}

static bool number(const char *s, unsigned long long max,
		   unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return *s && !*end && !errno && *out <= max;
}

static int do_introduce(struct xs_handle *h, int argc, char **argv)
{
	unsigned long long dom, mfn, port;

	if (argc != 3 || !number(argv[0], 0x7fef, &dom) ||
	    !number(argv[1], ~0ULL, &mfn) || !number(argv[2], ~0U, &port))
		return usage();
	if (!xs_introduce_domain(h, (unsigned int)dom, (unsigned long)mfn,
				 (unsigned int)port))
		return fail("introduce", argv[0]);
	return 0;
}

static int do_release(struct xs_handle *h, int argc, char **argv)
{
	unsigned long long dom;

	if (argc != 1 || !number(argv[0], 0x7fef, &dom))
		return usage();
	if (!xs_release_domain(h, (unsigned int)dom))
		return fail("release", argv[0]);
	return 0;
}

static const struct verb {
	const char *name;
	int (*fn)(struct xs_handle *h, int argc, char **argv);
} verbs[] = {
	{ "read", do_read },   { "write", do_write }, { "rm", do_rm },
	{ "list", do_list },   { "chmod", do_chmod }, { "watch", do_watch },
	{ "introduce", do_introduce }, { "release", do_release },
};

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/'), *name;
	struct xs_handle *h;
	int rc;

	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "xenstore-", 9)) {
		prog = base;
		name = base + 9;
		argc -= 1;
		argv += 1;
	} else {
		if (argc < 2)
			return usage();
		name = argv[1];
		argc -= 2;
		argv += 2;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(name, verbs[i].name))
			continue;
		if (argc < 1)
			return usage();
		h = xs_open(0);
		if (!h) {
			fprintf(stderr, "%s: cannot reach the store: %s\n",
				prog, strerror(errno));
			return 1;
		}
		rc = verbs[i].fn(h, argc, argv);
		xs_close(h);
		return rc;
	}
	fprintf(stderr, "%s: unknown verb '%s'\n", prog, name);
	return usage();
}
