/*
 * keel destroy / pause / unpause DOM: xl's verbs (DOM a name or a domid).
 * destroy removes keel's record of the domain; a domain still mapped by
 * someone (a console) stays listed as dying until that mapping goes, as
 * in Xen.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keel_cli.h"

static int one_domain_op(int argc, char **argv, uint32_t cmd, const char *what)
{
    struct xen_domctl op;
    struct keelctl h;
    domid_t dom;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "keel %s: expects exactly one domain (name or id)\n", argv[0]);
        return 1;
    }
    if (keel_open_ctl(&h) < 0)
        return 1;
    if (keel_dom_resolve(&h, argv[0], argv[1], &dom) < 0) {
        keelctl_close(&h);
        return 1;
    }
    if (dom == 0) {
        fprintf(stderr, "keel %s: cannot %s Domain-0\n", argv[0], what);
        keelctl_close(&h);
        return 1;
    }
    /* Its store paths and ring go first (the ring mapping would keep
     * the dying domain's page). */
    if (cmd == XEN_DOMCTL_destroydomain) {
        /* Its devices, forced as libxl's destroy, also with
         * KEEL_WITH_STORE=0: only the store releases them. */
        keel_vbd_remove_all(dom, argv[0]);
        keel_vif_remove_all(dom, argv[0]);
        keel_store_domain_remove(dom, argv[0]);
    }
    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.domain = dom;
    rc = keelctl_domctl(&h, &op);
    if (rc < 0) {
        fprintf(stderr, "keel %s: domain %u: %s\n", argv[0], dom, strerror(-rc));
        keelctl_close(&h);
        return 1;
    }
    if (cmd == XEN_DOMCTL_destroydomain)
        keel_rec_remove(dom);
    keelctl_close(&h);
    return 0;
}

int keel_cmd_destroy(int argc, char **argv)
{
    return one_domain_op(argc, argv, XEN_DOMCTL_destroydomain, "destroy");
}

int keel_cmd_pause(int argc, char **argv)
{
    return one_domain_op(argc, argv, XEN_DOMCTL_pausedomain, "pause");
}

int keel_cmd_unpause(int argc, char **argv)
{
    return one_domain_op(argc, argv, XEN_DOMCTL_unpausedomain, "unpause");
}
