/*
 * keel network-attach / network-detach / network-list: xl's verbs
 * (xl(1), tools/xl/xl_vif.c in Xen 4.17), over vif.c.
 *
 *   network-attach DOMAIN [KEY=VALUE...]   one vif spec, its keys as
 *       separate words (xl) or comma-separated; devid defaults to the
 *       highest in use plus one (libxl__device_nextid)
 *   network-detach DOMAIN DEVID|MAC
 *   network-list DOMAIN...                 xl's table, one line per vif
 *
 * Exit status as xl: 1 with one line on stderr when a verb fails or a
 * domain does not exist (xl 4.17's find_domain exits there; network-list
 * has then printed its header and the domains before it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_cli.h"
#include "keel_xsdev.h"
#include "keelxs.h"
#include "xlcfg.h"

#define MAX_LISTED 64

/* The store (required for these verbs) and the domain: 0 or -1 (printed). */
static int open_dom(const char *verb, const char *arg, struct xs_handle **xs, domid_t *dom)
{
    if (keel_dom_lookup(verb, arg, dom) < 0)
        return -1;
    if (keel_store_open(xs) < 0)
        return -1;
    if (!*xs) {
        fprintf(stderr, "keel %s: network devices need the store (keel-xenstored is not "
                "running)\n", verb);
        return -1;
    }
    return 0;
}

int keel_cmd_network_attach(int argc, char **argv)
{
    char spec[1024] = "", err[512];
    struct xlcfg_vif v;
    struct xs_handle *xs;
    uint32_t ids[MAX_LISTED];
    bool given;
    domid_t dom;
    int i, n, rc;

    if (argc < 2) {
        fprintf(stderr, "keel network-attach: expects a domain and a vif spec "
                "(e.g. bridge=xenbr0 mac=00:16:3e:00:00:01)\n");
        return 1;
    }
    for (i = 2; i < argc; i++) {
        if (strlen(spec) + strlen(argv[i]) + 2 > sizeof(spec)) {
            fprintf(stderr, "keel network-attach: the vif spec is too long\n");
            return 1;
        }
        if (spec[0])
            strcat(spec, ",");
        strcat(spec, argv[i]);
    }
    if (xlcfg_vif_parse(spec, "keel network-attach", NULL, &v, &given, stderr, err,
                        sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (open_dom("network-attach", argv[1], &xs, &dom) < 0)
        return 1;
    if (dom == 0) {
        fprintf(stderr, "keel network-attach: Domain-0 has no frontends\n");
        xs_close(xs);
        return 1;
    }
    if (!given) {
        n = keel_xsdev_list(xs, "vif", dom, 0, ids, MAX_LISTED, err, sizeof(err));
        if (n < 0) {
            fprintf(stderr, "keel network-attach: %s\n", err);
            xs_close(xs);
            return 1;
        }
        v.devid = 0;
        for (i = 0; i < n && i < MAX_LISTED; i++)
            if (ids[i] + 1 > v.devid)
                v.devid = ids[i] + 1;
    }
    rc = keel_vif_add(xs, dom, &v, err, sizeof(err));
    xs_close(xs);
    if (rc < 0) {
        fprintf(stderr, "keel network-attach: domain %u: vif %u: %s\n", dom, v.devid, err);
        return 1;
    }
    return 0;
}

/* The devid whose mac (frontend's or backend's) is mac: 0 or -ENOENT. */
static int devid_of_mac(struct xs_handle *xs, domid_t dom, const uint8_t mac[6], uint32_t *out)
{
    uint32_t ids[MAX_LISTED];
    char err[256];
    int n = keel_xsdev_list(xs, "vif", dom, 0, ids, MAX_LISTED, err, sizeof(err)), i;

    for (i = 0; i < n && i < MAX_LISTED; i++) {
        struct keel_xsdev_id id = { "vif", dom, 0, ids[i] };
        char *m = keel_xsdev_backend_read(xs, &id, "mac");
        uint8_t b[6];
        bool same = m && !xlcfg_mac_parse(m, b) && !memcmp(b, mac, 6);

        free(m);
        if (same) {
            *out = ids[i];
            return 0;
        }
    }
    return -ENOENT;
}

int keel_cmd_network_detach(int argc, char **argv)
{
    struct xs_handle *xs;
    char err[512], *end;
    uint8_t mac[6];
    uint32_t devid;
    domid_t dom;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "keel network-detach: expects a domain and a devid or MAC address\n");
        return 1;
    }
    if (open_dom("network-detach", argv[1], &xs, &dom) < 0)
        return 1;
    if (!xlcfg_mac_parse(argv[2], mac)) {
        rc = devid_of_mac(xs, dom, mac, &devid);
    } else {
        unsigned long d = strtoul(argv[2], &end, 10);
        struct keel_xsdev_id id = { "vif", dom, 0, (uint32_t)d };

        devid = (uint32_t)d;
        rc = (argv[2][0] < '0' || argv[2][0] > '9' || *end || d > 65535) ? -EINVAL
             : keel_xsdev_backend_state(xs, &id) < 0 ? -ENOENT : 0;
    }
    if (rc < 0) {
        /* xl: "Unknown device %s." */
        fprintf(stderr, "keel network-detach: domain %u: unknown device %s\n", dom, argv[2]);
        xs_close(xs);
        return 1;
    }
    rc = keel_vif_remove(xs, dom, devid, false, err, sizeof(err));
    xs_close(xs);
    if (rc == -ETIMEDOUT) {
        /* libxl: "Timeout reached, initiating forced remove", and the
         * removal succeeds; the directories are gone (lib/xsdev.c). */
        fprintf(stderr, "keel network-detach: domain %u: vif %u: warning: %s\n", dom, devid,
                err);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "keel network-detach: domain %u: vif %u: %s\n", dom, devid, err);
        return 1;
    }
    return 0;
}

