/*
 * Xen PV kernel image parser and loader (ELF64, x86-64).
 *
 * Semantics follow Xen's libelf; the function named in each comment is in
 * xen/common/libelf/libelf-dominfo.c unless said otherwise:
 *  - notes come from PT_NOTE segments (skipping p_offset == 0, a binutils
 *    quirk), or from SHT_NOTE sections when no PT_NOTE yields a Xen note
 *    (elf_xen_parse); only notes named "Xen" count (elf_xen_parse_notes);
 *  - numeric notes are 1, 2, 4 or 8 bytes, anything else reads as 0
 *    (libelf-tools.c:elf_note_numeric);
 *  - an image must carry XEN_VERSION "xen-3.0" and either LOADER "generic"
 *    or GUEST_OS "linux" (elf_xen_note_check);
 *  - VIRT_BASE defaults to 0, PADDR_OFFSET to 0 (with notes), ENTRY to
 *    e_entry; PADDR_OFFSET without VIRT_BASE is an error; the image spans
 *    [min p_paddr, max p_paddr + p_memsz) of loadable segments, shifted by
 *    virt_base - paddr_offset (elf_xen_addr_calc_check,
 *    libelf-loader.c:elf_parse_binary).
 * Where Keel is stricter than Xen the comment says so.
 *
 * No locks, no allocation, no globals: callable from any context.
 */
#include <keel/elf.h>
#include <keel/lib.h>
#include <public/features.h>
#include <stdarg.h>

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7
#define PF_RWX 7
#define PN_XNUM 0xffff

#define XEN_ELFNOTE_ENTRY 1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE 3
#define XEN_ELFNOTE_PADDR_OFFSET 4
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_GUEST_VERSION 7
#define XEN_ELFNOTE_LOADER 8
#define XEN_ELFNOTE_PAE_MODE 9
#define XEN_ELFNOTE_FEATURES 10
#define XEN_ELFNOTE_HV_START_LOW 12
#define XEN_ELFNOTE_SUSPEND_CANCEL 14
#define XEN_ELFNOTE_INIT_P2M 15
#define XEN_ELFNOTE_MOD_START_PFN 16
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17

/* Xen's ELF_MAX_TOTAL_NOTE_COUNT (libelf-private.h). */
#define MAX_NOTES 65536
/* Keel limit (Xen has none): keeps the overlap check O(n^2) cheap. */
#define MAX_LOAD_SEGMENTS 128

struct parse {
    const uint8_t *img;
    size_t len;
    struct xen_elf_info *info;
    unsigned int nr_notes;
    bool set_virt_base, set_paddr_offset, set_entry;
};

/* Little-endian loads that tolerate any alignment. Callers bounds-check. */
static uint64_t rd(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    while (n--)
        v = (v << 8) | p[n];
    return v;
}

