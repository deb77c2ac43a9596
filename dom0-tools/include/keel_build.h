/*
 * keel_build: dom0's run-time builder of 64-bit PV domains (libxc's
 * xc_dom_* PV path, TOOLSTACK-ABI.md 3.1 and 6 step 1 "plan A"), in the
 * same order as tests/guests/builder.c and the hypervisor's boot-time
 * builder (hypervisor/arch/x86_64/dom0_build.c), sharing their code:
 *
 *   kernel   a vmlinuz (bzImage whose payload is XZ, gzip, zstd or a plain
 *            ELF) or an ELF with Xen notes: hypervisor/common/{bzimage,elf}.c,
 *            the payload decompressed with liblzma/zlib/libzstd (keel_unpack.h)
 *   layout   hypervisor/common/pv_layout.c (start of day, INIT_P2M area,
 *            hypercall page), the boot-time builder's own rules
 *
 *   createdomain -> max_vcpus -> max_mem -> alloc_unbound (console, store)
 *   -> set_address_size -> populate_physmap(domid) -> foreign maps: image,
 *   initrd, p2m, start_info, bootstrap tables -> shared_info masks ->
 *   grant seeding (console, store) -> PIN_L4_TABLE(foreigndom) ->
 *   setvcpucontext -> unpausedomain
 *
 * Split in two: the pure part (kernel loading, the plan, writing the start
 * of day into a memory image) runs in host unit tests; keel_build_domain()
 * is the hypercall sequence over keelctl.  Errors are one line in err;
 * nothing is printed.  A failed build destroys its half-built domain.
 */
#ifndef KEEL_BUILD_H
#define KEEL_BUILD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <keel/pv_layout.h>
#include <keel/elf.h>
#include "keelctl.h"

#define KEEL_BUILD_MAX_FILE (512UL << 20)   /* larger kernel/ramdisk files are refused */
#define KEEL_BUILD_MAX_KERNEL (1UL << 30)   /* decompressed kernel limit (as the hypervisor) */

/* A kernel image ready to load: elf points into file or into unpacked. */
struct keel_kernel {
    uint8_t *file;
    size_t file_len;
    uint8_t *unpacked;          /* the decompressed payload, or NULL */
    const uint8_t *elf;
    size_t elf_len;
    const char *format;         /* "elf", "bzImage/elf", "bzImage/xz", "bzImage/gzip", "bzImage/zstd" */
    struct xen_elf_info info;
    void *map;                  /* a kernel cache entry mapped (elf inside), or NULL */
    size_t map_len;
    int map_fd;                 /* with map: the entry, open (segments are read from it) */
    bool cached;                /* elf came from the kernel cache */
    double t_unpack, t_store;   /* seconds decompressing, storing in the cache */
};

/*
 * Load a kernel from memory (buf is taken over: freed by
 * keel_kernel_free, also on failure) or from a file.  0 or -errno, with
 * "WHAT: problem" in err (what: the file name).
 */
int keel_kernel_from_buf(struct keel_kernel *k, uint8_t *buf, size_t len, const char *what,
                         char *err, size_t errlen);
int keel_kernel_load(struct keel_kernel *k, const char *path, char *err, size_t errlen);
/*
 * keel_kernel_load through the kernel cache in directory cache
 * (keel_kcache.h; NULL: no cache): a bzImage whose XZ payload was
 * decompressed before is taken from the cache without reading the file
 * beyond two 4 KiB samples; after a miss the ELF is stored there.  The
 * same errors as keel_kernel_load; the cache's own failures are silent.
 */
int keel_kernel_load_cached(struct keel_kernel *k, const char *path, const char *cache,
                            char *err, size_t errlen);
void keel_kernel_free(struct keel_kernel *k);

/* Read a whole file (at most max bytes) into malloc'ed memory. */
int keel_read_file(const char *path, size_t max, uint8_t **out, size_t *len, char *err,
                   size_t errlen);

/* Where everything goes, from the kernel's notes and the memory size. */
struct keel_plan {
    struct pv_layout l;
    struct pv_p2m_area p2m;     /* p2m.va == 0: the p2m list is in the region */
    uint64_t nr_pages;
    uint64_t map_pages;         /* pfns [0, map_pages) are written */
};

int keel_plan_compute(const struct xen_elf_info *info, uint64_t nr_pages, uint64_t initrd_len,
                      struct keel_plan *p, char *err, size_t errlen);

/* What start_info tells the guest besides the layout. */
struct keel_start {
    uint64_t shared_info_mfn;
    uint64_t console_mfn, store_mfn;    /* filled in by keel_image_write */
    uint32_t console_port, store_port;  /* store_port 0: no store */
    bool give_store;                    /* store_mfn/store_evtchn to the guest */
    const char *cmdline;
};

/*
 * Write the start of day into mem (pfn i at mem + i * 4096 for every
 * i < p->map_pages; mem is zeroed, as populate_physmap's frames are), the
 * domain's frames being p2m[0..nr_pages).  Fills s->console_mfn and
 * s->store_mfn.  Returns the L4's pfn (>= 0) or -errno with err set.
 */
long keel_image_write(const struct keel_plan *p, const struct keel_kernel *k,
                      const uint8_t *initrd, size_t initrd_len, const uint64_t *p2m,
                      uint8_t *mem, struct keel_start *s, char *err, size_t errlen);

/* The boot vCPU's registers (as libxc's vcpu_x86_64). */
void keel_boot_context(const struct keel_plan *p, const struct keel_kernel *k, uint64_t l4_mfn,
                       struct vcpu_guest_context *c);

/* ---- the hypercall sequence ---- */

struct keel_build_cfg {
    uint64_t memory_mib;        /* populated at creation */
    uint64_t maxmem_mib;        /* max_mem (+ 1 MiB, libxl's LIBXL_MAXMEM_CONSTANT) */
    uint32_t max_vcpus;
    const char *kernel, *ramdisk, *cmdline;     /* ramdisk may be NULL */
    bool paused;                /* leave it paused (xl create -p) */
    bool with_store;            /* give the guest its store page and port */
    const char *kernel_cache;   /* keel_kernel_load_cached's directory, or NULL */
};

struct keel_build_result {
    domid_t domid;
    uint64_t console_mfn, store_mfn;
    uint32_t console_port, store_port;
    /* Seconds spent (CLOCK_MONOTONIC), for keel create's KEEL_CREATE_TIMES:
     * reading the kernel (and decompressing it unless kernel_cached) and
     * the ramdisk; createdomain to set_address_size; populate_physmap;
     * the foreign map and the start of day written; shared_info, grants,
     * pin, vCPU context. */
    double t_files, t_domain, t_memory, t_image, t_start;
    double t_unpack, t_store;   /* of t_files: decompressing, the cache entry written */
    bool kernel_cached;
};

/* 0 (the domain exists, running unless cfg->paused) or -errno with one line in err. */
int keel_build_domain(struct keelctl *h, const struct keel_build_cfg *cfg,
                      struct keel_build_result *r, char *err, size_t errlen);

#endif
