/*
 * libFuzzer harness for MSI (common/msi.c through physdev.c's map_pirq,
 * unmap_pirq and restore_msi, and dom0's filtered configuration writes)
 * on the fake PCI configuration space (arch/fake/pci.c).
 *
 * Input: bytes 0-191 fill registers 0x40-0x9f of three functions (devfn
 * 0-2; 64 bytes each), byte 192-194 their capability pointers: any
 * capability list, looping or garbage.  The header, the pointer and
 * every capability ID and next byte the first walk visits are read-only,
 * as in hardware.  Function 2 decodes memory and has a 64-bit BAR0 over
 * the fake device memory (FAKE_BAR_MFN), so that an MSI-X capability
 * the input gives it can be mapped.  Then up to 64 steps, one byte of kind and operands:
 *   0  map_pirq: type, bus, devfn, index, pirq, entry_nr, table_base
 *      (each from a few likely values or anything);
 *   1  unmap_pirq of a pirq (a mapped one, or anything);
 *   2  dom0's configuration write (devfn, register, size 1/2/4, value)
 *      through msi_conf_write_ok, as emulate.c does, or as a store to
 *      the ECAM window (common/mmcfg.c mmio_ro_write; any alignment,
 *      registers up to 0x7ff);
 *   3  restore_msi_ext;
 *   4  an interrupt on a vector, then the delivery.
 * After every step check() aborts on a broken invariant:
 *   - a function whose MSI is enabled has a live mapping (Keel wrote its
 *     message: dom0 cannot enable an MSI Keel did not program);
 *   - a live mapping's message is still Keel's: the local APIC address
 *     and the vector given at map time, edge, fixed;
 *   - live mappings have distinct vectors of 0x90-0xef and distinct
 *     pirqs of 96-255;
 *   - MSI-X: a function whose MSI-X is enabled has a live MSI-X mapping; a live entry's message in the
 *     table is Keel's, every other entry of that table is masked, and
 *     the table's frames are read-only to dom0 exactly while it has a
 *     live entry; no function has MSI and MSI-X mappings at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/irq.h>
#include <keel/event.h>
#include <keel/hypercall.h>
#include <keel/iomem.h>
#include <keel/mmcfg.h>
#include <public/physdev.h>

#define NR_DEVS 3
#define MAX_LIVE 64
#define BAR_DEV 2
#define BAR0 ((uint64_t)FAKE_BAR_MFN << 12)

static struct fake_domain fh;
static const uint8_t *in_p;
static size_t in_n;
static struct { int pirq; unsigned int devfn, vector; bool odd, msix; unsigned int entry; } live[MAX_LIVE];
static unsigned int nr_live;

static uint64_t get(unsigned int bytes)
{
    uint64_t v = 0;
    unsigned int i;

    for (i = 0; i < bytes && in_n; i++, in_n--)
        v |= (uint64_t)*in_p++ << (8 * i);
    return v;
}

static void fail(const char *what, unsigned int x)
{
    fprintf(stderr, "msi invariant broken: %s (%u)\n", what, x);
    abort();
}

static void make_devices(void)
{
    unsigned int d, pos, n;

    fake_pci_reset();
    for (d = 0; d < NR_DEVS; d++) {
        struct fake_pci_dev *f = &fake_pci[d];
        f->present = true;
        f->cfg[0] = 0xf4;
        f->cfg[1] = 0x1a;
        f->cfg[6] = 0x10;
        memcpy(&f->cfg[0x40], in_p + 64 * d, 64);
        f->cfg[0x34] = in_p[192 + d];
        if (d == BAR_DEV) {
            f->cfg[0x04] = 0x06;             /* memory decoding, bus master */
            f->cfg[0x10] = (uint8_t)(BAR0 | 4);
            f->cfg[0x11] = (uint8_t)(BAR0 >> 8);
            f->cfg[0x12] = (uint8_t)(BAR0 >> 16);
            f->cfg[0x13] = (uint8_t)(BAR0 >> 24);
        }
        for (pos = 0; pos < 0x40; pos++)
            f->ro[pos] = 0xff;
        pos = f->cfg[0x34];
        for (n = 0; n < 48 && pos >= 0x40; n++) {
            pos &= ~3u;
            f->ro[pos] = f->ro[pos + 1] = 0xff;
            pos = f->cfg[pos + 1];
        }
        /* Out of reset: MSI and MSI-X disabled; their read-only fields. */
        if ((pos = pci_find_cap(0, d, 0x05))) {
            f->cfg[pos + 2] &= ~1u;
            f->ro[pos + 2] |= 0x8e;          /* MMC, 64-bit */
            f->ro[pos + 3] = 0xff;           /* per-vector masking */
        }
        if ((pos = pci_find_cap(0, d, 0x11))) {
            f->cfg[pos + 3] &= 0x7f;
            f->ro[pos + 2] = 0xff;
            f->ro[pos + 3] |= 0x07;          /* table size */
        }
    }
    in_p += 195;
    in_n -= 195;
}

