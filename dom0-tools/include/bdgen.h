/*
 * Writing the boot description DTB (docs/boot-description.md) with libfdt.
 */
#ifndef KEEL_BDGEN_H
#define KEEL_BDGEN_H
#include <stddef.h>
#include <stdint.h>

#include "xlcfg.h"

/* Multiboot module indices assigned to one domU. */
struct bdgen_modules {
    uint32_t kernel;
    uint32_t ramdisk;           /* 0 if the domain has no ramdisk */
};

/*
 * Assign module indices: the domUs' kernels and ramdisks follow the DTB
 * module, in order (kernel, then ramdisk if any, per domain).
 * mods[i] receives domain i's indices.  Returns the number of modules in
 * total (dom0 kernel, dom0 initrd if any, DTB, domU modules).
 */
uint32_t bdgen_assign(const struct xlcfg_domain *doms, size_t n,
                      uint32_t dtb_module, struct bdgen_modules *mods);

/*
 * Build the DTB for doms[0..n) with module indices mods.  Returns 0 and a
 * malloc'd blob in *out (*outlen bytes), or -1 with a message in err.
 */
int bdgen_build(const struct xlcfg_domain *doms,
                const struct bdgen_modules *mods, size_t n, void **out,
                size_t *outlen, char *err, size_t errlen);

#endif
