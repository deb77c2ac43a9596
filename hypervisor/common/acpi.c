/*
 * Finding the processors: RSDP (EBDA or the BIOS area), then the RSDT or
 * XSDT, then the MADT ("APIC") and its processor-local-APIC entries
 * (type 0, enabled flag) and x2APIC entries (type 9); for interrupts and
 * power, the MADT's IO-APIC (type 1) and interrupt source override
 * (type 2) entries and the FADT's SCI and PM1 control ports; for PCI,
 * the MCFG's ECAM windows.  Layouts are from the ACPI specification
 * (5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.9 FADT, 5.2.12 MADT) and the
 * PCI Firmware specification (4.1.2 MCFG: 8 reserved bytes after the
 * header, then 16-byte entries: base, segment, start and end bus).  Tables are firmware input: every offset is bounds-checked and a
 * table whose checksum fails is ignored.
 * Locking: none; runs once on the boot CPU.
 */
#include <keel/acpi.h>
#include <keel/lib.h>

#define HDR_LEN 36u
#define MAX_TABLES 256u

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool checksum_ok(const uint8_t *p, uint64_t len)
{
    uint8_t sum = 0;
    uint64_t i;

    for (i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

static const uint8_t *find_rsdp_in(acpi_map_fn map, uint64_t start, uint64_t len,
                                   uint64_t *pa)
{
    const uint8_t *p = map(start, len);
    uint64_t off;

    if (!p)
        return NULL;
    for (off = 0; off + 20 <= len; off += 16)
        if (!memcmp(p + off, "RSD PTR ", 8) && checksum_ok(p + off, 20)) {
            *pa = start + off;
            return p + off;
        }
    return NULL;
}

static const uint8_t *find_rsdp(acpi_map_fn map, uint64_t *pa)
{
    const uint8_t *ebda_seg = map(0x40e, 2);
    const uint8_t *r = NULL;

    if (ebda_seg) {
        uint64_t ebda = (uint64_t)(ebda_seg[0] | (ebda_seg[1] << 8)) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000)
            r = find_rsdp_in(map, ebda, 1024, pa);
    }
    return r ? r : find_rsdp_in(map, 0xe0000, 0x20000, pa);
}

/* Map a whole table at pa if its header and checksum are sound. */
static const uint8_t *map_table(acpi_map_fn map, uint64_t pa, uint32_t *len_out)
{
    const uint8_t *h = map(pa, HDR_LEN);
    uint32_t len;

    if (!h)
        return NULL;
    len = rd32(h + 4);
    if (len < HDR_LEN || len > (1u << 20))
        return NULL;
    h = map(pa, len);
    if (!h || !checksum_ok(h, len))
        return NULL;
    *len_out = len;
    return h;
}

static int madt_cpus(const uint8_t *m, uint32_t len, uint32_t *ids, unsigned int max)
{
    uint32_t off = HDR_LEN + 8;        /* local APIC address, flags */
    unsigned int n = 0;

    while (off + 2 <= len) {
        uint8_t type = m[off], elen = m[off + 1];
        if (elen < 2 || off + elen > len)
            break;
        if (type == 0 && elen >= 8 && (rd32(m + off + 4) & 1) && n < max)
            ids[n++] = m[off + 3];
        else if (type == 9 && elen >= 16 && (rd32(m + off + 8) & 1) && n < max)
            ids[n++] = rd32(m + off + 4);
        off += elen;
    }
    return (int)n;
}

/* The RSDT/XSDT: its address of entries and their size, or NULL. */
static const uint8_t *map_root(acpi_map_fn map, uint64_t *rsdp_pa, uint32_t *n, uint32_t *esz)
{
    const uint8_t *rsdp = find_rsdp(map, rsdp_pa), *root;
    uint32_t root_len;
    uint64_t root_pa;

    if (!rsdp)
        return NULL;
    if (rsdp[15] >= 2 && rd64(rsdp + 24)) {
        root_pa = rd64(rsdp + 24);     /* XSDT: 64-bit entries */
        *esz = 8;
    } else {
        root_pa = rd32(rsdp + 16);     /* RSDT: 32-bit entries */
        *esz = 4;
    }
    root = map_table(map, root_pa, &root_len);
    if (!root)
        return NULL;
    *n = MIN((root_len - HDR_LEN) / *esz, MAX_TABLES);
    return root;
}

/* The first table with this signature that maps whole and sums to 0. */
static const uint8_t *find_table(acpi_map_fn map, const uint8_t *root, uint32_t n,
                                 uint32_t esz, const char *sig, uint32_t *len)
{
    uint32_t i;

    for (i = 0; i < n; i++) {
        const uint8_t *e = root + HDR_LEN + i * esz;
        uint64_t pa = esz == 8 ? rd64(e) : rd32(e);
        const uint8_t *t = map(pa, HDR_LEN);
        if (!t || memcmp(t, sig, 4))
            continue;
        t = map_table(map, pa, len);
        if (t)
            return t;
    }
    return NULL;
}

int acpi_find_cpus(acpi_map_fn map, uint32_t *ids, unsigned int max)
{
    const uint8_t *root, *madt;
    uint32_t n, esz, len;
    uint64_t rsdp_pa;

    if (!find_rsdp(map, &rsdp_pa))
        return -1;
    root = map_root(map, &rsdp_pa, &n, &esz);
    if (!root)
        return -2;
    madt = find_table(map, root, n, esz, "APIC", &len);
    if (!madt || len < HDR_LEN + 8)
        return -3;
    return madt_cpus(madt, len, ids, max);
}

/* MADT entries for interrupts: IO-APICs (type 1), overrides (type 2). */
static void madt_irq(const uint8_t *m, uint32_t len, struct acpi_platform *p)
{
    uint32_t off = HDR_LEN + 8;

    p->lapic_addr = rd32(m + HDR_LEN);
    while (off + 2 <= len) {
        uint8_t type = m[off], elen = m[off + 1];
        const uint8_t *e = m + off;
        if (elen < 2 || off + elen > len)
            break;
        if (type == 1 && elen >= 12 && p->nr_ioapics < ACPI_MAX_IOAPICS)
            p->ioapic[p->nr_ioapics++] = (struct acpi_ioapic){
                .id = e[2], .addr = rd32(e + 4), .gsi_base = rd32(e + 8) };
        else if (type == 0 && elen >= 8 && (rd32(e + 4) & 1) && p->nr_cpus < ACPI_MAX_CPUS)
            p->cpu[p->nr_cpus++] = (struct acpi_cpu){ .apic_id = e[3], .acpi_id = e[2] };
        else if (type == 9 && elen >= 16 && (rd32(e + 8) & 1) && p->nr_cpus < ACPI_MAX_CPUS)
            p->cpu[p->nr_cpus++] = (struct acpi_cpu){ .apic_id = rd32(e + 4),
                                                      .acpi_id = rd32(e + 12) };
        else if (type == 2 && elen >= 10 && e[2] == 0 && e[3] < 16 && p->nr_isos < ACPI_MAX_ISOS)
            p->iso[p->nr_isos++] = (struct acpi_iso){
                .irq = e[3], .gsi = rd32(e + 4), .flags = (uint16_t)(e[8] | (e[9] << 8)) };
        off += elen;
    }
}

/* An I/O-space port from a FADT field, or its 64-bit GAS twin. */
static uint32_t fadt_port(const uint8_t *f, uint32_t len, uint32_t off32, uint32_t off_gas)
{
    uint32_t port = off32 + 4 <= len ? rd32(f + off32) : 0;

    if (!port && off_gas + 12 <= len && f[off_gas] == 1 /* system I/O */)
        port = (uint32_t)rd64(f + off_gas + 4);
    return port <= 0xffff ? port : 0;
}

static void fadt(const uint8_t *f, uint32_t len, struct acpi_platform *p)
{
    if (len < 90)
        return;
    p->has_fadt = true;
    p->sci_int = (uint16_t)(f[46] | (f[47] << 8));
    p->pm1a_cnt = fadt_port(f, len, 64, 172);
    p->pm1b_cnt = fadt_port(f, len, 68, 184);
}

static void mcfg(const uint8_t *t, uint32_t len, struct acpi_platform *p)
{
    uint32_t off;

    for (off = HDR_LEN + 8; off + 16 <= len && p->nr_mcfg < ACPI_MAX_MCFG; off += 16)
        p->mcfg[p->nr_mcfg++] = (struct acpi_mcfg){
            .base = rd64(t + off), .seg = (uint16_t)(t[off + 8] | (t[off + 9] << 8)),
            .start_bus = t[off + 10], .end_bus = t[off + 11] };
}

int acpi_find_platform(acpi_map_fn map, struct acpi_platform *p)
{
    const uint8_t *root, *t;
    uint32_t n, esz, len;

    memset(p, 0, sizeof(*p));
    root = map_root(map, &p->rsdp_pa, &n, &esz);
    if (!root)
        return -1;
    t = find_table(map, root, n, esz, "APIC", &len);
    if (t && len >= HDR_LEN + 8)
        madt_irq(t, len, p);
    t = find_table(map, root, n, esz, "FACP", &len);
    if (t)
        fadt(t, len, p);
    t = find_table(map, root, n, esz, "MCFG", &len);
    if (t)
        mcfg(t, len, p);
    return 0;
}
