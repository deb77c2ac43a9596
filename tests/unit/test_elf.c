/*
 * Unit tests for hypervisor/common/elf.c: images are assembled here from a
 * small description (ELF header, program headers, Xen notes, segment data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <keel/elf.h>
#include <keel/lib.h>

#define VB 0xffffffff80000000ULL

struct note {
    uint32_t type;
    const char *str;     /* string note if non-NULL */
    uint64_t num;        /* else a numeric note of numsz bytes */
    uint32_t numsz;
    const char *name;    /* default "Xen" */
    int32_t descsz;      /* > 0: override descsz (string notes) */
};

struct seg {
    uint32_t type, flags;
    uint64_t paddr, filesz, memsz;
    int64_t offset;      /* >= 0: override p_offset */
};

struct spec {
    uint8_t cls, data;
    uint16_t type, machine, phnum_override;
    uint64_t entry;
    struct seg segs[6];
    unsigned int nsegs;
    struct note notes[20];
    unsigned int nnotes;
    bool notes_in_section;      /* SHT_NOTE instead of PT_NOTE */
    uint64_t note_align;        /* 4 (default) or 8 */
    int64_t note_offset;        /* >= 0: override the PT_NOTE p_offset */
    uint64_t note_extra;        /* added to the PT_NOTE p_filesz */
};

static void put(uint8_t *b, uint64_t v, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        b[i] = v >> (8 * i);
}

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Assembles the image into buf (zeroed first); returns its size. */
static size_t build(const struct spec *s, uint8_t *buf, size_t cap)
{
    size_t na = s->note_align ? s->note_align : 4;
    unsigned int nph = s->nsegs + (s->notes_in_section ? 0 : 1);
    size_t pos = 64 + 56 * nph, notes_start, notes_end;

    memset(buf, 0, cap);
    memcpy(buf, "\177ELF", 4);
    buf[4] = s->cls ? s->cls : 2;
    buf[5] = s->data ? s->data : 1;
    buf[6] = 1;
    put(buf + 16, s->type ? s->type : 2, 2);
    put(buf + 18, s->machine ? s->machine : 62, 2);
    put(buf + 20, 1, 4);
    put(buf + 24, s->entry, 8);
    put(buf + 32, 64, 8);
    put(buf + 52, 64, 2);
    put(buf + 54, 56, 2);
    put(buf + 56, s->phnum_override ? s->phnum_override : nph, 2);

    /* Notes. */
    pos = align_up(pos, 8);
    notes_start = pos;
    for (unsigned int i = 0; i < s->nnotes; i++) {
        const struct note *n = &s->notes[i];
        const char *name = n->name ? n->name : "Xen";
        uint32_t namesz = strlen(name) + 1;
        uint32_t descsz = n->str ? strlen(n->str) + 1 : n->numsz;

        if (n->descsz > 0)
            descsz = n->descsz;
        put(buf + pos, namesz, 4);
        put(buf + pos + 4, descsz, 4);
        put(buf + pos + 8, n->type, 4);
        memcpy(buf + pos + 12, name, namesz);
        pos = align_up(pos + 12 + namesz, na);
        if (n->str)
            memcpy(buf + pos, n->str, MIN(descsz, strlen(n->str) + 1));
        else
            put(buf + pos, n->num, n->numsz);
        /* An overriding descsz claims more than is written (a lie to test). */
        pos = align_up(pos + (n->str ? strlen(n->str) + 1 : descsz), na);
    }
    notes_end = pos;

    /* Segment data: a recognisable pattern per segment. */
    uint8_t *ph = buf + 64;
    for (unsigned int i = 0; i < s->nsegs; i++, ph += 56) {
        const struct seg *g = &s->segs[i];

        pos = align_up(pos, 16);
        put(ph, g->type ? g->type : 1, 4);
        put(ph + 4, g->flags ? g->flags : 7, 4);
        put(ph + 8, g->offset >= 0 ? (uint64_t)g->offset : pos, 8);
        put(ph + 16, g->paddr + VB, 8);
        put(ph + 24, g->paddr, 8);
        put(ph + 32, g->filesz, 8);
        put(ph + 40, g->memsz, 8);
        put(ph + 48, 0x1000, 8);
        if (g->offset < 0) {
            assert_true(pos + g->filesz <= cap);
            for (uint64_t j = 0; j < g->filesz; j++)
                buf[pos + j] = (uint8_t)(0x11 * (i + 1) + j);
            pos += g->filesz;
        }
    }
    if (!s->notes_in_section) {
        put(ph, 4, 4);
        put(ph + 4, 4, 4);
        put(ph + 8, s->note_offset >= 0 ? (uint64_t)s->note_offset : notes_start, 8);
        put(ph + 32, notes_end - notes_start + s->note_extra, 8);
        put(ph + 40, notes_end - notes_start + s->note_extra, 8);
        put(ph + 48, na, 8);
    } else {
        /* Section headers: [0] null, [1] SHT_NOTE. */
        pos = align_up(pos, 8);
        put(buf + 40, pos, 8);
        put(buf + 58, 64, 2);
        put(buf + 60, 2, 2);
        uint8_t *sh = buf + pos + 64;
        put(sh + 4, 7, 4);
        put(sh + 24, notes_start, 8);
        put(sh + 32, notes_end - notes_start, 8);
        put(sh + 48, na, 8);
        pos += 128;
    }
    assert_true(pos <= cap);
    return pos;
}

