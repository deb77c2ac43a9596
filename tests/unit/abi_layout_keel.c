/*
 * Keel's side of test_abi_layout: the same list, from
 * hypervisor/include/public.
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
#include <public/version.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/keel.h>
#include <public/io/console.h>
#include <public/io/xs_wire.h>
#include <public/io/ring.h>

#define ABI_TABLE_NAME abi_keel_table
#include "abi_layout_gen.h"
