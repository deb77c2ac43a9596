/*
 * Unit tests for dom0's run-time domain builder, the part without
 * hypercalls (dom0-tools/lib/build.c): kernel loading (ELF, bzImage with
 * an ELF payload, refusals), the plan, and the start of day it writes into
 * a memory image: every page-table entry is walked back and checked, as
 * are the p2m list, start_info, the hypercall page, the segments, the
 * initrd and the boot registers.  The kernel cache (keel_kcache.h) with
 * bzImages whose XZ payloads are made here by liblzma: miss, store, hit
 * (from the entry, not decompressed), invalidation by a changed file or
 * a damaged entry, eviction.  With KEEL_TEST_VMLINUZ set (as
 * tests/run-all.sh does), Debian's real kernel is built into a 128 MiB
 * image too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "keel_build.h"
#include "keel_kcache.h"
#include <public/xen.h>
#include <public/elfnote.h>

#define VB 0xffffffff80000000ULL
#define MFN(pfn) ((pfn) * 3 + 0x1000)           /* a recognisable, sparse p2m */
#define PFN(mfn) (((mfn) - 0x1000) / 3)

static void put(uint8_t *b, uint64_t v, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static size_t note(uint8_t *b, uint32_t type, const void *desc, uint32_t dsz)
{
    put(b, 4, 4);
    put(b + 4, dsz, 4);
    put(b + 8, type, 4);
    memcpy(b + 12, "Xen", 4);
    memcpy(b + 16, desc, dsz);
    return 16 + ((dsz + 3) & ~3u);
}

static size_t note_num(uint8_t *b, uint32_t type, uint64_t v)
{
    uint8_t d[8];

    put(d, v, 8);
    return note(b, type, d, 8);
}

/*
 * A Linux-like Xen PV ELF: one PT_LOAD of 0x3000 bytes (0x2000 in the
 * file) at VB + 16 MiB, entry VB + 16 MiB + 0x100, hypercall page at
 * VB + 16 MiB + 0x1000, INIT_P2M at 0x8000000000 if init_p2m.
 */
static size_t make_elf(uint8_t *buf, bool init_p2m)
{
    size_t pos = 64 + 2 * 56, nstart = pos, i;

    memset(buf, 0, 0x4000);
    memcpy(buf, "\177ELF", 4);
    buf[4] = 2;
    buf[5] = 1;
    buf[6] = 1;
    put(buf + 16, 2, 2);
    put(buf + 18, 62, 2);
    put(buf + 20, 1, 4);
    put(buf + 24, VB + 0x1000100, 8);
    put(buf + 32, 64, 8);
    put(buf + 52, 64, 2);
    put(buf + 54, 56, 2);
    put(buf + 56, 2, 2);
    pos += note(buf + pos, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    pos += note(buf + pos, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
    pos += note(buf + pos, XEN_ELFNOTE_LOADER, "generic", 8);
    pos += note_num(buf + pos, XEN_ELFNOTE_VIRT_BASE, VB);
    pos += note_num(buf + pos, XEN_ELFNOTE_PADDR_OFFSET, 0);
    pos += note_num(buf + pos, XEN_ELFNOTE_ENTRY, VB + 0x1000100);
    pos += note_num(buf + pos, XEN_ELFNOTE_HYPERCALL_PAGE, VB + 0x1001000);
    if (init_p2m)
        pos += note_num(buf + pos, XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
    /* PT_LOAD */
    put(buf + 64, 1, 4);
    put(buf + 68, 7, 4);
    put(buf + 72, 0x1000, 8);
    put(buf + 80, VB + 0x1000000, 8);
    put(buf + 88, 0x1000000, 8);
    put(buf + 96, 0x2000, 8);
    put(buf + 104, 0x3000, 8);
    put(buf + 112, 0x1000, 8);
    /* PT_NOTE */
    put(buf + 120, 4, 4);
    put(buf + 124, 4, 4);
    put(buf + 128, nstart, 8);
    put(buf + 152, pos - nstart, 8);
    put(buf + 160, pos - nstart, 8);
    put(buf + 168, 4, 8);
    assert_true(pos <= 0x1000);
    for (i = 0; i < 0x2000; i++)
        buf[0x1000 + i] = (uint8_t)(i * 7 + 1);
    return 0x3000;
}

static uint8_t *dupbuf(const uint8_t *b, size_t n)
{
    uint8_t *c = malloc(n);

    assert_non_null(c);
    memcpy(c, b, n);
    return c;
}

/* A bzImage (boot protocol 2.15) whose payload is the given bytes. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t plen, size_t *len)
{
    uint8_t *b = calloc(1, 1024 + plen);

    assert_non_null(b);
    b[0x1f1] = 1;                       /* setup: (1 + 1) * 512 bytes */
    put(b + 0x1fe, 0xaa55, 2);
    memcpy(b + 0x202, "HdrS", 4);
    put(b + 0x206, 0x020f, 2);
    put(b + 0x248, 0, 4);
    put(b + 0x24c, plen, 4);
    memcpy(b + 1024, payload, plen);
    *len = 1024 + plen;
    return b;
}

static uint8_t elfbuf[0x4000];
static char err[256];

static void test_kernel_elf(void **state)
{
    struct keel_kernel k;
    size_t n = make_elf(elfbuf, true);

    (void)state;
    assert_int_equal(keel_kernel_from_buf(&k, dupbuf(elfbuf, n), n, "k", err, sizeof(err)), 0);
    assert_string_equal(k.format, "elf");
    assert_true(k.info.virt_entry == VB + 0x1000100);
    assert_true(k.info.has_init_p2m);
    keel_kernel_free(&k);
}

static void test_kernel_bzimage(void **state)
{
    struct keel_kernel k;
    size_t n = make_elf(elfbuf, false), len;
    uint8_t *bz = make_bzimage(elfbuf, n, &len);

    (void)state;
    assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)), 0);
    assert_string_equal(k.format, "bzImage/elf");
    assert_int_equal(k.elf_len, n);
    keel_kernel_free(&k);
    /* A bzip2 payload: refused by name, one line naming the file. */
    bz = make_bzimage((const uint8_t *)"BZh91AY&SY\0\0\0\0", 14, &len);
    assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)), -ENOEXEC);
    assert_string_equal(err, "vmlinuz: bzImage payload is bzip2 (keel decompresses xz, gzip and "
                             "zstd)");
    /* A corrupt XZ payload. */
    {
        uint8_t xz[64] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
        put(xz + 60, 4096, 4);
        bz = make_bzimage(xz, sizeof(xz), &len);
        assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)),
                         -ENOEXEC);
        assert_string_equal(err, "vmlinuz: XZ data is corrupt or its checksum mismatches");
    }
}

