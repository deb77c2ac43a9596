/*
 * The kernel cache of keel create (keel_kcache.h, docs/keel.md): the ELF
 * of a bzImage's XZ payload, decompressed once and kept in a directory.
 * No hypercalls: host unit tests (tests/unit/test_kcache.c) run it all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keel_kcache.h"

#define MAGIC "KEELKC1"
/* The entry: this header, zero-padded to HDR_LEN, then the ELF. */
#define HDR_LEN KEEL_KCACHE_HDR_LEN
struct entry_hdr {
    char magic[8];
    uint64_t elf_len;
    struct keel_kcache_key key;
};
_Static_assert(sizeof(struct entry_hdr) <= HDR_LEN, "kcache header too large");

const char *keel_kcache_dir(void)
{
    const char *d = getenv("KEEL_KERNEL_CACHE");

    if (d && !strcmp(d, "off"))
        return NULL;
    return d && *d ? d : KEEL_KCACHE_DIR;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;

    while (n--)
        h = (h ^ *b++) * 0x100000001b3ULL;
    return h;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -EIO;
        got += (size_t)r;
    }
    return 0;
}

int keel_kcache_key(int fd, const struct stat *st, uint64_t poff, uint64_t plen,
                    struct keel_kcache_key *key)
{
    uint64_t size = (uint64_t)st->st_size, n;
    int rc;

    if (poff > size || plen > size - poff || plen == 0)
        return -EINVAL;
    memset(key, 0, sizeof(*key));
    key->dev = (uint64_t)st->st_dev;
    key->ino = (uint64_t)st->st_ino;
    key->size = size;
    key->mtime_sec = (uint64_t)st->st_mtim.tv_sec;
    key->mtime_nsec = (uint64_t)st->st_mtim.tv_nsec;
    key->ctime_sec = (uint64_t)st->st_ctim.tv_sec;
    key->ctime_nsec = (uint64_t)st->st_ctim.tv_nsec;
    n = size < KEEL_KCACHE_SAMPLE ? size : KEEL_KCACHE_SAMPLE;
    rc = pread_all(fd, key->head, (size_t)n, 0);
    if (rc)
        return rc;
    n = plen < KEEL_KCACHE_SAMPLE ? plen : KEEL_KCACHE_SAMPLE;
    rc = pread_all(fd, key->tail, (size_t)n, poff + plen - n);
    if (rc)
        return rc;
    key->hash = fnv(0xcbf29ce484222325ULL, (const uint8_t *)key + sizeof(key->hash),
                    sizeof(*key) - sizeof(key->hash));
    return 0;
}

static void entry_path(char *buf, size_t len, const char *dir, uint64_t hash)
{
    snprintf(buf, len, "%s/%016llx.elf", dir, (unsigned long long)hash);
}

int keel_kcache_get(const char *dir, const struct keel_kcache_key *key, void **map,
                    size_t *map_len, int *fdp, const uint8_t **elf, size_t *elf_len)
{
    char path[4200];
    struct entry_hdr h;
    struct stat st;
    void *m;
    int fd;

    if (!dir)
        return -ENOENT;
    entry_path(path, sizeof(path), dir, key->hash);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -ENOENT;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size <= HDR_LEN ||
        pread_all(fd, &h, sizeof(h), 0) || memcmp(h.magic, MAGIC, sizeof(MAGIC)) ||
        h.elf_len != (uint64_t)st.st_size - HDR_LEN || memcmp(&h.key, key, sizeof(*key))) {
        close(fd);
        return -ENOENT;
    }
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return -ENOENT;
    }
    futimens(fd, NULL);         /* used now: the last to be evicted */
    *fdp = fd;
    *map = m;
    *map_len = (size_t)st.st_size;
    *elf = (const uint8_t *)m + HDR_LEN;
    *elf_len = (size_t)h.elf_len;
    return 0;
}

/* Keep at most KEEL_KCACHE_MAX - 1 entries (room for one more): the
 * oldest by mtime go. */
static void evict(const char *dir)
{
    char path[4200], oldest[4200];
    struct dirent *e;
    struct stat st;
    int n;

    for (;;) {
        DIR *d = opendir(dir);
        struct timespec t = { 0, 0 };

        if (!d)
            return;
        n = 0;
        oldest[0] = 0;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l != 20 || strcmp(e->d_name + 16, ".elf"))
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            if (stat(path, &st) < 0)
                continue;
            n++;
            if (!oldest[0] || st.st_mtim.tv_sec < t.tv_sec ||
                (st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec < t.tv_nsec)) {
                t = st.st_mtim;
                snprintf(oldest, sizeof(oldest), "%s", path);
            }
        }
        closedir(d);
        if (n < KEEL_KCACHE_MAX || !oldest[0] || unlink(oldest) < 0)
            return;
    }
}

static int mkdirs(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(p))
        return -ENAMETOOLONG;
    memcpy(p, dir, n + 1);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
            *s = '/';
        }
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(fd, (const uint8_t *)buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        done += (size_t)w;
    }
    return 0;
}

int keel_kcache_put(const char *dir, const struct keel_kcache_key *key, const uint8_t *elf,
                    size_t elf_len)
{
    char path[4200], tmp[4300];
    struct entry_hdr *h;
    int fd, rc;

    if (!dir)
        return -EINVAL;
    rc = mkdirs(dir);
    if (rc)
        return rc;
    evict(dir);
    h = calloc(1, HDR_LEN);
    if (!h)
        return -ENOMEM;
    memcpy(h->magic, MAGIC, sizeof(MAGIC));
    h->elf_len = elf_len;
    h->key = *key;
    entry_path(path, sizeof(path), dir, key->hash);
    snprintf(tmp, sizeof(tmp), "%s/.new-XXXXXX", dir);
    fd = mkstemp(tmp);
    if (fd < 0) {
        free(h);
        return -errno;
    }
    rc = write_all(fd, h, HDR_LEN);
    if (!rc)
        rc = write_all(fd, elf, elf_len);
    if (!rc && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && !rc)
        rc = -errno;
    if (!rc && rename(tmp, path) < 0)
        rc = -errno;
    if (rc)
        unlink(tmp);
    free(h);
    return rc;
}
