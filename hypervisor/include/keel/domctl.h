/*
 * Domain control for the control domain: __HYPERVISOR_domctl and
 * __HYPERVISOR_sysctl (common/domctl.c, common/sysctl.c), Xen's public
 * interface 0x15 (public/domctl.h, public/sysctl.h).
 */
#ifndef KEEL_DOMCTL_H
#define KEEL_DOMCTL_H
#include <keel/types.h>
#include <public/domctl.h>
struct domain;
struct vcpu;

long do_domctl(uint64_t op);
long do_sysctl(uint64_t op);

/* The domain with the least id >= id (reserved ids included), or NULL.
 * The domain list is only appended to at boot: no lock needed. */
struct domain *domain_next_from(domid_t id);

/* Fill info as XEN_DOMCTL_getdomaininfo reports d (no locks; a snapshot). */
void domctl_domaininfo(const struct domain *d, struct xen_domctl_getdomaininfo *info);

/* ns v has run, including its current stint if it is running now. */
uint64_t vcpu_cpu_time(const struct vcpu *v, uint64_t now);
#endif