/* The ELF kernel compressed as fmt (liblzma, zlib, libzstd, as Linux's
 * build does) and the decompressed size appended, in a bzImage. */
static uint8_t *make_packed_bzimage(const char *fmt, const uint8_t *elf, size_t n,
                                    uint32_t stated, size_t *len)
{
    static uint8_t pk[0x8000];
    size_t plen = 0;

    if (!strcmp(fmt, "xz")) {
        assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elf, n, pk, &plen,
                                                 sizeof(pk) - 4), LZMA_OK);
    } else if (!strcmp(fmt, "gzip")) {
        z_stream z;

        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        z.next_in = (Bytef *)(uintptr_t)elf;
        z.avail_in = (uInt)n;
        z.next_out = pk;
        z.avail_out = sizeof(pk) - 4;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        plen = sizeof(pk) - 4 - z.avail_out;
        deflateEnd(&z);
    } else {
        plen = ZSTD_compress(pk, sizeof(pk) - 4, elf, n, 19);
        assert_false(ZSTD_isError(plen));
    }
    put(pk + plen, stated, 4);
    return make_bzimage(pk, plen + 4, len);
}

/* The run-time builder's decompression (keel_unpack.h; its own tests in
 * test_unpack.c): each format to the same ELF; a payload that decompresses
 * beyond what it states, or states more than the limit, refused. */
