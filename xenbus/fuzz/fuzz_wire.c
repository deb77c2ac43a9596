/*
 * libFuzzer harness over the wire parser and everything behind it: the
 * input is a byte stream read by a connection of an in-process daemon
 * (framing, header checks, argument splitting, every handler), then
 * replayed as a journal frame payload, and laid over a shared ring page
 * whose indexes a guest controls.  The first byte picks the caller: dom0
 * or an unprivileged domain (quotas and permissions apply).  With
 * FUZZ_JOURNAL_FILES=1 in the environment (slower: files), one input in
 * 32 is also built into a journal file (frames with good or broken
 * checksums, gaps in the sequence, a torn last frame, zeros after them
 * or not) that a daemon then loads.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "persist.h"
#include "ring.h"
#include "xsd.h"

struct stream {
	const uint8_t *p;
	size_t len, off;
};

static ssize_t f_read(struct conn *c, void *buf, size_t len)
{
	struct stream *s = c->tp;

	if (len > s->len - s->off)
		len = s->len - s->off;
	/* Short reads exercise partial headers and payloads. */
	if (len > 1 && (s->off & 7) == 3)
		len /= 2;
	memcpy(buf, s->p + s->off, len);
	s->off += len;
	return (ssize_t)len;
}

static ssize_t f_write(struct conn *c, const void *buf, size_t len)
{
	(void)c;
	(void)buf;
	return (ssize_t)len;
}

static int f_fd(const struct conn *c)
{
	(void)c;
	return -1;
}

static const struct transport_ops f_ops = {
	.name = "fuzz", .read = f_read, .write = f_write, .fd = f_fd,
};

static int put_file(const char *dir, const char *name, const void *p,
		    size_t len)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, p, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

/* Frames as journal.c writes them: magic "KXJ1", length, crc, seq. */
struct fhdr {
	uint32_t magic, len, crc;
	uint64_t seq;
} __attribute__((packed));

static char dir[64];

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

static void fuzz_journal_file(const uint8_t *data, size_t size)
{
	static unsigned char snap[256];
	static size_t snap_len;
	static unsigned char file[8192];
	size_t len = 0, p = 1;
	uint64_t seq = 0;
	struct tree t;
	DIR *d;
	struct dirent *e;

	journal_segment_bytes = 4096;
	if (!dir[0]) {
		/* An empty store's snapshot (seq 0), kept to start over. */
		char path[128];
		int fd;

		strcpy(dir, "/tmp/xenbus-fuzz-XXXXXX");
		if (!mkdtemp(dir) || tree_init(&t) < 0)
			__builtin_trap();
		atexit(remove_dir);
		journal_close(journal_open(dir, &t, false));
		tree_destroy(&t);
		snprintf(path, sizeof(path), "%s/tree.snap", dir);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			__builtin_trap();
		snap_len = (size_t)read(fd, snap, sizeof(snap));
		close(fd);
	}
	while (p < size && len + sizeof(struct fhdr) + 128 <= sizeof(file)) {
		uint8_t ctl = data[p++];
		size_t n = (size_t)(ctl >> 3) * 4;
		struct fhdr h;

		if (n > size - p)
			n = size - p;
		seq += (ctl & 1) ? 2 : 1; /* a gap */
		h = (struct fhdr){ 0x314a584bu, (uint32_t)n, 0, seq };
		h.crc = journal_crc32(&seq, sizeof(seq)) ^
			journal_crc32(data + p, n);
		if (ctl & 2)
			h.crc ^= 1;
		memcpy(file + len, &h, sizeof(h));
		memcpy(file + len + sizeof(h), data + p, n);
		p += n;
		if (ctl & 4) { /* torn: half of it, and nothing after */
			len += (sizeof(h) + n) / 2;
			break;
		}
		len += sizeof(h) + n;
	}
	if (data[0] & 0x40) { /* a preallocated segment */
		memset(file + len, 0, sizeof(file) - len);
		len = sizeof(file);
	}
	if (put_file(dir, "tree.snap", snap, snap_len) < 0 ||
	    put_file(dir, "tree.journal", file, len) < 0 || tree_init(&t) < 0)
		return;
	journal_close(journal_open(dir, &t, false));
	tree_destroy(&t);
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "tree.journal.damaged-", 21))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct caller who = { 0, true, DOMID_NONE };
	struct stream s = { data, size, 1 };
	struct xsd x;
	struct conn *c, *other;
	const char *argv[WIRE_MAX_ARGS];
	unsigned long long v;

	if (size < 1)
		return 0;
	xsd_log_stderr = false;
	if (xsd_init(&x, NULL, false) < 0)
		return 0;
	x.rings = &ring_host_backend;
	if (data[0] & 1) {
		who = (struct caller){ data[0] >> 1, false, DOMID_NONE };
		x.quota.nodes = 50;
	}
	other = conn_new(&x, &f_ops, &(struct stream){ data, 0, 0 },
			 &(struct caller){ 3, false, DOMID_NONE });
	c = conn_new(&x, &f_ops, &s, &who);
	if (c && other) {
		for (int i = 0; i < 64 && !c->dead && s.off < s.len; i++)
			conn_service(c);
	}
	xsd_fini(&x);

	if ((data[0] & 0x3e) == 0x3e && getenv("FUZZ_JOURNAL_FILES"))
		fuzz_journal_file(data, size);
	/* The same bytes as helpers and as a journal payload. */
	wire_split((const char *)data, size, argv, WIRE_MAX_ARGS, NULL);
	if (size < 64) {
		char buf[64];

		memcpy(buf, data, size);
		buf[size] = '\0';
		wire_parse_uint(buf, UINT32_MAX, &v);
	}
	{
		struct tree t;

		if (tree_init(&t) == 0) {
			journal_apply(&t, data, size);
			tree_destroy(&t);
		}
	}
	/* The same bytes as the introduced-domain records of the state
	 * (persist.c): one record, then a sequence of length-prefixed
	 * ones (an introduction then its watches...). */
	if (xsd_init(&x, NULL, false) == 0) {
		size_t off = 0;

		persist_journal_extra.load(&x, data, size);
		while (off < size) {
			size_t l = data[off++];

			if (l > size - off)
				l = size - off;
			persist_journal_extra.load(&x, data + off, l);
			off += l;
		}
		xsd_fini(&x);
	}
	/* A guest-written ring page: copies must stay inside the rings. */
	{
		static struct xenstore_domain_interface page;
		char buf[XENSTORE_RING_SIZE * 2];
		size_t n = size < sizeof(page) ? size : sizeof(page);

		memset(&page, 0, sizeof(page));
		memcpy(&page, data, n);
		if (ring_read_req(&page, buf, sizeof(buf)) > XENSTORE_RING_SIZE ||
		    ring_write_rsp(&page, buf, sizeof(buf)) > XENSTORE_RING_SIZE)
			__builtin_trap();
	}
	return 0;
}
