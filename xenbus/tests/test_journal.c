/* Persistence: snapshot + journal survive restarts; torn tails dropped. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "journal.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/xenbus-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	journal_segment_bytes = 64 << 10;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void expect(struct conn *c, const char *path, const char *value)
{
	struct msg m;

	req_s(c, XS_READ, 0, path, &m);
	if (!value) {
		assert_err(&m, "ENOENT");
		return;
	}
	assert_int_equal(m.type, XS_READ);
	assert_string_equal(m.body, value);
}

static void fill(struct xsd *x)
{
	struct conn *c = mkconn(x, 0, true);
	struct msg m;
	uint32_t t;

	write_ok(c, 0, "/a/b", "1");
	write_ok(c, 0, "/a/c", "2");
	write_ok(c, 0, "/gone/x", "3");
	req_s(c, XS_RM, 0, "/gone", &m);
	request(c, XS_SET_PERMS, 0, "/a/b\0n5\0r7", 11, &m);
	assert_int_equal(m.type, XS_SET_PERMS);
	req_s(c, XS_TRANSACTION_START, 0, "", &m);
	t = (uint32_t)atoi(m.body);
	write_ok(c, t, "/t/1", "one");
	write_ok(c, t, "/a/c", "22");
	req_s(c, XS_TRANSACTION_END, t, "T", &m);
	assert_int_equal(m.type, XS_TRANSACTION_END);
	request(c, XS_WRITE, 0, "/bin\0\x00\x01\xff", 8, &m);
}

static void check(struct xsd *x)
{
	struct conn *c = mkconn(x, 0, true);
	struct msg m;

	expect(c, "/a/b", "1");
	expect(c, "/a/c", "22");
	expect(c, "/t/1", "one");
	expect(c, "/gone", NULL);
	req_s(c, XS_GET_PERMS, 0, "/a/b", &m);
	assert_int_equal(m.len, 6);
	assert_memory_equal(m.body, "n5\0r7\0", 6);
	req_s(c, XS_READ, 0, "/bin", &m);
	assert_int_equal(m.len, 3);
	assert_memory_equal(m.body, "\x00\x01\xff", 3);
	/* Owner accounting is rebuilt. */
	assert_int_equal(tree_owned(&x->tree, 5), 1);
}

static void test_restart(void **state)
{
	struct xsd x;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	fill(&x);
	xsd_fini(&x);
	assert_int_equal(xsd_init(&x, dir, true), 0);
	check(&x);
	xsd_fini(&x);
	/* And again, now from the snapshot written at the last start. */
	assert_int_equal(xsd_init(&x, dir, false), 0);
	check(&x);
	xsd_fini(&x);
}

/* Crash without a clean shutdown: only the journal holds the changes,
 * and a half-written last frame is dropped. */
static void test_torn_tail(void **state)
{
	struct xsd x;
	char path[128];
	int fd;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	fill(&x);
	/* No xsd_fini: copy the files as a crash would leave them. */
	snprintf(path, sizeof(path), "%s/tree.journal", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x31\x4a\x58\x4b\xff\x00", 6), 6);
	close(fd);
	journal_close(x.journal); /* release the lock as process exit would */
	x.journal = NULL;
	{
		struct xsd y;

		assert_int_equal(xsd_init(&y, dir, true), 0);
		check(&y);
		xsd_fini(&y);
	}
	xsd_fini(&x);
}

static void test_lock_and_damage(void **state)
{
	struct xsd x, y;
	char path[128];
	int fd;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_init(&y, dir, true), -EIO); /* in use */
	xsd_fini(&x);
	snprintf(path, sizeof(path), "%s/tree.snap", dir);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "XXXX", 4, 20), 4);
	close(fd);
	assert_int_equal(xsd_init(&x, dir, true), -EIO);
}

/* Simulate a crash: release the lock as process exit would, free nothing
 * that a restart could see. */
static void crash(struct xsd *x)
{
	journal_close(x->journal);
	x->journal = NULL;
	xsd_fini(x);
}

static off_t file_size(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/*
 * Write /a, stop, restart, write /b, crash; then lose the snapshot
 * (emptied or deleted).  Starting would serve /b without /a: the daemon
 * must refuse, and leave the files as they were.
 */
static void lose_snapshot(bool unlink_it)
{
	struct xsd x;
	struct conn *c;
	char path[128];
	off_t jsize;

	assert_int_equal(xsd_init(&x, dir, true), 0);
	write_ok(mkconn(&x, 0, true), 0, "/a", "1");
	xsd_fini(&x);
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/b", "2");
	crash(&x);
	snprintf(path, sizeof(path), "%s/tree.snap", dir);
	if (unlink_it)
		assert_int_equal(unlink(path), 0);
	else
		assert_int_equal(truncate(path, 0), 0);
	jsize = file_size("tree.journal");
	assert_true(jsize > 0);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), -EIO);
	assert_int_equal(xsd_log_lines, 1);
	assert_non_null(strstr(xsd_log_last, "tree.snap"));
	/* Nothing overwritten: the loss can still be undone by hand. */
	assert_int_equal(file_size("tree.journal"), jsize);
	assert_int_equal(file_size("tree.snap"), unlink_it ? -1 : 0);
}

