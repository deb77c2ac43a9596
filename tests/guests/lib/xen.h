/* The Xen public ABI as seen by the test guests (Keel's public headers,
 * which use Xen's names and layouts). */
#ifndef GUEST_XEN_H
#define GUEST_XEN_H
#include <public/xen.h>
#include <public/errno.h>
#include <public/callback.h>
#include <public/features.h>
#include <public/physdev.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#endif
