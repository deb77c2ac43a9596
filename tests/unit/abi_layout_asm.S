/*
 * Part of test_abi_layout: the public headers must be usable from
 * assembly (as the hypervisor's entry code and the test guests use them).
 * Only assembled, never run.
 */
#include <public/xen.h>
#include <public/callback.h>
#include <public/elfnote.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/features.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/physdev.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/nmi.h>
#include <public/platform.h>
#include <public/io/ring.h>
#include <public/version.h>
#include <public/keel.h>
#include <public/io/console.h>
#include <public/io/xs_wire.h>

    .text
    mov     $__HYPERVISOR_iret, %eax
    movabs  $HYPERVISOR_VIRT_START, %rax
    movabs  $MACH2PHYS_VIRT_END, %rax
    mov     $DOMID_SELF, %edi
    mov     $(UVMF_INVLPG | UVMF_ALL), %edx
    mov     $FLAT_KERNEL_CS, %eax
    movabs  $XEN_RUNSTATE_UPDATE, %rax
    mov     $-XEN_ENOSYS, %rax
    mov     $GTF_permit_access, %eax
    mov     $CALLBACKF_mask_events, %eax
    mov     $VCPU_SSHOTTMR_future, %eax
    mov     $XENSTORE_RING_SIZE, %eax
    mov     $SCHEDOP_shutdown, %edi
    mov     $XEN_ELFNOTE_ENTRY, %eax
    mov     $XENPF_settime64, %eax
    mov     $XEN_NMIREASON_pci_serr, %eax
    .section .note.GNU-stack, "", @progbits
