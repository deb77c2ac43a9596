/*
 * Persistence: see journal.h.
 *
 * Files in the state directory:
 *   lock           flock'd while a daemon uses the directory
 *   tree.snap      one frame holding every node (parents first)
 *   tree.journal   frames appended since that snapshot
 * Frame: u32 magic, u32 payload length, u32 crc32 (of seq + payload),
 * u64 seq, payload.  Payload: records
 *   'S' u16 len, path, u32 nperms, {u32 id, u8 perms}*, u32 vlen, value
 *   'D' u16 len, path
 * Journal frames with seq <= the snapshot's are already in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "journal.h"
#include "path.h"
#include "xsd.h"

#define MAGIC_JOURNAL 0x314a584bu /* "KXJ1" */
#define MAGIC_SNAP 0x3153584bu    /* "KXS1" */
#define COMPACT_BYTES (8u << 20)
#define MAX_FRAME (256u << 20)

struct frame_hdr {
	uint32_t magic, len, crc;
	uint64_t seq;
} __attribute__((packed));

struct buf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

struct journal {
	char *dir;
	int fd, lock_fd, dir_fd;
	bool fsync_on;
	uint64_t seq;
	size_t size;
	struct buf pending;
	uint64_t syncs; /* fdatasync calls on the journal */
	bool dirty; /* frames written but not yet synced */
	char damaged[64]; /* load: keep tree.journal under this name */
};