static int pick_int(void)
{
    static const int v[] = { -1, 0, 1, 9, 95, 96, 100, 255, 256, 0x7fffffff };
    unsigned int k = (unsigned int)get(1);

    return k < 16 * ARRAY_SIZE(v) ? v[k % ARRAY_SIZE(v)] : (int)get(4);
}

/* Garbage lists: another capability's read-only bytes inside the
 * message registers keep Keel's message from sticking. */
static bool overlapped(unsigned int d, unsigned int pos, unsigned int data_reg)
{
    unsigned int r;

    for (r = pos + 4; r < data_reg + 2 && r < 256; r++)
        if (fake_pci[d].ro[r])
            return true;
    return false;
}

/* Entry 0 of devfn's MSI-X table in the fake device memory, or NULL. */
static const volatile uint32_t *msix_table(unsigned int devfn)
{
    unsigned int pos = pci_find_cap(0, devfn, 0x11), n;
    uint32_t toff;
    uint64_t end;

    if (!pos || devfn != BAR_DEV)
        return NULL;
    toff = arch_pci_conf_read(0, devfn, pos + 4, 4);
    n = (arch_pci_conf_read(0, devfn, pos + 2, 2) & 0x7ff) + 1;
    end = (uint64_t)(toff & ~7u) + n * 16;
    if ((toff & 7) || end > sizeof(fake_bar_mem))
        return NULL;
    return &fake_bar_mem[(toff & ~7u) / 4];
}

static void step_map(void)
{
    struct physdev_map_pirq m = { .domid = DOMID_SELF };
    unsigned int k = (unsigned int)get(1);

    static const int types[] = { MAP_PIRQ_TYPE_MSI_SEG, MAP_PIRQ_TYPE_MSI, MAP_PIRQ_TYPE_MULTI_MSI,
                                 MAP_PIRQ_TYPE_GSI };

    m.type = k < 200 ? types[k % ARRAY_SIZE(types)] : (int)get(4);
    m.index = (get(1) & 7) ? -1 : pick_int();
    m.pirq = (get(1) & 7) ? -1 : pick_int();
    k = (unsigned int)get(1);
    m.bus = k < 128 ? 0 : k < 192 ? (int)(k & 3) << 16 : pick_int();
    m.devfn = (get(1) & 7) ? (int)(get(1) % (NR_DEVS + 1)) : pick_int();
    k = (unsigned int)get(1);
    m.entry_nr = (k & 3) ? (int)(k >> 2) % 8 : pick_int();
    k = (unsigned int)get(1);
    m.table_base = k < 128 ? 0 : k < 224 ? BAR0 : get(8);
    if (do_physdev_op(PHYSDEVOP_map_pirq, (uint64_t)&m) != 0 || m.type == MAP_PIRQ_TYPE_GSI)
        return;
    if (nr_live == MAX_LIVE)
        fail("more live mappings than vectors", nr_live);
    live[nr_live].pirq = m.pirq;
    live[nr_live].devfn = (unsigned int)m.devfn;
    live[nr_live].msix = m.table_base != 0;
    live[nr_live].odd = false;
    if (m.table_base) {
        const volatile uint32_t *t = msix_table((unsigned int)m.devfn);

        if (!t)
            fail("MSI-X mapped without a table in the fake BAR, devfn", (unsigned int)m.devfn);
        live[nr_live].entry = (unsigned int)m.entry_nr;
        live[nr_live].vector = t[m.entry_nr * 4 + 2] & 0xff;
    } else {
        unsigned int pos = pci_find_cap(0, (unsigned int)m.devfn, 5);
        unsigned int ctrl = arch_pci_conf_read(0, (unsigned int)m.devfn, pos + 2, 2);
        unsigned int data_reg = pos + (ctrl & 0x80 ? 0xc : 8);
        live[nr_live].vector = arch_pci_conf_read(0, (unsigned int)m.devfn, data_reg, 2) & 0xff;
        live[nr_live].odd = overlapped((unsigned int)m.devfn, pos, data_reg);
    }
    nr_live++;
}

