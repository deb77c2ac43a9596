/* Fake IO-APIC pins: record what common/pirq.c asks of the hardware. */
#include <keel/irq.h>
#include <keel/lib.h>
#include <fake/fake.h>
#include <public/errno.h>

struct fake_pin fake_pins[96];
_Static_assert(ARRAY_SIZE(fake_pins) >= NR_GSIS, "a fake pin per GSI");

void fake_pins_reset(void)
{
    unsigned int i;

    memset(fake_pins, 0, sizeof(fake_pins));
    for (i = 0; i < ARRAY_SIZE(fake_pins); i++)
        fake_pins[i].masked = true;
}

void arch_gsi_program(unsigned int gsi, bool level, bool active_low)
{
    fake_pins[gsi] = (struct fake_pin){ true, level, active_low, true, fake_pins[gsi].programs + 1 };
}

void arch_gsi_mask(unsigned int gsi, bool masked)
{
    fake_pins[gsi].masked = masked;
}

/* No IO-APIC in the fake machine. */
int ioapic_guest_read(uint64_t physbase, uint32_t reg, uint32_t *val)
{
    (void)physbase;
    (void)reg;
    (void)val;
    return -XEN_EINVAL;
}
