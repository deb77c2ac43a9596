/*
 * The dom0 kernel's watches across a restart of the daemon (--dom0 with a
 * state directory).  The kernel registers its watches once (the backend
 * bus, the balloon's memory/target, control/shutdown...) and never again:
 * a daemon that forgot them would leave dom0 deaf until it reboots.  So
 * every change of that connection's watches rewrites the file
 * STATE/dom0-kernel-watches (written aside, synced, renamed) before the
 * request is answered, and a restarted daemon registers them again once
 * it has reconnected the kernel's ring, with the usual first event each
 * (the kernel's handlers re-read what they watch, catching up with
 * changes made while the daemon was down; its tokens are addresses of
 * its struct xenbus_watch, still valid since the kernel kept running).
 *
 * The first line is the kernel's boot id (/proc/sys/kernel/random/
 * boot_id): watches of an earlier boot of dom0 are not restored.  Then
 * one line per watch: the path as the kernel gave it (relative paths
 * stay relative), a space, the token in hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "path.h"
#include "persist.h"
#include "watch.h"
#include "xsd.h"

#define DOM0_PREFIX "/local/domain/0/"
#define BOOT_ID "/proc/sys/kernel/random/boot_id"

/* This boot's id with its newline, or "" when unknown. */
static const char *boot_id(void)
{
	static char id[64];
	FILE *f;

	if (id[0])
		return id;
	f = fopen(BOOT_ID, "r");
	if (!f || !fgets(id, sizeof(id), f))
		id[0] = '\0';
	if (f)
		fclose(f);
	return id;
}

/* The path as registered: relative watches without dom0's prefix. */
static const char *given_of(const struct watch *w)
{
	size_t n = strlen(DOM0_PREFIX);

	if (w->relative && !strncmp(w->path, DOM0_PREFIX, n))
		return w->path + n;
	return w->path;
}

static int write_all(FILE *f, const struct conn *c)
{
	if (fprintf(f, "boot %s", boot_id()) < 0)
		return -1;
	for (const struct watch *w = c->watches; w; w = w->next) {
		if (fprintf(f, "%s ", given_of(w)) < 0)
			return -1;
		for (const unsigned char *t = (const unsigned char *)w->token;
		     *t; t++)
			if (fprintf(f, "%02x", *t) < 0)
				return -1;
		if (fputc('\n', f) == EOF)
			return -1;
	}
	return 0;
}

void kernel_watches_save(struct conn *c)
{
	struct xsd *x = c->xsd;
	char tmp[PATH_BUF + 8];
	FILE *f;
	int ok;

	if (c != x->kernel || !x->kernel_watch_file)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", x->kernel_watch_file);
	f = fopen(tmp, "w");
	ok = f && write_all(f, c) == 0 && fflush(f) == 0 &&
	     fsync(fileno(f)) == 0;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, x->kernel_watch_file) != 0) {
		/* The watch itself works; only a restart would forget it. */
		xsd_log("%s: cannot save the dom0 kernel's watches: %s",
			x->kernel_watch_file, strerror(errno));
		unlink(tmp);
	}
}

static int unhex(const char *s, char *out, size_t max)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2) {
		unsigned int v;

		if (n + 1 >= max || sscanf(s, "%2x", &v) != 1 || v == 0)
			return -EINVAL;
		out[n++] = (char)v;
	}
	if (*s || n == 0)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

static int restore_line(struct conn *c, char *line)
{
	char abs[PATH_BUF], token[XENSTORE_PAYLOAD_MAX];
	char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
	int rc;

	if (nl)
		*nl = '\0';
	if (!sp)
		return -EINVAL;
	*sp = '\0';
	if (unhex(sp + 1, token, sizeof(token)) < 0)
		return -EINVAL;
	if (path_resolve(0, line, c->xsd->quota.path_max, abs) < 0)
		return -EINVAL;
	rc = watch_add(c, line, abs, token);
	if (rc == 0)
		conn_send(c, XS_WATCH_EVENT, 0, 0, line, strlen(line) + 1,
			  token, strlen(token) + 1, true);
	return rc == -EEXIST ? 0 : rc;
}

int kernel_watches_restore(struct xsd *x)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned int n = 0, bad = 0;

	if (!x->kernel || !x->kernel_watch_file)
		return 0;
	f = fopen(x->kernel_watch_file, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (getline(&line, &cap, f) <= 0 || strncmp(line, "boot ", 5) ||
	    !boot_id()[0] || strcmp(line + 5, boot_id())) {
		xsd_log("%s: from another boot of dom0, not restored",
			x->kernel_watch_file);
		free(line);
		fclose(f);
		return 0;
	}
	while (getline(&line, &cap, f) > 0) {
		if (restore_line(x->kernel, line) < 0)
			bad++;
		else
			n++;
	}
	free(line);
	fclose(f);
	if (n || bad)
		xsd_log("dom0 kernel: %u watches restored%s", n,
			bad ? " (some lines unreadable, skipped)" : "");
	/* The same boot of dom0: a restart.  Its open transactions are the
	 * old daemon's: failed at their end (persist.h), not unknown. */
	x->kernel->restored = true;
	x->kernel->next_txid = RESTORED_TXID_BASE;
	return 1;
}