uint32_t journal_crc32(const void *buf, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	uint32_t c = 0xffffffffu;

	if (!table[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i;

			for (int k = 0; k < 8; k++)
				v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
			table[i] = v;
		}
	}
	for (size_t i = 0; i < len; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint32_t frame_crc(uint64_t seq, const void *p, size_t len)
{
	uint32_t a = journal_crc32(&seq, sizeof(seq));

	return a ^ journal_crc32(p, len);
}

static void put(struct buf *b, const void *p, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *n;

		while (cap < b->len + len)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n) {
			b->oom = true;
			return;
		}
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

static void put_u32(struct buf *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void put_path(struct buf *b, char op, const char *path)
{
	uint16_t l = (uint16_t)strlen(path);

	put(b, &op, 1);
	put(b, &l, sizeof(l));
	put(b, path, l);
}

static void put_node(struct buf *b, const char *path, const struct tree_node *n)
{
	put_path(b, 'S', path);
	put_u32(b, n->nr_perms);
	for (uint32_t i = 0; i < n->nr_perms; i++) {
		put_u32(b, n->perms[i].id);
		put(b, &n->perms[i].perms, 1);
	}
	put_u32(b, n->len);
	put(b, n->value, n->len);
}

static void hook_changed(void *ctx, const char *path,
			 const struct tree_node *n, int kind)
{
	struct journal *j = ctx;

	if (kind == TREE_DELETED)
		put_path(&j->pending, 'D', path);
	else
		put_node(&j->pending, path, n);
}

/* Bounded reader over a payload. */
struct rd {
	const unsigned char *p;
	size_t len, off;
};

static bool get(struct rd *r, void *out, size_t len)
{
	if (r->len - r->off < len)
		return false;
	memcpy(out, r->p + r->off, len);
	r->off += len;
	return true;
}

static bool get_path(struct rd *r, char *path)
{
	uint16_t l;

	if (!get(r, &l, sizeof(l)) || l >= PATH_BUF || !get(r, path, l))
		return false;
	path[l] = '\0';
	return path_valid(path);
}

static int apply_set(struct tree *t, struct rd *r, const char *path)
{
	uint32_t np, vlen;
	struct xs_perm *perms;
	struct tree_node *n;
	int rc = -EINVAL;

	if (!get(r, &np, sizeof(np)) || np == 0 || np > r->len - r->off)
		return -EINVAL;
	perms = calloc(np, sizeof(*perms));
	if (!perms)
		return -ENOMEM;
	for (uint32_t i = 0; i < np; i++)
		if (!get(r, &perms[i].id, 4) || !get(r, &perms[i].perms, 1))
			goto out;
	if (!get(r, &vlen, sizeof(vlen)) || vlen > r->len - r->off)
		goto out;
	n = tree_find(t, path);
	if (!n)
		n = tree_create(t, path, (const char *)r->p + r->off, vlen,
				DOMID_NONE);
	else if (tree_set_value(t, n, (const char *)r->p + r->off, vlen) < 0)
		n = NULL;
	r->off += vlen;
	rc = n ? tree_set_perms(t, n, perms, np) : -ENOMEM;
out:
	free(perms);
	return rc;
}

int journal_apply(struct tree *t, const unsigned char *p, size_t len)
{
	struct rd r = { p, len, 0 };
	char path[PATH_BUF];

	while (r.off < r.len) {
		char op;
		int rc;

		if (!get(&r, &op, 1) || !get_path(&r, path))
			return -EINVAL;
		if (op == 'D') {
			struct tree_node *n = tree_find(t, path);

			if (n && n->parent)
				tree_delete(t, n);
		} else if (op == 'S') {
			rc = apply_set(t, &r, path);
			if (rc < 0)
				return rc;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -(n < 0 ? errno : EIO);
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_frame(int fd, uint32_t magic, uint64_t seq,
		       const struct buf *b)
{
	struct frame_hdr h = { magic, (uint32_t)b->len,
			       frame_crc(seq, b->p, b->len), seq };
	int rc = write_all(fd, &h, sizeof(h));

	return rc ? rc : write_all(fd, b->p, b->len);
}

static void snap_node(struct buf *b, const struct tree_node *n, char *path)
{
	tree_path(n, path);
	put_node(b, path, n);
	for (uint32_t i = 0; i < n->nr_child; i++)
		snap_node(b, n->child[i], path);
}

/* Write tree.snap atomically (tmp, fsync, rename) and empty the journal. */
static int snapshot(struct journal *j, const struct tree *t)
{
	struct buf b = { 0 };
	char path[PATH_BUF];
	int fd, rc;

	snap_node(&b, t->root, path);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	fd = openat(j->dir_fd, "tree.snap.tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(b.p);
		return -errno;
	}
	rc = write_frame(fd, MAGIC_SNAP, j->seq, &b);
	free(b.p);
	if (!rc && j->fsync_on && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc && renameat(j->dir_fd, "tree.snap.tmp", j->dir_fd,
			    "tree.snap") < 0)
		rc = -errno;
	if (!rc && j->fsync_on)
		fsync(j->dir_fd);
	if (!rc && j->fd >= 0 && ftruncate(j->fd, 0) < 0)
		rc = -errno;
	if (!rc)
		j->size = 0;
	return rc;
}

/* Read one frame at *off of a whole file; false at end or damage. */
static bool next_frame(const unsigned char *data, size_t size, size_t *off,
		       uint32_t magic, struct frame_hdr *h)
{
	if (size - *off < sizeof(*h))
		return false;
	memcpy(h, data + *off, sizeof(*h));
	if (h->magic != magic || h->len > size - *off - sizeof(*h) ||
	    frame_crc(h->seq, data + *off + sizeof(*h), h->len) != h->crc)
		return false;
	*off += sizeof(*h);
	return true;
}

/* A whole file: NULL with *exists false when absent; *size 0 if empty. */
static unsigned char *slurp(int dir_fd, const char *name, size_t *size,
			    bool *exists)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *p = NULL;

	*size = 0;
	*exists = fd >= 0 || errno != ENOENT;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size <= MAX_FRAME) {
		p = malloc((size_t)st.st_size);
		if (p && read(fd, p, (size_t)st.st_size) == st.st_size)
			*size = (size_t)st.st_size;
	}
	close(fd);
	return p;
}

/*
 * The snapshot is the base every journal frame builds on.  A state
 * directory that has a journal but no usable snapshot cannot be loaded
 * without losing the writes the snapshot held, so refuse to start and
 * leave the files untouched (an empty tree.snap is never written by
 * us: the rename that installs one is atomic).
 */
static int load_snapshot(struct journal *j, struct tree *t)
{
	bool exists, jexists;
	size_t size, jsize, off = 0;
	unsigned char *data = slurp(j->dir_fd, "tree.snap", &size, &exists);
	struct frame_hdr h;
	struct stat st;

	if (!exists) {
		jexists = fstatat(j->dir_fd, "tree.journal", &st, 0) == 0;
		jsize = jexists ? (size_t)st.st_size : 0;
		if (jsize == 0)
			return 0; /* a new state directory */
		xsd_log("%s/tree.snap is missing but tree.journal holds %zu bytes "
			"of changes made after it: refusing to start (restore "
			"tree.snap, or move the directory away to start empty)",
			j->dir, jsize);
		return -EINVAL;
	}
	if (!data || !size) {
		xsd_log("%s/tree.snap is %s: refusing to start (restore it, or "
			"move the directory away to start empty)", j->dir,
			data ? "unreadable" : "empty");
		free(data);
		return -EINVAL;
	}
	if (!next_frame(data, size, &off, MAGIC_SNAP, &h) ||
	    journal_apply(t, data + off, h.len) < 0) {
		xsd_log("%s/tree.snap: damaged snapshot, refusing to start",
			j->dir);
		free(data);
		return -EINVAL;
	}
	j->seq = h.seq;
	free(data);
	return 0;
}

/* Count the intact frames that follow byte off (after a damaged one). */
static unsigned int intact_after(const unsigned char *data, size_t size,
				 size_t off, uint64_t *last_seq)
{
	unsigned int n = 0;
	struct frame_hdr h;

	for (size_t o = off + 1; o + sizeof(h) <= size; o++) {
		size_t at = o;

		if (!next_frame(data, size, &at, MAGIC_JOURNAL, &h))
			continue;
		n++;
		*last_seq = h.seq;
		o = at + h.len - 1;
	}
	return n;
}

/*
 * Replay the journal on top of the snapshot.  Frames must follow each
 * other (seq + 1).  A last frame cut short by a crash was never
 * acknowledged and is dropped.  Damage before the end (a bad checksum
 * or magic, a missing frame) drops the damaged frame and everything
 * after it, since serving later writes without it would show a state
 * that never existed; the journal is then kept as
 * tree.journal.damaged-<seq> for inspection, and one line says what
 * was lost.
 */
static int load_journal(struct journal *j, struct tree *t)
{
	bool exists;
	size_t size, off = 0;
	unsigned char *data = slurp(j->dir_fd, "tree.journal", &size, &exists);
	uint64_t snap_seq = j->seq;
	const char *why = NULL;
	struct frame_hdr h;

	while (off < size) {
		size_t at = off;

		if (size - off < sizeof(h)) {
			why = "unfinished"; /* torn header */
			break;
		}
		memcpy(&h, data + off, sizeof(h));
		if (!next_frame(data, size, &at, MAGIC_JOURNAL, &h)) {
			if (h.magic == MAGIC_JOURNAL &&
			    h.len >= size - off - sizeof(h))
				why = "unfinished"; /* reaches the end: torn */
			else
				why = h.magic == MAGIC_JOURNAL ? "bad checksum"
							       : "bad frame header";
			break;
		}
		if (h.seq > snap_seq) {
			if (h.seq != j->seq + 1) {
				why = "frames missing before it";
				break;
			}
			if (journal_apply(t, data + at, h.len) < 0) {
				xsd_log("%s/tree.journal: bad record in frame %llu",
					j->dir, (unsigned long long)h.seq);
				free(data);
				return -EINVAL;
			}
			j->seq = h.seq;
		}
		off = at + h.len;
	}
	if (why && !strcmp(why, "unfinished")) {
		xsd_log("%s/tree.journal: dropping %zu bytes of an unfinished "
			"last frame (written by a crash, never acknowledged)",
			j->dir, size - off);
	} else if (why) {
		uint64_t last = 0;
		unsigned int later = intact_after(data, size, off, &last);
		char keep[64];

		snprintf(keep, sizeof(keep), "tree.journal.damaged-%llu",
			 (unsigned long long)j->seq);
		/* Kept (renamed) by journal_open once the good part is in a
		 * new snapshot, so a crash in between loses nothing. */
		snprintf(j->damaged, sizeof(j->damaged), "%s", keep);
		xsd_log("%s/tree.journal: the frame after seq %llu, at byte %zu, "
			"is damaged (%s); dropped it and the %zu bytes after it "
			"(%u intact later frames, last seq %llu), as they cannot "
			"be served without it; the journal is kept as %s",
			j->dir, (unsigned long long)j->seq, off, why,
			size - off, later, (unsigned long long)last, keep);
	}
	free(data);
	return 0;
}

static int load(struct journal *j, struct tree *t)
{
	int rc = load_snapshot(j, t);

	return rc < 0 ? rc : load_journal(j, t);
}

struct journal *journal_open(const char *dir, struct tree *t, bool fsync_on)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fd = j->lock_fd = j->dir_fd = -1;
	j->fsync_on = fsync_on;
	j->dir = strdup(dir);
	if (!j->dir)
		goto fail;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		xsd_log("%s: cannot create state directory: %s", dir,
			strerror(errno));
		goto fail;
	}
	j->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j->lock_fd = openat(j->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
			    0600);
	if (j->dir_fd < 0 || j->lock_fd < 0 ||
	    flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		xsd_log("%s: cannot lock state directory (in use?): %s", dir,
			strerror(errno));
		goto fail;
	}
	if (load(j, t) < 0)
		goto fail;
	/* A damaged journal: snapshot what was kept first, then set the
	 * file aside for inspection and start a new one. */
	if (j->damaged[0] &&
	    (snapshot(j, t) < 0 ||
	     renameat(j->dir_fd, "tree.journal", j->dir_fd, j->damaged) < 0)) {
		xsd_log("%s: cannot keep the damaged journal as %s: %s; "
			"refusing to start", dir, j->damaged, strerror(errno));
		goto fail;
	}
	j->fd = openat(j->dir_fd, "tree.journal",
		       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0 || snapshot(j, t) < 0) {
		xsd_log("%s: cannot write the state: %s", dir, strerror(errno));
		goto fail;
	}
	t->hooks = (struct tree_hooks){ NULL, hook_changed, j };
	return j;
fail:
	journal_close(j);
	return NULL;
}

int journal_write(struct journal *j, struct tree *t)
{
	int rc;

	if (!j || j->pending.len == 0)
		return 0;
	if (j->pending.oom)
		return -ENOMEM;
	j->seq++;
	rc = write_frame(j->fd, MAGIC_JOURNAL, j->seq, &j->pending);
	if (rc)
		return rc;
	j->dirty = true;
	j->size += sizeof(struct frame_hdr) + j->pending.len;
	j->pending.len = 0;
	if (j->size > COMPACT_BYTES) {
		/* The snapshot holds these frames' changes and is synced. */
		rc = snapshot(j, t);
		if (rc == 0)
			j->dirty = false;
	}
	return rc;
}

int journal_sync(struct journal *j)
{
	if (!j || !j->dirty)
		return 0;
	if (j->fsync_on) {
		j->syncs++;
		if (fdatasync(j->fd) < 0)
			return -errno;
	}
	j->dirty = false;
	return 0;
}

bool journal_dirty(const struct journal *j)
{
	return j && j->dirty;
}

int journal_commit(struct journal *j, struct tree *t)
{
	int rc = journal_write(j, t);

	return rc ? rc : journal_sync(j);
}

uint64_t journal_syncs(const struct journal *j)
{
	return j ? j->syncs : 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	if (j->dir_fd >= 0)
		close(j->dir_fd);
	free(j->pending.p);
	free(j->dir);
	free(j);
}
