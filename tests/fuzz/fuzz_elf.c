/*
 * libFuzzer harness: elf_xen_parse on arbitrary bytes, and for accepted
 * images elf_xen_load into a bounded buffer, checking that every write the
 * loader asks for lies inside [virt_kstart, virt_kend).
 */
#include <stdint.h>
#include <stdlib.h>
#include <keel/elf.h>
#include <keel/lib.h>

#define MAX_IMAGE (1u << 20)

struct sink {
    uint64_t base, size;
    uint8_t *mem;
};

static int copy(void *ctx, uint64_t vaddr, const void *src, size_t n)
{
    struct sink *s = ctx;

    if (vaddr < s->base || vaddr - s->base > s->size || n > s->size - (vaddr - s->base))
        abort();    /* the loader must stay inside the image it reported */
    if (src)
        memcpy(s->mem + (vaddr - s->base), src, n);
    else
        memset(s->mem + (vaddr - s->base), 0, n);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xen_elf_info info;
    struct sink s;

    if (elf_xen_parse(data, size, &info)) {
        if (!info.err[0] || !memchr(info.err, '\0', sizeof(info.err)))
            abort();    /* a failure always says why */
        return 0;
    }
    if (info.virt_entry < info.virt_kstart || info.virt_entry >= info.virt_kend)
        abort();
    s.base = info.virt_kstart;
    s.size = info.virt_kend - info.virt_kstart;
    if (s.size > MAX_IMAGE)
        return 0;
    s.mem = malloc(s.size ? s.size : 1);
    if (!s.mem)
        return 0;
    if (elf_xen_load(data, size, &info, copy, &s))
        abort();        /* parse accepted it, so load must succeed */
    free(s.mem);
    return 0;
}
