/*
 * Persistence: see journal.h.
 *
 * Files in the state directory:
 *   lock           flock'd while a daemon uses the directory
 *   tree.snap      one frame holding every node (parents first)
 *   tree.journal   a segment: frames written since that snapshot, in a
 *                  file preallocated with zeros (journal_segment_bytes)
 * Frame: u32 magic, u32 payload length, u32 crc32 (of seq + payload),
 * u64 seq, payload.  Payload: records
 *   'S' u16 len, path, u32 nperms, {u32 id, u8 perms}*, u32 vlen, value
 *   'D' u16 len, path
 *   'X' u32 len, bytes   (an extra record: struct journal_extra)
 * Journal frames with seq <= the snapshot's are already in it.
 *
 * One frame holds the changes made since the previous frame (group
 * commit), written with one pwrite into the zeroed space after the
 * previous frame, by the caller (journal_sync) or by the sync thread
 * while the event loop goes on (journal_start): the file's size and
 * blocks never change, so the sync (O_DSYNC) flushes data only, no
 * metadata.  Where the file system allows it the segment is written
 * O_DIRECT, in whole 4 KiB blocks (write_frame_at).  The next frame is written only once this one is durable
 * (one in flight at a time), so only the last frame can be torn by a
 * crash, and the zeros after it mark the end.  A full segment is compacted: a new
 * snapshot, then a new zeroed segment renamed over the old one.  A
 * journal of frames up to its end (the earlier append-only format) is
 * read the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "journal.h"
#include "path.h"
#include "xsd.h"

#define MAGIC_JOURNAL 0x314a584bu /* "KXJ1" */
#define MAGIC_SNAP 0x3153584bu    /* "KXS1" */
#define MAX_FRAME (256u << 20)

size_t journal_segment_bytes = 4u << 20;
void (*journal_sync_hook)(void);


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
	uint64_t seq;   /* of the last frame written or in flight (or the
			   snapshot) */
	uint64_t durable; /* of the last frame known durable */
	size_t size;    /* bytes of frames in the segment: the next offset */
	size_t seg;     /* the segment's preallocated size */
	struct buf pending; /* this round's records, not yet on disk */
	struct buf *out; /* where journal_put_extra writes: pending or a
			    snapshot being written */
	struct journal_extra ex; /* ex.load/ex.save NULL: none */
	struct tree *tree; /* the store (to compact a full segment) */
	uint64_t syncs; /* synced frame writes */
	char damaged[64]; /* load: keep tree.journal under this name */
	/*
	 * O_DIRECT (with O_DSYNC): a frame is written as whole aligned
	 * blocks, bypassing the page cache (a shorter path to the disk and
	 * less CPU per sync).  The bytes before the frame in its first
	 * block (the end of the previous frame) are rewritten unchanged
	 * from `tail', this writer's copy of that block; the rest of the
	 * last block is zeros, as the segment was.  Only the writer of the
	 * frame in flight (the sync thread or the loop) touches them.
	 */
	bool direct;
	unsigned char *tail; /* DIRECT_BLOCK bytes */
	unsigned char *dbuf; /* aligned, dcap bytes */
	size_t dcap;
	/*
	 * The sync thread (started with the first journal_start): it
	 * writes the frame in `flight' (seq j->seq, at flight_off) while
	 * the loop goes on, then writes 1 to done_fd.  busy is the loop's
	 * view (a frame handed over and not yet reaped); job, result and
	 * quit are shared, under mu.
	 */
	struct buf flight;
	size_t flight_off;
	bool busy, thread_on;
	int done_fd;
	pthread_t thread, keeper;
	bool keeper_on;
	uint64_t kept; /* the last frame the keeper spun for */
	uint64_t keep_seq; /* the frame being written (under mu) */
	bool keep; /* a frame is being written, by either thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool job, quit;
	int result;
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

#define MAX_EXTRA 65536u

/* An extra record: its length checked, handed to ex (if any). */
static int apply_extra(const struct journal_extra *ex, struct rd *r)
{
	uint32_t l;
	int rc = 0;

	if (!get(r, &l, sizeof(l)) || l > MAX_EXTRA || l > r->len - r->off)
		return -EINVAL;
	if (ex && ex->load)
		rc = ex->load(ex->ctx, r->p + r->off, l);
	r->off += l;
	return rc;
}