static void test_kernel_packed(void **state)
{
    static const char *const fmts[] = { "xz", "gzip", "zstd" };
    struct keel_kernel k;
    size_t n = make_elf(elfbuf, true), len;
    char want[160];

    (void)state;
    for (size_t f = 0; f < 3; f++) {
        uint8_t *bz = make_packed_bzimage(fmts[f], elfbuf, n, (uint32_t)n, &len);

        assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)), 0);
        snprintf(want, sizeof(want), "bzImage/%s", fmts[f]);
        assert_string_equal(k.format, want);
        assert_int_equal(k.elf_len, n);
        assert_memory_equal(k.elf, elfbuf, n);
        assert_true(k.info.virt_entry == VB + 0x1000100);
        keel_kernel_free(&k);
        /* It decompresses to more than the size it states. */
        bz = make_packed_bzimage(fmts[f], elfbuf, n, (uint32_t)n - 1, &len);
        assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)),
                         -ENOEXEC);
        snprintf(want, sizeof(want),
                 "vmlinuz: bzImage payload decompresses to more than the %zu bytes it states",
                 n - 1);
        assert_string_equal(err, want);
        /* It states more than KEEL_BUILD_MAX_KERNEL: refused before any work. */
        bz = make_packed_bzimage(fmts[f], elfbuf, n, (uint32_t)KEEL_BUILD_MAX_KERNEL + 1, &len);
        assert_int_equal(keel_kernel_from_buf(&k, bz, len, "vmlinuz", err, sizeof(err)),
                         -ENOEXEC);
        snprintf(want, sizeof(want),
                 "vmlinuz: bzImage payload decompresses to %lu bytes, more than the limit of %lu",
                 KEEL_BUILD_MAX_KERNEL + 1, KEEL_BUILD_MAX_KERNEL);
        assert_string_equal(err, want);
    }
}

