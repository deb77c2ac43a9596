/*
 * Xen's side of test_abi_layout: the numbers from Xen's own public headers
 * (Debian libxen-dev, /usr/include/xen), seen as the toolstack sees them
 * (__XEN_TOOLS__: latest interface version, tools-only constants too).
 */
#define __XEN_TOOLS__ 1
#include <errno.h>      /* xs_wire.h's xsd_errors table uses libc's E* */
#include <stdint.h>
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
#include <xen/version.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

#define ABI_TABLE_NAME abi_xen_table
#include "abi_layout_gen.h"
