/*
 * Finding the processors: RSDP (EBDA or the BIOS area), then the RSDT or
 * XSDT, then the MADT ("APIC") and its processor-local-APIC entries
 * (type 0, enabled flag) and x2APIC entries (type 9).  Layouts are from
 * the ACPI specification (5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.12
 * MADT).  Tables are firmware input: every offset is bounds-checked and a
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

static const uint8_t *find_rsdp_in(acpi_map_fn map, uint64_t start, uint64_t len)
{
    const uint8_t *p = map(start, len);
    uint64_t off;

    if (!p)
        return NULL;
    for (off = 0; off + 20 <= len; off += 16)
        if (!memcmp(p + off, "RSD PTR ", 8) && checksum_ok(p + off, 20))
            return p + off;
    return NULL;
}

static const uint8_t *find_rsdp(acpi_map_fn map)
{
    const uint8_t *ebda_seg = map(0x40e, 2);
    const uint8_t *r = NULL;

    if (ebda_seg) {
        uint64_t ebda = (uint64_t)(ebda_seg[0] | (ebda_seg[1] << 8)) << 4;
        if (ebda >= 0x80000 && ebda < 0xa0000)
            r = find_rsdp_in(map, ebda, 1024);
    }
    return r ? r : find_rsdp_in(map, 0xe0000, 0x20000);
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

int acpi_find_cpus(acpi_map_fn map, uint32_t *ids, unsigned int max)
{
    const uint8_t *rsdp = find_rsdp(map), *root;
    uint32_t root_len, len, i, n, esz;
    uint64_t root_pa;

    if (!rsdp)
        return -1;
    if (rsdp[15] >= 2 && rd64(rsdp + 24)) {
        root_pa = rd64(rsdp + 24);     /* XSDT: 64-bit entries */
        esz = 8;
    } else {
        root_pa = rd32(rsdp + 16);     /* RSDT: 32-bit entries */
        esz = 4;
    }
    root = map_table(map, root_pa, &root_len);
    if (!root)
        return -2;
    n = MIN((root_len - HDR_LEN) / esz, MAX_TABLES);
    for (i = 0; i < n; i++) {
        const uint8_t *e = root + HDR_LEN + i * esz;
        uint64_t pa = esz == 8 ? rd64(e) : rd32(e);
        const uint8_t *t = map(pa, HDR_LEN);
        if (!t || memcmp(t, "APIC", 4))
            continue;
        t = map_table(map, pa, &len);
        if (t && len >= HDR_LEN + 8)
            return madt_cpus(t, len, ids, max);
    }
    return -3;
}