static void test_empty_snapshot(void **state)
{
	(void)state;
	lose_snapshot(false);
}

static void test_missing_snapshot(void **state)
{
	(void)state;
	lose_snapshot(true);
}

/* Offset of the n-th frame (0-based) of the journal file. */
static off_t frame_at(int fd, unsigned int n)
{
	off_t off = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t len;

		assert_int_equal(pread(fd, &len, 4, off + 4), 4);
		off += 20 + len;
	}
	return off;
}

/*
 * A damaged frame in the middle of the journal: the writes before it
 * are kept, it and every later one dropped (serving them without it
 * would show a state that never existed), one line says so, and the
 * damaged journal is kept for inspection.
 */
static void test_damaged_middle_frame(void **state)
{
	struct xsd x;
	struct conn *c;
	char path[128];
	off_t jsize, off;
	int fd;
	unsigned char b;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/one", "1");
	write_ok(c, 0, "/two", "2");
	write_ok(c, 0, "/three", "3");
	write_ok(c, 0, "/four", "4");
	crash(&x);
	snprintf(path, sizeof(path), "%s/tree.journal", dir);
	jsize = file_size("tree.journal");
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	off = frame_at(fd, 1) + 24; /* inside the second frame's payload */
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 1);
	assert_non_null(strstr(xsd_log_last, "damaged"));
	assert_non_null(strstr(xsd_log_last, "2 intact later frames"));
	assert_null(strstr(xsd_log_last, "unfinished"));
	c = mkconn(&x, 0, true);
	expect(c, "/one", "1");
	expect(c, "/two", NULL);
	expect(c, "/three", NULL);
	expect(c, "/four", NULL);
	xsd_fini(&x);
	/* The damaged journal is kept, whole. */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd),
			 "test \"$(stat -c %%s '%s'/tree.journal.damaged-*)\" = %lld",
			 dir, (long long)jsize);
		assert_int_equal(system(cmd), 0);
	}
}

