/*
 * start_keel: from the boot loader's hand-off to the first guest
 * instruction.  Single-threaded, boot CPU only.  Locking: takes the
 * hypervisor lock before the other CPUs start and the first guest is
 * built, and keeps it into the first return to a guest.
 */
#include <keel/smp.h>
#include <keel/bootinfo.h>
#include <keel/console.h>
#include <keel/domain.h>
#include <keel/dom0_build.h>
#include <keel/irq.h>
#include <keel/lib.h>
#include <keel/mm.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/bzimage.h>
#include <keel/bootdesc.h>
#include <keel/stats.h>
#include <keel/pv_mm.h>
#include <public/sched.h>
#include <asm/config.h>
#include <asm/cpu.h>
#include <asm/processor.h>

extern char _start[], _end[];
void m2p_init(void);

static uint64_t max_ram_addr(void)
{
    uint64_t max = 0;
    unsigned int i;

    for (i = 0; i < boot_info.nr_ranges; i++)
        if (boot_info.ranges[i].type == 1 && boot_info.ranges[i].end > max)
            max = boot_info.ranges[i].end;
    return max;
}

/* CPUID 0x80000008: physical address bits (36 if the leaf is absent). */
static unsigned int cpu_paddr_bits(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000008)
        return 36;
    cpuid_count(0x80000008, 0, &a, &b, &c, &d);
    return a & 0xff;
}

static void init_memory(void)
{
    unsigned int i, bits = 0;
    uint64_t pool = ~0UL;
    char val[32];

    /* Xen's dma_bits= and (Xen 3's) dma_emergency_pool=: page_alloc.c. */
    if (cmdline_get(boot_info.cmdline, "dma_bits", val, sizeof(val)))
        bits = (unsigned int)MIN(parse_uint(val), 64UL);
    if (cmdline_get(boot_info.cmdline, "dma_emergency_pool", val, sizeof(val)))
        pool = parse_size(val) >> PAGE_SHIFT;
    page_alloc_set_dma(bits, pool);

    for (i = 0; i < boot_info.nr_ranges; i++)
        if (boot_info.ranges[i].type == 1)
            page_alloc_add_range(boot_info.ranges[i].start, boot_info.ranges[i].end);
    page_alloc_reserve(0, 1UL << 20);
    page_alloc_reserve((uint64_t)_start - KEEL_VIRT_START, (uint64_t)_end - KEEL_VIRT_START);
    for (i = 0; i < boot_info.nr_modules; i++)
        page_alloc_reserve(boot_info.modules[i].start, boot_info.modules[i].end);
}

/*
 * Once every domain is built, the boot modules (kernels, initrds, the
 * boot description) have been copied where they are needed: give their
 * frames back, as Xen's discard_initial_images() does.  Only whole pages
 * inside a module, above the first MiB and outside the image.
 */
static void discard_boot_modules(void)
{
    uint64_t img_s = ((uint64_t)_start - KEEL_VIRT_START) >> PAGE_SHIFT;
    uint64_t img_e = ROUNDUP((uint64_t)_end - KEEL_VIRT_START, PAGE_SIZE) >> PAGE_SHIFT;
    uint64_t f, n = 0;
    unsigned int i;

    for (i = 0; i < boot_info.nr_modules; i++) {
        uint64_t s = ROUNDUP(boot_info.modules[i].start, PAGE_SIZE) >> PAGE_SHIFT;
        uint64_t e = boot_info.modules[i].end >> PAGE_SHIFT;
        for (f = MAX(s, 256UL); f < e && f < max_mfn; f++) {
            if (f >= img_s && f < img_e)
                continue;
            free_frame(_mfn(f));
            n++;
        }
    }
    boot_info.nr_modules = 0;
    printk("boot modules discarded: %lu MiB returned, %lu MiB free\n", n >> 8,
           free_frame_count() >> 8);
}