/* A Linux-like image: two segments at 16 MiB, notes as Debian's 6.1. */
static struct spec linux_like(void)
{
    struct spec s = {
        .entry = 0x1000000,
        .segs = {
            { .paddr = 0x1000000, .filesz = 0x180, .memsz = 0x180, .offset = -1 },
            { .paddr = 0x1001000, .filesz = 0x40, .memsz = 0x2000, .offset = -1 },
        },
        .nsegs = 2,
        .notes = {
            { .type = 6, .str = "linux" },
            { .type = 7, .str = "2.6" },
            { .type = 5, .str = "xen-3.0" },
            { .type = 3, .num = VB, .numsz = 8 },
            { .type = 15, .num = 0x8000000000ULL, .numsz = 8 },
            { .type = 1, .num = VB + 0x1000100, .numsz = 8 },
            { .type = 10, .str = "!writable_page_tables|pae_pgdir_above_4gb" },
            { .type = 17, .num = 0x8801, .numsz = 4 },
            { .type = 9, .str = "yes" },
            { .type = 8, .str = "generic" },
            { .type = 14, .num = 1, .numsz = 4 },
            { .type = 16, .num = 1, .numsz = 4 },
            { .type = 12, .num = 0xffff800000000000ULL, .numsz = 8 },
            { .type = 4, .num = 0, .numsz = 8 },
            { .type = 99, .num = 5, .numsz = 4 },                  /* unknown: ignored */
            { .type = 1, .name = "Linux", .num = 0, .numsz = 4 },  /* not "Xen": ignored */
        },
        .nnotes = 16,
        .note_offset = -1,
    };
    return s;
}

static uint8_t buf[16384];

static int parse_spec(const struct spec *s, struct xen_elf_info *info)
{
    size_t n = build(s, buf, sizeof(buf));
    uint8_t *copy = malloc(n);     /* exact size: ASan sees any over-read */
    int rc;

    assert_non_null(copy);
    memcpy(copy, buf, n);
    rc = elf_xen_parse(copy, n, info);
    free(copy);
    return rc;
}