/* Bytes of frames at the start of the journal (they end at zeros). */
static off_t frames_end(const char *name)
{
	char path[128];
	off_t off = 0;
	uint32_t hdr[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	while (pread(fd, hdr, 8, off) == 8 && hdr[0] == 0x314a584bu)
		off += 20 + hdr[1];
	close(fd);
	return off;
}

static bool zeros_from(const char *name, off_t off)
{
	char path[128], b[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	while ((n = pread(fd, b, sizeof(b), off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (b[i]) {
				close(fd);
				return false;
			}
		off += n;
	}
	close(fd);
	return true;
}

/*
 * The journal is a preallocated segment of zeros: writing and syncing
 * frames never changes its size (no metadata to sync), frames follow
 * each other from byte 0 and zeros follow the last one; a restart after
 * a crash reads up to the zeros without a word.
 */
static void test_preallocated(void **state)
{
	struct xsd x;
	struct conn *c;
	off_t end;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(file_size("tree.journal"), 64 << 10);
	assert_true(zeros_from("tree.journal", 0));
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/one", "1");
	write_ok(c, 0, "/two", "2");
	assert_int_equal(file_size("tree.journal"), 64 << 10);
	end = frames_end("tree.journal");
	assert_true(end > 40);
	assert_true(zeros_from("tree.journal", end));
	crash(&x);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 0);
	c = mkconn(&x, 0, true);
	expect(c, "/one", "1");
	expect(c, "/two", "2");
	xsd_fini(&x);
}

/*
 * A crash while a round's frame was being written into the zeroed
 * space: part of it reached the disk (its header, or only a later
 * sector), zeros follow.  It was never acknowledged: dropped with one
 * line, the frames before it kept, no damaged journal kept.
 */
static void torn_in_segment(bool header_landed)
{
	struct xsd x;
	struct conn *c;
	char path[128], cmd[192];
	unsigned char frame[600];
	off_t end;
	int fd;

	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/kept", "1");
	crash(&x);
	end = frames_end("tree.journal");
	/* A frame of 580 payload bytes, seq 2, whose last bytes are lost
	 * (or whose first 512 are). */
	memset(frame, 0x5a, sizeof(frame));
	memcpy(frame, "\x4b\x58\x4a\x31\x44\x02\x00\x00", 8);
	snprintf(path, sizeof(path), "%s/tree.journal", dir);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	if (header_landed)
		assert_int_equal(pwrite(fd, frame, 300, end), 300);
	else
		assert_int_equal(pwrite(fd, frame + 512, 88, end + 512), 88);
	close(fd);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 1);
	assert_non_null(strstr(xsd_log_last, "unfinished"));
	c = mkconn(&x, 0, true);
	expect(c, "/kept", "1");
	write_ok(c, 0, "/after", "2");
	crash(&x);
	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q damaged", dir);
	assert_int_not_equal(system(cmd), 0);
	/* The new segment starts clean: nothing is dropped next time. */
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 0);
	c = mkconn(&x, 0, true);
	expect(c, "/kept", "1");
	expect(c, "/after", "2");
	xsd_fini(&x);
}

static void test_torn_header_in_segment(void **state)
{
	(void)state;
	torn_in_segment(true);
}

static void test_torn_sector_in_segment(void **state)
{
	(void)state;
	torn_in_segment(false);
}

/*
 * A damaged frame followed by an intact one is not a torn write (the
 * later frame was only written once the earlier was durable): kept as
 * damaged, even in preallocated space.
 */
static void test_damaged_last_but_one(void **state)
{
	struct xsd x;
	struct conn *c;
	char path[128];
	off_t off;
	int fd;
	unsigned char b;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/one", "1");
	write_ok(c, 0, "/two", "2");
	crash(&x);
	snprintf(path, sizeof(path), "%s/tree.journal", dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	off = frame_at(fd, 0) + 12; /* the first frame's seq */
	assert_int_equal(pread(fd, &b, 1, off), 1);
	b ^= 1;
	assert_int_equal(pwrite(fd, &b, 1, off), 1);
	close(fd);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 1);
	assert_non_null(strstr(xsd_log_last, "1 intact later frames"));
	c = mkconn(&x, 0, true);
	expect(c, "/one", NULL);
	expect(c, "/two", NULL);
	xsd_fini(&x);
}

/*
 * Many writes through small segments: each full segment is compacted
 * into a snapshot and replaced by a new one, and a crash at any point
 * loses nothing (checked after every switch and at the end).
 */
static void test_segment_switch(void **state)
{
	struct xsd x;
	struct conn *c;
	char p[64], v[200];
	int switches = 0, i;
	off_t last = 0;

	(void)state;
	journal_segment_bytes = 4096;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	for (i = 0; i < 200; i++) {
		off_t end;

		bool switched;

		snprintf(p, sizeof(p), "/s/%d", i);
		write_ok(c, 0, p, v);
		assert_int_equal(file_size("tree.journal"), 4096);
		end = frames_end("tree.journal");
		switched = end < last;
		switches += switched;
		last = end;
		if (switched || i % 37 == 0) {
			/* Crash here and look. */
			struct xsd y;
			struct conn *d;

			journal_close(x.journal);
			x.journal = NULL;
			assert_int_equal(xsd_init(&y, dir, true), 0);
			d = mkconn(&y, 0, true);
			for (int k = 0; k <= i; k++) {
				snprintf(p, sizeof(p), "/s/%d", k);
				expect(d, p, v);
			}
			xsd_fini(&y);
			xsd_fini(&x);
			assert_int_equal(xsd_init(&x, dir, true), 0);
			c = mkconn(&x, 0, true);
			last = frames_end("tree.journal");
		}
	}
	assert_true(switches >= 5);
	/* A round bigger than a whole segment goes into the snapshot. */
	memset(v, 'w', sizeof(v) - 1);
	x.group_commit = true;
	for (i = 0; i < 40; i++) {
		char buf[300];
		int n = snprintf(buf, sizeof(buf), "/s/%d%c%s", i, 0, v);
		struct xsd_sockmsg h = { XS_WRITE, 1, 0, (uint32_t)n };

		xsd_dispatch(c, &h, buf);
	}
	assert_int_equal(journal_sync(x.journal), 0);
	x.group_commit = false;
	drain(c);
	/* Changes recorded without journal_write (none of the daemon's
	 * paths does that) are compacted by the sync if they do not fit. */
	memset(v, 'u', sizeof(v) - 1);
	for (i = 0; i < 40; i++) {
		struct tree_node *n;

		snprintf(p, sizeof(p), "/s/%d", i);
		n = tree_find(&x.tree, p);
		assert_non_null(n);
		assert_int_equal(tree_set_value(&x.tree, n, v, strlen(v)), 0);
	}
	assert_true(journal_dirty(x.journal));
	assert_int_equal(journal_sync(x.journal), 0);
	assert_false(journal_dirty(x.journal));
	crash(&x);
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	for (i = 0; i < 200; i++) {
		snprintf(p, sizeof(p), "/s/%d", i);
		if (i < 40)
			memset(v, 'u', sizeof(v) - 1);
		else
			memset(v, 'v', sizeof(v) - 1);
		expect(c, p, v);
	}
	xsd_fini(&x);
}

/* The earlier format: frames appended up to the end of the file. */
static void test_append_format(void **state)
{
	struct xsd x;
	struct conn *c;
	char path[128];
	off_t end;

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	write_ok(c, 0, "/old", "format");
	crash(&x);
	end = frames_end("tree.journal");
	snprintf(path, sizeof(path), "%s/tree.journal", dir);
	assert_int_equal(truncate(path, end), 0);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 0);
	expect(mkconn(&x, 0, true), "/old", "format");
	assert_int_equal(file_size("tree.journal"), 64 << 10);
	xsd_fini(&x);
}

