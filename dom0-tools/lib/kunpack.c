/*
 * keel_unpack (keel_unpack.h): a bzImage's compressed payload decompressed
 * with the hypervisor's XZ decoder (or liblzma), zlib or libzstd.
 * Host unit tests: tests/unit/test_build.c (test_unpack_*).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "keel_unpack.h"
#include <keel/bzimage.h>

/* liblzma's own memory for the XZ dictionary (Linux's kernels: 32 MiB). */
#define XZ_MEMLIMIT (256ULL << 20)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int too_large(const char *what, size_t size, char *err, size_t errlen)
{
    return fail(err, errlen, -ENOEXEC,
                "%s: bzImage payload decompresses to more than the %zu bytes it states", what,
                size);
}

/*
 * XZ with the hypervisor's own decoder (common/xz_dec.c, compiled for the
 * host; it decodes straight into out, which is also its dictionary).
 */
static int unpack_xz_keel(const uint8_t *in, size_t in_len, uint8_t *out, size_t size,
                          size_t *out_len, const char *what, char *err, size_t errlen)
{
    int rc = xz_decompress(in, in_len, out, size, out_len);

    switch (rc) {
    case 0:
        return 0;
    case -ENOSPC:
        return too_large(what, size, err, errlen);
    case -EILSEQ:
        return fail(err, errlen, -ENOEXEC, "%s: XZ data is corrupt or its checksum mismatches",
                    what);
    case -ENOSYS:
        return fail(err, errlen, -ENOEXEC, "%s: XZ data uses options keel does not support "
                    "(KEEL_XZ_DECODER=liblzma may)", what);
    default:
        return fail(err, errlen, -ENOEXEC, "%s: XZ data is corrupt or truncated", what);
    }
}

/*
 * liblzma's stream API rather than lzma_stream_buffer_decode, whose
 * failures do not say whether the output was full (too large) or the
 * input ran out (truncated).  No LZMA_CONCATENATED: the size Linux
 * appends after the stream is left unread.
 */
static int unpack_xz(const uint8_t *in, size_t in_len, uint8_t *out, size_t size,
                     size_t *out_len, const char *what, char *err, size_t errlen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret r = lzma_stream_decoder(&s, XZ_MEMLIMIT, 0);
    uint64_t need;

    if (r != LZMA_OK)
        return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
    s.next_in = in;
    s.avail_in = in_len;
    s.next_out = out;
    s.avail_out = size;
    /* LZMA_OK until done; LZMA_BUF_ERROR once no progress is possible. */
    do
        r = lzma_code(&s, LZMA_FINISH);
    while (r == LZMA_OK);
    *out_len = size - s.avail_out;
    need = lzma_memusage(&s);
    lzma_end(&s);
    switch (r) {
    case LZMA_STREAM_END:
        return 0;
    case LZMA_BUF_ERROR:
        if (!s.avail_out)
            return too_large(what, size, err, errlen);
        return fail(err, errlen, -ENOEXEC, "%s: XZ data is truncated", what);
    case LZMA_MEM_ERROR:
        return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
    case LZMA_MEMLIMIT_ERROR:
        return fail(err, errlen, -ENOEXEC,
                    "%s: XZ data needs %llu MiB to decompress, more than the %llu MiB limit",
                    what, (unsigned long long)(need >> 20), XZ_MEMLIMIT >> 20);
    case LZMA_OPTIONS_ERROR:
        return fail(err, errlen, -ENOEXEC, "%s: XZ data uses options liblzma does not support",
                    what);
    default:        /* LZMA_FORMAT_ERROR, LZMA_DATA_ERROR (a check mismatch too) */
        return fail(err, errlen, -ENOEXEC, "%s: XZ data is corrupt or its checksum mismatches",
                    what);
    }
}

