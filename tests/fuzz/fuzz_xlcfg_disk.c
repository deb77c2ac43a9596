/*
 * libFuzzer harness: xl.cfg disk= entries (dom0-tools/lib/xlcfg_disk.c).
 * Any input, as one spec: the parser returns 0 or -1; on 0 the entry is
 * complete (an absolute target, a vdev whose devid round-trips); on -1
 * the error is one line starting with the location.  Seed corpus:
 * tests/fuzz/corpus/xlcfg_disk/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dom0-tools/include/xlcfg_disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[1200], err[256];
    struct xlcfg_disk d;

    if (size >= sizeof(spec))
        size = sizeof(spec) - 1;
    memcpy(spec, data, size);
    spec[size] = '\0';
    err[0] = '\0';
    if (xlcfg_disk_parse(spec, &d, "f:1: disk[0]", err, sizeof(err)) == 0) {
        if (d.target[0] != '/' || strlen(d.target) > XLCFG_DISK_TARGET_MAX ||
            xlcfg_disk_devid(d.vdev) != (int64_t)d.devid)
            abort();
    } else if (strncmp(err, "f:1: disk[0]: ", 14) || strchr(err, '\n') != NULL) {
        abort();
    }
    (void)xlcfg_disk_devid(spec);
    return 0;
}