static void test_linux_like(void **state)
{
    struct spec s = linux_like();
    struct xen_elf_info i;

    (void)state;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_string_equal(i.err, "");
    assert_true(i.virt_base == VB);
    assert_true(i.paddr_offset == 0);
    assert_true(i.virt_entry == VB + 0x1000100);
    assert_true(i.virt_kstart == VB + 0x1000000);
    assert_true(i.virt_kend == VB + 0x1003000);
    assert_false(i.has_hypercall_page);
    assert_true(i.has_init_p2m && i.init_p2m == 0x8000000000ULL);
    assert_true(i.has_hv_start_low && i.hv_start_low == 0xffff800000000000ULL);
    assert_int_equal(i.supported_features, 0x8801);
    assert_int_equal(i.features_required, 1);
    assert_int_equal(i.features_supported, 1 | 16);
    assert_true(i.has_xen_notes && i.mod_start_pfn && i.pae_yes && i.suspend_cancel);
    assert_string_equal(i.guest_os, "linux");
    assert_string_equal(i.xen_version, "xen-3.0");
    assert_string_equal(i.loader, "generic");
    assert_string_equal(i.guest_version, "2.6");
    assert_int_equal(i.nr_phdrs, 2);
}

/* No VIRT_BASE, PADDR_OFFSET or ENTRY: virt_base 0, entry = e_entry, 4-byte notes. */
static void test_defaults(void **state)
{
    struct spec s = {
        .entry = 0x2010,
        .segs = { { .paddr = 0x2000, .filesz = 0x100, .memsz = 0x1000, .offset = -1 } },
        .nsegs = 1,
        .notes = {
            { .type = 6, .str = "Mini-OS" },
            { .type = 8, .str = "generic" },
            { .type = 5, .str = "xen-3.0" },
            { .type = 17, .num = 0x1, .numsz = 4 },
        },
        .nnotes = 4,
        .note_offset = -1,
    };
    struct xen_elf_info i;

    (void)state;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.virt_base == 0 && i.paddr_offset == 0);
    assert_true(i.virt_entry == 0x2010);
    assert_true(i.virt_kstart == 0x2000 && i.virt_kend == 0x3000);
    assert_false(i.has_init_p2m || i.has_hv_start_low || i.pae_yes);
    assert_int_equal(i.features_required, 0);

    /* ENTRY as a 4-byte note, 2- and 1-byte numeric notes, 3-byte reads 0. */
    s.notes[4] = (struct note){ .type = 1, .num = 0x2020, .numsz = 4 };
    s.notes[5] = (struct note){ .type = 14, .num = 1, .numsz = 2 };
    s.notes[6] = (struct note){ .type = 16, .num = 1, .numsz = 3 };
    s.nnotes = 7;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.virt_entry == 0x2020);
    assert_true(i.suspend_cancel);
    assert_false(i.mod_start_pfn);

    /* Strings without a NUL inside descsz (Linux's .ascii FEATURES note). */
    s.notes[0] = (struct note){ .type = 6, .str = "linux", .descsz = 5 };
    s.notes[7] = (struct note){ .type = 10, .str = "!dom0|pae_pgdir_above_4gb", .descsz = 25 };
    s.notes[8] = (struct note){ .type = 9, .str = "yes", .descsz = 3 };
    s.nnotes = 9;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_string_equal(i.guest_os, "linux");
    assert_int_equal(i.features_required, 1u << 11);
    assert_int_equal(i.features_supported, (1u << 11) | (1u << 4));
    assert_true(i.pae_yes);
}

static void test_paddr_offset_and_hypercall_page(void **state)
{
    /* Old-style kernel: p_paddr == p_vaddr, PADDR_OFFSET == VIRT_BASE. */
    struct spec s = linux_like();
    struct xen_elf_info i;

    (void)state;
    s.segs[0].paddr = VB + 0x1000000;
    s.segs[0].filesz = s.segs[0].memsz = 0x1000;
    s.segs[1].paddr = VB + 0x1001000;
    s.notes[13].num = VB;                                   /* PADDR_OFFSET */
    s.notes[14] = (struct note){ .type = 2, .num = VB + 0x1000000, .numsz = 8 };
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.paddr_offset == VB);
    assert_true(i.virt_kstart == VB + 0x1000000 && i.virt_kend == VB + 0x1003000);
    assert_true(i.has_hypercall_page && i.hypercall_page == VB + 0x1000000);
}

