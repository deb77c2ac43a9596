/*
 * Xen's side of test_abi_layout: the numbers from Xen's own public headers
 * (Debian libxen-dev, /usr/include/xen), seen as the toolstack sees them
 * (__XEN_TOOLS__: latest interface version, tools-only constants too).
 */
#define __XEN_TOOLS__ 1
#include <errno.h>      /* xs_wire.h's xsd_errors table uses libc's E* */
#include <stddef.h>     /* ring.h uses offsetof and memset */
#include <stdint.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/elfnote.h>
#include <xen/errno.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/nmi.h>
#include <xen/platform.h>
#include <xen/version.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
/* ring.h wants the includer's barriers. */
#define xen_mb()  __asm__ __volatile__("mfence" ::: "memory")
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#include <xen/io/ring.h>

#define ABI_TABLE_NAME abi_xen_table
#include "abi_layout_gen.h"
