/*
 * keel and the store: when keel-xenstored runs in dom0 (its socket
 * answers), keel create gives the guest its store page and port and
 * writes the domain's paths before unpausing it (lib/store_domain.c,
 * TOOLSTACK-ABI.md 2.3 and 2.5), and keel destroy (or the monitor's
 * on_* destroy) removes them and releases the domain.  Without a daemon
 * domains are built without a store, as before.
 *
 * KEEL_WITH_STORE=0 builds without a store even when the daemon runs;
 * KEEL_WITH_STORE=1 requires the daemon (create fails without it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_cli.h"
#include "keel_store.h"
#include "keelxs.h"

int keel_store_open(struct xs_handle **out)
{
    const char *env = getenv("KEEL_WITH_STORE");
    struct xs_handle *h;

    *out = NULL;
    if (env && !strcmp(env, "0"))
        return 0;
    h = xs_open(XS_OPEN_SOCKETONLY);
    if (!h) {
        if (env && !strcmp(env, "1")) {
            fprintf(stderr, "keel: KEEL_WITH_STORE=1 but the store daemon does not "
                    "answer: %s\n", strerror(errno));
            return -1;
        }
        return 0;
    }
    *out = h;
    return 0;
}

int keel_store_domain_add(struct xs_handle *xs, domid_t dom, const char *name,
                          uint64_t memory_mib, unsigned int vcpus,
                          const struct keel_rec *rec, char *err, size_t errlen)
{
    struct keel_store_domain d = {
        .domid = dom,
        .name = name,
        .memory_kib = memory_mib * 1024,
        .vcpus = vcpus,
        .store_mfn = rec->store_mfn,
        .store_port = rec->store_port,
        .console_mfn = rec->console_mfn,
        .console_port = rec->console_port,
    };

    return keel_store_introduce(xs, &d, err, errlen);
}

/*
 * The store for taking a domain's disks and vifs away (destroy, the
 * monitor): the daemon if it answers, whatever KEEL_WITH_STORE says.
 * Those devices exist only because the store ran when they were added,
 * and only the store tells xen-blkback and xen-netback to let go (their
 * backend directories' removal, TOOLSTACK-ABI.md 4.6): skipped, the loop
 * device and the vif<D>.<N> keel set up stayed behind.
 * KEEL_WITH_STORE=0 still leaves the domain's own paths and XS_RELEASE
 * out.  NULL when no daemon answers.
 */
struct xs_handle *keel_store_open_devices(void)
{
    return xs_open(XS_OPEN_SOCKETONLY);
}

void keel_store_domain_remove(domid_t dom, const char *verb)
{
    struct xs_handle *xs;
    char err[256];

    if (keel_store_open(&xs) < 0 || !xs)
        return;
    /* Its devices first, as libxl's domain destroy (FORCE_ON). */
    keel_vifs_remove_all(xs, dom, verb);
    if (keel_store_release(xs, dom, err, sizeof(err)) < 0)
        fprintf(stderr, "keel %s: domain %u: %s\n", verb, dom, err);
    xs_close(xs);
}
