/*
 * libFuzzer harness: the xl.cfg parser and the domain keys
 * (dom0-tools/lib/xlcfg.c, xlcfg_domain.c).  Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     dom0-tools/tests/fuzz_xlcfg.c dom0-tools/lib/xlcfg.c \
 *     dom0-tools/lib/xlcfg_domain.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;
    struct xlcfg *cfg;
    uint64_t v;
    const char *s;

    err[0] = '\0';
    cfg = xlcfg_parse((const char *)data, size, "fuzz.cfg", err, sizeof(err));
    if (!cfg) {
        /* every refusal says where and why */
        if (strncmp(err, "fuzz.cfg:", 9) != 0)
            abort();
        return 0;
    }
    (void)xlcfg_get_uint(cfg, "memory", &v, err, sizeof(err));
    (void)xlcfg_get_string(cfg, "name", &s, err, sizeof(err));
    if (xlcfg_domain_get(cfg, &d, 0, NULL, err, sizeof(err)) == 0) {
        if (!d.name || !d.kernel || !d.cmdline || d.vcpus < 1 ||
            d.vcpus > XLCFG_MAX_VCPUS || strlen(d.cmdline) > XLCFG_CMDLINE_MAX)
            abort();
        xlcfg_domain_free(&d);
    } else if (strncmp(err, "fuzz.cfg:", 9) != 0) {
        abort();
    }
    xlcfg_free(cfg);
    return 0;
}
