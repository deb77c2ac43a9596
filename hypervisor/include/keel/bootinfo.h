/* What the boot loader told us, copied out of its structures early. */
#ifndef KEEL_BOOTINFO_H
#define KEEL_BOOTINFO_H
#include <keel/types.h>

#define MAX_BOOT_MODULES 64
#define MAX_MEM_RANGES 64
#define BOOT_CMDLINE_MAX 1024

struct boot_module {
    paddr_t start, end;
    char cmdline[BOOT_CMDLINE_MAX];
};

struct mem_range {
    paddr_t start, end;
    uint32_t type;        /* E820 type: 1 = RAM */
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned int nr_modules;
    struct boot_module modules[MAX_BOOT_MODULES];
    unsigned int nr_ranges;
    struct mem_range ranges[MAX_MEM_RANGES];
    const char *loader;
    char loader_name[64];
};

extern struct boot_info boot_info;

/* Parse a multiboot v1 or v2 information structure (physical address). */
int multiboot_parse(uint32_t magic, paddr_t info, struct boot_info *bi);
/* Hypervisor command line: find "name=value" / "name"; copies the value. */
bool cmdline_get(const char *cmdline, const char *name, char *val, size_t len);
uint64_t parse_size(const char *s);   /* "64M", "1G", "512k"; plain numbers are KiB (Xen) */
uint64_t parse_uint(const char *s);   /* decimal digits up to the first non-digit */
#endif