static int unpack_gzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t size,
                       size_t *out_len, const char *what, char *err, size_t errlen)
{
    z_stream s;
    int r;

    memset(&s, 0, sizeof(s));
    /* 16 + MAX_WBITS: a gzip header and trailer (CRC-32, ISIZE), no zlib/raw. */
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
        return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
    /* Both fit zlib's uInt: the file and the output are limited below 4 GiB. */
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out;
    s.avail_out = (uInt)size;
    r = inflate(&s, Z_FINISH);
    *out_len = size - s.avail_out;
    inflateEnd(&s);
    if (r == Z_STREAM_END)
        return 0;
    if (r == Z_MEM_ERROR)
        return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
    if (r == Z_BUF_ERROR && s.avail_out == 0)
        return too_large(what, size, err, errlen);
    if (r == Z_BUF_ERROR)
        return fail(err, errlen, -ENOEXEC, "%s: gzip data is truncated", what);
    return fail(err, errlen, -ENOEXEC, "%s: gzip data is corrupt (%s)", what,
                s.msg ? s.msg : "inflate failed");
}

static int unpack_zstd(const uint8_t *in, size_t in_len, uint8_t *out, size_t size,
                       size_t *out_len, const char *what, char *err, size_t errlen)
{
    /* One frame; the size Linux appends after it is not a frame. */
    size_t flen = ZSTD_findFrameCompressedSize(in, in_len), n;

    if (ZSTD_isError(flen))
        return fail(err, errlen, -ENOEXEC, "%s: zstd data is corrupt (%s)", what,
                    ZSTD_getErrorName(flen));
    n = ZSTD_decompress(out, size, in, flen);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
            return too_large(what, size, err, errlen);
        if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
            return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
        return fail(err, errlen, -ENOEXEC, "%s: zstd data is corrupt (%s)", what,
                    ZSTD_getErrorName(n));
    }
    *out_len = n;
    return 0;
}

bool keel_unpack_xz_liblzma(void)
{
    const char *d = getenv("KEEL_XZ_DECODER");

    return d && !strcmp(d, "liblzma");
}

bool keel_unpack_supported(const char *fmt)
{
    return fmt && (!strcmp(fmt, "xz") || !strcmp(fmt, "gzip") || !strcmp(fmt, "zstd"));
}

int keel_unpack(const char *fmt, const uint8_t *payload, size_t plen, size_t max,
                uint8_t **out, size_t *out_len, const char *what, char *err, size_t errlen)
{
    size_t size;
    uint8_t *buf;
    int rc;

    if (!keel_unpack_supported(fmt))
        return fail(err, errlen, -ENOEXEC,
                    "%s: bzImage payload is %s (keel decompresses xz, gzip and zstd)", what,
                    fmt ? fmt : "of an unknown format");
    if (plen < 4 + 1)
        return fail(err, errlen, -ENOEXEC, "%s: bzImage payload is truncated", what);
    /* Linux appends the decompressed size (little-endian 32-bit). */
    size = (size_t)payload[plen - 4] | (size_t)payload[plen - 3] << 8 |
           (size_t)payload[plen - 2] << 16 | (size_t)payload[plen - 1] << 24;
    if (!size)
        return fail(err, errlen, -ENOEXEC, "%s: bzImage payload states a decompressed size of 0",
                    what);
    if (size > max)
        return fail(err, errlen, -ENOEXEC,
                    "%s: bzImage payload decompresses to %zu bytes, more than the limit of %zu",
                    what, size, max);
    buf = malloc(size);
    if (!buf)
        return fail(err, errlen, -ENOMEM, "%s: out of memory decompressing it", what);
    if (!strcmp(fmt, "xz") && keel_unpack_xz_liblzma())
        rc = unpack_xz(payload, plen, buf, size, out_len, what, err, errlen);
    else if (!strcmp(fmt, "xz"))
        rc = unpack_xz_keel(payload, plen, buf, size, out_len, what, err, errlen);
    else if (!strcmp(fmt, "gzip"))
        rc = unpack_gzip(payload, plen, buf, size, out_len, what, err, errlen);
    else
        rc = unpack_zstd(payload, plen, buf, size, out_len, what, err, errlen);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}
