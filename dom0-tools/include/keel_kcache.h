/*
 * The kernel cache of `keel create` (docs/keel.md, "Kernel cache"): the
 * ELF that a bzImage's XZ payload decompresses to, kept in a directory
 * (default /var/lib/keel/kernels, KEEL_KERNEL_CACHE; "off" disables), so
 * that only the first domain built from a kernel file pays for the
 * decompression (Xen's libxc decompresses on every xl create).
 *
 * An entry is named by a 64-bit FNV-1a key over what identifies the file
 * without reading it all: its device, inode, size, mtime and ctime (to
 * the nanosecond; ctime cannot be set back by utimensat), its first 4 KiB
 * (the bzImage header: payload offset and length) and the last 4 KiB of
 * the XZ payload, which hold the XZ index (the uncompressed size) and the
 * block's check (Linux's CRC32 of the whole uncompressed kernel).  The
 * entry repeats the full key in its header and is believed only if all of
 * it matches and its length is the header's; its ELF is then checked by
 * the same parser as a fresh one.  Entries are written to a temporary
 * file, synced and renamed (a crash leaves no partial entry); at most
 * KEEL_KCACHE_MAX are kept (the least recently used go first).  A cache
 * that cannot be read or written is not an error: the kernel is then
 * decompressed as without it.
 */
#ifndef KEEL_KCACHE_H
#define KEEL_KCACHE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define KEEL_KCACHE_DIR "/var/lib/keel/kernels"
#define KEEL_KCACHE_MAX 4
#define KEEL_KCACHE_SAMPLE 4096

struct keel_kcache_key {
    uint64_t hash;                          /* FNV-1a over the fields and samples */
    uint64_t dev, ino, size;
    uint64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
    uint8_t head[KEEL_KCACHE_SAMPLE];       /* zero-padded */
    uint8_t tail[KEEL_KCACHE_SAMPLE];
};

/* The cache directory: $KEEL_KERNEL_CACHE, or the default; NULL if "off". */
const char *keel_kcache_dir(void);

/*
 * The key of the open kernel file fd (fstat'ed as st) whose XZ payload is
 * at [poff, poff + plen) of the file.  0 or -errno.
 */
int keel_kcache_key(int fd, const struct stat *st, uint64_t poff, uint64_t plen,
                    struct keel_kcache_key *key);

/* An entry: a header (magic, ELF length, the key), zero-padded to
 * KEEL_KCACHE_HDR_LEN bytes, then the ELF. */
#define KEEL_KCACHE_HDR_LEN 12288u

/*
 * The cached ELF for key, mapped read-only: *map (munmap it with
 * *map_len) holds the entry, open as *fd (close it), and *elf / *elf_len
 * are the ELF inside it (at KEEL_KCACHE_HDR_LEN in the file).  0, or
 * -ENOENT on a miss (no entry, or one that does not match the key).
 */
int keel_kcache_get(const char *dir, const struct keel_kcache_key *key, void **map,
                    size_t *map_len, int *fd, const uint8_t **elf, size_t *elf_len);

/* Store elf for key (best effort: 0 or -errno, nothing printed). */
int keel_kcache_put(const char *dir, const struct keel_kcache_key *key, const uint8_t *elf,
                    size_t elf_len);

#endif
