/*
 * libFuzzer harness: desc_check on arbitrary descriptors.  Invariants: a
 * refused descriptor is unchanged; an accepted present one never grants
 * more than the guest kernel's ring, and system descriptors are only the
 * type-0 filler or a call gate rewritten to DPL 0.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <keel/desc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t d, orig;
    bool is64;

    if (size < 9)
        return 0;
    memcpy(&orig, data, 8);
    is64 = !(data[8] & 1);
    d = orig;
    if (!desc_check(&d, is64)) {
        if (d != orig)
            abort();
        return 0;
    }
    uint32_t b = d >> 32;
    unsigned int dpl = (b >> 13) & 3, ring = is64 ? 3 : 1;
    if (!(b & 0x8000)) {
        if (d != orig)
            abort();
        return 0;
    }
    if (b & 0x1000) {
        if (dpl < ring || (!is64 && (b & 0x00200000)))
            abort();
    } else if ((b & 0xf00) == 0xc00) {
        if (dpl != 0)
            abort();
    } else if ((b & 0xf00) != 0 || d != orig) {
        abort();
    }
    return 0;
}