static void test_notes_in_section_and_align8(void **state)
{
    struct spec s = linux_like();
    struct xen_elf_info i;

    (void)state;
    s.notes_in_section = true;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.virt_entry == VB + 0x1000100);
    assert_string_equal(i.guest_os, "linux");

    s = linux_like();
    s.note_align = 8;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.virt_base == VB);
    assert_int_equal(i.features_required, 1);

    /* PT_NOTE with p_offset 0 is skipped (binutils quirk, as Xen): no notes. */
    s = linux_like();
    s.note_offset = 0;
    assert_int_equal(parse_spec(&s, &i), -ENOEXEC);
}

struct bad {
    const char *what;
    void (*mutate)(struct spec *s);
    int err;
    const char *msg;
};

#define MUT(name, ...) static void name(struct spec *s) { __VA_ARGS__; }
MUT(m_class32, s->cls = 1)
MUT(m_bigendian, s->data = 2)
MUT(m_dyn, s->type = 3)
MUT(m_i386, s->machine = 3)
MUT(m_no_load, s->nsegs = 0)
MUT(m_phnum_huge, s->phnum_override = 200)
MUT(m_filesz_gt_memsz, s->segs[0].filesz = 0x200)
MUT(m_data_outside, s->segs[1].offset = 0x100000)
MUT(m_overlap, s->segs[1].paddr = 0x1000100)
MUT(m_overflow, s->segs[1].paddr = UINT64_MAX - 0x100)
MUT(m_entry_low, s->notes[5].num = VB + 0xfff000)
MUT(m_entry_at_end, s->notes[5].num = VB + 0x1003000)
MUT(m_hcall_outside, s->notes[14] = (struct note){ .type = 2, .num = VB + 0x2000000, .numsz = 8 })
MUT(m_hcall_partial, s->notes[14] = (struct note){ .type = 2, .num = VB + 0x1002800, .numsz = 8 })
MUT(m_no_notes, s->nnotes = 0)
MUT(m_only_foreign_notes, s->notes[0] = s->notes[15]; s->nnotes = 1)
MUT(m_no_xen_version, s->notes[2].type = 99)
MUT(m_old_xen_version, s->notes[2].str = "xen-2.0")
MUT(m_no_os_no_loader, s->notes[0].str = "netbsd"; s->notes[9].str = "custom")
MUT(m_paddr_off_no_vb, s->notes[3].type = 99)
MUT(m_unknown_required, s->notes[6].str = "!writable_page_tables|!frobnicate")
MUT(m_note_past_end, s->notes[15] = (struct note){ .type = 6, .str = "x", .descsz = 0x1000 })
MUT(m_note_seg_outside, s->note_offset = 0x7fff0000)
MUT(m_p2m_inside, s->notes[4].num = VB + 0x1001000)
MUT(m_vb_above, s->notes[3].num = VB + 0x2000000; s->notes[13].num = VB + 0x2000000)

