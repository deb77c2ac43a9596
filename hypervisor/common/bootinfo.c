/*
 * Multiboot v1/v2 parsing and the hypervisor command line.  The loader's
 * structures are read through the boot window (first GiB mapped at
 * KEEL_VIRT_START) before anything can overwrite them, and copied into
 * boot_info.  Strings are copied with bounds; oversize ones are cut.
 */
#include <keel/bootinfo.h>
#include <keel/lib.h>
#include <asm/config.h>

struct boot_info boot_info;

#define MB1_BOOTLOADER_MAGIC 0x2BADB002
#define MB2_BOOTLOADER_MAGIC 0x36d76289

static const void *boot_ptr(paddr_t pa)
{
    if (pa >= (1UL << 30))
        return NULL;
    return (const void *)(KEEL_VIRT_START + pa);
}

static void copy_str(char *dst, paddr_t pa, size_t max)
{
    const char *s = boot_ptr(pa);
    size_t i;

    dst[0] = '\0';
    if (!s)
        return;
    for (i = 0; i + 1 < max && s[i]; i++)
        dst[i] = s[i];
    dst[i] = '\0';
}

static void add_range(struct boot_info *bi, uint64_t start, uint64_t len, uint32_t type)
{
    if (bi->nr_ranges < MAX_MEM_RANGES && len)
        bi->ranges[bi->nr_ranges++] = (struct mem_range){ start, start + len, type };
}

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __packed;
struct mb1_module { uint32_t start, end, string, reserved; } __packed;
struct mb1_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __packed;

static int parse_mb1(paddr_t info, struct boot_info *bi)
{
    const struct mb1_info *mi = boot_ptr(info);
    uint32_t i;

    if (!mi)
        return -1;
    bi->loader = "multiboot";
    if (mi->flags & (1u << 2))
        copy_str(bi->cmdline, mi->cmdline, sizeof(bi->cmdline));
    if (mi->flags & (1u << 9))
        copy_str(bi->loader_name, mi->boot_loader_name, sizeof(bi->loader_name));
    if (mi->flags & (1u << 3)) {
        const struct mb1_module *m = boot_ptr(mi->mods_addr);
        for (i = 0; m && i < mi->mods_count && i < MAX_BOOT_MODULES; i++) {
            bi->modules[i].start = m[i].start;
            bi->modules[i].end = m[i].end;
            copy_str(bi->modules[i].cmdline, m[i].string, BOOT_CMDLINE_MAX);
        }
        bi->nr_modules = i;
    }
    if (mi->flags & (1u << 6)) {
        paddr_t p = mi->mmap_addr, end = (paddr_t)mi->mmap_addr + mi->mmap_length;
        while (p + sizeof(struct mb1_mmap) <= end) {
            const struct mb1_mmap *e = boot_ptr(p);
            if (!e)
                break;
            add_range(bi, e->addr, e->len, e->type);
            p += e->size + 4;
        }
    } else if (mi->flags & 1u) {
        add_range(bi, 0, (uint64_t)mi->mem_lower << 10, 1);
        add_range(bi, 1UL << 20, (uint64_t)mi->mem_upper << 10, 1);
    }
    return 0;
}

static int parse_mb2(paddr_t info, struct boot_info *bi)
{
    const uint32_t *hdr = boot_ptr(info);
    paddr_t p, end;

    if (!hdr)
        return -1;
    bi->loader = "multiboot2";
    end = info + hdr[0];
    for (p = info + 8; p + 8 <= end;) {
        const uint32_t *tag = boot_ptr(p);
        uint32_t type = tag[0], size = tag[1];
        if (type == 0 || size < 8)
            break;
        if (type == 1) {                       /* command line */
            copy_str(bi->cmdline, p + 8, sizeof(bi->cmdline));
        } else if (type == 2) {                /* boot loader name */
            copy_str(bi->loader_name, p + 8, sizeof(bi->loader_name));
        } else if (type == 3 && bi->nr_modules < MAX_BOOT_MODULES) { /* module */
            struct boot_module *m = &bi->modules[bi->nr_modules++];
            m->start = tag[2];
            m->end = tag[3];
            copy_str(m->cmdline, p + 16, BOOT_CMDLINE_MAX);
        } else if (type == 6) {                /* memory map */
            uint32_t esz = tag[2];
            paddr_t e;
            for (e = p + 16; esz >= 24 && e + 24 <= p + size; e += esz) {
                const uint64_t *ent = boot_ptr(e);
                add_range(bi, ent[0], ent[1], (uint32_t)ent[2]);
            }
        }
        p += ROUNDUP(size, 8);
    }
    return 0;
}

/*
 * Xen's cmdline_cook: loaders other than GRUB 2 put the image's file name
 * first in every command line (QEMU's -kernel/-initrd do); drop it.
 */
static void cook(char *s, bool strip_name)
{
    char *p = s;

    while (*p == ' ')
        p++;
    if (strip_name) {
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    memmove(s, p, strlen(p) + 1);
}

int multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi)
{
    bool strip;
    unsigned int i;
    int rc;

    if (magic == MB1_BOOTLOADER_MAGIC)
        rc = parse_mb1(info, bi);
    else if (magic == MB2_BOOTLOADER_MAGIC)
        rc = parse_mb2(info, bi);
    else
        return -1;
    strip = !(strncmp(bi->loader_name, "GRUB 2", 6) == 0 ||
              (magic == MB2_BOOTLOADER_MAGIC && strncmp(bi->loader_name, "GRUB", 4) == 0));
    cook(bi->cmdline, strip);
    for (i = 0; i < bi->nr_modules; i++)
        cook(bi->modules[i].cmdline, strip);
    return rc;
}

bool cmdline_get(const char *cmdline, const char *name, char *val, size_t len)
{
    size_t nl = strlen(name);
    const char *p = cmdline;

    while (p && *p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, name, nl) && (p[nl] == '=' || p[nl] == ' ' || !p[nl])) {
            size_t i = 0;
            p += nl;
            if (*p == '=')
                p++;
            while (*p && *p != ' ' && i + 1 < len)
                val[i++] = *p++;
            if (len)
                val[i] = '\0';
            return true;
        }
        while (*p && *p != ' ')
            p++;
    }
    return false;
}

uint64_t parse_uint(const char *s)
{
    uint64_t v = 0;

    while (*s >= '0' && *s <= '9' && v < (1UL << 59))
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

uint64_t parse_size(const char *s)
{
    uint64_t v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    switch (*s) {
    case 'G': case 'g': return v << 30;
    case 'M': case 'm': return v << 20;
    case 'K': case 'k': return v << 10;
    case 'B': case 'b': return v;
    default: return v << 10;   /* Xen: no suffix means KiB for dom0_mem */
    }
}
