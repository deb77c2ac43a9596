/*
 * start_keel: from the boot loader's hand-off to the first guest
 * instruction.  Single-threaded, boot CPU only.
 */
#include <keel/bootinfo.h>
#include <keel/console.h>
#include <keel/domain.h>
#include <keel/dom0_build.h>
#include <keel/lib.h>
#include <keel/mm.h>
#include <keel/sched.h>
#include <keel/time.h>
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

static void init_memory(void)
{
    unsigned int i;

    for (i = 0; i < boot_info.nr_ranges; i++)
        if (boot_info.ranges[i].type == 1)
            page_alloc_add_range(boot_info.ranges[i].start, boot_info.ranges[i].end);
    page_alloc_reserve(0, 1UL << 20);
    page_alloc_reserve((uint64_t)_start - KEEL_VIRT_START, (uint64_t)_end - KEEL_VIRT_START);
    for (i = 0; i < boot_info.nr_modules; i++)
        page_alloc_reserve(boot_info.modules[i].start, boot_info.modules[i].end);
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

static uint64_t dom0_pages(void)
{
    char val[32];
    uint64_t free = free_frame_count(), want;

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

static void start_dom0(void)
{
    struct dom0_params p = { 0 };
    struct boot_module *k, *rd = NULL;
    struct domain *d;
    char err[128], val[16];
    unsigned int max_vcpus = 1;
    int rc;

    if (boot_info.nr_modules == 0)
        stop_boot("dom0 kernel", "no boot module was given (the first module is dom0's kernel)");
    k = &boot_info.modules[0];
    if (boot_info.nr_modules > 1)
        rd = &boot_info.modules[1];
    if (cmdline_get(boot_info.cmdline, "dom0_max_vcpus", val, sizeof(val)))
        max_vcpus = (unsigned int)MAX(1UL, MIN(parse_size(val) >> 10, (uint64_t)MAX_VCPUS));
    p.kernel = maddr_to_virt(k->start);
    p.kernel_len = k->end - k->start;
    p.initrd = rd ? maddr_to_virt(rd->start) : NULL;
    p.initrd_len = rd ? rd->end - rd->start : 0;
    p.cmdline = k->cmdline;
    p.privileged = true;
    p.nr_pages = dom0_pages();
    d = domain_create(0, "dom0", max_vcpus, true);
    if (!d || !vcpu_create(d, 0))
        stop_boot("dom0", "out of memory creating the domain");
    dom0 = d;
    rc = pv_build_domain(d, &p, err, sizeof(err));
    if (rc)
        stop_boot("dom0 kernel", err);
}

static void __noreturn continue_on_cpu_stack(void)
{
    time_init();
    start_dom0();
    printk("starting dom0\n");
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
    printk("Keel hypervisor starting (%s), command line: %s\n", boot_info.loader,
           boot_info.cmdline);
    init_memory();
    mm_init_paging(max_ram_addr());
    page_alloc_enable_frame_table();
    mark_io_frames();
    m2p_init();
    printk("memory: %lu MiB free of %lu MiB, %u boot modules\n",
           free_frame_count() >> 8, max_ram_addr() >> 20, boot_info.nr_modules);
    cpu0_init_and_switch(continue_on_cpu_stack);
}