/* A segment of zeros and no snapshot holds no change: start empty. */
static void test_zero_segment_no_snapshot(void **state)
{
	struct xsd x;
	char path[128];

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	xsd_fini(&x);
	snprintf(path, sizeof(path), "%s/tree.snap", dir);
	assert_int_equal(unlink(path), 0);
	assert_true(zeros_from("tree.journal", 0));
	assert_int_equal(xsd_init(&x, dir, true), 0);
	xsd_fini(&x);
}

/*
 * Frames of many sizes, so that they start and end anywhere in a disk
 * block: with O_DIRECT a frame is written as whole blocks, its first
 * block carrying the end of the frame before it again.  After a crash
 * every acknowledged write is there, through several segments.
 */
/* The i-th node of test_frames_across_blocks: 1-1900 bytes of one letter. */
static void blk_node(int i, char path[32], char v[2000])
{
	size_t len = 1 + (size_t)(i * 397) % 1900;

	memset(v, 'a' + i % 26, len);
	v[len] = '\0';
	snprintf(path, 32, "/blk/%d", i);
}

static void test_frames_across_blocks(void **state)
{
	static char v[2000];
	struct xsd x;
	struct conn *c;
	char path[32];

	(void)state;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	c = mkconn(&x, 0, true);
	for (int i = 0; i < 150; i++) {
		blk_node(i, path, v);
		write_ok(c, 0, path, v);
		if (i == 80) {
			crash(&x);
			assert_int_equal(xsd_init(&x, dir, true), 0);
			c = mkconn(&x, 0, true);
		}
	}
	assert_int_equal(file_size("tree.journal"), 64 << 10);
	crash(&x);
	xsd_log_lines = 0;
	assert_int_equal(xsd_init(&x, dir, true), 0);
	assert_int_equal(xsd_log_lines, 0);
	c = mkconn(&x, 0, true);
	for (int i = 0; i < 150; i++) {
		blk_node(i, path, v);
		expect(c, path, v);
	}
	xsd_fini(&x);
}

static void test_apply_malformed(void **state)
{
	static const struct {
		const char *p;
		size_t len;
	} bad[] = {
		{ "X", 1 }, { "S", 1 }, { "S\x02\x00/a", 4 },
		{ "S\x02\x00/a\x00\x00\x00\x00", 8 }, /* no perms */
		{ "S\x02\x00/a\x01\x00\x00\x00\x00\x00\x00\x00\x00"
		  "\xff\x00\x00\x00", 17 },             /* value too long */
		{ "D\x02\x00//", 5 },                   /* invalid path */
		{ "D\xff\xff/", 4 },
	};
	struct tree t;

	(void)state;
	assert_int_equal(tree_init(&t), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (journal_apply(&t, (const unsigned char *)bad[i].p,
				  bad[i].len) != -EINVAL)
			fail_msg("malformed record %zu accepted", i);
	assert_int_equal(journal_apply(&t, (const unsigned char *)
				       "S\x02\x00/a\x01\x00\x00\x00\x05\x00"
				       "\x00\x00\x01\x02\x00\x00\x00hi", 20), 0);
	assert_string_equal(tree_find(&t, "/a")->value, "hi");
	assert_int_equal(tree_find(&t, "/a")->perms[0].id, 5);
	tree_destroy(&t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_restart), T(test_torn_tail), T(test_lock_and_damage),
		T(test_empty_snapshot), T(test_missing_snapshot),
		T(test_damaged_middle_frame), T(test_preallocated),
		T(test_torn_header_in_segment), T(test_torn_sector_in_segment),
		T(test_damaged_last_but_one), T(test_segment_switch),
		T(test_append_format),
		T(test_frames_across_blocks), T(test_zero_segment_no_snapshot),
		cmocka_unit_test(test_apply_malformed),
	};

	return cmocka_run_group_tests_name("xenbus persistence", tests, NULL,
					   NULL);
}