static const struct bad bad_images[] = {
    { "ELF32", m_class32, -ENOEXEC, "not ELF64" },
    { "big-endian", m_bigendian, -ENOEXEC, "little-endian" },
    { "ET_DYN", m_dyn, -ENOEXEC, "ET_EXEC" },
    { "i386", m_i386, -ENOEXEC, "x86-64" },
    { "no PT_LOAD", m_no_load, -EINVAL, "no loadable" },
    { "phnum beyond image", m_phnum_huge, -EINVAL, "program headers" },
    { "filesz > memsz", m_filesz_gt_memsz, -EINVAL, "p_filesz" },
    { "data outside", m_data_outside, -EINVAL, "outside image" },
    { "overlap", m_overlap, -EINVAL, "overlaps" },
    { "paddr overflow", m_overflow, -ERANGE, "overflows" },
    { "entry below image", m_entry_low, -ERANGE, "entry" },
    { "entry at kend", m_entry_at_end, -ERANGE, "entry" },
    { "hypercall page outside", m_hcall_outside, -ERANGE, "HYPERCALL_PAGE" },
    { "hypercall page partial", m_hcall_partial, -ERANGE, "HYPERCALL_PAGE" },
    { "no notes", m_no_notes, -ENOEXEC, "no Xen ELF notes" },
    { "no Xen-named notes", m_only_foreign_notes, -ENOEXEC, "no Xen ELF notes" },
    { "no XEN_VERSION", m_no_xen_version, -ENOEXEC, "xen-3.0" },
    { "XEN_VERSION 2.0", m_old_xen_version, -ENOEXEC, "xen-3.0" },
    { "neither linux nor generic", m_no_os_no_loader, -ENOEXEC, "GUEST_OS" },
    { "PADDR_OFFSET without VIRT_BASE", m_paddr_off_no_vb, -EINVAL, "VIRT_BASE unset" },
    { "unknown required feature", m_unknown_required, -EINVAL, "frobnicate" },
    { "note descriptor past end", m_note_past_end, -EINVAL, "runs past" },
    { "PT_NOTE outside image", m_note_seg_outside, -EINVAL, "outside image" },
    { "INIT_P2M inside image", m_p2m_inside, -ERANGE, "INIT_P2M" },
    { "VIRT_BASE above image", m_vb_above, -ERANGE, "VIRT_BASE" },
};

static void test_rejections(void **state)
{
    struct xen_elf_info i;

    (void)state;
    for (size_t k = 0; k < ARRAY_SIZE(bad_images); k++) {
        struct spec s = linux_like();
        const struct bad *b = &bad_images[k];

        b->mutate(&s);
        int rc = parse_spec(&s, &i);
        if (rc != b->err || !strstr(i.err, b->msg)) {
            print_error("case '%s': rc %d (want %d), err '%s' (want '%s')\n", b->what, rc,
                        b->err, i.err, b->msg);
            fail();
        }
        /* A failed parse leaves nothing but the reason. */
        assert_true(i.virt_base == 0 && i.virt_entry == 0 && i.guest_os[0] == 0);
    }
}

/* Every strict prefix of a good image fails cleanly (ASan checks the reads). */
/*
 * Xen 4.17's dom0 builder (arch/x86/pv/dom0_build.c) insists on XENFEAT_dom0
 * only when the image carries a SUPPORTED_FEATURES note; the bit may come
 * from that note or from the FEATURES string (libelf ORs them).  Without
 * the note the kernel is taken as dom0 whatever its FEATURES string says.
 */
static void test_dom0_feature_rule(void **state)
{
    struct spec s = linux_like();
    struct xen_elf_info i;

    (void)state;
    /* Linux-like: the note carries bit 11. */
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.has_supported_features);
    assert_true(elf_xen_dom0_capable(&i));

    /* The note without bit 11 and a FEATURES string without dom0: refused. */
    s.notes[7].num = 0x8001;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_false(elf_xen_dom0_capable(&i));

    /* ... but "dom0" in the FEATURES string counts too. */
    s.notes[6].str = "!writable_page_tables|pae_pgdir_above_4gb|dom0";
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(elf_xen_dom0_capable(&i));

    /* A note whose descsz is not a multiple of 4 reads 0 but is present. */
    s = linux_like();
    s.notes[7] = (struct note){ .type = 17, .num = 0x8801, .numsz = 2 };
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(i.has_supported_features);
    assert_int_equal(i.supported_features, 0);
    assert_false(elf_xen_dom0_capable(&i));

    /* No SUPPORTED_FEATURES note at all (the test kernels): dom0. */
    s = linux_like();
    s.notes[7] = (struct note){ .type = 99, .num = 0, .numsz = 4 };
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_false(i.has_supported_features);
    assert_int_equal(i.supported_features, 0);
    assert_true(elf_xen_dom0_capable(&i));

    /* Nor a FEATURES string: still dom0. */
    s.notes[6] = (struct note){ .type = 99, .num = 0, .numsz = 4 };
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_true(elf_xen_dom0_capable(&i));
    assert_int_equal(elf_xen_missing_features(&i, 0), 0);
}

