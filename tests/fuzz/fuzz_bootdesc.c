/*
 * libFuzzer harness: the boot description parser
 * (hypervisor/common/bootdesc.c over fdt.c).  Input: one byte giving the
 * number of multiboot modules, then the DTB.  Build (host, clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DKEEL_HOST_TEST \
 *     -Ihypervisor/include tests/fuzz/fuzz_bootdesc.c \
 *     hypervisor/common/bootdesc.c hypervisor/common/fdt.c
 * Seed corpus: tests/fuzz/corpus/fdt/ (files there start with the DTB;
 * the harness also tries each input as a bare DTB).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <keel/bootdesc.h>

#define MAX_DOMS 4

static struct bootdesc_domain doms[MAX_DOMS];

static void check(int r, unsigned int nr, const char *err, uint32_t nr_modules)
{
    unsigned int i;

    if (memchr(err, '\0', 128) == NULL)
        abort();
    if (r < 0) {
        if (nr != 0 || !err[0])
            abort();
        return;
    }
    if (r != 0 || nr > MAX_DOMS)
        abort();
    for (i = 0; i < nr; i++) {
        const struct bootdesc_domain *d = &doms[i];

        if (!memchr(d->name, '\0', sizeof(d->name)) ||
            !memchr(d->cmdline, '\0', sizeof(d->cmdline)) ||
            d->kernel_module == 0 || d->kernel_module >= nr_modules ||
            (d->has_ramdisk && (d->ramdisk_module == 0 ||
                                d->ramdisk_module >= nr_modules)) ||
            d->vcpus < 1 || d->vcpus > BOOTDESC_MAX_VCPUS ||
            d->memory_kib < BOOTDESC_MIN_MEMORY_KIB ||
            d->max_memory_kib < d->memory_kib)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    unsigned int nr;
    int r;

    /* the whole input as a DTB, with plenty of modules */
    r = bootdesc_parse(data, size, 64, doms, MAX_DOMS, &nr, err, sizeof(err));
    check(r, nr, err, 64);
    if (size < 1)
        return 0;
    /* first byte: number of modules; the rest: the DTB (unaligned) */
    r = bootdesc_parse(data + 1, size - 1, data[0], doms, MAX_DOMS, &nr, err,
                       sizeof(err));
    check(r, nr, err, data[0]);
    return 0;
}
