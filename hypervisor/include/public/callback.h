/*
 * __HYPERVISOR_callback_op(cmd, arg): register guest entry points.
 */
#ifndef __XEN_PUBLIC_CALLBACK_H__
#define __XEN_PUBLIC_CALLBACK_H__

#include "xen.h"

/* Which entry point (callback_register.type). */
#define CALLBACKTYPE_event               0  /* event upcall */
#define CALLBACKTYPE_failsafe            1  /* failed segment reload on return */
#define CALLBACKTYPE_syscall             2  /* 64-bit SYSCALL from guest user mode */
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi                 4  /* NMI */
#define CALLBACKTYPE_sysenter            5  /* SYSENTER from 32-bit user mode */
#define CALLBACKTYPE_syscall32           7  /* SYSCALL from 32-bit user mode */

/* callback_register.flags: mask events while the callback runs. */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events  (xen_mk_uint(1) << _CALLBACKF_mask_events)

#define CALLBACKOP_register   0   /* arg = callback_register */
#define CALLBACKOP_unregister 1   /* arg = callback_unregister */

#ifndef __ASSEMBLY__

struct callback_register {
    uint16_t type;              /* IN: CALLBACKTYPE_* */
    uint16_t flags;             /* IN: CALLBACKF_* */
    uint32_t _pad0;
    xen_callback_t address;     /* IN: guest virtual entry point */
};
typedef struct callback_register callback_register_t;

struct callback_unregister {
    uint16_t type;              /* IN: CALLBACKTYPE_* */
    uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;

XEN_ABI_SIZE(struct callback_register, 16);
XEN_ABI_OFFSET(struct callback_register, flags, 2);
XEN_ABI_OFFSET(struct callback_register, address, 8);
XEN_ABI_SIZE(struct callback_unregister, 4);

#endif /* !__ASSEMBLY__ */
#endif /* __XEN_PUBLIC_CALLBACK_H__ */
