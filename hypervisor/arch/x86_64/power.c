/*
 * Ending the machine.  In QEMU the isa-debug-exit device (port 0xf4)
 * makes the emulator exit with status ((0x10 + reason) << 1) | 1, so a
 * test harness reads dom0's shutdown reason; otherwise QEMU's ACPI PM
 * ports are tried, and on anything else the CPU halts.
 */
#include <keel/smp.h>
#include <keel/sched.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <asm/processor.h>

static bool running_in_qemu(void)
{
    uint32_t a, b, c, d;
    char sig[13];

    cpuid_count(1, 0, &a, &b, &c, &d);
    if (!(c & (1u << 31)))
        return false;
    cpuid_count(0x40000000, 0, &a, &b, &c, &d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = '\0';
    return !strcmp(sig, "TCGTCGTCGTCG") || !strcmp(sig, "KVMKVMKVM");
}

void machine_halt(void)
{
    smp_stop_others();
    console_start_sync();       /* what waits for the UART, then the rest */
    printk("Keel: halted.\n");
    for (;;)
        asm volatile("cli; hlt");
}

void machine_power_off(unsigned int reason)
{
    console_start_sync();       /* the last lines reach the log before QEMU exits */
    printk("Keel: powering off (dom0 shutdown reason %u)\n", reason);
    outb(0xf4, (uint8_t)(0x10 + reason));
    if (running_in_qemu()) {
        outw(0x604, 0x2000);     /* QEMU q35/piix ACPI PM1a_CNT: S5 */
        outw(0xb004, 0x2000);    /* older QEMU/Bochs */
    }
    machine_halt();
}
