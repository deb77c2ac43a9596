/*
 * platform_op for the hardware domain (public/platform.h): the physical
 * CPUs, the wall clock, firmware information, and ACPI S5.  Every other
 * command is -ENOSYS; docs/abi.md lists each with its effect on Linux.
 * Xen 4.17's answers are followed (xen/arch/x86/platform_hypercall.c):
 * -EPERM for a domain that is not privileged, -EACCES for another
 * interface version.  Runs under the hypervisor lock.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>
#include <keel/guest_access.h>
#include <keel/acpi.h>
#include <keel/irq.h>
#include <keel/smp.h>
#include <keel/sched.h>
#include <keel/time.h>
#include <keel/console.h>
#include <keel/mm.h>
#include <keel/lib.h>
#include <public/platform.h>
#include <asm/processor.h>

#define ACPI_SLEEP_EN (1u << 13)       /* PM1_CNT.SLP_EN */

static uint32_t acpi_id_of(unsigned int cpu)
{
    unsigned int i;

    for (i = 0; i < acpi_platform.nr_cpus; i++)
        if (acpi_platform.cpu[i].apic_id == pcpus[cpu].apic_id)
            return acpi_platform.cpu[i].acpi_id;
    return cpu;
}

/* Xen: INVALID for a CPU that is not present; max_present in any case. */
static void get_cpuinfo(struct xenpf_pcpuinfo *c)
{
    unsigned int cpu = c->xen_cpuid;

    c->max_present = nr_cpus_online - 1;
    c->flags = 0;
    if (cpu >= NR_CPUS_MAX || !pcpus[cpu].online) {
        c->flags = XEN_PCPU_FLAGS_INVALID;
        return;
    }
    c->flags = XEN_PCPU_FLAGS_ONLINE;
    c->apic_id = pcpus[cpu].apic_id;
    c->acpi_id = acpi_id_of(cpu);
}

/* Keel collected no BIOS disk, EDID or EFI data: -ESRCH past the end of
 * the (empty) lists as Xen; EFI as a Xen built without EFI; the keyboard
 * shift flags from the BIOS data area, as Xen read them at boot. */
static long firmware_info(struct xenpf_firmware_info *f)
{
    switch (f->type) {
    case XEN_FW_DISK_INFO:
    case XEN_FW_DISK_MBR_SIGNATURE:
    case XEN_FW_VBEDDC_INFO:
        return -XEN_ESRCH;
    case XEN_FW_EFI_INFO:
        return -XEN_ENOSYS;
    case XEN_FW_KBD_SHIFT_FLAGS:
        if (f->index)
            return -XEN_EINVAL;
        f->u.kbd_shift_flags = *(const uint8_t *)maddr_to_virt(0x417);
        return 0;
    default:
        return -XEN_EINVAL;
    }
}

/*
 * S5 only: ACPICA wrote SLP_TYP itself and hands over the PM1 values with
 * SLP_EN (Linux's drivers/xen/acpi.c); writing them powers the machine
 * off.  If it is still running afterwards, 0 is returned and dom0 goes on
 * to SCHEDOP_shutdown.  S1-S4 need the hypervisor to suspend itself:
 * -EOPNOTSUPP.  The extended (hardware-reduced) interface: -EOPNOTSUPP.
 */
static long enter_acpi_sleep(const struct xenpf_enter_acpi_sleep *s)
{
    if (s->flags & ~XENPF_ACPI_SLEEP_EXTENDED)
        return -XEN_EINVAL;
    if (s->sleep_state != 5 || (s->flags & XENPF_ACPI_SLEEP_EXTENDED))
        return -XEN_EOPNOTSUPP;
    if (!acpi_platform.pm1a_cnt)
        return -XEN_EPERM;     /* Xen: no PM1a control block */
    irq_report();
    printk("ACPI: dom0 enters S5 (PM1a_CNT %#x <- %#x)\n", acpi_platform.pm1a_cnt, s->val_a);
    outw((uint16_t)acpi_platform.pm1a_cnt, s->val_a);
    if (acpi_platform.pm1b_cnt)
        outw((uint16_t)acpi_platform.pm1b_cnt, s->val_b);
    return 0;
}

static long platform_cmd(struct xen_platform_op *op)
{
    switch (op->cmd) {
    case XENPF_get_cpuinfo:
        get_cpuinfo(&op->u.pcpu_info);
        return 0;
    case XENPF_settime64:
        if (op->u.settime64.mbz || op->u.settime64.nsecs >= 1000000000u)
            return -XEN_EINVAL;
        time_set_wallclock(op->u.settime64.secs, op->u.settime64.nsecs,
                           op->u.settime64.system_time);
        return 0;
    case XENPF_settime32:
        if (op->u.settime32.nsecs >= 1000000000u)
            return -XEN_EINVAL;
        time_set_wallclock(op->u.settime32.secs, op->u.settime32.nsecs,
                           op->u.settime32.system_time);
        return 0;
    case XENPF_firmware_info:
        return firmware_info(&op->u.firmware_info);
    case XENPF_enter_acpi_sleep:
        return enter_acpi_sleep(&op->u.enter_acpi_sleep);
    default:
        return -XEN_ENOSYS;
    }
}

long do_platform_op(uint64_t arg)
{
    struct xen_platform_op op;
    long rc;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -XEN_EACCES;
    rc = platform_cmd(&op);
    if (!rc && (op.cmd == XENPF_get_cpuinfo || op.cmd == XENPF_firmware_info) &&
        copy_to_guest(arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
