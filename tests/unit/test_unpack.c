/*
 * Unit tests for keel_unpack (dom0-tools/lib/kunpack.c), the run-time
 * builder's decompression of a bzImage payload with liblzma, zlib and
 * libzstd, XZ also with the hypervisor's decoder (the default): payloads
 * made here as Linux makes them (the compressed data,
 * then the decompressed size as 4 little-endian bytes), each format
 * decompressed exactly; corrupt, truncated and oversize payloads refused
 * with one line naming the file; the size limit checked before anything
 * is decompressed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "keel_unpack.h"

#define PLAIN_LEN 100000
static uint8_t plain[PLAIN_LEN];
static uint8_t packed[PLAIN_LEN + 4096];
static char err[256];

/* Compressible but not trivial: text-like runs with a pseudo-random walk. */
static void make_plain(void)
{
    uint32_t x = 12345;

    for (size_t i = 0; i < PLAIN_LEN; i++) {
        x = x * 1103515245 + 12345;
        plain[i] = (i % 64 < 40) ? (uint8_t)("keel unpack test "[i % 17]) : (uint8_t)(x >> 24);
    }
}

static void put_size(uint8_t *b, uint32_t v)
{
    for (unsigned int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* plain[0, n) compressed as fmt into packed, plus the stated size; its length. */
static size_t pack(const char *fmt, size_t n, uint32_t stated)
{
    size_t len = 0;

    if (!strcmp(fmt, "xz")) {
        /* As the kernel's scripts/xz_wrap.sh: CRC32 check. */
        assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, plain, n, packed,
                                                 &len, sizeof(packed) - 4), LZMA_OK);
    } else if (!strcmp(fmt, "gzip")) {
        z_stream s;

        memset(&s, 0, sizeof(s));
        assert_int_equal(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        s.next_in = plain;
        s.avail_in = (uInt)n;
        s.next_out = packed;
        s.avail_out = sizeof(packed) - 4;
        assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
        len = sizeof(packed) - 4 - s.avail_out;
        deflateEnd(&s);
    } else {
        len = ZSTD_compress(packed, sizeof(packed) - 4, plain, n, 19);
        assert_false(ZSTD_isError(len));
    }
    put_size(packed + len, stated);
    return len + 4;
}

/* XZ twice: the hypervisor's decoder (the default), then liblzma. */
#define NFMT 4
static const char *const formats[NFMT] = { "xz", "gzip", "zstd", "xz" };

static void decoder_for(size_t f)
{
    if (f == 3)
        setenv("KEEL_XZ_DECODER", "liblzma", 1);
    else
        unsetenv("KEEL_XZ_DECODER");
    assert_int_equal(keel_unpack_xz_liblzma(), f == 3);
}

static void test_unpack_good(void **state)
{
    (void)state;
    for (size_t f = 0; f < NFMT; f++) {
        decoder_for(f);
        size_t len = pack(formats[f], PLAIN_LEN, PLAIN_LEN), out_len = 0;
        uint8_t *out = NULL;

        assert_true(keel_unpack_supported(formats[f]));
        assert_int_equal(keel_unpack(formats[f], packed, len, 1 << 20, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), 0);
        assert_int_equal(out_len, PLAIN_LEN);
        assert_memory_equal(out, plain, PLAIN_LEN);
        free(out);
        /* Exactly at the limit is allowed. */
        assert_int_equal(keel_unpack(formats[f], packed, len, PLAIN_LEN, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), 0);
        free(out);
    }
}

static void test_unpack_corrupt(void **state)
{
    static const char *const msg[NFMT] = {
        "vmlinuz: XZ data is corrupt",
        "vmlinuz: gzip data is corrupt (",
        "vmlinuz: zstd data is corrupt (",
        "vmlinuz: XZ data is corrupt or its checksum mismatches",
    };

    (void)state;
    for (size_t f = 0; f < NFMT; f++) {
        decoder_for(f);
        size_t len = pack(formats[f], PLAIN_LEN, PLAIN_LEN), out_len = 0;
        uint8_t *out = (uint8_t *)"untouched";

        /* The stored checksum (just before the size) damaged: the data
         * decodes, the check must catch it. */
        packed[len - 4 - (f == 0 || f == 3 ? 40 : f == 1 ? 6 : 2)] ^= 0x55;
        assert_int_equal(keel_unpack(formats[f], packed, len, 1 << 20, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), -ENOEXEC);
        assert_string_equal(out, "untouched");
        assert_memory_equal(err, msg[f], strlen(msg[f]));
        assert_null(strchr(err, '\n'));
        /* Not the format at all. */
        memset(packed, 0x5a, 64);
        assert_int_equal(keel_unpack(formats[f], packed, 64, 1 << 20, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), -ENOEXEC);
        assert_string_equal(out, "untouched");
        assert_memory_equal(err, "vmlinuz: ", 9);
        assert_null(strchr(err, '\n'));
    }
    /* A byte in the middle of the XZ data: corrupt, whatever it decodes to. */
    for (size_t f = 0; f < NFMT; f += 3) {
        size_t len = pack("xz", PLAIN_LEN, PLAIN_LEN), out_len;
        uint8_t *out = NULL;

        decoder_for(f);
        packed[len / 2] ^= 0x01;
        assert_int_equal(keel_unpack("xz", packed, len, 1 << 20, &out, &out_len, "vmlinuz", err,
                                     sizeof(err)), -ENOEXEC);
        assert_null(out);
        assert_memory_equal(err, "vmlinuz: XZ data ", 17);
    }
}

static void test_unpack_truncated(void **state)
{
    static const char *const msg[NFMT] = {
        "vmlinuz: XZ data is corrupt or truncated",
        "vmlinuz: gzip data is truncated",
        "vmlinuz: zstd data is corrupt (",
        "vmlinuz: XZ data is truncated",
    };

    (void)state;
    for (size_t f = 0; f < NFMT; f++) {
        decoder_for(f);
        size_t len = pack(formats[f], PLAIN_LEN, PLAIN_LEN), out_len;
        uint8_t *out = NULL;

        /* Half the data, then the size as Linux appends it. */
        len = (len - 4) / 2;
        put_size(packed + len, PLAIN_LEN);
        assert_int_equal(keel_unpack(formats[f], packed, len + 4, 1 << 20, &out, &out_len,
                                     "vmlinuz", err, sizeof(err)), -ENOEXEC);
        assert_null(out);
        assert_memory_equal(err, msg[f], strlen(msg[f]));
    }
}

static void test_unpack_oversize(void **state)
{
    char want[128];

    (void)state;
    for (size_t f = 0; f < NFMT; f++) {
        decoder_for(f);
        size_t len = pack(formats[f], PLAIN_LEN, PLAIN_LEN), out_len;
        uint8_t *out = NULL;

        /* Stated over the limit: refused before decompressing. */
        assert_int_equal(keel_unpack(formats[f], packed, len, PLAIN_LEN - 1, &out, &out_len,
                                     "vmlinuz", err, sizeof(err)), -ENOEXEC);
        assert_null(out);
        snprintf(want, sizeof(want),
                 "vmlinuz: bzImage payload decompresses to %d bytes, more than the limit of %d",
                 PLAIN_LEN, PLAIN_LEN - 1);
        assert_string_equal(err, want);
        /* Stated under the limit, but the data is larger than stated: the
         * output stops at the stated size and the kernel is refused. */
        len = pack(formats[f], PLAIN_LEN, PLAIN_LEN / 2);
        assert_int_equal(keel_unpack(formats[f], packed, len, 1 << 20, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), -ENOEXEC);
        assert_null(out);
        snprintf(want, sizeof(want),
                 "vmlinuz: bzImage payload decompresses to more than the %d bytes it states",
                 PLAIN_LEN / 2);
        assert_string_equal(err, want);
        /* A stated size of 0. */
        len = pack(formats[f], PLAIN_LEN, 0);
        assert_int_equal(keel_unpack(formats[f], packed, len, 1 << 20, &out, &out_len, "vmlinuz",
                                     err, sizeof(err)), -ENOEXEC);
        assert_string_equal(err, "vmlinuz: bzImage payload states a decompressed size of 0");
    }
}

static void test_unpack_refused(void **state)
{
    uint8_t *out = NULL;
    size_t out_len;

    (void)state;
    assert_false(keel_unpack_supported("bzip2"));
    assert_false(keel_unpack_supported(NULL));
    assert_int_equal(keel_unpack("bzip2", packed, 64, 1 << 20, &out, &out_len, "vmlinuz", err,
                                 sizeof(err)), -ENOEXEC);
    assert_string_equal(err, "vmlinuz: bzImage payload is bzip2 (keel decompresses xz, gzip "
                             "and zstd)");
    assert_int_equal(keel_unpack(NULL, packed, 64, 1 << 20, &out, &out_len, "vmlinuz", err,
                                 sizeof(err)), -ENOEXEC);
    assert_string_equal(err, "vmlinuz: bzImage payload is of an unknown format (keel "
                             "decompresses xz, gzip and zstd)");
    assert_int_equal(keel_unpack("xz", packed, 4, 1 << 20, &out, &out_len, "vmlinuz", err,
                                 sizeof(err)), -ENOEXEC);
    assert_string_equal(err, "vmlinuz: bzImage payload is truncated");
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpack_good),
        cmocka_unit_test(test_unpack_corrupt),
        cmocka_unit_test(test_unpack_truncated),
        cmocka_unit_test(test_unpack_oversize),
        cmocka_unit_test(test_unpack_refused),
    };

    make_plain();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
