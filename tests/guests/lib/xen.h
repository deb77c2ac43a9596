/* The Xen public ABI as seen by the test guests (one include point). */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H
#include "xen-min.h"
#endif