/* Required FEATURES bits the hypervisor does not offer. */
static void test_missing_features(void **state)
{
    struct spec s = linux_like();
    struct xen_elf_info i;

    (void)state;
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_int_equal(elf_xen_missing_features(&i, 1u << 0), 0);
    assert_int_equal(elf_xen_missing_features(&i, 1u << 4), 1u << 0);
    s.notes[6].str = "!writable_page_tables|!auto_translated_physmap";
    assert_int_equal(parse_spec(&s, &i), 0);
    assert_int_equal(elf_xen_missing_features(&i, 1u << 0), 1u << 2);
}

static void test_truncations(void **state)
{
    struct spec specs[2] = { linux_like(), linux_like() };
    struct xen_elf_info i;

    (void)state;
    specs[1].notes_in_section = true;
    for (unsigned int k = 0; k < 2; k++) {
        size_t n = build(&specs[k], buf, sizeof(buf));

        for (size_t len = 0; len < n; len++) {
            uint8_t *copy = malloc(len ? len : 1);

            memcpy(copy, buf, len);
            int rc = elf_xen_parse(copy, len, &i);
            if (rc >= 0 || !i.err[0]) {
                print_error("truncated to %zu of %zu: rc %d err '%s'\n", len, n, rc, i.err);
                fail();
            }
            free(copy);
        }
        assert_int_equal(elf_xen_parse(buf, n, &i), 0);
    }
    assert_int_equal(elf_xen_parse(NULL, 100, &i), -EINVAL);
}

/* 129 loadable segments: over Keel's limit of 128, refused before any O(n^2) work. */
static void test_too_many_segments(void **state)
{
    struct xen_elf_info i;
    unsigned int n = 129;
    size_t len = 64 + 56 * n;
    uint8_t *img = calloc(1, len);

    (void)state;
    memcpy(img, "\177ELF", 4);
    img[4] = 2;
    img[5] = 1;
    put(img + 16, 2, 2);
    put(img + 18, 62, 2);
    put(img + 32, 64, 8);
    put(img + 54, 56, 2);
    put(img + 56, n, 2);
    for (unsigned int k = 0; k < n; k++) {
        uint8_t *ph = img + 64 + 56 * k;
        put(ph, 1, 4);
        put(ph + 4, 4, 4);
        put(ph + 24, 0x100000 + 0x1000 * k, 8);
        put(ph + 40, 0x1000, 8);
    }
    assert_int_equal(elf_xen_parse(img, len, &i), -E2BIG);
    assert_non_null(strstr(i.err, "more than 128"));
    put(img + 56, 128, 2);      /* 128 is fine as far as segments go: no notes */
    assert_int_equal(elf_xen_parse(img, len, &i), -ENOEXEC);
    free(img);
}

struct sink {
    uint64_t base;
    uint8_t mem[0x3000];
    unsigned int calls;
    int fail_at;
};

static int sink_copy(void *ctx, uint64_t vaddr, const void *src, size_t n)
{
    struct sink *k = ctx;

    assert_true(vaddr >= k->base && vaddr - k->base + n <= sizeof(k->mem));
    if (++k->calls == (unsigned int)k->fail_at)
        return -12;
    if (src)
        memcpy(k->mem + (vaddr - k->base), src, n);
    else
        memset(k->mem + (vaddr - k->base), 0, n);
    return 0;
}

