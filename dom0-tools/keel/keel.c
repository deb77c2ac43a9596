/*
 * keel: the dom0 command line, with xl's verbs, flags, output formats and
 * exit codes wherever Keel offers the same verb (xl(1), tools/xl in Xen
 * 4.17), so that a script written for xl runs with keel in its place.
 *
 * Verbs so far: info, list, dmesg, vcpu-list, vcpu-pin, sched-credit2, mem-max, top,
 * create, destroy, pause, unpause, console, shutdown, reboot, mem-set,
 * vcpu-set, network-attach, network-detach, network-list.  Each verb is a function in the table below;
 * unknown verbs and bad arguments print one line and exit 1 (xl's
 * EXIT_FAILURE); `keel help` and `keel VERB --help` print usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keelctl.h"
#include "keel_cli.h"

static const struct keel_verb verbs[] = {
    { "info", keel_cmd_info, "info", "Print information about the host" },
    { "list", keel_cmd_list, "list [-l] [--json] [DOMAIN...]",
      "List information about all or some domains" },
    { "dmesg", keel_cmd_dmesg, "dmesg [-c]",
      "Read the hypervisor's message buffer (-c: and clear it)" },
    { "vcpu-list", keel_cmd_vcpu_list, "vcpu-list [DOMAIN...]",
      "List the vCPUs of all or some domains" },
    { "vcpu-pin", keel_cmd_vcpu_pin, "vcpu-pin [-f] DOMAIN VCPU|all HARD|- [SOFT|-]",
      "Set a vCPU's hard (and soft) CPU affinity (CPU lists as xl: 0-3,^2 or all)" },
    { "sched-credit2", keel_cmd_sched_credit2, "sched-credit2 [-d DOMAIN [-w WEIGHT] [-c CAP]]",
      "Get or set a domain's credit2 weight and cap" },
    { "mem-max", keel_cmd_mem_max, "mem-max DOMAIN AMOUNT",
      "Set a domain's memory limit (AMOUNT in MiB, or with b/k/m/g/t)" },
    { "shutdown", keel_cmd_shutdown, "shutdown [-w] DOMAIN",
      "Ask a domain to power off (control/shutdown); -w waits until it has" },
    { "reboot", keel_cmd_reboot, "reboot [-w] DOMAIN",
      "Ask a domain to reboot (control/shutdown)" },
    { "mem-set", keel_cmd_mem_set, "mem-set DOMAIN AMOUNT",
      "Set a domain's memory target (its balloon driver follows)" },
    { "vcpu-set", keel_cmd_vcpu_set, "vcpu-set DOMAIN VCPUS",
      "Set how many of a domain's vCPUs are online (cpu/N/availability)" },
    { "top", keel_cmd_top, "top [-b|--batch] [--json] [-d SECONDS] [-i ITERATIONS] [-s COLUMN]",
      "Per-domain CPU, memory, vCPUs and interference (steal, wake-up latency, preemptions, flushes)" },
    { "bench", keel_cmd_bench, "bench isolation EXPERIMENT [-o DIR]",
      "Run a noisy-neighbour experiment and write its report (docs/isolation.md)" },
    { "vstats", keel_cmd_vstats, "vstats DOMAIN [VCPU] [--json]",
      "Print a domain's (or vCPU's) interference counters as the hypervisor keeps them" },
    { "create", keel_cmd_create, "create [-p] [-c] FILE [KEY=VALUE...]",
      "Create a domain from an xl.cfg file (-p paused, -c attach its console)" },
    { "destroy", keel_cmd_destroy, "destroy DOMAIN", "Terminate a domain immediately" },
    { "pause", keel_cmd_pause, "pause DOMAIN", "Pause execution of a domain" },
    { "unpause", keel_cmd_unpause, "unpause DOMAIN", "Unpause a paused domain" },
    { "network-attach", keel_cmd_network_attach, "network-attach DOMAIN [KEY=VALUE...]",
      "Create a network device (vif) for a domain" },
    { "network-detach", keel_cmd_network_detach, "network-detach DOMAIN DEVID|MAC",
      "Remove a domain's network device" },
    { "network-list", keel_cmd_network_list, "network-list DOMAIN...",
      "List the network devices of domains" },
    { "console", keel_cmd_console, "console [-t pv] [--timeout SECONDS] DOMAIN",
      "Attach to a domain's console (CTRL-] detaches)" },
    { "block-attach", keel_cmd_block_attach, "block-attach DOMAIN DISKSPEC...",
      "Hot-plug a disk (xl.cfg disk= syntax) into a domain" },
    { "block-detach", keel_cmd_block_detach, "block-detach [-f] DOMAIN DEVID|VDEV",
      "Unplug a disk (-f: without waiting for the guest)" },
    { "block-list", keel_cmd_block_list, "block-list DOMAIN...",
      "List a domain's disks" },
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "Usage: keel VERB [args]\n\nVerbs:\n");
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        fprintf(f, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
}

const char *keel_prog = "keel";

int keel_open_ctl(struct keelctl *h)
{
    int rc = keelctl_open(h, getenv("KEEL_PRIVCMD"));

    if (rc < 0)
        fprintf(stderr, "keel: cannot open %s: %s (is this dom0 with xen-privcmd loaded?)\n",
                getenv("KEEL_PRIVCMD") ? getenv("KEEL_PRIVCMD") : KEELCTL_PRIVCMD,
                strerror(-rc));
    return rc;
}

int keel_dom_lookup(const char *verb, const char *arg, domid_t *dom)
{
    struct keelctl h;
    int rc;

    if (keel_open_ctl(&h) < 0)
        return -1;
    rc = keel_dom_resolve(&h, verb, arg, dom);
    keelctl_close(&h);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        if (strcmp(argv[1], verbs[i].name))
            continue;
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            printf("Usage: keel %s\n\n%s.\n", verbs[i].usage, verbs[i].summary);
            return 0;
        }
        return verbs[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "keel: unknown verb '%s' (keel help lists them)\n", argv[1]);
    return 1;
}