/* Is [off, off+n) inside [0, len)?  Overflow-safe. */
static bool in_bounds(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

/* --- one-line error messages, without snprintf ---------------------------- */

static void err_append(char *buf, size_t *pos, size_t cap, const char *s)
{
    while (*s && *pos + 1 < cap)
        buf[(*pos)++] = *s++;
    buf[*pos] = '\0';
}

static void err_append_num(char *buf, size_t *pos, size_t cap, uint64_t v, bool hex)
{
    char tmp[24];
    unsigned int i = sizeof(tmp) - 1, base = hex ? 16 : 10;

    tmp[i] = '\0';
    do {
        tmp[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v && i > 0);
    if (hex)
        err_append(buf, pos, cap, "0x");
    err_append(buf, pos, cap, &tmp[i]);
}

/* Formats into info->err: %s (string), %u (unsigned int), %x (uint64_t, hex). */
static int fail(struct parse *p, int err, const char *fmt, ...)
{
    char *buf = p->info->err;
    size_t pos = 0, cap = sizeof(p->info->err);
    char one[2] = { 0, 0 };
    va_list ap;

    va_start(ap, fmt);
    buf[0] = '\0';
    for (; *fmt; fmt++) {
        if (*fmt != '%' || !fmt[1]) {
            one[0] = *fmt;
            err_append(buf, &pos, cap, one);
            continue;
        }
        switch (*++fmt) {
        case 's':
            err_append(buf, &pos, cap, va_arg(ap, const char *));
            break;
        case 'u':
            err_append_num(buf, &pos, cap, va_arg(ap, unsigned int), false);
            break;
        case 'x':
            err_append_num(buf, &pos, cap, va_arg(ap, uint64_t), true);
            break;
        default:
            one[0] = *fmt;
            err_append(buf, &pos, cap, one);
        }
    }
    va_end(ap);
    return err;
}

/* --- headers ------------------------------------------------------------- */

static int check_ehdr(struct parse *p)
{
    const uint8_t *e = p->img;
    uint64_t phoff, phentsize, phnum;

    if (p->len < EHDR_SIZE)
        return fail(p, -ENOEXEC, "image too short for an ELF header (%u bytes)",
                    (unsigned int)p->len);
    if (memcmp(e, "\177ELF", 4))
        return fail(p, -ENOEXEC, "not an ELF image (bad magic)");
    if (e[4] != 2)
        return fail(p, -ENOEXEC, "not ELF64 (EI_CLASS %u)", e[4]);
    if (e[5] != 1)
        return fail(p, -ENOEXEC, "not little-endian (EI_DATA %u)", e[5]);
    if (rd(e + 16, 2) != ET_EXEC)
        return fail(p, -ENOEXEC, "e_type %u is not ET_EXEC", (unsigned int)rd(e + 16, 2));
    if (rd(e + 18, 2) != EM_X86_64)
        return fail(p, -ENOEXEC, "e_machine %u is not x86-64", (unsigned int)rd(e + 18, 2));
    phoff = rd(e + 32, 8);
    phentsize = rd(e + 54, 2);
    phnum = rd(e + 56, 2);
    if (phnum == 0)
        return fail(p, -EINVAL, "no program headers, so no PT_LOAD segment");
    if (phnum == PN_XNUM)
        return fail(p, -EINVAL, "e_phnum PN_XNUM (extended numbering) not supported");
    if (phentsize < PHDR_SIZE)
        return fail(p, -EINVAL, "e_phentsize %u is smaller than an Elf64_Phdr",
                    (unsigned int)phentsize);
    if (!in_bounds(p->len, phoff, phentsize * phnum))
        return fail(p, -EINVAL, "program headers (e_phoff %x, %u entries) outside image",
                    phoff, (unsigned int)phnum);
    return 0;
}

static unsigned int phnum(const struct parse *p)
{
    return rd(p->img + 56, 2);
}

/* Program header i; check_ehdr has bounds-checked the table. */
static const uint8_t *phdr(const struct parse *p, unsigned int i)
{
    return p->img + rd(p->img + 32, 8) + (uint64_t)i * rd(p->img + 54, 2);
}

#define P_TYPE(h) rd((h) + 0, 4)
#define P_FLAGS(h) rd((h) + 4, 4)
#define P_OFFSET(h) rd((h) + 8, 8)
#define P_PADDR(h) rd((h) + 24, 8)
#define P_FILESZ(h) rd((h) + 32, 8)
#define P_MEMSZ(h) rd((h) + 40, 8)
#define P_ALIGN(h) rd((h) + 48, 8)

/* libelf-tools.c:elf_phdr_is_loadable: PT_LOAD with any of R, W, X. */
static bool is_loadable(const uint8_t *h)
{
    return P_TYPE(h) == PT_LOAD && (P_FLAGS(h) & PF_RWX);
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
    return an && bn && a < b + bn && b < a + an;
}

/*
 * Checks every loadable segment and computes the physical span.  Stricter
 * than Xen: filesz > memsz, file data outside the image, address overflow
 * and overlapping segments are refused here rather than at load time.
 */
static int check_segments(struct parse *p, uint64_t *pstart, uint64_t *pend)
{
    unsigned int i, j, n = 0;

    *pstart = UINT64_MAX;
    *pend = 0;
    for (i = 0; i < phnum(p); i++) {
        const uint8_t *h = phdr(p, i);
        uint64_t pa = P_PADDR(h), msz = P_MEMSZ(h), fsz = P_FILESZ(h);

        if (!is_loadable(h))
            continue;
        if (++n > MAX_LOAD_SEGMENTS)
            return fail(p, -E2BIG, "more than %u PT_LOAD segments", MAX_LOAD_SEGMENTS);
        if (fsz > msz)
            return fail(p, -EINVAL, "PT_LOAD %u: p_filesz %x > p_memsz %x", i, fsz, msz);
        if (!in_bounds(p->len, P_OFFSET(h), fsz))
            return fail(p, -EINVAL, "PT_LOAD %u: file data (offset %x size %x) outside image",
                        i, P_OFFSET(h), fsz);
        if (pa + msz < pa)
            return fail(p, -ERANGE, "PT_LOAD %u: p_paddr %x + p_memsz %x overflows", i, pa, msz);
        for (j = 0; j < i; j++) {
            const uint8_t *o = phdr(p, j);

            if (is_loadable(o) && ranges_overlap(pa, msz, P_PADDR(o), P_MEMSZ(o)))
                return fail(p, -EINVAL, "PT_LOAD %u overlaps PT_LOAD %u (p_paddr %x)", i, j, pa);
        }
        *pstart = MIN(*pstart, pa);
        *pend = MAX(*pend, pa + msz);
    }
    if (n == 0)
        return fail(p, -EINVAL, "no loadable PT_LOAD segment");
    p->info->nr_phdrs = n;
    return 0;
}

/* --- Xen notes ----------------------------------------------------------- */

static const char *const feature_names[] = {
    /* Xen's elf_xen_feature_names[]; indices are XENFEAT_* numbers. */
    [0] = "writable_page_tables",
    [1] = "writable_descriptor_tables",
    [2] = "auto_translated_physmap",
    [3] = "supervisor_mode_kernel",
    [4] = "pae_pgdir_above_4gb",
    [8] = "hvm_callback_vector",
    [11] = "dom0",
};

/*
 * elf_xen_parse_features: '|'-separated names, '!' marks required.  Names
 * are cut at 63 characters as Xen does.  An unknown required feature is an
 * error; an unknown optional one is ignored.
 */
static int parse_features(struct parse *p, const char *s, size_t len)
{
    char tok[64];
    size_t pos = 0, n;
    unsigned int i;

    while (pos < len) {
        for (n = 0; n < sizeof(tok) - 1 && pos < len && s[pos] != '|'; n++)
            tok[n] = s[pos++];
        tok[n] = '\0';
        if (pos < len && s[pos] == '|' && n < sizeof(tok) - 1)
            pos++;
        bool req = tok[0] == '!';
        for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
            if (feature_names[i] && !strcmp(tok + req, feature_names[i])) {
                p->info->features_supported |= 1u << i;
                if (req)
                    p->info->features_required |= 1u << i;
                break;
            }
        }
        if (i == ARRAY_SIZE(feature_names) && req)
            return fail(p, -EINVAL, "FEATURES note: unknown required feature '%s'", tok + 1);
    }
    return 0;
}

/* Copies a string of n bytes (not NUL-terminated), cut to fit cap. */
static void copy_str(char *dst, size_t cap, const char *src, size_t n)
{
    n = MIN(n, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool str_eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(s, lit, n);
}

static bool contains(const char *s, size_t n, const char *sub)
{
    size_t k = strlen(sub);

    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(s + i, sub, k))
            return true;
    return false;
}

static bool is_string_note(uint32_t type)
{
    return type == XEN_ELFNOTE_XEN_VERSION || type == XEN_ELFNOTE_GUEST_OS ||
           type == XEN_ELFNOTE_GUEST_VERSION || type == XEN_ELFNOTE_LOADER ||
           type == XEN_ELFNOTE_PAE_MODE || type == XEN_ELFNOTE_FEATURES ||
           type == 11 /* BSD_SYMTAB */;
}

/* s: the note's string, n bytes up to the first NUL or the descriptor end. */
static int string_note(struct parse *p, uint32_t type, const char *s, size_t n)
{
    struct xen_elf_info *info = p->info;

    switch (type) {
    case XEN_ELFNOTE_XEN_VERSION:
        copy_str(info->xen_version, sizeof(info->xen_version), s, n);
        break;
    case XEN_ELFNOTE_GUEST_OS:
        copy_str(info->guest_os, sizeof(info->guest_os), s, n);
        break;
    case XEN_ELFNOTE_GUEST_VERSION:
        copy_str(info->guest_version, sizeof(info->guest_version), s, n);
        break;
    case XEN_ELFNOTE_LOADER:
        copy_str(info->loader, sizeof(info->loader), s, n);
        break;
    case XEN_ELFNOTE_PAE_MODE:
        /* Xen: "yes" => XEN_PAE_EXTCR3, contains "bimodal" => BIMODAL. */
        info->pae_yes = str_eq(s, n, "yes") || contains(s, n, "bimodal");
        break;
    case XEN_ELFNOTE_FEATURES:
        return parse_features(p, s, n);
    default:
        /* BSD_SYMTAB: Keel does not append a symbol table (documented). */
        break;
    }
    return 0;
}

static void numeric_note(struct parse *p, uint32_t type, const uint8_t *desc, uint64_t descsz)
{
    struct xen_elf_info *info = p->info;
    /* libelf-tools.c:elf_note_numeric: sizes other than 1/2/4/8 read as 0. */
    uint64_t v = (descsz == 1 || descsz == 2 || descsz == 4 || descsz == 8) ?
                 rd(desc, descsz) : 0;

    switch (type) {
    case XEN_ELFNOTE_ENTRY:
        info->virt_entry = v;
        p->set_entry = true;
        break;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        info->hypercall_page = v;
        info->has_hypercall_page = true;
        break;
    case XEN_ELFNOTE_VIRT_BASE:
        info->virt_base = v;
        p->set_virt_base = true;
        break;
    case XEN_ELFNOTE_PADDR_OFFSET:
        info->paddr_offset = v;
        p->set_paddr_offset = true;
        break;
    case XEN_ELFNOTE_HV_START_LOW:
        info->hv_start_low = v;
        info->has_hv_start_low = true;
        break;
    case XEN_ELFNOTE_SUSPEND_CANCEL:
        info->suspend_cancel = v != 0;
        break;
    case XEN_ELFNOTE_INIT_P2M:
        info->init_p2m = v;
        info->has_init_p2m = true;
        break;
    case XEN_ELFNOTE_MOD_START_PFN:
        info->mod_start_pfn = v != 0;
        break;
    case XEN_ELFNOTE_SUPPORTED_FEATURES:
        /*
         * elf_note_numeric_array(.., 4, 0): the first 32-bit word (submap 0),
         * 0 unless descsz is a multiple of 4.  Xen also ORs it into the
         * FEATURES-string set; Keel keeps the two apart.
         */
        info->supported_features = (descsz >= 4 && descsz % 4 == 0) ? rd(desc, 4) : 0;
        info->has_supported_features = true;
        break;
    default:
        /* L1_MFN_VALID, PHYS32_ENTRY (PVH), unknown types: ignored as in Xen. */
        break;
    }
}

/*
 * Parses the notes in [off, off+size) of the image, align 4 or 8.  Stricter
 * than Xen: a note whose name or descriptor runs past the end of its
 * segment is an error.  Fewer than 12 trailing bytes (padding) are ignored.
 */
static int parse_notes(struct parse *p, uint64_t off, uint64_t size, uint64_t align,
                       const char *what, unsigned int idx)
{
    const uint8_t *base;
    uint64_t pos = 0;
    int rc;

    if (!in_bounds(p->len, off, size))
        return fail(p, -EINVAL, "%s %u (offset %x size %x) outside image", what, idx, off, size);
    base = p->img + off;
    align = align == 8 ? 8 : 4;
    while (size - pos >= 12) {
        const uint8_t *n = base + pos;
        uint64_t namesz = rd(n, 4), descsz = rd(n + 4, 4);
        uint32_t type = rd(n + 8, 4);
        uint64_t desc_off = ROUNDUP(pos + 12 + namesz, align);
        uint64_t next = desc_off + ROUNDUP(descsz, align);

        if (desc_off > size || descsz > size - desc_off)
            return fail(p, -EINVAL, "%s %u: note at offset %x runs past the end", what, idx, pos);
        if (++p->nr_notes > MAX_NOTES)
            return fail(p, -E2BIG, "more than %u ELF notes", MAX_NOTES);
        pos = MIN(next, size);
        if (namesz < 4 || memcmp(n + 12, "Xen", 4))
            continue;
        p->info->has_xen_notes = true;
        const uint8_t *desc = base + desc_off;
        if (!is_string_note(type)) {
            numeric_note(p, type, desc, descsz);
            continue;
        }
        /*
         * Linux's FEATURES note (.ascii) has no NUL inside descsz; Xen's
         * elf_strval reads on into the padding.  Keel takes the string up
         * to the first NUL or the end of the descriptor.
         */
        rc = string_note(p, type, (const char *)desc, strnlen((const char *)desc, descsz));
        if (rc)
            return rc;
    }
    return 0;
}

static int find_notes(struct parse *p)
{
    const uint8_t *e = p->img;
    unsigned int i;
    int rc;

    for (i = 0; i < phnum(p); i++) {
        const uint8_t *h = phdr(p, i);

        /* elf_xen_parse: skip p_offset 0, "some binutils" get it wrong. */
        if (P_TYPE(h) != PT_NOTE || P_OFFSET(h) == 0)
            continue;
        rc = parse_notes(p, P_OFFSET(h), P_FILESZ(h), P_ALIGN(h), "PT_NOTE", i);
        if (rc)
            return rc;
    }
    if (p->info->has_xen_notes)
        return 0;

    /* Fall back to SHT_NOTE sections.  A bad section table is ignored. */
    uint64_t shoff = rd(e + 40, 8), shentsize = rd(e + 58, 2), shnum = rd(e + 60, 2);
    if (!shoff || shentsize < SHDR_SIZE || !in_bounds(p->len, shoff, shentsize * shnum))
        return 0;
    for (i = 1; i < shnum; i++) {
        const uint8_t *s = e + shoff + i * shentsize;

        if (rd(s + 4, 4) != SHT_NOTE)
            continue;
        rc = parse_notes(p, rd(s + 24, 8), rd(s + 32, 8), rd(s + 48, 8), "SHT_NOTE section", i);
        if (rc)
            return rc;
    }
    return 0;
}

/* elf_xen_note_check. */
static int check_notes(struct parse *p)
{
    const struct xen_elf_info *info = p->info;

    if (!info->has_xen_notes)
        return fail(p, -ENOEXEC, "not a Xen PV image: no Xen ELF notes "
                    "(Xen also takes a legacy __xen_guest section; Keel does not)");
    if (strncmp(info->loader, "generic", 7) && strncmp(info->guest_os, "linux", 5))
        return fail(p, -ENOEXEC, "needs LOADER \"generic\" or GUEST_OS \"linux\" note "
                    "(GUEST_OS '%s')", info->guest_os);
    if (strncmp(info->xen_version, "xen-3.0", 7))
        return fail(p, -ENOEXEC, "needs XEN_VERSION \"xen-3.0\" note (got '%s')",
                    info->xen_version);
    return 0;
}

/* elf_xen_addr_calc_check, plus Keel's stricter range checks. */
static int calc_addresses(struct parse *p, uint64_t pstart, uint64_t pend)
{
    struct xen_elf_info *info = p->info;
    uint64_t off, hp;

    if (p->set_paddr_offset && !p->set_virt_base)
        return fail(p, -EINVAL, "PADDR_OFFSET note set but VIRT_BASE unset");
    if (!p->set_virt_base)
        info->virt_base = 0;
    if (!p->set_paddr_offset)
        info->paddr_offset = 0;         /* notes present: default 0 */
    if (!p->set_entry)
        info->virt_entry = rd(p->img + 24, 8);
    off = info->virt_base - info->paddr_offset;
    info->virt_kstart = pstart + off;
    info->virt_kend = pend + off;
    /* Keel: the virtual span must not wrap (Xen's kstart > kend check). */
    if (info->virt_kend <= info->virt_kstart)
        return fail(p, -ERANGE, "image [%x, %x) wraps or is empty", info->virt_kstart,
                    info->virt_kend);
    if (info->virt_base > info->virt_kstart)
        return fail(p, -ERANGE, "VIRT_BASE %x above image start %x", info->virt_base,
                    info->virt_kstart);
    /* Xen allows entry == kend; Keel wants an instruction inside the image. */
    if (info->virt_entry < info->virt_kstart || info->virt_entry >= info->virt_kend)
        return fail(p, -ERANGE, "entry %x outside image [%x, %x)", info->virt_entry,
                    info->virt_kstart, info->virt_kend);
    if (info->has_init_p2m && info->init_p2m >= info->virt_kstart &&
        info->init_p2m < info->virt_kend)
        return fail(p, -ERANGE, "INIT_P2M %x inside the image", info->init_p2m);
    /*
     * arch/x86/pv/dom0_build.c refuses a hypercall page outside the initial
     * mapping and then writes a whole page there; Keel wants the whole page
     * inside the image.
     */
    hp = info->hypercall_page;
    if (info->has_hypercall_page &&
        (hp < info->virt_kstart || hp >= info->virt_kend ||
         info->virt_kend - hp < PAGE_SIZE))
        return fail(p, -ERANGE, "HYPERCALL_PAGE %x not a whole page inside image [%x, %x)",
                    hp, info->virt_kstart, info->virt_kend);
    return 0;
}

int elf_xen_parse(const void *image, size_t len, struct xen_elf_info *info)
{
    struct parse p = { .img = image, .len = len, .info = info };
    uint64_t pstart, pend;
    int rc;

    memset(info, 0, sizeof(*info));
    if (!image)
        return fail(&p, -EINVAL, "no image");
    rc = check_ehdr(&p);
    if (!rc)
        rc = check_segments(&p, &pstart, &pend);
    if (!rc)
        rc = find_notes(&p);
    if (!rc)
        rc = check_notes(&p);
    if (!rc)
        rc = calc_addresses(&p, pstart, pend);
    if (rc) {
        char err[sizeof(info->err)];

        /* Leave only the reason: no half-parsed values reach the caller. */
        memcpy(err, info->err, sizeof(err));
        memset(info, 0, sizeof(*info));
        memcpy(info->err, err, sizeof(err));
    }
    return rc;
}

uint32_t elf_xen_missing_features(const struct xen_elf_info *info, uint32_t offered)
{
    return info->features_required & ~offered;
}

bool elf_xen_dom0_capable(const struct xen_elf_info *info)
{
    /* libelf's f_supported: the note's word ORed with the FEATURES string. */
    uint32_t supported = info->supported_features | info->features_supported;

    /*
     * Xen 4.17 arch/x86/pv/dom0_build.c tests XENFEAT_dom0 only when
     * elf_notes[XEN_ELFNOTE_SUPPORTED_FEATURES] is present: older kernels
     * without the note boot as dom0.
     */
    if (!info->has_supported_features)
        return true;
    return supported & (1u << XENFEAT_dom0);
}

int elf_xen_load(const void *image, size_t len, const struct xen_elf_info *info,
                 elf_copy_fn copy, void *ctx)
{
    struct xen_elf_info scratch = { 0 };
    struct parse p = { .img = image, .len = len, .info = &scratch };
    uint64_t off = info->virt_base - info->paddr_offset;
    unsigned int i;
    int rc;

    if (!image || !copy || check_ehdr(&p))
        return -EINVAL;
    for (i = 0; i < phnum(&p); i++) {
        const uint8_t *h = phdr(&p, i);
        uint64_t fsz = P_FILESZ(h), msz = P_MEMSZ(h), va = P_PADDR(h) + off;

        if (!is_loadable(h))
            continue;
        /* Re-check what elf_xen_parse checked: info may not match image. */
        if (fsz > msz || !in_bounds(len, P_OFFSET(h), fsz) || va < info->virt_kstart ||
            va > info->virt_kend || msz > info->virt_kend - va)
            return -EINVAL;
        if (fsz) {
            rc = copy(ctx, va, p.img + P_OFFSET(h), fsz);
            if (rc)
                return rc;
        }
        if (msz > fsz) {
            rc = copy(ctx, va + fsz, NULL, msz - fsz);
            if (rc)
                return rc;
        }
    }
    return 0;
}

const char *elf_xen_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case -E2BIG:
        return "too many segments or notes";
    case -ENOEXEC:
        return "not a Xen PV ELF64 x86-64 executable";
    case -EINVAL:
        return "malformed image";
    case -ERANGE:
        return "address out of range";
    default:
        return "error";
    }
}