static void test_kernel_refusals(void **state)
{
    struct keel_kernel k;
    uint8_t junk[4096];
    size_t n;

    (void)state;
    memset(junk, 0x5a, sizeof(junk));
    assert_int_equal(keel_kernel_from_buf(&k, dupbuf(junk, sizeof(junk)), sizeof(junk), "initrd.gz",
                                          err, sizeof(err)), -ENOEXEC);
    assert_non_null(strstr(err, "initrd.gz: not a Xen PV kernel (elf): "));
    assert_null(strchr(err, '\n'));
    /* An ELF without Xen notes (notes segment emptied). */
    n = make_elf(elfbuf, false);
    put(elfbuf + 152, 0, 8);
    put(elfbuf + 160, 0, 8);
    assert_int_equal(keel_kernel_from_buf(&k, dupbuf(elfbuf, n), n, "plain", err, sizeof(err)),
                     -ENOEXEC);
    assert_non_null(strstr(err, "plain: not a Xen PV kernel"));
    assert_int_equal(keel_kernel_load(&k, "/nonexistent/vmlinuz", err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "/nonexistent/vmlinuz: cannot open: No such file or directory");
}

static uint64_t pte_pfn(uint64_t e)
{
    return PFN((e & 0x000ffffffffff000ULL) >> 12);
}

/* Walk va through the tree at l4 (a pfn) in mem: the leaf entry. */
static uint64_t walk(const uint8_t *mem, uint64_t l4, uint64_t va)
{
    uint64_t t = l4, e = 0;
    int level;

    for (level = 4; level >= 1; level--) {
        e = ((const uint64_t *)(mem + t * 4096))[(va >> (12 + 9 * (level - 1))) & 511];
        assert_true(e & 1);
        if (level > 1) {
            assert_true(e & 2);             /* upper levels writable */
            t = pte_pfn(e);
        }
    }
    return e;
}

struct built {
    struct keel_kernel k;
    struct keel_plan p;
    struct keel_start s;
    uint64_t *p2m;
    uint8_t *mem;
    long l4;
};

static void build(struct built *b, const uint8_t *elf, size_t n, uint64_t pages,
                  const uint8_t *initrd, size_t ilen, bool store)
{
    uint64_t i;

    memset(b, 0, sizeof(*b));
    assert_int_equal(keel_kernel_from_buf(&b->k, dupbuf(elf, n), n, "k", err, sizeof(err)), 0);
    assert_int_equal(keel_plan_compute(&b->k.info, pages, ilen, &b->p, err, sizeof(err)), 0);
    b->p2m = malloc(pages * 8);
    assert_non_null(b->p2m);
    for (i = 0; i < pages; i++)
        b->p2m[i] = MFN(i);
    b->mem = calloc(b->p.map_pages, 4096);
    assert_non_null(b->mem);
    b->s = (struct keel_start){ .shared_info_mfn = 0x777, .console_port = 3, .store_port = 4,
                                .give_store = store, .cmdline = "console=hvc0 keel.forks=5" };
    b->l4 = keel_image_write(&b->p, &b->k, initrd, ilen, b->p2m, b->mem, &b->s, err,
                             sizeof(err));
    assert_true(b->l4 >= 0);
}

static void unbuild(struct built *b)
{
    keel_kernel_free(&b->k);
    free(b->p2m);
    free(b->mem);
}

static void check_built(struct built *b, const uint8_t *initrd, size_t ilen)
{
    const struct pv_layout *l = &b->p.l;
    const struct start_info *si;
    struct vcpu_guest_context c;
    uint64_t va, pt0 = pv_layout_pfn(l, l->pt_start), i;

    assert_int_equal(b->l4, pt0);
    /* Every page of the bootstrap region: its own frame, tables read-only. */
    for (va = l->v_start; va < l->v_end; va += 4096) {
        uint64_t e = walk(b->mem, (uint64_t)b->l4, va), pfn = pv_layout_pfn(l, va);
        assert_int_equal(pte_pfn(e), pfn);
        assert_int_equal(!!(e & 2), !(va >= l->pt_start && va < l->pt_end));
    }
    if (b->p.p2m.va) {
        for (i = 0; i < b->p.p2m.nr_data; i++) {
            uint64_t e = walk(b->mem, (uint64_t)b->l4, b->p.p2m.va + i * 4096);
            assert_int_equal(pte_pfn(e), b->p.p2m.first_pfn + i);
        }
        for (i = 0; i < b->p.nr_pages; i++)
            assert_true(((uint64_t *)(b->mem + b->p.p2m.first_pfn * 4096))[i] == MFN(i));
        if (b->p.nr_pages % 512)            /* the rest of the last frame: invalid */
            assert_true(((uint64_t *)(b->mem + b->p.p2m.first_pfn * 4096))[b->p.nr_pages] ==
                        ~0ULL);
    } else {
        for (i = 0; i < b->p.nr_pages; i++)
            assert_true(((uint64_t *)(b->mem + (l->p2m_start - l->v_start)))[i] == MFN(i));
    }
    si = (const void *)(b->mem + (l->start_info - l->v_start));
    assert_string_equal(si->magic, "xen-3.0-x86_64");
    assert_int_equal(si->nr_pages, b->p.nr_pages);
    assert_int_equal(si->shared_info, 0x777000);
    assert_int_equal(si->flags, 0);
    assert_true(si->pt_base == l->pt_start);
    assert_int_equal(si->nr_pt_frames, l->nr_pt_frames);
    assert_true(si->mfn_list == (b->p.p2m.va ? b->p.p2m.va : l->p2m_start));
    assert_int_equal(si->first_p2m_pfn, b->p.p2m.va ? b->p.p2m.first_pfn : 0);
    assert_int_equal(si->nr_p2m_frames, b->p.p2m.va ? b->p.p2m.nr_frames : 0);
    assert_true(si->mod_start == (ilen ? l->initrd_start : 0));
    assert_int_equal(si->mod_len, ilen);
    assert_int_equal(si->console.domU.mfn, MFN(pv_layout_pfn(l, l->console_page)));
    assert_int_equal(si->console.domU.evtchn, 3);
    assert_int_equal(b->s.console_mfn, si->console.domU.mfn);
    assert_int_equal(b->s.store_mfn, MFN(pv_layout_pfn(l, l->store_page)));
    assert_int_equal(si->store_mfn, b->s.give_store ? b->s.store_mfn : 0);
    assert_int_equal(si->store_evtchn, b->s.give_store ? 4 : 0);
    assert_string_equal((const char *)si->cmd_line, "console=hvc0 keel.forks=5");
    if (ilen)
        assert_memory_equal(b->mem + (l->initrd_start - l->v_start), initrd, ilen);
    keel_boot_context(&b->p, &b->k, MFN((uint64_t)b->l4), &c);
    assert_true(c.user_regs.rip == b->k.info.virt_entry);
    assert_true(c.user_regs.rsp == l->stack_end && c.kernel_sp == l->stack_end);
    assert_true(c.user_regs.rsi == l->start_info);
    assert_true(c.ctrlreg[3] == MFN((uint64_t)b->l4) << 12);
    assert_true(c.flags == (VGCF_in_kernel | VGCF_online));
    assert_int_equal(c.user_regs.cs, FLAT_KERNEL_CS);
}

static void test_image(void **state)
{
    uint8_t initrd[5000];
    struct built b;
    size_t n, i;

    (void)state;
    for (i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i ^ 0xa5);
    for (int p2m_out = 0; p2m_out < 2; p2m_out++) {
        n = make_elf(elfbuf, p2m_out);
        build(&b, elfbuf, n, 8000, initrd, sizeof(initrd), p2m_out);
        check_built(&b, initrd, sizeof(initrd));
        assert_int_equal(!!b.p.p2m.va, p2m_out);
        /* The segment: file bytes, then zeroes to memsz. */
        for (i = 0; i < 0x3000; i++) {
            uint8_t want = i < 0x2000 ? (uint8_t)(i * 7 + 1) : 0;
            if (i >= 0x1000 && i < 0x2000)
                continue;                   /* the hypercall page, below */
            assert_int_equal(b.mem[0x1000000 + i], want);
        }
        assert_int_equal(b.mem[0x1001000 + 5 * 32 + 3], 0xb8);   /* mov $5,%eax */
        assert_int_equal(b.mem[0x1001000 + 5 * 32 + 4], 5);
        unbuild(&b);
    }
}

static void test_plan_refusals(void **state)
{
    struct keel_kernel k;
    struct keel_plan p;
    size_t n = make_elf(elfbuf, true);

    (void)state;
    assert_int_equal(keel_kernel_from_buf(&k, dupbuf(elfbuf, n), n, "k", err, sizeof(err)), 0);
    /* 16 MiB + a bit for a kernel at 16 MiB: the region does not fit. */
    assert_int_equal(keel_plan_compute(&k.info, 4096, 0, &p, err, sizeof(err)), -ENOMEM);
    assert_non_null(strstr(err, "memory: 16 MiB cannot hold"));
    /* Fits, but leaves no room for the INIT_P2M list after it. */
    assert_int_equal(keel_plan_compute(&k.info, 4096 + 1024 + 2, 0, &p, err, sizeof(err)),
                     -ENOMEM);
    assert_non_null(strstr(err, "no room for the p2m list"));
    keel_kernel_free(&k);
}

/* Debian's kernel (KEEL_TEST_VMLINUZ), built for 128 MiB with an initrd. */
static void test_real_vmlinuz(void **state)
{
    const char *path = getenv("KEEL_TEST_VMLINUZ");
    struct keel_kernel k;
    struct built b;
    uint8_t initrd[3000];

    (void)state;
    if (!path) {
        skip();
        return;
    }
    assert_int_equal(keel_kernel_load(&k, path, err, sizeof(err)), 0);
    assert_string_equal(k.format, "bzImage/xz");
    assert_true(k.info.has_init_p2m);
    memset(initrd, 0x42, sizeof(initrd));
    build(&b, k.elf, k.elf_len, 32768, initrd, sizeof(initrd), false);
    check_built(&b, initrd, sizeof(initrd));
    print_message("vmlinuz: %s, region %#lx-%#lx, %lu pages written, p2m at %#lx\n", k.format,
                  (unsigned long)b.p.l.v_start, (unsigned long)b.p.l.v_end,
                  (unsigned long)b.p.map_pages, (unsigned long)b.p.p2m.va);
    unbuild(&b);
    /* Through the kernel cache: stored, then the same ELF from it. */
    {
        char dir[] = "/tmp/keel-kcache-real-XXXXXX", cmd[100];
        struct keel_kernel c;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(keel_kernel_load_cached(&c, path, dir, err, sizeof(err)), 0);
        assert_false(c.cached);
        keel_kernel_free(&c);
        assert_int_equal(keel_kernel_load_cached(&c, path, dir, err, sizeof(err)), 0);
        assert_true(c.cached);
        assert_int_equal(c.elf_len, k.elf_len);
        assert_memory_equal(c.elf, k.elf, k.elf_len);
        assert_true(c.info.virt_entry == k.info.virt_entry);
        keel_kernel_free(&c);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
    }
    keel_kernel_free(&k);
}

/* ---- the kernel cache ---- */

/* A bzImage whose payload is make_elf's ELF in XZ (CRC32, as Linux's),
 * followed by the decompressed size as Linux appends it; written to path. */
static size_t write_xz_kernel(const char *path, uint8_t fill)
{
    size_t n = make_elf(elfbuf, true), xlen = 0, len;
    uint8_t xz[0x8000], *bz;
    FILE *f;

    for (size_t i = 0; i < 0x2000; i++)
        elfbuf[0x1000 + i] ^= fill;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, elfbuf, n, xz, &xlen,
                                             sizeof(xz) - 4), LZMA_OK);
    put(xz + xlen, n, 4);
    bz = make_bzimage(xz, xlen + 4, &len);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bz, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(bz);
    return n;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strlen(e->d_name) == 20 && !strcmp(e->d_name + 16, ".elf");
    closedir(d);
    return n;
}

