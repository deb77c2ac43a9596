/*
 * Unit tests for hypervisor/common/bzimage.c and xz_dec.c.  Compressed
 * inputs come from the host's xz command (package xz-utils), so every
 * test is a round trip against the reference encoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <keel/bzimage.h>
#include <keel/lib.h>

struct buf {
    uint8_t *p;
    size_t n;
};

static struct buf read_file(const char *path)
{
    struct buf b = { 0 };
    FILE *f = fopen(path, "rb");

    if (!f)
        return b;
    fseek(f, 0, SEEK_END);
    b.n = ftell(f);
    rewind(f);
    b.p = malloc(b.n ? b.n : 1);
    assert_non_null(b.p);
    assert_int_equal(fread(b.p, 1, b.n, f), b.n);
    fclose(f);
    return b;
}

/* Compresses data with `xz <opts>`; returns the .xz bytes. */
static struct buf xz(const uint8_t *data, size_t n, const char *opts)
{
    char in[] = "/tmp/keel-xz-in-XXXXXX", cmd[512], out[64];
    int fd = mkstemp(in);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    snprintf(out, sizeof(out), "%s.xz", in);
    snprintf(cmd, sizeof(cmd), "xz -q -c %s %s > %s", opts, in, out);
    assert_int_equal(system(cmd), 0);
    struct buf b = read_file(out);
    unlink(in);
    unlink(out);
    assert_non_null(b.p);
    return b;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Text-like data: words from a small vocabulary, so LZMA finds matches. */
static struct buf text_data(size_t n)
{
    static const char *words[] = { "hypervisor ", "guest ", "page ", "table ", "event ",
                                   "channel ", "grant ", "xen ", "keel ", "\n" };
    struct buf b = { malloc(n), n };

    for (size_t i = 0; i < n;) {
        const char *w = words[rnd() % 10];
        for (; *w && i < n; w++)
            b.p[i++] = *w;
    }
    return b;
}

/* x86-like data: many E8/E9 rel32 branches among random bytes. */
static struct buf x86_data(size_t n)
{
    struct buf b = { malloc(n), n };

    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd();
        if (r % 7 == 0 && i + 5 <= n) {
            b.p[i] = 0xe8 | (r >> 8 & 1);
            int32_t rel = (int32_t)(rnd() % 0x20000) - 0x10000;
            memcpy(b.p + i + 1, &rel, 4);
            i += 4;
        } else {
            b.p[i] = "\x48\x89\xc7\x0f\x1f\x44\x00\x00\xc3\x55"[r % 10];
        }
    }
    return b;
}

static struct buf random_data(size_t n)
{
    struct buf b = { malloc(n), n };

    for (size_t i = 0; i < n; i++)
        b.p[i] = rnd();
    return b;
}

static void round_trip(struct buf plain, const char *opts)
{
    struct buf c = xz(plain.p, plain.n, opts);
    uint8_t *out = malloc(plain.n + 1);
    size_t n = 0;
    int rc = xz_decompress(c.p, c.n, out, plain.n, &n);

    if (rc || n != plain.n || memcmp(out, plain.p, n)) {
        print_error("xz %s (%zu -> %zu bytes): rc %d, %zu bytes out\n", opts, plain.n, c.n,
                    rc, n);
        fail();
    }
    /* One byte too little room: -ENOSPC, never an overflow (ASan watches). */
    if (plain.n) {
        uint8_t *small = malloc(plain.n - 1 ? plain.n - 1 : 1);
        assert_int_equal(xz_decompress(c.p, c.n, small, plain.n - 1, &n), -ENOSPC);
        free(small);
    }
    free(out);
    free(c.p);
}

static void test_round_trips(void **state)
{
    struct buf t = text_data(300000), x = x86_data(200000), r = random_data(150000);
    struct buf self = read_file("/proc/self/exe");

    (void)state;
    round_trip(t, "--check=crc32 --lzma2");
    round_trip(t, "--check=crc64");
    round_trip(t, "--check=none -0");
    round_trip(t, "--check=crc32 --lzma2=preset=6,lc=1,lp=3,pb=4");
    round_trip(t, "--check=crc32 --lzma2=lc=0,lp=0,pb=0,nice=273,mf=bt4,depth=0");
    round_trip(t, "--check=crc32 --block-size=40000");
    round_trip(x, "--check=crc32 --x86 --lzma2");
    round_trip(x, "--check=crc32 --x86=start=4096 --lzma2");
    round_trip(self, "--check=crc32 --x86 --lzma2");          /* real x86 code */
    round_trip(r, "--check=crc32");                            /* stored chunks */
    round_trip((struct buf){ t.p, 0 }, "--check=crc32");       /* empty */
    round_trip((struct buf){ t.p, 1 }, "--check=crc32");
    free(t.p);
    free(x.p);
    free(r.p);
    free(self.p);
}

