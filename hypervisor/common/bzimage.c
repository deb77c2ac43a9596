/*
 * bzImage payload extraction (Documentation/x86/boot.rst, protocol 2.08+),
 * as Xen's libxc xc_dom_bzimageloader.c finds the kernel in a bzImage.
 */
#include <keel/bzimage.h>
#include <keel/lib.h>

#define OFF_SETUP_SECTS 0x1f1
#define OFF_BOOT_FLAG 0x1fe
#define OFF_HEADER 0x202
#define OFF_VERSION 0x206
#define OFF_PAYLOAD_OFFSET 0x248
#define OFF_PAYLOAD_LENGTH 0x24c
#define HDR_END 0x250

static uint32_t le(const uint8_t *p, unsigned int n)
{
    uint32_t v = 0;

    while (n--)
        v = (v << 8) | p[n];
    return v;
}

int bzimage_payload(const void *img, size_t len, const void **payload, size_t *plen)
{
    const uint8_t *b = img;
    uint64_t setup, off, n;

    if (!img || len < HDR_END || le(b + OFF_BOOT_FLAG, 2) != 0xaa55 ||
        memcmp(b + OFF_HEADER, "HdrS", 4))
        return -ENOEXEC;
    if (le(b + OFF_VERSION, 2) < 0x208)
        return -ENOSYS;
    setup = b[OFF_SETUP_SECTS] ? b[OFF_SETUP_SECTS] : 4;
    setup = (setup + 1) * 512;
    off = setup + le(b + OFF_PAYLOAD_OFFSET, 4);
    n = le(b + OFF_PAYLOAD_LENGTH, 4);
    if (off > len || n > len - off || n == 0)
        return -EINVAL;
    *payload = b + off;
    *plen = n;
    return 0;
}

const char *bzimage_payload_format(const void *payload, size_t len)
{
    static const struct {
        const char *name;
        unsigned int n;
        uint8_t magic[6];
    } formats[] = {
        { "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0 } },
        { "gzip", 2, { 0x1f, 0x8b } },
        { "bzip2", 3, { 'B', 'Z', 'h' } },
        { "lzma", 3, { 0x5d, 0, 0 } },
        { "lzo", 4, { 0x89, 'L', 'Z', 'O' } },
        { "lz4", 4, { 0x02, 0x21, 0x4c, 0x18 } },
        { "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd } },
        { "elf", 4, { 0x7f, 'E', 'L', 'F' } },
    };

    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (len >= formats[i].n && !memcmp(payload, formats[i].magic, formats[i].n))
            return formats[i].name;
    return NULL;
}
