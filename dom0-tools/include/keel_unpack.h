/*
 * keel_unpack: the compressed payload of a bzImage, decompressed in dom0
 * for the run-time builder (keel create).  gzip and zstd with the
 * libraries libxc uses (xc_dom_bzimageloader.c): zlib and libzstd.  XZ by
 * default with the hypervisor's own decoder (common/xz_dec.c, compiled for
 * the host), with liblzma (libxc's) when KEEL_XZ_DECODER=liblzma is in the
 * environment: liblzma is 1.2-1.3x faster on the host but was slower in
 * the TCG benchmark (docs/benchmarks.md, "Domain creation").
 */
#ifndef KEEL_UNPACK_H
#define KEEL_UNPACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether XZ goes to liblzma (KEEL_XZ_DECODER=liblzma) rather than xz_dec.c. */
bool keel_unpack_xz_liblzma(void);

/* Whether keel_unpack decompresses fmt (bzimage_payload_format's names). */
bool keel_unpack_supported(const char *fmt);

/*
 * Decompress payload (plen bytes, format fmt: "xz", "gzip" or "zstd"),
 * which ends as Linux's bzImage payloads do with the decompressed size as
 * 4 little-endian bytes (arch/x86/boot/compressed/Makefile, size_append).
 * That size is checked against max before anything is allocated, and the
 * data may not decompress to more than it.  On success 0 with *out
 * (malloc'ed, the caller frees) and *out_len; otherwise -ENOEXEC (corrupt,
 * truncated, too large, an unsupported format) or -ENOMEM with one line
 * "WHAT: problem" in err.
 */
int keel_unpack(const char *fmt, const uint8_t *payload, size_t plen, size_t max,
                uint8_t **out, size_t *out_len, const char *what, char *err, size_t errlen);

#endif