/* Frames that are not RAM (holes, firmware, MMIO below the top of RAM). */
static void mark_io_frames(void)
{
    uint64_t f;
    unsigned int i;

    for (f = 0; f < max_mfn; f++) {
        bool ram = false;
        for (i = 0; i < boot_info.nr_ranges && !ram; i++)
            ram = boot_info.ranges[i].type == 1 &&
                  (f << PAGE_SHIFT) >= boot_info.ranges[i].start &&
                  ((f + 1) << PAGE_SHIFT) <= boot_info.ranges[i].end;
        /* Xen gives the first MiB (BIOS, legacy devices) to DOMID_IO too. */
        if ((!ram || f < 256) && frame_table[f].owner == OWNER_XEN)
            frame_table[f].owner = DOMID_IO;
    }
}

static int find_bootdesc(void);

/* vCPU 0 runs; the others exist, down, for VCPUOP_initialise/up. */
static bool create_vcpus(struct domain *d, unsigned int n)
{
    unsigned int i;

    for (i = 0; i < n && i < d->max_vcpus; i++)
        if (!vcpu_create(d, i))
            return false;
    return true;
}

/* Pages the boot description's domUs will need (0 if none or malformed). */
static uint64_t domu_pages(void)
{
    static struct bootdesc_domain descs[64];
    int idx = find_bootdesc();
    unsigned int n = 0, i;
    uint64_t total = 0;
    char err[8];

    if (idx < 0 || bootdesc_parse(maddr_to_virt(boot_info.modules[idx].start),
                                  boot_info.modules[idx].end - boot_info.modules[idx].start,
                                  boot_info.nr_modules, descs, 64, &n, err, sizeof(err)))
        return 0;
    for (i = 0; i < n; i++)
        total += ((descs[i].memory_kib << 10) >> PAGE_SHIFT) + 64;  /* + tables, kernel copy */
    return total;
}

static uint64_t dom0_pages(void)
{
    char val[32];
    uint64_t free = domheap_free_count(), want, domus = domu_pages();

    free = free > domus ? free - domus : 0;

    if (cmdline_get(boot_info.cmdline, "dom0_mem", val, sizeof(val))) {
        /* Xen accepts "dom0_mem=X" and "dom0_mem=X,max:Y": take X. */
        char *comma = strchr(val, ',');
        if (comma)
            *comma = '\0';
        want = parse_size(val) >> PAGE_SHIFT;
    } else {
        /* Default: all but 1/16 (at least 16 MiB) for the hypervisor. */
        uint64_t reserve = MAX(free / 16, (16UL << 20) >> PAGE_SHIFT);
        want = free > reserve ? free - reserve : 0;
    }
    if (want + 256 > free)
        want = free > 256 ? free - 256 : 0;
    return want;
}

static __noreturn void stop_boot(const char *what, const char *why)
{
    printk_lvl(LOG_ERR, "%s: %s\n", what, why);
    printk_lvl(LOG_ERR, "cannot start dom0; stopping.\n");
    machine_power_off(SHUTDOWN_crash);
}

/*
 * A bzImage module (a vmlinuz file) is unpacked here, as Xen does for
 * dom0: the payload must be an uncompressed ELF or XZ (Debian's kernels).
 * The decompressed image lives in contiguous frames freed after the build.
 */
static const char *unpack_kernel(const void **img, size_t *len, mfn_t *buf, uint64_t *nr)
{
    const void *payload;
    const char *fmt;
    size_t plen, out_len, size;
    int rc;

    *nr = 0;
    if (bzimage_payload(*img, *len, &payload, &plen))
        return NULL;                       /* not a bzImage: an ELF, checked later */
    fmt = bzimage_payload_format(payload, plen);
    if (fmt && !strcmp(fmt, "elf")) {
        *img = payload;
        *len = plen;
        return NULL;
    }
    if (!fmt || strcmp(fmt, "xz"))
        return "bzImage payload is not XZ-compressed (Keel decompresses XZ only)";
    if (plen < 4)
        return "bzImage payload is truncated";
    size = ((const uint8_t *)payload)[plen - 4] | ((const uint8_t *)payload)[plen - 3] << 8 |
           ((const uint8_t *)payload)[plen - 2] << 16 |
           (size_t)((const uint8_t *)payload)[plen - 1] << 24;
    if (!size || size > (1UL << 30))
        return "bzImage payload size is implausible";
    *nr = ROUNDUP(size, PAGE_SIZE) >> PAGE_SHIFT;
    *buf = alloc_frames_contig(*nr);
    if (mfn_eq(*buf, INVALID_MFN)) {
        *nr = 0;
        return "not enough contiguous memory to decompress the kernel";
    }
    printk("dom0 kernel: decompressing %lu KiB of XZ to %lu KiB\n", plen >> 10, size >> 10);
    rc = xz_decompress(payload, plen, mfn_to_virt(*buf), *nr << PAGE_SHIFT, &out_len);
    if (rc)
        return rc == -XEN_EILSEQ ? "XZ checksum mismatch" : "XZ data is corrupt or unsupported";
    *img = mfn_to_virt(*buf);
    *len = out_len;
    return NULL;
}