/* The path of the one entry in dir. */
static void only_entry(const char *dir, char *path, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    path[0] = 0;
    while ((e = readdir(d)))
        if (strlen(e->d_name) == 20)
            snprintf(path, len, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(path[0] != 0);
}

static void patch_byte(const char *path, off_t off, int delta)
{
    int fd = open(path, O_RDWR);
    uint8_t b;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b = (uint8_t)(b + delta);
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

/* The entry that keel_kernel_load_cached uses for the kernel at kpath
 * (write_xz_kernel's: the payload from byte 1024 to the end). */
static void entry_for(const char *kpath, const char *cache, char *path, size_t len)
{
    struct keel_kcache_key *key = malloc(sizeof(*key));
    struct stat st;
    int fd = open(kpath, O_RDONLY);

    assert_non_null(key);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, (uint64_t)st.st_size - 1024, key), 0);
    snprintf(path, len, "%s/%016llx.elf", cache, (unsigned long long)key->hash);
    close(fd);
    free(key);
}

#define ENTRY_HDR KEEL_KCACHE_HDR_LEN

/* The memory image keel_image_write makes of k (32 MiB, no initrd). */
static uint8_t *image_of(const struct keel_kernel *k, size_t *len)
{
    struct keel_plan p;
    struct keel_start s = { .shared_info_mfn = 0x777, .console_port = 3, .cmdline = "c" };
    uint64_t *p2m = malloc(8192 * 8);
    uint8_t *mem;

    assert_non_null(p2m);
    for (uint64_t i = 0; i < 8192; i++)
        p2m[i] = MFN(i);
    assert_int_equal(keel_plan_compute(&k->info, 8192, 0, &p, err, sizeof(err)), 0);
    mem = calloc(p.map_pages, 4096);
    assert_non_null(mem);
    assert_true(keel_image_write(&p, k, NULL, 0, p2m, mem, &s, err, sizeof(err)) >= 0);
    free(p2m);
    *len = p.map_pages * 4096;
    return mem;
}     /* kcache.c's HDR_LEN: the ELF follows */

