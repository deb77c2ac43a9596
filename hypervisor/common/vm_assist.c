/*
 * vm_assist: the optional behaviours a PV domain turns on and off
 * (VMASST_TYPE_*, public/xen.h); those Keel offers a 64-bit PV guest are
 * VM_ASSIST_VALID_PV64.  State: the domain's vm_assist word.
 */
#include <keel/hypercall.h>
#include <keel/domain.h>

long do_vm_assist(uint64_t cmd, uint64_t type)
{
    struct domain *d = current->domain;

    if (type >= 64 || !(VM_ASSIST_VALID_PV64 & (1UL << type)))
        return -XEN_EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        d->vm_assist |= 1UL << type;
        return 0;
    case VMASST_CMD_disable:
        d->vm_assist &= ~(1UL << type);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
