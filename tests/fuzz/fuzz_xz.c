/*
 * libFuzzer harness: xz_decompress on arbitrary bytes into a bounded
 * buffer.  Invariants: never writes past out_cap (ASan), reports at most
 * out_cap bytes, and a decode that succeeds is repeatable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <keel/bzimage.h>

#define CAP (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[CAP], again[CAP];
    size_t cap, n = 0, n2 = 0;

    if (size < 2)
        return 0;
    /* The first two bytes choose the output room, to reach -ENOSPC paths. */
    cap = ((size_t)data[0] << 8 | data[1]) * 16;
    if (cap > CAP)
        cap = CAP;
    uint8_t *buf = malloc(cap ? cap : 1);   /* exact size: ASan sees overruns */
    int rc = xz_decompress(data + 2, size - 2, buf, cap, &n);
    if (rc == 0) {
        if (n > cap)
            abort();
        memcpy(out, buf, n);
        if (xz_decompress(data + 2, size - 2, again, cap, &n2) || n2 != n || memcmp(out, again, n))
            abort();
    }
    free(buf);
    return 0;
}