/* A number key of dir, or -1 (libxl_device_nic_getinfo's default). */
static long read_num(struct xs_handle *xs, const char *dir, const char *key)
{
    char p[300], *v, *end;
    unsigned int len;
    long n = -1;

    snprintf(p, sizeof(p), "%s/%s", dir, key);
    v = xs_read(xs, XBT_NULL, p, &len);
    if (v) {
        n = strtol(v, &end, 10);
        if (end == v || *end)
            n = -1;
        free(v);
    }
    return n;
}

static void list_one(struct xs_handle *xs, domid_t dom)
{
    uint32_t ids[MAX_LISTED];
    char err[256], fe[128], be[128];
    int n = keel_xsdev_list(xs, "vif", dom, 0, ids, MAX_LISTED, err, sizeof(err)), i;

    if (n < 0) {
        fprintf(stderr, "keel network-list: domain %u: %s\n", dom, err);
        return;
    }
    for (i = 0; i < n && i < MAX_LISTED; i++) {
        struct keel_xsdev_id id = { "vif", dom, 0, ids[i] };
        char *mac = keel_xsdev_backend_read(xs, &id, "mac");

        keel_xsdev_fe_path(&id, fe, sizeof(fe));
        keel_xsdev_be_path(&id, be, sizeof(be));
        /* xl_vif.c main_networklist: Idx BE, MAC, then
         * "%6d %5d %6d %5d/%-11d %-30s". */
        printf("%-3u %-2d ", ids[i], 0);
        printf("%-17s", mac ? mac : "-");
        printf("%6u %5d %6ld %5ld/%-11ld %-30s\n", ids[i], keel_xsdev_backend_state(xs, &id),
               read_num(xs, fe, "event-channel"), read_num(xs, fe, "tx-ring-ref"),
               read_num(xs, fe, "rx-ring-ref"), be);
        free(mac);
    }
}

int keel_cmd_network_list(int argc, char **argv)
{
    int i;

    if (argc < 2) {
        fprintf(stderr, "keel network-list: expects at least one domain\n");
        return 1;
    }
    printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
           "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    for (i = 1; i < argc; i++) {
        struct xs_handle *xs;
        domid_t dom;

        fflush(stdout);
        if (open_dom("network-list", argv[i], &xs, &dom) < 0)
            return 1;
        list_one(xs, dom);
        xs_close(xs);
    }
    return 0;
}
