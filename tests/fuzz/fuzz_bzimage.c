/*
 * libFuzzer harness: bzimage_payload, then the XZ decoder on the payload,
 * as the domain builder would do with a bzImage kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <keel/bzimage.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const void *pl;
    size_t n, outn;
    static uint8_t out[1u << 18];

    if (bzimage_payload(data, size, &pl, &n))
        return 0;
    if ((const uint8_t *)pl < data || n > size || (const uint8_t *)pl - data > (long)(size - n))
        abort();    /* payload must lie inside the image */
    (void)bzimage_payload_format(pl, n);
    (void)xz_decompress(pl, n, out, sizeof(out), &outn);
    return 0;
}
