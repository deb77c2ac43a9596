/* Building a PV domain's start-of-day state from a kernel image. */
#ifndef KEEL_DOM0_BUILD_H
#define KEEL_DOM0_BUILD_H
#include <keel/types.h>
struct domain;

struct dom0_params {
    const void *kernel;
    size_t kernel_len;
    const void *initrd;
    size_t initrd_len;
    const char *cmdline;
    uint64_t nr_pages;
    bool privileged;
};

/* 0, or a negative error with a one-line reason in err. */
int pv_build_domain(struct domain *d, const struct dom0_params *p, char *err, size_t errlen);
#endif