/* The boot description: the first module after dom0's kernel with the FDT magic. */
static int find_bootdesc(void)
{
    unsigned int i;

    for (i = 1; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        if (bootdesc_is_fdt(maddr_to_virt(m->start), m->end - m->start))
            return (int)i;
    }
    return -1;
}

#define MAX_BOOT_DOMUS 64

/*
 * Start the unprivileged domains of the boot description.  A bad
 * description stops only the domUs (one line says why); a domU that
 * cannot be built is reported and left out, the others still start.
 */
static void start_domus(void)
{
    static struct bootdesc_domain descs[MAX_BOOT_DOMUS];
    int idx = find_bootdesc();
    unsigned int n = 0, i;
    char err[160];
    const struct boot_module *m;

    if (idx < 0)
        return;
    m = &boot_info.modules[idx];
    if (bootdesc_parse(maddr_to_virt(m->start), m->end - m->start, boot_info.nr_modules,
                       descs, MAX_BOOT_DOMUS, &n, err, sizeof(err))) {
        printk_lvl(LOG_ERR, "boot description (module %d): %s; no domU started\n", idx, err);
        return;
    }
    for (i = 0; i < n; i++) {
        struct bootdesc_domain *bd = &descs[i];
        struct dom0_params p = { 0 };
        struct domain *d;
        const struct boot_module *km = &boot_info.modules[bd->kernel_module];
        mfn_t buf = INVALID_MFN;
        uint64_t nr_buf = 0, j;
        const char *why;

        if ((int)bd->kernel_module == idx || (bd->has_ramdisk && (int)bd->ramdisk_module == idx)) {
            printk_lvl(LOG_ERR, "domU %s: its kernel or ramdisk module is the boot description\n",
                       bd->name);
            continue;
        }
        p.kernel = maddr_to_virt(km->start);
        p.kernel_len = km->end - km->start;
        if (bd->has_ramdisk) {
            p.initrd = maddr_to_virt(boot_info.modules[bd->ramdisk_module].start);
            p.initrd_len = boot_info.modules[bd->ramdisk_module].end -
                           boot_info.modules[bd->ramdisk_module].start;
        }
        p.cmdline = bd->cmdline;
        p.nr_pages = (bd->memory_kib << 10) >> PAGE_SHIFT;
        p.privileged = false;
        why = unpack_kernel(&p.kernel, &p.kernel_len, &buf, &nr_buf);
        d = why ? NULL : domain_create((domid_t)(i + 1), bd->name, bd->vcpus, false);
        if (!why && (!d || !create_vcpus(d, bd->vcpus)))
            why = "out of memory creating the domain";
        if (!why && pv_build_domain(d, &p, err, sizeof(err)))
            why = err;
        for (j = 0; j < nr_buf; j++)
            free_frame(_mfn(mfn_x(buf) + j));
        if (why) {
            printk_lvl(LOG_ERR, "domU %s: %s; not started\n", bd->name, why);
            if (d)
                domain_crash(d, "build failed");
            continue;
        }
        /* maxmem: the ceiling for memory_op increase/populate (max_pages). */
        d->max_pages = MAX(d->tot_pages, (bd->max_memory_kib << 10) >> PAGE_SHIFT);
        d->weight = bd->weight ? bd->weight : 256;
        d->cap = bd->cap;
        printk("domU %u (%s): %lu MiB, %u vCPU(s), weight %u, cap %u%%, started; %lu MiB free\n",
               d->domain_id, d->name, bd->memory_kib >> 10, bd->vcpus, d->weight, d->cap,
               free_frame_count() >> 8);
    }
}