static void step_unmap(void)
{
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF };
    unsigned int i, k = (unsigned int)get(1);

    u.pirq = nr_live && k < 200 ? live[k % nr_live].pirq : pick_int();
    if (do_physdev_op(PHYSDEVOP_unmap_pirq, (uint64_t)&u) != 0)
        return;
    for (i = 0; i < nr_live; i++)
        if (live[i].pirq == u.pirq) {
            live[i] = live[--nr_live];
            return;
        }
    if (u.pirq >= NR_GSIS)
        fail("unmapped an MSI pirq that was not mapped", (unsigned int)u.pirq);
}

static void step_write(void)
{
    unsigned int how = (unsigned int)get(1);
    unsigned int devfn = (unsigned int)get(1) % (NR_DEVS + 1), reg = (unsigned int)get(1);
    unsigned int size = 1u << (get(1) % 3);
    uint32_t v = (uint32_t)get(4);

    if (how & 1) {
        /* Through ECAM (common/mmcfg.c), as the page-fault handler hands
         * a store over: any alignment, extended registers too. */
        reg |= (how & 0x0e) << 7;
        (void)mmio_ro_write(&fh.d, ((uint64_t)FAKE_MCFG_MFN << 12) + ((uint64_t)devfn << 12) + reg,
                            size, v);
        return;
    }
    reg &= ~(size - 1);
    if (msi_conf_write_ok(0, devfn, reg, size, &v))
        arch_pci_conf_write(0, devfn, reg, size, v);
}

static void step_restore(void)
{
    struct physdev_pci_device p = { .seg = (uint16_t)(get(1) & 1), .bus = 0,
                                    .devfn = (uint8_t)(get(1) % (NR_DEVS + 1)) };

    (void)do_physdev_op(PHYSDEVOP_restore_msi_ext, (uint64_t)&p);
}

static void check_msix(unsigned int d)
{
    unsigned int pos = pci_find_cap(0, d, 0x11), ctrl, n, e, i, msi;
    const volatile uint32_t *t = msix_table(d);
    bool any = false, ro;

    for (i = 0; i < nr_live; i++)
        any |= live[i].devfn == d && live[i].msix;
    if (!pos) {
        if (any)
            fail("an MSI-X mapping without the capability, devfn", d);
        return;
    }
    ctrl = arch_pci_conf_read(0, d, pos + 2, 2);
    /* Garbage lists: an MSI capability whose registers (Keel writes
     * them) cover the MSI-X control word. */
    if ((msi = pci_find_cap(0, d, 0x05))) {
        unsigned int mc = arch_pci_conf_read(0, d, msi + 2, 2);
        unsigned int len = 0xa + (mc & 0x80 ? 4 : 0) + (mc & 0x100 ? 0xa : 0);

        if (pos + 2 < msi + len && msi < pos + 4)
            return;
    }
    if ((ctrl & 0x8000) && !any)
        fail("MSI-X enabled without a mapping of Keel's, devfn", d);
    if (!t)
        return;
    ro = iomem_frame_ro(FAKE_BAR_MFN + (uint64_t)((const volatile uint32_t *)t - fake_bar_mem) / 1024);
    if (ro != any)
        fail("MSI-X table read-only to dom0 iff mapped: not so, devfn", d);
    if (!any)
        return;
    n = (ctrl & 0x7ff) + 1;
    for (e = 0; e < n; e++) {
        bool is_live = false;

        for (i = 0; i < nr_live; i++)
            if (live[i].devfn == d && live[i].msix && live[i].entry == e) {
                is_live = true;
                if (t[e * 4] != (0xfee00000u | fake_dest_apic_id << 12) || t[e * 4 + 1] != 0 ||
                    t[e * 4 + 2] != (0x4000u | live[i].vector))
                    fail("a live MSI-X entry's message is not Keel's, entry", e);
            }
        if (!is_live && !(t[e * 4 + 3] & 1))
            fail("an MSI-X entry Keel did not map is unmasked, entry", e);
    }
}

