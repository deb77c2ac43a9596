/*
 * External interrupts: the local APIC timer (vCPU timers, time slices)
 * and the spurious vector; anything else is logged and ignored.
 */
#include <keel/console.h>
#include <keel/time.h>
#include <asm/regs.h>
#include <asm/processor.h>

void do_irq(struct guest_regs *regs)
{
    switch (regs->vector) {
    case TIMER_VECTOR:
        arch_timer_ack();
        timers_run();
        break;
    case SPURIOUS_VECTOR:
        break;
    default:
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