static void test_kcache(void **state)
{
    char top[] = "/tmp/keel-kcache-XXXXXX", kpath[600], cache[600], entry[1000], bad[700];
    struct keel_kernel k;
    struct timespec ts[2];
    struct stat st;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(top));
    snprintf(kpath, sizeof(kpath), "%s/vmlinuz", top);
    snprintf(cache, sizeof(cache), "%s/var/keel/kernels", top);
    n = write_xz_kernel(kpath, 0);

    /* Without a cache: decompressed, nothing written. */
    assert_int_equal(keel_kernel_load_cached(&k, kpath, NULL, err, sizeof(err)), 0);
    assert_string_equal(k.format, "bzImage/xz");
    assert_false(k.cached);
    keel_kernel_free(&k);
    assert_int_equal(count_entries(cache), -1);

    /* A miss: decompressed and stored (the directories made, 0700). */
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_false(k.cached);
    assert_int_equal(k.elf_len, n);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);
    assert_int_equal(count_entries(cache), 1);
    assert_int_equal(stat(cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* A hit: the same ELF, from the entry; the image written from it
     * (its segments read from the entry file) is the same, byte for byte,
     * as the one from the decompressed kernel. */
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_true(k.cached);
    assert_string_equal(k.format, "bzImage/xz");
    assert_int_equal(k.elf_len, n);
    assert_memory_equal(k.elf, elfbuf, n);
    assert_true(k.info.virt_entry == VB + 0x1000100);
    {
        struct keel_kernel fresh;
        size_t l1, l2;
        uint8_t *m1, *m2;
        assert_int_equal(keel_kernel_load(&fresh, kpath, err, sizeof(err)), 0);
        m1 = image_of(&fresh, &l1);
        m2 = image_of(&k, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(m1, m2, l1);
        /* the segment's first page is there (VB + 16 MiB is pfn 4096;
         * its second page is the hypercall page) */
        assert_memory_equal(m2 + 4096 * 4096, elfbuf + 0x1000, 0x1000);
        free(m1);
        free(m2);
        keel_kernel_free(&fresh);
    }
    keel_kernel_free(&k);

    /* It really is the entry that is used, not a decompression: a byte
     * of the segment changed in the entry shows in the kernel loaded. */
    only_entry(cache, entry, sizeof(entry));
    {
        char want[1000];
        entry_for(kpath, cache, want, sizeof(want));
        assert_string_equal(entry, want);
    }
    patch_byte(entry, ENTRY_HDR + 0x1000, 1);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_true(k.cached);
    assert_int_equal(k.elf[0x1000], (uint8_t)(elfbuf[0x1000] + 1));
    {
        size_t l;
        uint8_t *m = image_of(&k, &l);
        assert_int_equal(m[4096 * 4096], (uint8_t)(elfbuf[0x1000] + 1));
        assert_memory_equal(m + 4096 * 4096 + 1, elfbuf + 0x1001, 0xfff);
        free(m);
    }
    keel_kernel_free(&k);

    /* The kernel file changed (new content, same size): a miss, the new
     * ELF; the stale entry is never used again. */
    write_xz_kernel(kpath, 0x5a);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_false(k.cached);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_true(k.cached);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);

    /* Only the mtime changed (touch): a miss too. */
    assert_int_equal(stat(kpath, &st), 0);
    ts[0] = st.st_atim;
    ts[1] = st.st_mtim;
    ts[1].tv_sec -= 100;
    assert_int_equal(utimensat(AT_FDCWD, kpath, ts, 0), 0);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_false(k.cached);
    keel_kernel_free(&k);

    /* A damaged entry: truncated by a byte, it is a miss and rewritten. */
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_true(k.cached);
    keel_kernel_free(&k);
    entry_for(kpath, cache, entry, sizeof(entry));
    assert_true(count_entries(cache) >= 2);
    assert_int_equal(stat(entry, &st), 0);
    assert_int_equal(truncate(entry, st.st_size - 1), 0);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_false(k.cached);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);
    /* An entry whose ELF does not parse (its notes gone): decompressed
     * again, and the entry replaced by a good one. */
    assert_int_equal(stat(entry, &st), 0);
    assert_int_equal(st.st_size, ENTRY_HDR + (off_t)n);
    patch_byte(entry, ENTRY_HDR + 0, 1);                /* "\177ELF" no more */
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_false(k.cached);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, cache, err, sizeof(err)), 0);
    assert_true(k.cached);
    assert_memory_equal(k.elf, elfbuf, n);
    keel_kernel_free(&k);

    /* A cache that cannot be written (under a regular file): no error. */
    snprintf(bad, sizeof(bad), "%s/cachedir", kpath);
    assert_int_equal(keel_kernel_load_cached(&k, kpath, bad, err, sizeof(err)), 0);
    assert_false(k.cached);
    keel_kernel_free(&k);

    /* A plain ELF kernel is not cached (nothing to decompress); a missing
     * file is the usual one-line error. */
    {
        char epath[600];
        FILE *f;
        int before = count_entries(cache);
        snprintf(epath, sizeof(epath), "%s/vmlinux", top);
        n = make_elf(elfbuf, true);
        f = fopen(epath, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(elfbuf, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(keel_kernel_load_cached(&k, epath, cache, err, sizeof(err)), 0);
        assert_string_equal(k.format, "elf");
        assert_false(k.cached);
        keel_kernel_free(&k);
        assert_int_equal(count_entries(cache), before);
        unlink(epath);
    }
    snprintf(bad, sizeof(bad), "%s/nonesuch", top);
    assert_int_equal(keel_kernel_load_cached(&k, bad, cache, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "nonesuch: cannot open: No such file or directory"));

    snprintf(bad, sizeof(bad), "rm -rf %s", top);
    assert_int_equal(system(bad), 0);
}

/* The key: the same bytes and stat give the same key; a byte changed in
 * the payload's last 4 KiB (the XZ index and check), the header, or any
 * stat field gives another. */
static void test_kcache_key(void **state)
{
    char path[] = "/tmp/keel-kkey-XXXXXX";
    struct keel_kcache_key a, b;
    uint8_t buf[3 * KEEL_KCACHE_SAMPLE];
    struct stat st, st2;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 13);
    assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf) - 2048, &a), 0);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash == b.hash);
    assert_memory_equal(&a, &b, sizeof(a));
    /* a payload byte in its last 4 KiB, the stat data kept */
    patch_byte(path, sizeof(buf) - 1024 - 1, 1);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash != b.hash);
    patch_byte(path, sizeof(buf) - 1024 - 1, -1);
    /* the header */
    patch_byte(path, 0x248, 1);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash != b.hash);
    patch_byte(path, 0x248, -1);
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash == b.hash);
    /* each stat field */
    st2 = st;
    st2.st_ctim.tv_nsec ^= 1;
    assert_int_equal(keel_kcache_key(fd, &st2, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash != b.hash);
    st2 = st;
    st2.st_ino++;
    assert_int_equal(keel_kcache_key(fd, &st2, 1024, sizeof(buf) - 2048, &b), 0);
    assert_true(a.hash != b.hash);
    /* a payload outside the file */
    assert_int_equal(keel_kcache_key(fd, &st, 1024, sizeof(buf), &b), -EINVAL);
    close(fd);
    unlink(path);
}