static void check(void)
{
    unsigned int d, i, j;

    for (d = 0; d < NR_DEVS; d++) {
        unsigned int pos = pci_find_cap(0, d, 5), ctrl;
        bool mapped = false;

        for (i = 0; i < nr_live; i++)
            mapped |= live[i].devfn == d && !live[i].msix;
        check_msix(d);
        if (!pos)
            continue;
        ctrl = arch_pci_conf_read(0, d, pos + 2, 2);
        if ((ctrl & 1) && !mapped)
            fail("MSI enabled without Keel's message, devfn", d);
        for (i = 0; i < nr_live; i++) {
            unsigned int data_reg = pos + (ctrl & 0x80 ? 0xc : 8);

            if (live[i].devfn != d || live[i].odd || live[i].msix)
                continue;
            if (arch_pci_conf_read(0, d, pos + 4, 4) != (0xfee00000u | fake_dest_apic_id << 12))
                fail("a live MSI's address changed, devfn", d);
            if ((ctrl & 0x80) && arch_pci_conf_read(0, d, pos + 8, 4) != 0)
                fail("a live MSI's upper address changed, devfn", d);
            if (arch_pci_conf_read(0, d, data_reg, 2) != (0x4000u | live[i].vector))
                fail("a live MSI's data changed, devfn", d);
        }
    }
    for (i = 0; i < nr_live; i++) {
        if (!live[i].odd && (live[i].vector < MSI_VECTOR_BASE || live[i].vector >= MSI_VECTOR_END))
            fail("vector out of the MSI range", live[i].vector);
        if (live[i].pirq < NR_GSIS || live[i].pirq >= NR_PIRQS)
            fail("pirq out of the MSI range", (unsigned int)live[i].pirq);
        for (j = i + 1; j < nr_live; j++)
            if ((!live[i].odd && !live[j].odd && live[i].vector == live[j].vector) ||
                live[i].pirq == live[j].pirq ||
                (live[i].devfn == live[j].devfn &&
                 (!live[i].msix || !live[j].msix || live[i].entry == live[j].entry)))
                fail("two live mappings share a vector, pirq, function or entry", live[i].vector);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned int steps;

    if (size < 195)
        return 0;
    in_p = data;
    in_n = size;
    fake_mm_reset();
    fake_domains_reset();
    fake_domain_init(&fh, 0, 1, true);
    if (evtchn_init(&fh.d, 64))
        abort();
    fake_cpu_info.curr = &fh.v[0];
    fake_pins_reset();
    irq_reset();
    msi_reset();
    iomem_reset();             /* the read-only frames of the last input's tables */
    mmcfg_reset();
    if (mmcfg_register((uint64_t)FAKE_MCFG_MFN << 12, 0, 0, 0))
        abort();
    irq_gsi_init(24, 9);
    make_devices();
    fake_dest_apic_id = 3;
    nr_live = 0;
    for (steps = 0; steps < 64 && in_n; steps++) {
        switch (get(1) % 5) {
        case 0: step_map(); break;
        case 1: step_unmap(); break;
        case 2: step_write(); break;
        case 3: step_restore(); break;
        default:
            msi_vector_raised((unsigned int)get(1));
            irq_deliver_pending();
        }
        check();
    }
    evtchn_destroy(&fh.d);
    fake_domain_fini(&fh);
    return 0;
}