static void test_load(void **state)
{
    struct spec s = linux_like();
    struct xen_elf_info i;
    static struct sink k;
    size_t n = build(&s, buf, sizeof(buf));

    (void)state;
    assert_int_equal(elf_xen_parse(buf, n, &i), 0);
    k.base = i.virt_kstart;
    memset(k.mem, 0xaa, sizeof(k.mem));
    assert_int_equal(elf_xen_load(buf, n, &i, sink_copy, &k), 0);
    assert_int_equal(k.calls, 3);   /* seg0 data, seg1 data, seg1 zero-fill */
    for (unsigned int j = 0; j < 0x180; j++)
        assert_int_equal(k.mem[j], (uint8_t)(0x11 + j));
    assert_int_equal(k.mem[0x180], 0xaa);   /* gap between segments untouched */
    for (unsigned int j = 0; j < 0x40; j++)
        assert_int_equal(k.mem[0x1000 + j], (uint8_t)(0x22 + j));
    for (unsigned int j = 0x40; j < 0x2000; j++)
        assert_int_equal(k.mem[0x1000 + j], 0);

    /* The copy function's error stops the load and is returned. */
    k.calls = 0;
    k.fail_at = 2;
    assert_int_equal(elf_xen_load(buf, n, &i, sink_copy, &k), -12);
    assert_int_equal(k.calls, 2);

    /* An info that does not match the image is refused, not trusted. */
    struct xen_elf_info small = i;
    small.virt_kend = i.virt_kstart + 0x1000;
    k.calls = 0;
    k.fail_at = 0;
    assert_int_equal(elf_xen_load(buf, n, &small, sink_copy, &k), -EINVAL);
    assert_int_equal(elf_xen_load(buf, 100, &i, sink_copy, &k), -EINVAL);
    assert_int_equal(elf_xen_load(buf, n, &i, NULL, &k), -EINVAL);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(elf_xen_strerror(-ENOEXEC), "not a Xen PV ELF64 x86-64 executable");
    assert_string_equal(elf_xen_strerror(-9999), "error");
}

/* A real kernel, if the environment names one (Debian's vmlinux, extracted). */
static void test_real_vmlinux(void **state)
{
    const char *path = getenv("KEEL_TEST_VMLINUX");
    struct xen_elf_info i;
    FILE *f;
    long n;

    (void)state;
    if (!path || !(f = fopen(path, "rb"))) {
        skip();
        return;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    uint8_t *img = malloc(n);
    assert_non_null(img);
    assert_int_equal(fread(img, 1, n, f), (size_t)n);
    fclose(f);
    assert_int_equal(elf_xen_parse(img, 4096, &i), -EINVAL);   /* headers only */
    int rc = elf_xen_parse(img, n, &i);
    if (rc)
        print_error("%s: %s\n", path, i.err);
    assert_int_equal(rc, 0);
    assert_string_equal(i.guest_os, "linux");
    assert_string_equal(i.xen_version, "xen-3.0");
    assert_true(i.virt_base == VB);
    assert_true(i.virt_entry >= i.virt_kstart && i.virt_entry < i.virt_kend);
    assert_true(i.features_required & 1);
    assert_true(i.supported_features & (1u << 11));
    print_message("vmlinux: entry %#lx image [%#lx, %#lx) %u PT_LOAD\n",
                  (unsigned long)i.virt_entry, (unsigned long)i.virt_kstart,
                  (unsigned long)i.virt_kend, i.nr_phdrs);
    /* Values from LINUX-PV-ABI.md A.1/A.2 when this is Debian's 6.1 kernel. */
    if (i.virt_entry == 0xffffffff830791c0ULL) {
        assert_true(i.virt_kstart == 0xffffffff81000000ULL);
        assert_true(i.virt_kend == 0xffffffff84a00000ULL);
        assert_int_equal(i.nr_phdrs, 4);
        assert_int_equal(i.supported_features, 0x8801);
        assert_int_equal(i.features_supported, 0x11);
        assert_true(i.has_init_p2m && i.init_p2m == 0x8000000000ULL);
    }
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_like),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_paddr_offset_and_hypercall_page),
        cmocka_unit_test(test_notes_in_section_and_align8),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_too_many_segments),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_dom0_feature_rule),
        cmocka_unit_test(test_missing_features),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_real_vmlinux),
    };
    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
