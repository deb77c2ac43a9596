/*
 * keel-bootdesc: write the boot description (a DTB naming the domUs to
 * start at boot) from xl.cfg-style files, and print the multiboot module
 * list that goes with it.  See docs/boot-description.md.
 *
 *   keel-bootdesc -o boot.dtb [--dom0-initrd FILE] [MODE] domU.cfg...
 *   MODE: --print-modules (default)
 *         --qemu-initrd DOM0_KERNEL DOM0_ARGS [DOM0_INITRD]
 *         --grub DOM0_KERNEL DOM0_ARGS [DOM0_INITRD]
 *             [--hypervisor PATH] [--hypervisor-args ARGS]
 *   keel-bootdesc --dump boot.dtb [NR_MODULES]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/bdgen.h"
#include "../include/xlcfg.h"
#include "bootdesc_cli.h"

static const char usage[] =
    "usage: keel-bootdesc -o OUT.dtb [--dom0-initrd FILE] [MODE] DOMU.cfg...\n"
    "  MODE: --print-modules     list the multiboot modules (default)\n"
    "        --qemu-initrd DOM0_KERNEL DOM0_ARGS [DOM0_INITRD]\n"
    "                            print QEMU's -initrd argument\n"
    "        --grub DOM0_KERNEL DOM0_ARGS [DOM0_INITRD]\n"
    "                            print a GRUB multiboot2 menu entry body\n"
    "        --hypervisor PATH   (--grub) hypervisor image, default /boot/keel.elf\n"
    "        --hypervisor-args ARGS  (--grub) hypervisor command line\n"
    "       keel-bootdesc --dump FILE.dtb [NR_MODULES]\n"
    "                            check a DTB with the hypervisor's parser\n";

/* Take the optional DOM0_INITRD positional after DOM0_KERNEL DOM0_ARGS. */
static bool is_optional_initrd(const char *arg)
{
    size_t n = strlen(arg);

    return arg[0] != '-' && !(n >= 4 && strcmp(arg + n - 4, ".cfg") == 0);
}

static int parse_args(int argc, char **argv, struct cli *c)
{
    int i;

    memset(c, 0, sizeof(*c));
    c->mode = MODE_LIST;
    c->hypervisor = "/boot/keel.elf";
    c->hypervisor_args = "";
    c->cfgs = calloc((size_t)argc, sizeof(*c->cfgs));
    if (!c->cfgs)
        return -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;

        if (strcmp(a, "-o") == 0 && more) {
            c->out = argv[++i];
        } else if (strcmp(a, "--dom0-initrd") == 0 && more) {
            c->dom0_initrd = argv[++i];
        } else if (strcmp(a, "--print-modules") == 0) {
            c->mode = MODE_LIST;
        } else if ((strcmp(a, "--qemu-initrd") == 0 ||
                    strcmp(a, "--grub") == 0) && i + 2 < argc) {
            c->mode = a[2] == 'q' ? MODE_QEMU : MODE_GRUB;
            c->dom0_kernel = argv[++i];
            c->dom0_args = argv[++i];
            if (i + 1 < argc && is_optional_initrd(argv[i + 1]))
                c->dom0_initrd = argv[++i];
        } else if (strcmp(a, "--hypervisor") == 0 && more) {
            c->hypervisor = argv[++i];
        } else if (strcmp(a, "--hypervisor-args") == 0 && more) {
            c->hypervisor_args = argv[++i];
        } else if (strcmp(a, "--dump") == 0 && more) {
            c->mode = MODE_DUMP;
            c->dump = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (a[0] == '-' && strcmp(a, "-") != 0) {
            fprintf(stderr, "keel-bootdesc: %s: unknown option or missing "
                    "argument\n%s", a, usage);
            return -1;
        } else {
            c->cfgs[c->nr_cfgs++] = a;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c;
    int r;

    if (parse_args(argc, argv, &c) < 0) {
        free(c.cfgs);
        return 2;
    }
    if (c.mode == MODE_DUMP) {
        r = cli_dump(&c, c.nr_cfgs ? c.cfgs[0] : NULL);
    } else if (!c.out || !c.nr_cfgs) {
        fprintf(stderr, "keel-bootdesc: %s\n%s",
                !c.out ? "-o OUT.dtb is required" : "no domU config given",
                usage);
        r = 2;
    } else {
        r = cli_generate(&c);
    }
    free(c.cfgs);
    return r;
}
