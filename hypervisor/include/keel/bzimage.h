/*
 * Linux bzImage (boot protocol >= 2.08) payload extraction, and an XZ
 * decoder (LZMA2, BCJ x86, CRC32/CRC64 checks) for the payload Debian's
 * kernels carry.  Pure logic; see docs/elf-loading.md.
 */
#ifndef KEEL_BZIMAGE_H
#define KEEL_BZIMAGE_H
#include <keel/types.h>

/* Error numbers returned (negated), with Xen's values (public/errno.h). */
#ifndef ENOEXEC
#define ENOEXEC 8
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef ENOSYS
#define ENOSYS 38
#endif
#ifndef EILSEQ
#define EILSEQ 84
#endif

/*
 * Finds the compressed kernel inside a bzImage: the payload_length bytes
 * at (setup_sects + 1) * 512 + payload_offset (setup_sects 0 means 4).
 * Returns 0 with *payload and *plen set, -ENOEXEC if img is not a bzImage
 * ("HdrS" and boot flag 0xaa55), -ENOSYS for boot protocol < 2.08 (no
 * payload fields), -EINVAL if the payload lies outside the image.
 */
int bzimage_payload(const void *img, size_t len, const void **payload, size_t *plen);

/*
 * Names the payload's format from its magic bytes: "xz", "gzip", "bzip2",
 * "lzma", "lzo", "lz4", "zstd", "elf" (uncompressed), or NULL if unknown.
 */
const char *bzimage_payload_format(const void *payload, size_t len);

/*
 * Decodes the first XZ stream in [in, in+in_len) into out (single call,
 * out is also the LZMA2 dictionary).  Filter chains: LZMA2, or BCJ x86 +
 * LZMA2.  Checks: none, CRC32, CRC64 (verified); others give -ENOSYS.
 * Bytes after the first stream are ignored (Linux appends the
 * decompressed size to the payload).  Returns 0 with *out_len set;
 * -ENOSPC if out_cap is too small; -EINVAL for corrupt or truncated
 * input; -EILSEQ for a checksum mismatch; -ENOSYS for unsupported
 * features; -EBUSY if called while another call runs (the decoder state,
 * ~30 KiB, is static: not for concurrent use).
 */
int xz_decompress(const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len);

#endif
