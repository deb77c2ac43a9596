/*
 * The PV console ring page (start_info.console.domU.mfn), shared between
 * a guest and the console backend.  Indexes run freely; the position in a
 * ring is the index modulo the ring size (MASK_XENCONS_IDX).
 * in: backend -> guest (keyboard); out: guest -> backend (screen).
 * A producer writes data, then advances *_prod (write barrier between),
 * then notifies the event channel.
 */
#ifndef __XEN_PUBLIC_IO_CONSOLE_H__
#define __XEN_PUBLIC_IO_CONSOLE_H__

#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

#ifndef __ASSEMBLY__
#include <stdint.h>
#include "../abi-check.h"

typedef uint32_t XENCONS_RING_IDX;

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

XEN_ABI_SIZE(struct xencons_interface, 3088);
XEN_ABI_OFFSET(struct xencons_interface, out, 1024);
XEN_ABI_OFFSET(struct xencons_interface, in_cons, 3072);
XEN_ABI_OFFSET(struct xencons_interface, in_prod, 3076);
XEN_ABI_OFFSET(struct xencons_interface, out_cons, 3080);
XEN_ABI_OFFSET(struct xencons_interface, out_prod, 3084);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_IO_CONSOLE_H__ */
