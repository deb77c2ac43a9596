/*
 * keel_build, the pure part: the kernel image, the plan, and the start of
 * day written into a memory image (see keel_build.h).  No hypercalls here:
 * host unit tests (tests/unit/test_build.c) run all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keel_build.h"
#include "keel_kcache.h"
#include "keel_unpack.h"
#include <keel/bzimage.h>
#include <public/xen.h>
#include <public/features.h>
#include <public/errno.h>

/* x86 PTE bits (the hypervisor's asm/page.h is not for the host). */
#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW 0x002UL
#define _PAGE_USER 0x004UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY 0x040UL
#define PTE_UPPER (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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

int keel_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *err,
                   size_t errlen)
{
    struct stat st;
    uint8_t *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

    if (fd < 0)
        return fail(err, errlen, -errno, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = fail(err, errlen, -EINVAL, "%s: not a regular file", path);
        close(fd);
        return rc;
    }
    if ((uint64_t)st.st_size > max || st.st_size == 0) {
        rc = fail(err, errlen, -EFBIG, "%s: size %lld is %s", path, (long long)st.st_size,
                  st.st_size ? "too large" : "zero");
        close(fd);
        return rc;
    }
    buf = malloc((size_t)st.st_size);
    if (!buf) {
        close(fd);
        return fail(err, errlen, -ENOMEM, "%s: out of memory reading it", path);
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            rc = fail(err, errlen, n < 0 ? -errno : -EIO, "%s: read failed: %s", path,
                      n < 0 ? strerror(errno) : "file shrank");
            free(buf);
            close(fd);
            return rc;
        }
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

/*
 * A compressed payload (xz, gzip, zstd) is decompressed in dom0 with
 * liblzma/zlib/libzstd (keel_unpack.h), as libxc does; the hypervisor's
 * own XZ decoder stays for its boot path.  Other formats are refused by
 * name.
 */
static int find_elf(struct keel_kernel *k, const char *what, char *err, size_t errlen)
{
    const void *payload;
    size_t plen;
    const char *fmt;
    int rc = bzimage_payload(k->file, k->file_len, &payload, &plen);

    if (rc == -ENOEXEC) {
        k->elf = k->file;
        k->elf_len = k->file_len;
        k->format = "elf";
        return 0;
    }
    if (rc)
        return fail(err, errlen, -ENOEXEC, "%s: %s", what,
                    rc == -ENOSYS ? "bzImage boot protocol older than 2.08 (no payload)"
                                  : "bzImage payload lies outside the file");
    fmt = bzimage_payload_format(payload, plen);
    if (fmt && !strcmp(fmt, "elf")) {
        k->elf = payload;
        k->elf_len = plen;
        k->format = "bzImage/elf";
        return 0;
    }
    k->t_unpack = now();
    rc = keel_unpack(fmt, payload, plen, KEEL_BUILD_MAX_KERNEL, &k->unpacked, &k->elf_len,
                     what, err, errlen);
    k->t_unpack = now() - k->t_unpack;
    if (rc)
        return rc;
    k->elf = k->unpacked;
    k->format = !strcmp(fmt, "xz") ? "bzImage/xz" : !strcmp(fmt, "gzip") ? "bzImage/gzip"
                                                                          : "bzImage/zstd";
    return 0;
}

/* The ELF's Xen notes, and what Keel offers a PV guest (the boot-time
 * builder's check_features).  On failure k is freed. */
static int check_kernel(struct keel_kernel *k, const char *what, char *err, size_t errlen)
{
    const uint32_t offered = (1u << XENFEAT_writable_page_tables) |
                             (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_dom0);
    uint32_t missing;
    int rc = elf_xen_parse(k->elf, k->elf_len, &k->info);

    if (rc) {
        rc = fail(err, errlen, -ENOEXEC, "%s: not a Xen PV kernel (%s): %s", what, k->format,
                  k->info.err[0] ? k->info.err : elf_xen_strerror(rc));
        goto out;
    }
    missing = elf_xen_missing_features(&k->info, offered);
    if (missing) {
        rc = fail(err, errlen, -ENOEXEC, "%s: kernel requires unsupported features %#x", what,
                  missing);
        goto out;
    }
    return 0;
out:
    keel_kernel_free(k);
    return rc;
}

int keel_kernel_from_buf(struct keel_kernel *k, uint8_t *buf, size_t len, const char *what,
                         char *err, size_t errlen)
{
    int rc;

    memset(k, 0, sizeof(*k));
    k->file = buf;
    k->file_len = len;
    rc = find_elf(k, what, err, errlen);
    if (rc) {
        keel_kernel_free(k);
        return rc;
    }
    return check_kernel(k, what, err, errlen);
}

int keel_kernel_load(struct keel_kernel *k, const char *path, char *err, size_t errlen)
{
    uint8_t *buf;
    size_t len;
    int rc = keel_read_file(path, KEEL_BUILD_MAX_FILE, &buf, &len, err, errlen);

    if (rc) {
        memset(k, 0, sizeof(*k));
        return rc;
    }
    return keel_kernel_from_buf(k, buf, len, path, err, errlen);
}

void keel_kernel_free(struct keel_kernel *k)
{
    free(k->file);
    free(k->unpacked);
    if (k->map) {
        munmap(k->map, k->map_len);
        close(k->map_fd);
    }
    k->file = k->unpacked = NULL;
    k->map = NULL;
    k->elf = NULL;
}

/*
 * Where the XZ payload of the bzImage open as fd lies, from its header:
 * 0 with *poff and *plen, or -ENOEXEC when the file is anything else (an ELF,
 * another compression, not a kernel: keel_kernel_load judges it).
 */
static int xz_payload_at(int fd, const struct stat *st, uint64_t *poff, uint64_t *plen)
{
    uint8_t hdr[KEEL_KCACHE_SAMPLE], magic[6];
    size_t n = (uint64_t)st->st_size < sizeof(hdr) ? (size_t)st->st_size : sizeof(hdr);
    const void *payload;
    size_t len;

    if (pread(fd, hdr, n, 0) != (ssize_t)n)
        return -ENOEXEC;
    /* bzimage_payload reads only the header; its bounds are the file's. */
    if (n < 0x250 || bzimage_payload(hdr, (size_t)st->st_size, &payload, &len))
        return -ENOEXEC;
    *poff = (uint64_t)((uintptr_t)payload - (uintptr_t)hdr);
    *plen = len;
    if (len < sizeof(magic) || pread(fd, magic, sizeof(magic), (off_t)*poff) != sizeof(magic))
        return -ENOEXEC;
    return memcmp(magic, "\xfd" "7zXZ\0", sizeof(magic)) ? -ENOEXEC : 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int keel_kernel_load_cached(struct keel_kernel *k, const char *path, const char *cache,
                            char *err, size_t errlen)
{
    struct keel_kcache_key *key;
    struct stat st, st2;
    uint64_t poff, plen;
    int fd, rc;

    if (!cache)
        return keel_kernel_load(k, path, err, errlen);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return keel_kernel_load(k, path, err, errlen);     /* its error message */
    key = malloc(sizeof(*key));
    if (!key || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        xz_payload_at(fd, &st, &poff, &plen) || keel_kcache_key(fd, &st, poff, plen, key)) {
        free(key);
        close(fd);
        return keel_kernel_load(k, path, err, errlen);
    }
    memset(k, 0, sizeof(*k));
    if (keel_kcache_get(cache, key, &k->map, &k->map_len, &k->map_fd, &k->elf, &k->elf_len) == 0) {
        k->format = "bzImage/xz";
        k->cached = true;
        if (check_kernel(k, path, err, errlen) == 0) {
            free(key);
            close(fd);
            return 0;
        }
        /* An entry that does not parse: decompress again, replace it. */
    }
    rc = keel_kernel_load(k, path, err, errlen);
    /* Stored only if the file did not change while it was read. */
    if (!rc && !strcmp(k->format, "bzImage/xz") && fstat(fd, &st2) == 0 && same_file(&st, &st2)) {
        k->t_store = now();
        keel_kcache_put(cache, key, k->elf, k->elf_len);
        k->t_store = now() - k->t_store;
    }
    free(key);
    close(fd);
    return rc;
}

int keel_plan_compute(const struct xen_elf_info *info, uint64_t nr_pages, uint64_t initrd_len,
                      struct keel_plan *p, char *err, size_t errlen)
{
    struct pv_layout_in in = {
        .virt_base = info->virt_base, .virt_kstart = info->virt_kstart,
        .virt_kend = info->virt_kend, .nr_pages = nr_pages, .initrd_len = initrd_len,
        .domu_rings = true, .p2m_outside = info->has_init_p2m,
    };
    int rc = pv_layout_compute(&in, &p->l);

    memset(&p->p2m, 0, sizeof(p->p2m));
    p->nr_pages = nr_pages;
    if (rc == -XEN_ENOMEM)
        return fail(err, errlen, -ENOMEM,
                    "memory: %lu MiB cannot hold the kernel's %lu MiB start-of-day region",
                    (unsigned long)(nr_pages >> 8),
                    (unsigned long)((p->l.v_end - p->l.v_start) >> 20));
    if (rc)
        return fail(err, errlen, -EINVAL, "kernel: image bounds [%#lx, %#lx) are unusable",
                    (unsigned long)info->virt_kstart, (unsigned long)info->virt_kend);
    p->map_pages = pv_layout_pfn(&p->l, p->l.v_end);
    if (info->has_init_p2m) {
        rc = pv_layout_init_p2m(&p->l, nr_pages, info->init_p2m, &p->p2m);
        if (rc == -XEN_ENOMEM)
            return fail(err, errlen, -ENOMEM, "memory: %lu MiB leaves no room for the p2m list",
                        (unsigned long)(nr_pages >> 8));
        if (rc)
            return fail(err, errlen, -EINVAL, "kernel: unusable INIT_P2M address %#lx",
                        (unsigned long)info->init_p2m);
        p->map_pages = p->p2m.first_pfn + p->p2m.nr_frames;
    }
    return 0;
}

/* ---- writing the memory image ---- */

struct image {
    const struct keel_plan *p;
    uint8_t *mem;
    const uint64_t *p2m;
    const struct keel_kernel *k;
};

static int pread_all_at(int fd, uint8_t *dst, size_t n, uint64_t off)
{
    while (n) {
        ssize_t r = pread(fd, dst, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -EIO;
        dst += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

static uint8_t *page(const struct image *im, uint64_t pfn)
{
    return im->mem + pfn * PAGE_SIZE;
}

static int copy_in(void *ctx, uint64_t va, const void *src, size_t n)
{
    const struct image *im = ctx;
    const struct pv_layout *l = &im->p->l;

    if (va < l->v_start || va + n > l->v_end || va + n < va)
        return -EINVAL;
    /* A cached kernel's segment is read from its entry straight into the
     * destination: the entry's pages are never faulted into keel (one
     * fault per 4 KiB page, a trip through the hypervisor in a PV dom0,
     * was most of a build with the cache). */
    if (src && im->k->map && (const uint8_t *)src >= im->k->elf &&
        n <= im->k->elf_len - (size_t)((const uint8_t *)src - im->k->elf))
        return pread_all_at(im->k->map_fd, im->mem + (va - l->v_start), n,
                            KEEL_KCACHE_HDR_LEN + (uint64_t)((const uint8_t *)src - im->k->elf));
    if (src)
        memcpy(im->mem + (va - l->v_start), src, n);
    else
        memset(im->mem + (va - l->v_start), 0, n);
    return 0;
}

/*
 * Map [va, va + n pages) to the frames of pfns first.. in the tree at
 * l4_pfn, taking new table frames from *next (< limit).  The walk goes up
 * in va, so a present entry always leads to the table made last at that
 * level (cur[]).  ro_lo/ro_hi: pfns mapped read-only (the tables).
 */
static int map_range(const struct image *im, uint64_t l4_pfn, uint64_t va, uint64_t n,
                     uint64_t first, uint64_t *next, uint64_t limit, uint64_t ro_lo,
                     uint64_t ro_hi)
{
    uint64_t cur[5] = { 0, 0, 0, 0, l4_pfn }, i;
    int level;

    for (i = 0; i < n; i++, va += PAGE_SIZE) {
        uint64_t pfn = first + i, *e;

        for (level = 4; level > 1; level--) {
            e = (uint64_t *)page(im, cur[level]) + ((va >> (12 + 9 * (level - 1))) & 511);
            if (!(*e & _PAGE_PRESENT)) {
                if (*next >= limit)
                    return -ENOSPC;
                cur[level - 1] = (*next)++;
                *e = (im->p2m[cur[level - 1]] << PAGE_SHIFT) | PTE_UPPER;
            }
        }
        e = (uint64_t *)page(im, cur[1]) + ((va >> 12) & 511);
        *e = (im->p2m[pfn] << PAGE_SHIFT) | PTE_UPPER;
        if (pfn >= ro_lo && pfn < ro_hi)
            *e &= ~(uint64_t)_PAGE_RW;
    }
    return 0;
}

static void write_p2m(const struct image *im)
{
    const struct keel_plan *p = im->p;

    if (!p->p2m.va) {
        memcpy(im->mem + (p->l.p2m_start - p->l.v_start), im->p2m, p->nr_pages * 8);
        return;
    }
    memset(page(im, p->p2m.first_pfn), 0xff, p->p2m.nr_data * PAGE_SIZE);
    memcpy(page(im, p->p2m.first_pfn), im->p2m, p->nr_pages * 8);
}

static void write_start_info(const struct image *im, const struct keel_kernel *k,
                             size_t initrd_len, const struct keel_start *s)
{
    const struct keel_plan *p = im->p;
    struct start_info *si = (void *)page(im, pv_layout_pfn(&p->l, p->l.start_info));

    memset(si, 0, PAGE_SIZE);
    memcpy(si->magic, XEN_START_INFO_MAGIC, sizeof(XEN_START_INFO_MAGIC));
    si->nr_pages = p->nr_pages;
    si->shared_info = s->shared_info_mfn << PAGE_SHIFT;
    si->flags = 0;
    si->pt_base = p->l.pt_start;
    si->nr_pt_frames = p->l.nr_pt_frames;
    si->mfn_list = p->p2m.va ? p->p2m.va : p->l.p2m_start;
    si->first_p2m_pfn = p->p2m.va ? p->p2m.first_pfn : 0;
    si->nr_p2m_frames = p->p2m.va ? p->p2m.nr_frames : 0;
    si->mod_start = initrd_len ? p->l.initrd_start : 0;
    si->mod_len = initrd_len;
    si->console.domU.mfn = s->console_mfn;
    si->console.domU.evtchn = s->console_port;
    /* No store daemon yet: with a port and nobody serving it, Linux's
     * xenbus blocks the boot; the store helper sets give_store. */
    si->store_mfn = s->give_store ? s->store_mfn : 0;
    si->store_evtchn = s->give_store ? s->store_port : 0;
    snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", s->cmdline ? s->cmdline : "");
    (void)k;
}

long keel_image_write(const struct keel_plan *p, const struct keel_kernel *k,
                      const uint8_t *initrd, size_t initrd_len, const uint64_t *p2m,
                      uint8_t *mem, struct keel_start *s, char *err, size_t errlen)
{
    struct image im = { p, mem, p2m, k };
    const struct pv_layout *l = &p->l;
    uint64_t pt0 = pv_layout_pfn(l, l->pt_start), next = pt0 + 1;
    int rc;

    rc = elf_xen_load(k->elf, k->elf_len, &k->info, copy_in, &im);
    if (rc)
        return fail(err, errlen, -ENOEXEC, "kernel: loading its segments failed (%s)",
                    elf_xen_strerror(rc));
    if (k->info.has_hypercall_page) {
        uint64_t hp = k->info.hypercall_page & PAGE_MASK;
        if (hp < l->kern_start || hp >= l->kern_end)
            return fail(err, errlen, -ENOEXEC, "kernel: hypercall page %#lx outside the image",
                        (unsigned long)hp);
        pv_hypercall_page_fill(page(&im, pv_layout_pfn(l, hp)));
    }
    if (initrd_len)
        memcpy(mem + (l->initrd_start - l->v_start), initrd, initrd_len);
    write_p2m(&im);
    s->console_mfn = p2m[pv_layout_pfn(l, l->console_page)];
    s->store_mfn = p2m[pv_layout_pfn(l, l->store_page)];
    write_start_info(&im, k, initrd_len, s);
    rc = map_range(&im, pt0, l->v_start, pv_layout_pfn(l, l->v_end), 0, &next,
                   pt0 + l->nr_pt_frames, pt0, pt0 + l->nr_pt_frames);
    if (!rc && p->p2m.va) {
        uint64_t tnext = p->p2m.first_pfn + p->p2m.nr_data;
        rc = map_range(&im, pt0, p->p2m.va, p->p2m.nr_data, p->p2m.first_pfn, &tnext,
                       p->p2m.first_pfn + p->p2m.nr_frames, 0, 0);
    }
    if (rc)
        return fail(err, errlen, -EINVAL, "layout: bootstrap page tables do not fit");
    return (long)pt0;
}

void keel_boot_context(const struct keel_plan *p, const struct keel_kernel *k, uint64_t l4_mfn,
                       struct vcpu_guest_context *c)
{
    memset(c, 0, sizeof(*c));
    c->user_regs.rip = k->info.virt_entry;
    c->user_regs.rsp = p->l.stack_end;
    c->user_regs.rsi = p->l.start_info;
    c->user_regs.rflags = 0x200;            /* IF */
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = p->l.stack_end;
    c->debugreg[6] = 0xffff0ff0;
    c->debugreg[7] = 0x400;
    c->flags = VGCF_in_kernel | VGCF_online;
    c->ctrlreg[3] = l4_mfn << PAGE_SHIFT;   /* xen_pfn_to_cr3, 64-bit */
}
