/* A fake PCI configuration space for common/msi.c: FAKE_PCI_DEVS
 * functions of 256 bytes on bus 0 (devfn = index), each access recorded;
 * absent functions read as all ones. */
#include <keel/irq.h>
#include <keel/mmcfg.h>
#include <keel/lib.h>
#include <fake/fake.h>

struct fake_pci_dev fake_pci[FAKE_PCI_DEVS];
unsigned int fake_pci_writes;
uint32_t fake_dest_apic_id;
uint32_t fake_bar_mem[FAKE_BAR_PAGES * 1024];
int fake_msix_maps;
unsigned int fake_mmcfg_writes;
struct fake_mmcfg_write fake_mmcfg_last;

void fake_pci_reset(void)
{
    memset(fake_pci, 0, sizeof(fake_pci));
    fake_pci_writes = 0;
    fake_dest_apic_id = 0;
    memset(fake_bar_mem, 0, sizeof(fake_bar_mem));
    fake_msix_maps = 0;
    fake_mmcfg_writes = 0;
    memset(&fake_mmcfg_last, 0, sizeof(fake_mmcfg_last));
}

void *arch_msix_map(uint64_t mfn, unsigned int nr)
{
    if (mfn < FAKE_BAR_MFN || nr > FAKE_BAR_PAGES || mfn - FAKE_BAR_MFN > FAKE_BAR_PAGES - nr)
        return NULL;
    fake_msix_maps++;
    return &fake_bar_mem[(mfn - FAKE_BAR_MFN) * 1024];
}

void arch_msix_unmap(void *va, unsigned int nr)
{
    (void)va;
    (void)nr;
    fake_msix_maps--;
}

static struct fake_pci_dev *dev(unsigned int bus, unsigned int devfn)
{
    if (bus != 0 || devfn >= FAKE_PCI_DEVS || !fake_pci[devfn].present)
        return NULL;
    return &fake_pci[devfn];
}

uint32_t arch_pci_conf_read(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size)
{
    struct fake_pci_dev *d = dev(bus, devfn);
    uint32_t v = 0;
    unsigned int i;

    if (!d || reg + size > 256)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    for (i = 0; i < size; i++)
        v |= (uint32_t)d->cfg[reg + i] << (8 * i);
    return v;
}

void arch_pci_conf_write(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                         uint32_t val)
{
    struct fake_pci_dev *d = dev(bus, devfn);
    unsigned int i;

    fake_pci_writes++;
    if (!d || reg + size > 256)
        return;
    for (i = 0; i < size; i++)
        d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & d->ro[reg + i]) |
                                    ((val >> (8 * i)) & ~d->ro[reg + i]));
}

uint32_t arch_irq_dest_apic_id(void)
{
    return fake_dest_apic_id;
}

void arch_pci_mmcfg_write(uint64_t maddr, unsigned int size, uint32_t val)
{
    uint64_t off = (maddr >> PAGE_SHIFT) - FAKE_MCFG_MFN;
    unsigned int reg = (unsigned int)(maddr & (PAGE_SIZE - 1)), i;
    struct fake_pci_dev *d;

    fake_mmcfg_writes++;
    fake_mmcfg_last = (struct fake_mmcfg_write){ maddr, size, val };
    if ((maddr >> PAGE_SHIFT) < FAKE_MCFG_MFN || (off >> 8) != 0 || reg + size > 256 ||
        !(d = dev(0, (unsigned int)(off & 0xff))))
        return;
    for (i = 0; i < size; i++)
        d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & d->ro[reg + i]) |
                                    ((val >> (8 * i)) & ~d->ro[reg + i]));
}