static void start_dom0(void)
{
    struct dom0_params p = { 0 };
    struct boot_module *k, *rd = NULL;
    struct domain *d;
    char err[128], val[16];
    unsigned int max_vcpus = 1;
    const char *why;
    mfn_t buf = INVALID_MFN;
    uint64_t nr_buf, i;
    int rc;

    if (boot_info.nr_modules == 0)
        stop_boot("dom0 kernel", "no boot module was given (the first module is dom0's kernel)");
    k = &boot_info.modules[0];
    if (boot_info.nr_modules > 1 && (int)1 != find_bootdesc())
        rd = &boot_info.modules[1];
    if (cmdline_get(boot_info.cmdline, "dom0_max_vcpus", val, sizeof(val)))
        max_vcpus = (unsigned int)MAX(1UL, MIN(parse_uint(val), (uint64_t)MAX_VCPUS));
    p.kernel = maddr_to_virt(k->start);
    p.kernel_len = k->end - k->start;
    why = unpack_kernel(&p.kernel, &p.kernel_len, &buf, &nr_buf);
    if (why)
        stop_boot("dom0 kernel", why);
    p.initrd = rd ? maddr_to_virt(rd->start) : NULL;
    p.initrd_len = rd ? rd->end - rd->start : 0;
    p.cmdline = k->cmdline;
    p.privileged = true;
    p.nr_pages = dom0_pages();
    d = domain_create(0, "dom0", max_vcpus, true);
    if (!d || !create_vcpus(d, max_vcpus))
        stop_boot("dom0", "out of memory creating the domain");
    dom0 = d;
    rc = pv_build_domain(d, &p, err, sizeof(err));
    if (rc)
        stop_boot("dom0 kernel", err);
    for (i = 0; i < nr_buf; i++)
        free_frame(_mfn(mfn_x(buf) + i));
}

static void __noreturn continue_on_cpu_stack(void)
{
    void arch_fpu_boot_init(void);
    char val[8];

    /* The boot CPU holds the hypervisor lock from here until it first
     * returns to a guest; the other CPUs wait for it in hv_lock(). */
    hv_lock();
    arch_fpu_boot_init();
    hardening_selftest();
    time_init();
    ioapic_init(cpu_paddr_bits());
    start_dom0();
    start_domus();
    discard_boot_modules();
    smp_boot_cpus();
    sched_init_queue();
    printk("starting dom0\n");
    /* From here on console output is buffered (Xen's sync_console keeps
     * it synchronous, for debugging). */
    console_endboot(cmdline_get(boot_info.cmdline, "sync_console", val, sizeof(val)));
    sched_start();
}

static void set_loglevel(void)
{
    char val[16];

    if (cmdline_get(boot_info.cmdline, "loglvl", val, sizeof(val))) {
        if (!strcmp(val, "all") || !strcmp(val, "debug"))
            console_set_loglevel(LOG_DEBUG);
        else if (!strcmp(val, "warning"))
            console_set_loglevel(LOG_WARN);
        else if (!strcmp(val, "error"))
            console_set_loglevel(LOG_ERR);
        else if (!strcmp(val, "info"))
            console_set_loglevel(LOG_INFO);
    }
}

void pic_disable(void);

void start_keel(uint32_t magic, uint32_t info)
{
    console_init();
    pic_disable();
    if (multiboot_parse(magic, info, &boot_info))
        panic("not started by a multiboot loader (magic %x)", magic);
    set_loglevel();
    stats_init(boot_info.cmdline);
    printk("Keel hypervisor starting (%s), command line: %s\n", boot_info.loader,
           boot_info.cmdline);
    init_memory();
    mm_init_paging(max_ram_addr());
    page_alloc_enable_frame_table();
    mark_io_frames();
    m2p_init();
    pv_l1tf_init(cpu_paddr_bits(), max_ram_addr());  /* RAM: the cacheable ranges */
    printk("memory: %lu MiB free of %lu MiB, %u boot modules\n",
           free_frame_count() >> 8, max_ram_addr() >> 20, boot_info.nr_modules);
    cpu0_init_and_switch(continue_on_cpu_stack);
}