/* At most KEEL_KCACHE_MAX entries: the least recently used go. */
static void test_kcache_evict(void **state)
{
    char dir[] = "/tmp/keel-kevict-XXXXXX", p[600];
    struct keel_kcache_key key;
    const uint8_t elf[64] = { 0x7f, 'E', 'L', 'F' };
    const uint8_t *got;
    size_t got_len, map_len;
    void *map;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    memset(&key, 0, sizeof(key));
    for (int i = 1; i <= KEEL_KCACHE_MAX + 2; i++) {
        struct timespec ts[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
        key.hash = (uint64_t)i;
        key.ino = (uint64_t)i;
        assert_int_equal(keel_kcache_put(dir, &key, elf, sizeof(elf)), 0);
        snprintf(p, sizeof(p), "%s/%016llx.elf", dir, (unsigned long long)i);
        assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);     /* entry i used at time i */
        if (i == 2) {
            /* entry 1 used again (a hit touches it): now newer than 2 */
            key.hash = key.ino = 1;
            assert_int_equal(keel_kcache_get(dir, &key, &map, &map_len, &fd, &got, &got_len), 0);
            assert_int_equal(got_len, sizeof(elf));
            assert_memory_equal(got, elf, sizeof(elf));
            munmap(map, map_len);
            close(fd);
        }
    }
    assert_int_equal(count_entries(dir), KEEL_KCACHE_MAX);
    /* entries 2 and 3 went; 1 (touched by its hit) and 4.. stayed */
    for (int i = 1; i <= KEEL_KCACHE_MAX + 2; i++) {
        key.hash = key.ino = (uint64_t)i;
        int rc = keel_kcache_get(dir, &key, &map, &map_len, &fd, &got, &got_len);
        assert_int_equal(rc, i == 2 || i == 3 ? -ENOENT : 0);
        if (!rc) {
            munmap(map, map_len);
            close(fd);
        }
    }
    /* a key whose hash names an entry but whose fields differ: a miss */
    key.hash = 1;
    key.ino = 99;
    assert_int_equal(keel_kcache_get(dir, &key, &map, &map_len, &fd, &got, &got_len), -ENOENT);
    snprintf(p, sizeof(p), "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_elf),
        cmocka_unit_test(test_kernel_bzimage),
        cmocka_unit_test(test_kernel_packed),
        cmocka_unit_test(test_kernel_refusals),
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_plan_refusals),
        cmocka_unit_test(test_real_vmlinuz),
        cmocka_unit_test(test_kcache),
        cmocka_unit_test(test_kcache_key),
        cmocka_unit_test(test_kcache_evict),
    };
    return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
