/* keel-bootdesc: shared between its command files. */
#ifndef KEEL_BOOTDESC_CLI_H
#define KEEL_BOOTDESC_CLI_H
#include <stdbool.h>
#include <stdint.h>

#include "../include/bdgen.h"
#include "../include/xlcfg.h"

enum cli_mode { MODE_LIST, MODE_QEMU, MODE_GRUB, MODE_DUMP };

struct cli {
    enum cli_mode mode;
    const char *out;                    /* -o */
    const char *dom0_kernel, *dom0_args, *dom0_initrd;
    const char *hypervisor, *hypervisor_args;
    const char *dump;
    const char **cfgs;
    int nr_cfgs;
};

/* One multiboot module, in order. */
struct module {
    const char *path;
    const char *args;                   /* "" if none */
    const char *role;                   /* for --print-modules */
    const char *domain;                 /* domU name, or NULL */
};

#define MAX_DOMUS 128

int cli_generate(const struct cli *c);
int cli_dump(const struct cli *c, const char *nr_modules);
/* Print the module list in c->mode's form (only check it if !print);
 * -1 (message printed) if a
 * path or argument cannot be expressed in that form. */
int cli_print(const struct cli *c, const struct module *m, uint32_t n,
              bool print);

#endif