static void test_unsupported_and_trailing(void **state)
{
    struct buf t = text_data(5000);
    struct buf c = xz(t.p, t.n, "--check=sha256");
    uint8_t *out = malloc(t.n);
    size_t n;

    (void)state;
    assert_int_equal(xz_decompress(c.p, c.n, out, t.n, &n), -ENOSYS);
    free(c.p);
    c = xz(t.p, t.n, "--check=crc32 --delta=dist=4 --lzma2");
    assert_int_equal(xz_decompress(c.p, c.n, out, t.n, &n), -ENOSYS);
    free(c.p);
    /* Linux appends the 4-byte decompressed size after the stream. */
    c = xz(t.p, t.n, "--check=crc32");
    c.p = realloc(c.p, c.n + 4);
    memcpy(c.p + c.n, "\x88\x13\x00\x00", 4);
    assert_int_equal(xz_decompress(c.p, c.n + 4, out, t.n, &n), 0);
    assert_int_equal(n, t.n);
    assert_memory_equal(out, t.p, n);
    assert_int_equal(xz_decompress(t.p, t.n, out, t.n, &n), -EINVAL);   /* not xz */
    free(c.p);
    free(out);
    free(t.p);
}

/* Every truncation and every single-bit corruption fails cleanly. */
static void test_truncation_and_corruption(void **state)
{
    struct buf x = x86_data(3000);
    struct buf c = xz(x.p, x.n, "--check=crc32 --x86 --lzma2");
    uint8_t *out = malloc(x.n);
    size_t n;

    (void)state;
    for (size_t len = 0; len < c.n; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, c.p, len);
        int rc = xz_decompress(cut, len, out, x.n, &n);
        if (rc >= 0) {
            print_error("truncated to %zu of %zu: rc %d\n", len, c.n, rc);
            fail();
        }
        free(cut);
    }
    for (size_t i = 0; i < c.n; i++) {
        for (unsigned int bit = 0; bit < 8; bit += 3) {
            c.p[i] ^= 1u << bit;
            int rc = xz_decompress(c.p, c.n, out, x.n, &n);
            if (rc == 0 && (n != x.n || memcmp(out, x.p, n))) {
                print_error("flip byte %zu bit %u accepted with wrong output\n", i, bit);
                fail();
            }
            c.p[i] ^= 1u << bit;
        }
    }
    assert_int_equal(xz_decompress(c.p, c.n, out, x.n, &n), 0);
    free(out);
    free(c.p);
    free(x.p);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

static void test_bzimage_header(void **state)
{
    uint8_t img[8192] = { 0 };
    const void *pl;
    size_t n;

    (void)state;
    img[0x1f1] = 3;                         /* setup: (3+1)*512 = 2048 */
    put16(img + 0x1fe, 0xaa55);
    memcpy(img + 0x202, "HdrS", 4);
    put16(img + 0x206, 0x20f);
    put32(img + 0x248, 0x100);
    put32(img + 0x24c, 0x200);
    memcpy(img + 2048 + 0x100, "\xfd" "7zXZ", 6);
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), 0);
    assert_ptr_equal(pl, img + 2048 + 0x100);
    assert_int_equal(n, 0x200);
    assert_string_equal(bzimage_payload_format(pl, n), "xz");
    assert_null(bzimage_payload_format(img, 3));
    /* Exactly at the end: fine; one past: -EINVAL; overflowing length too. */
    assert_int_equal(bzimage_payload(img, 2048 + 0x300, &pl, &n), 0);
    assert_int_equal(bzimage_payload(img, 2048 + 0x2ff, &pl, &n), -EINVAL);
    put32(img + 0x24c, 0xffffffff);
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), -EINVAL);
    put32(img + 0x24c, 0x200);
    img[0x1f1] = 0;                         /* 0 means 4: (4+1)*512 */
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), 0);
    assert_ptr_equal(pl, img + 2560 + 0x100);
    put16(img + 0x206, 0x207);
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), -ENOSYS);
    put16(img + 0x206, 0x20f);
    img[0x202] = 'h';
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), -ENOEXEC);
    img[0x202] = 'H';
    put16(img + 0x1fe, 0);
    assert_int_equal(bzimage_payload(img, sizeof(img), &pl, &n), -ENOEXEC);
    assert_int_equal(bzimage_payload(img, 0x24f, &pl, &n), -ENOEXEC);
}

/* Debian's kernel, if the environment names it: bzImage -> XZ -> ELF. */
static void test_real_vmlinuz(void **state)
{
    const char *path = getenv("KEEL_TEST_VMLINUZ"), *elf = getenv("KEEL_TEST_VMLINUX");
    struct buf z;
    const void *pl;
    size_t n, outn;

    (void)state;
    if (!path || !(z = read_file(path)).p) {
        skip();
        return;
    }
    assert_int_equal(bzimage_payload(z.p, z.n, &pl, &n), 0);
    assert_string_equal(bzimage_payload_format(pl, n), "xz");
    size_t cap = 128u << 20;
    uint8_t *out = malloc(cap);
    assert_int_equal(xz_decompress(pl, n, out, cap, &outn), 0);
    assert_string_equal(bzimage_payload_format(out, outn), "elf");
    print_message("vmlinuz: %zu byte XZ payload -> %zu byte ELF\n", n, outn);
    struct buf v = elf ? read_file(elf) : (struct buf){ 0 };
    if (v.p) {
        assert_int_equal(outn, v.n);
        assert_memory_equal(out, v.p, outn);
        free(v.p);
    }
    free(out);
    free(z.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_unsupported_and_trailing),
        cmocka_unit_test(test_truncation_and_corruption),
        cmocka_unit_test(test_bzimage_header),
        cmocka_unit_test(test_real_vmlinuz),
    };
    return cmocka_run_group_tests_name("bzimage", tests, NULL, NULL);
}