static int apply(struct tree *t, const struct journal_extra *ex,
		 const unsigned char *p, size_t len)
{
	struct rd r = { p, len, 0 };
	char path[PATH_BUF];

	while (r.off < r.len) {
		char op;
		int rc;

		if (!get(&r, &op, 1))
			return -EINVAL;
		if (op == 'X') {
			rc = apply_extra(ex, &r);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!get_path(&r, path))
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

int journal_apply(struct tree *t, const unsigned char *p, size_t len)
{
	return apply(t, NULL, p, len);
}

void journal_put_extra(struct journal *j, const void *p, size_t len)
{
	static const char op = 'X';

	if (!j || len > MAX_EXTRA)
		return;
	put(j->out, &op, 1);
	put_u32(j->out, (uint32_t)len);
	put(j->out, p, len);
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

/* One frame at offset off with one pwritev (synced if fd has O_DSYNC). */
static int pwrite_frame(int fd, off_t off, uint64_t seq, const struct buf *b)
{
	struct frame_hdr h = { MAGIC_JOURNAL, (uint32_t)b->len,
			       frame_crc(seq, b->p, b->len), seq };
	struct iovec iov[2] = { { &h, sizeof(h) }, { b->p, b->len } };
	size_t left = sizeof(h) + b->len;

	while (left) {
		ssize_t n = pwritev(fd, iov, 2, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -(n < 0 ? errno : EIO);
		left -= (size_t)n;
		off += n;
		for (int i = 0; i < 2; i++) {
			size_t k = (size_t)n < iov[i].iov_len ? (size_t)n
							      : iov[i].iov_len;

			iov[i].iov_base = (char *)iov[i].iov_base + k;
			iov[i].iov_len -= k;
			n -= (ssize_t)k;
		}
	}
	return 0;
}

#define DIRECT_BLOCK 4096u

/* One frame at offset off of the segment, by the writer of the frame in
 * flight: with O_DIRECT as whole blocks (see struct journal), else as
 * it is. */
static int write_frame_at(struct journal *j, size_t off, uint64_t seq,
			  const struct buf *b)
{
	struct frame_hdr h = { MAGIC_JOURNAL, (uint32_t)b->len,
			       frame_crc(seq, b->p, b->len), seq };
	size_t start = off & ~(size_t)(DIRECT_BLOCK - 1), pre = off - start;
	size_t end = pre + sizeof(h) + b->len, done = 0;
	size_t total = (end + DIRECT_BLOCK - 1) & ~(size_t)(DIRECT_BLOCK - 1);

	if (!j->direct)
		return pwrite_frame(j->fd, (off_t)off, seq, b);
	if (total > j->dcap) {
		void *n;

		if (posix_memalign(&n, DIRECT_BLOCK, total))
			return -ENOMEM;
		free(j->dbuf);
		j->dbuf = n;
		j->dcap = total;
	}
	memcpy(j->dbuf, j->tail, pre);
	memcpy(j->dbuf + pre, &h, sizeof(h));
	memcpy(j->dbuf + pre + sizeof(h), b->p, b->len);
	memset(j->dbuf + end, 0, total - end);
	while (done < total) {
		ssize_t n = pwrite(j->fd, j->dbuf + done, total - done,
				   (off_t)(start + done));

		if (n < 0 && errno == EINTR)
			continue;
		/* A file system that opened it O_DIRECT but refuses the
		 * write: on without O_DIRECT (what reached the disk is
		 * rewritten whole by the plain write). */
		if (n < 0 && errno == EINVAL && done == 0 &&
		    fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) & ~O_DIRECT) == 0) {
			j->direct = false;
			return pwrite_frame(j->fd, (off_t)off, seq, b);
		}
		if (n <= 0)
			return -(n < 0 ? errno : EIO);
		done += (size_t)n;
	}
	/* The block the next frame starts in (zeros if it starts a new
	 * one). */
	if (end % DIRECT_BLOCK)
		memcpy(j->tail, j->dbuf + total - DIRECT_BLOCK, DIRECT_BLOCK);
	else
		memset(j->tail, 0, DIRECT_BLOCK);
	return 0;
}

/*
 * Replace tree.journal by a new segment of zeros (written, not
 * fallocate'd: writing into unwritten extents would change metadata at
 * every sync), made durable before the rename.  Only called once the
 * snapshot holds every frame of the old segment.
 */
static int new_segment(struct journal *j)
{
	static const char zeros[65536];
	size_t seg = journal_segment_bytes, done = 0;
	int fd, rc = 0;

	fd = openat(j->dir_fd, "tree.journal.tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (!rc && done < seg) {
		size_t n = seg - done < sizeof(zeros) ? seg - done
						      : sizeof(zeros);

		rc = write_all(fd, zeros, n);
		done += n;
	}
	if (!rc && j->fsync_on && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (!rc && renameat(j->dir_fd, "tree.journal.tmp", j->dir_fd,
			    "tree.journal") < 0)
		rc = -errno;
	if (!rc && j->fsync_on && fsync(j->dir_fd) < 0)
		rc = -errno;
	if (rc)
		return rc;
	/* O_DIRECT where it helps (synced writes) and works (not every
	 * file system has it): whole blocks of a segment of whole blocks. */
	fd = -1;
	j->direct = false;
	if (j->fsync_on && seg % DIRECT_BLOCK == 0 &&
	    (j->tail || posix_memalign((void **)&j->tail, DIRECT_BLOCK,
				       DIRECT_BLOCK) == 0)) {
		fd = openat(j->dir_fd, "tree.journal",
			    O_WRONLY | O_CLOEXEC | O_DSYNC | O_DIRECT);
		j->direct = fd >= 0;
		memset(j->tail, 0, DIRECT_BLOCK);
	}
	if (fd < 0)
		fd = openat(j->dir_fd, "tree.journal",
			    O_WRONLY | O_CLOEXEC | (j->fsync_on ? O_DSYNC : 0));
	if (fd < 0)
		return -errno;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->seg = seg;
	j->size = 0;
	return 0;
}

static void snap_node(struct buf *b, const struct tree_node *n, char *path)
{
	tree_path(n, path);
	put_node(b, path, n);
	for (uint32_t i = 0; i < n->nr_child; i++)
		snap_node(b, n->child[i], path);
}

/* Write tree.snap atomically (tmp, fsync, rename). */
static int write_snap(struct journal *j, const struct tree *t)
{
	struct buf b = { 0 };
	char path[PATH_BUF];
	int fd, rc;

	snap_node(&b, t->root, path);
	if (j->ex.save) {
		j->out = &b;
		j->ex.save(j->ex.ctx, j);
		j->out = &j->pending;
	}
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
	if (!rc && j->fsync_on && fsync(j->dir_fd) < 0)
		rc = -errno;
	return rc;
}

/*
 * A new snapshot (holding every change so far), then a new segment.
 * Never while a frame is in flight (its writes go to the old segment).
 * The changes not yet in a frame get the snapshot's seq, one past the
 * last frame's, so the replies waiting for them are released with it.
 */
static int snapshot(struct journal *j, const struct tree *t)
{
	int rc;

	if (j->pending.len)
		j->seq++;
	rc = write_snap(j, t);
	if (rc == 0)
		rc = new_segment(j);
	if (rc == 0) {
		j->pending.len = 0; /* in the snapshot */
		j->durable = j->seq;
	}
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

/* Bytes up to the last non-zero one (0: nothing but zeros). */
static size_t used_bytes(const unsigned char *p, size_t size)
{
	while (size && !p[size - 1])
		size--;
	return size;
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
		unsigned char *jd = slurp(j->dir_fd, "tree.journal", &jsize,
					  &jexists);

		/* A segment of zeros holds no change either. */
		jsize = jexists && (!jd || jsize == 0) &&
				fstatat(j->dir_fd, "tree.journal", &st, 0) == 0
			? (size_t)st.st_size /* unreadable: assume changes */
			: used_bytes(jd, jsize);
		free(jd);
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
	    apply(t, &j->ex, data + off, h.len) < 0) {
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
 * other (seq + 1); zeros (the rest of the segment) or the end of the
 * file end them.  Something else after the last good frame is:
 *  - unfinished when no intact frame follows it: a round's write cut
 *    short by a crash (so never acknowledged; the next round is only
 *    written once this one is durable, so only the last can be torn),
 *    dropped with one line;
 *  - damaged when an intact frame follows it (bad checksum or header,
 *    or a gap in the sequence): that frame was durable, so this is not
 *    a torn write.  The damaged frame and everything after it are
 *    dropped, since serving later writes without it would show a state
 *    that never existed; the journal is kept as
 *    tree.journal.damaged-<seq> for inspection, and one line says what
 *    was lost.
 */
static int load_journal(struct journal *j, struct tree *t)
{
	bool exists;
	size_t size, off = 0, end;
	unsigned char *data = slurp(j->dir_fd, "tree.journal", &size, &exists);
	uint64_t snap_seq = j->seq, last = 0;
	const char *why = NULL;
	unsigned int later = 0;
	struct frame_hdr h;

	end = used_bytes(data, size);
	while (off < end) {
		size_t at = off;

		if (!next_frame(data, size, &at, MAGIC_JOURNAL, &h)) {
			why = size - off < sizeof(h) ? "unfinished header"
			      : h.magic != MAGIC_JOURNAL ? "bad frame header"
							 : "bad checksum";
			break;
		}
		if (h.seq > snap_seq) {
			if (h.seq != j->seq + 1) {
				why = "frames missing before it";
				break;
			}
			if (apply(t, &j->ex, data + at, h.len) < 0) {
				xsd_log("%s/tree.journal: bad record in frame %llu",
					j->dir, (unsigned long long)h.seq);
				free(data);
				return -EINVAL;
			}
			j->seq = h.seq;
		}
		off = at + h.len;
	}
	if (why)
		later = intact_after(data, size, off, &last);
	if (why && !later) {
		xsd_log("%s/tree.journal: dropping %zu bytes of an unfinished "
			"last frame (written by a crash, never acknowledged)",
			j->dir, end - off);
	} else if (why) {
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
			end - off, later, (unsigned long long)last, keep);
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
	return journal_open_extra(dir, t, fsync_on, NULL);
}

struct journal *journal_open_extra(const char *dir, struct tree *t,
				   bool fsync_on,
				   const struct journal_extra *ex)
{
	struct journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->out = &j->pending;
	if (ex)
		j->ex = *ex;
	j->fd = j->lock_fd = j->dir_fd = j->done_fd = -1;
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
	 * file aside for inspection (a new segment follows). */
	if (j->damaged[0] &&
	    (write_snap(j, t) < 0 ||
	     renameat(j->dir_fd, "tree.journal", j->dir_fd, j->damaged) < 0)) {
		xsd_log("%s: cannot keep the damaged journal as %s: %s; "
			"refusing to start", dir, j->damaged, strerror(errno));
		goto fail;
	}
	if (snapshot(j, t) < 0) {
		xsd_log("%s: cannot write the state: %s", dir, strerror(errno));
		goto fail;
	}
	j->tree = t;
	j->durable = j->seq;
	t->hooks = (struct tree_hooks){ NULL, hook_changed, j };
	return j;
fail:
	journal_close(j);
	return NULL;
}

/* The frame in flight is durable (or failed): 0 or its -errno. */
static int reap(struct journal *j)
{
	uint64_t v;
	int rc;

	pthread_mutex_lock(&j->mu);
	while (j->job)
		pthread_cond_wait(&j->cv, &j->mu);
	rc = j->result;
	pthread_mutex_unlock(&j->mu);
	while (read(j->done_fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	j->busy = false;
	j->flight.len = 0;
	if (rc)
		return rc;
	j->durable = j->seq;
	j->syncs++;
	return 0;
}

int journal_wait(struct journal *j)
{
	return j && j->busy ? reap(j) : 0;
}

int journal_reap(struct journal *j)
{
	struct pollfd p;

	if (!j || !j->busy)
		return 0;
	p = (struct pollfd){ .fd = j->done_fd, .events = POLLIN };
	if (poll(&p, 1, 0) != 1)
		return 0;
	return reap(j);
}

int journal_fd(const struct journal *j)
{
	return j && j->busy ? j->done_fd : -1;
}

bool journal_busy(const struct journal *j)
{
	return j && j->busy;
}


int journal_write(struct journal *j, struct tree *t)
{
	int rc;

	if (!j || j->pending.len == 0)
		return 0;
	if (j->pending.oom)
		return -ENOMEM;
	/* A full segment: the new snapshot holds this round's changes
	 * (once the frame in flight, in the old segment, is durable). */
	if (sizeof(struct frame_hdr) + j->pending.len > j->seg - j->size) {
		rc = journal_wait(j);
		return rc ? rc : snapshot(j, t);
	}
	return 0;
}

/* pending as the next frame, written by the caller (sync) or the
 * thread (start); room checked. */
static void next_frame_of_pending(struct journal *j)
{
	struct buf b = j->flight;

	j->flight = j->pending;
	j->pending = b;
	j->pending.len = 0;
	j->flight_off = j->size;
	j->seq++;
	j->size += sizeof(struct frame_hdr) + j->flight.len;
}

/* Room for pending in the segment; compact when there is none. */
static int fits_or_compact(struct journal *j, bool *compacted)
{
	*compacted = false;
	if (sizeof(struct frame_hdr) + j->pending.len <= j->seg - j->size)
		return 0;
	*compacted = true;
	return snapshot(j, j->tree);
}

static int write_inline(struct journal *j, bool spin);

int journal_sync(struct journal *j)
{
	bool compacted;
	int rc = journal_wait(j);

	if (rc || !j || j->pending.len == 0)
		return rc;
	if (j->pending.oom)
		return -ENOMEM;
	rc = fits_or_compact(j, &compacted);
	if (rc || compacted)
		return rc;
	return write_inline(j, false);
}

static void *sync_thread(void *arg)
{
	struct journal *j = arg;
	static const uint64_t one = 1;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		int rc;

		while (!j->job && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit)
			break;
		pthread_mutex_unlock(&j->mu);
		/* Only this thread touches flight, fd and the offset while
		 * job is set. */
		rc = write_frame_at(j, j->flight_off, j->seq, &j->flight);
		if (journal_sync_hook)
			journal_sync_hook();
		pthread_mutex_lock(&j->mu);
		j->result = rc;
		pthread_cond_broadcast(&j->cv);
		while (write(j->done_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
		__atomic_store_n(&j->job, false, __ATOMIC_RELEASE);
		__atomic_store_n(&j->keep, false, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/*
 * The keeper: while a frame is in flight, keep this CPU from idling
 * (a busy loop at SCHED_IDLE priority, so it runs only when nothing
 * else would: it takes no time from clients or other processes), for
 * up to KEEP_SPIN_US per frame.  On a VM whose vCPUs all idle, the
 * disk's completion is noticed only at the next timer tick: an O_DSYNC
 * write of 700 bytes took 4.0 ms (median) from an otherwise idle
 * process, 0.1 ms while another thread kept a vCPU busy
 * (docs/xenstore.md, "Benchmark").
 */
#define KEEP_SPIN_US 2000

/* --sync-spin: off by default.  In a dom0 the spin keeps a vCPU busy, and
 * the hypervisor then gives it a physical CPU that another domain could
 * have had (SCHED_IDLE ranks it only among dom0's own threads). */
bool journal_sync_spin;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void *keeper_thread(void *arg)
{
	struct journal *j = arg;
	struct sched_param sp = { 0 };

	/* Never spin at a priority that takes time from others. */
	if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
		return NULL;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		uint64_t until;

		while (!j->quit && (!j->keep || j->kept == j->keep_seq))
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->quit)
			break;
		j->kept = j->keep_seq;
		pthread_mutex_unlock(&j->mu);
		until = now_us() + KEEP_SPIN_US;
		while (__atomic_load_n(&j->keep, __ATOMIC_ACQUIRE) &&
		       now_us() < until)
			__builtin_ia32_pause();
		pthread_mutex_lock(&j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static void start_keeper(struct journal *j)
{
	if (journal_sync_spin && !pthread_create(&j->keeper, NULL, keeper_thread, j))
		j->keeper_on = true; /* joined at close, even if it quit */
}

static int start_thread(struct journal *j)
{
	int rc;

	j->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (j->done_fd < 0)
		return -errno;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	rc = pthread_create(&j->thread, NULL, sync_thread, j);
	if (rc) {
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		close(j->done_fd);
		j->done_fd = -1;
		return -rc;
	}
	j->thread_on = true;
	start_keeper(j);
	return 0;
}

/* Write the next frame here (and sync it), the keeper spinning meanwhile
 * if asked to (spin) and running. */
static int write_inline(struct journal *j, bool spin)
{
	int rc;

	spin = spin && j->keeper_on;
	next_frame_of_pending(j);
	if (spin) {
		pthread_mutex_lock(&j->mu);
		j->keep = true;
		j->keep_seq = j->seq;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
	}
	rc = write_frame_at(j, j->flight_off, j->seq, &j->flight);
	if (spin)
		__atomic_store_n(&j->keep, false, __ATOMIC_RELEASE);
	j->flight.len = 0;
	if (rc)
		return rc;
	if (journal_sync_hook)
		journal_sync_hook();
	j->durable = j->seq;
	j->syncs++;
	return 0;
}

int journal_start(struct journal *j, bool here)
{
	bool compacted;
	int rc;

	if (!j || j->busy || j->pending.len == 0)
		return 0;
	if (j->pending.oom)
		return -ENOMEM;
	rc = fits_or_compact(j, &compacted);
	if (rc || compacted)
		return rc;
	/* Without a thread (none could be started) write it here. */
	if (!j->thread_on && start_thread(j) < 0)
		return journal_sync(j);
	if (here)
		return write_inline(j, true);
	next_frame_of_pending(j);
	j->busy = true;
	pthread_mutex_lock(&j->mu);
	j->job = true;
	j->keep = true;
	j->keep_seq = j->seq;
	j->result = 0;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 0;
}

bool journal_dirty(const struct journal *j)
{
	return j && j->pending.len > 0;
}

uint64_t journal_need(const struct journal *j)
{
	if (!j)
		return 0;
	return j->pending.len ? j->seq + 1 : j->seq;
}

bool journal_durable(const struct journal *j, uint64_t seq)
{
	return !j || seq <= j->durable;
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
	/* A frame in flight is finished (its replies are not sent). */
	if (j->thread_on) {
		if (j->busy)
			reap(j);
		pthread_mutex_lock(&j->mu);
		j->quit = true;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		pthread_join(j->thread, NULL);
		if (j->keeper_on)
			pthread_join(j->keeper, NULL);
		pthread_mutex_destroy(&j->mu);
		pthread_cond_destroy(&j->cv);
		close(j->done_fd);
	}
	free(j->flight.p);
	free(j->tail);
	free(j->dbuf);
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
