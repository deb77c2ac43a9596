/*
 * Boot description: the unprivileged domains (domUs) to start at boot,
 * read from a flattened device tree passed as a multiboot module.  The
 * schema is in docs/boot-description.md; dom0-tools' keel-bootdesc writes
 * it from xl.cfg-style files.
 */
#ifndef KEEL_BOOTDESC_H
#define KEEL_BOOTDESC_H
#include <keel/types.h>

#define BOOTDESC_COMPATIBLE "keel,boot-description-v1"
#define BOOTDESC_DOMAIN_COMPATIBLE "keel,domain"

#define BOOTDESC_NAME_MAX 64            /* including the NUL */
#define BOOTDESC_CMDLINE_MAX 1024       /* including the NUL (start_info) */
#define BOOTDESC_MIN_MEMORY_KIB (16ULL * 1024)          /* 16 MiB */
#define BOOTDESC_MAX_MEMORY_KIB (1ULL << 30)            /* 1 TiB */
#define BOOTDESC_MAX_VCPUS 128
#define BOOTDESC_DEFAULT_WEIGHT 256
#define BOOTDESC_MAX_WEIGHT 65535
#define BOOTDESC_MAX_CAP 65535          /* percent of one CPU; 0 = no cap */

/* Error returned by bootdesc_parse (Xen's EINVAL). */
#define BOOTDESC_EINVAL 22

struct bootdesc_domain {
    char name[BOOTDESC_NAME_MAX];
    uint64_t memory_kib;            /* initial allocation */
    uint64_t max_memory_kib;        /* >= memory_kib (= it if absent) */
    uint32_t vcpus;
    uint32_t kernel_module;         /* multiboot module index, >= 1 */
    bool has_ramdisk;
    uint32_t ramdisk_module;        /* valid if has_ramdisk */
    char cmdline[BOOTDESC_CMDLINE_MAX];
    uint32_t weight, cap;           /* credit scheduler parameters */
};

/*
 * Parse the boot description dtb (len bytes) into out[0..*nr_out).
 * nr_modules is the number of multiboot modules the loader passed (module
 * indices in the description must be below it; index 0 is dom0's kernel
 * and is refused).  Anything malformed or out of range is refused: the
 * function then returns -BOOTDESC_EINVAL, sets *nr_out to 0 and writes a
 * one-line reason to err (errlen bytes, always NUL-terminated if errlen).
 * Returns 0 on success.  Does not allocate; never reads outside
 * dtb[0..len).
 */
int bootdesc_parse(const void *dtb, size_t len, uint32_t nr_modules,
                   struct bootdesc_domain *out, unsigned int max_domains,
                   unsigned int *nr_out, char *err, size_t errlen);

/* Whether buf starts with the FDT magic (0xd00dfeed, big-endian). */
bool bootdesc_is_fdt(const void *buf, size_t len);

#endif
