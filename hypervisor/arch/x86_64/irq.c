/*
 * External interrupts: the local APIC timer (vCPU timers, time slices),
 * the two IPIs (keel/smp.h), the spurious vector, and the IO-APIC pins
 * (GSI vectors, ioapic.c: raised for delivery to dom0 as events) and
 * MSIs (their vectors, common/msi.c: likewise);
 * anything else is logged and ignored.  This may run without the hypervisor lock (an
 * interrupt of the idle halt), so it only marks work for later.
 */
#include <keel/console.h>
#include <keel/time.h>
#include <keel/smp.h>
#include <keel/irq.h>
#include <asm/regs.h>
#include <asm/processor.h>

void do_irq(struct guest_regs *regs)
{
    switch (regs->vector) {
    case TIMER_VECTOR:
        arch_timer_ack();
        this_pcpu()->timers_dirty = true;
        break;
    case EVENT_CHECK_VECTOR:
        arch_timer_ack();       /* EOI; the way out looks at the work */
        break;
    case INVALIDATE_VECTOR:
        flush_tlb_serve();
        arch_timer_ack();
        break;
    case SPURIOUS_VECTOR:
        break;
    default:
        if (regs->vector >= GSI_VECTOR_BASE && regs->vector < GSI_VECTOR_BASE + NR_GSIS) {
            ioapic_irq((unsigned int)(regs->vector - GSI_VECTOR_BASE));
            break;
        }
        if (regs->vector >= MSI_VECTOR_BASE && regs->vector < MSI_VECTOR_END) {
            msi_irq((unsigned int)regs->vector);
            break;
        }
        gdprintk("unexpected interrupt, vector %lu\n", regs->vector);
    }
}

/*
 * The legacy 8259 PICs: the BIOS leaves IRQ 0-7 on vectors 8-15, which
 * are exception vectors in long mode.  Remap them to 0x20-0x2f and mask
 * every line; the hypervisor uses the local APIC when it needs interrupts.
 */
void pic_disable(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}
