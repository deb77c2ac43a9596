/*
 * Keel-private guest ABI extensions.  Reserved: nothing is defined here
 * yet.  Anything added must not reuse a number Xen assigns, and must be
 * documented in docs/abi.md.
 */
#ifndef __KEEL_PUBLIC_KEEL_H__
#define __KEEL_PUBLIC_KEEL_H__

#include "xen.h"

#endif /* __KEEL_PUBLIC_KEEL_H__ */
