/*
 * Parsing and loading of a Xen PV kernel image (ELF64, x86-64, with Xen ELF
 * notes).  Pure logic: no allocation, no globals; every offset and size read
 * from the image is checked against its length.  The rules follow Xen's
 * libelf (xen/common/libelf/libelf-dominfo.c, libelf-loader.c); see
 * docs/elf-loading.md.
 */
#ifndef KEEL_ELF_H
#define KEEL_ELF_H
#include <keel/types.h>

/* Error numbers returned (negated), with Xen's values (public/errno.h). */
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef ENOEXEC
#define ENOEXEC 8
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ERANGE
#define ERANGE 34
#endif

struct xen_elf_info {
    uint64_t virt_base, paddr_offset, virt_entry;   /* after Xen's defaulting rules */
    uint64_t virt_kstart, virt_kend;                /* [start,end) of the loaded image, virtual */
    uint64_t hypercall_page; bool has_hypercall_page;
    uint64_t init_p2m; bool has_init_p2m;
    uint64_t hv_start_low; bool has_hv_start_low;
    uint32_t supported_features;                    /* XEN_ELFNOTE_SUPPORTED_FEATURES, 0 if absent */
    bool has_supported_features;                    /* that note is present (any descsz) */
    uint32_t features_required, features_supported; /* from the FEATURES string: bit n = XENFEAT n; '!' = required */
    bool has_xen_notes; bool mod_start_pfn; bool pae_yes; bool suspend_cancel;
    char guest_os[32], xen_version[32], loader[32], guest_version[32];
    uint16_t nr_phdrs;                              /* PT_LOAD segments */
    /* Why elf_xen_parse failed: one line, NUL-terminated, "" on success. */
    char err[96];
};

/*
 * Parses and validates a Xen PV kernel image of len bytes at image.
 * Fills *info (all of it, also on failure: zeroed fields, err set).
 * Returns 0, or -ENOEXEC (not an ELF64 x86-64 executable / not a Xen PV
 * image), -EINVAL (inconsistent headers, segments or notes), -ERANGE
 * (addresses that overflow or lie outside the image).  Never reads outside
 * [image, image+len).
 */
int elf_xen_parse(const void *image, size_t len, struct xen_elf_info *info);

/*
 * Copies n bytes from src to guest virtual address vaddr (src NULL: writes
 * n zero bytes).  Returns 0 or a negative error, which stops the load.
 */
typedef int (*elf_copy_fn)(void *ctx, uint64_t vaddr, const void *src, size_t n);

/*
 * Loads every loadable PT_LOAD segment of an image that elf_xen_parse
 * accepted with this info: the segment goes to virtual address
 * p_paddr - paddr_offset + virt_base; p_filesz bytes are copied from the
 * image, then p_memsz - p_filesz bytes are zero-filled.  Re-checks bounds,
 * so a mismatched (image, info) pair fails with -EINVAL rather than reading
 * out of bounds.  Returns 0, -EINVAL, or the first error of copy.
 */
int elf_xen_load(const void *image, size_t len, const struct xen_elf_info *info,
                 elf_copy_fn copy, void *ctx);

/*
 * The FEATURES-string bits the image requires ('!') that are not in offered
 * (bit n = XENFEAT n); 0 if the hypervisor offers all of them.
 */
uint32_t elf_xen_missing_features(const struct xen_elf_info *info, uint32_t offered);

/*
 * May this image be built as dom0?  As Xen 4.17's PV dom0 builder: only an
 * image with a SUPPORTED_FEATURES note must declare XENFEAT_dom0, in that
 * note or in its FEATURES string; an image without the note is accepted.
 */
bool elf_xen_dom0_capable(const struct xen_elf_info *info);

/* Short name of an error number returned above ("invalid argument"). */
const char *elf_xen_strerror(int err);

#endif
