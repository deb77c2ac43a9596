/*
 * keel-bootdesc: print the multiboot module list as a plain list, as
 * QEMU's -initrd argument or as GRUB multiboot2 commands.
 *
 * QEMU splits -initrd at ',' and takes a module's file name up to the
 * first space, so neither may hold a ','; GRUB would interpret quotes,
 * '$', ';' and the like, so those are refused rather than escaped.
 */
#include <stdio.h>
#include <string.h>

#include "bootdesc_cli.h"

static const char grub_special[] = "\"'\\$;|&<>{}#`";

static int refuse(const struct module *m, const char *what, const char *why)
{
    fprintf(stderr, "keel-bootdesc: %s%s%s %s \"%s\": %s\n",
            m->domain ? m->domain : "", m->domain ? ": " : "", m->role, what,
            !strcmp(what, "path") ? m->path : m->args, why);
    return -1;
}

static bool has_space(const char *s)
{
    return strpbrk(s, " \t\n\r\v\f") != NULL;
}

static int check_qemu(const struct module *m)
{
    if (!m->path[0])
        return refuse(m, "path", "empty");
    if (strchr(m->path, ','))
        return refuse(m, "path", "QEMU splits -initrd at ',': rename the file");
    if (has_space(m->path))
        return refuse(m, "path", "QEMU ends a module's file name at a space");
    if (strchr(m->args, ','))
        return refuse(m, "arguments", "QEMU splits -initrd at ','");
    if (strpbrk(m->args, "\n\r"))
        return refuse(m, "arguments", "contains a newline");
    return 0;
}

static int check_grub(const struct module *m)
{
    if (!m->path[0])
        return refuse(m, "path", "empty");
    if (has_space(m->path) || strpbrk(m->path, grub_special))
        return refuse(m, "path", "holds a space or a character GRUB interprets");
    if (strpbrk(m->args, grub_special) || strpbrk(m->args, "\n\r"))
        return refuse(m, "arguments", "holds a character GRUB interprets");
    return 0;
}

static void print_list(const struct module *m, uint32_t n)
{
    uint32_t i;

    printf("# multiboot modules, in this order (module 0 first)\n");
    for (i = 0; i < n; i++)
        printf("%u\t%s%s%s\t# %s%s%s\n", i, m[i].path, m[i].args[0] ? " " : "",
               m[i].args, m[i].domain ? m[i].domain : "",
               m[i].domain ? ": " : "", m[i].role);
}

static void print_qemu(const struct module *m, uint32_t n)
{
    uint32_t i;

    for (i = 0; i < n; i++)
        printf("%s%s%s%s", i ? "," : "", m[i].path, m[i].args[0] ? " " : "",
               m[i].args);
    printf("\n");
}

static void print_grub(const struct cli *c, const struct module *m,
                       uint32_t n)
{
    uint32_t i;

    printf("\tmultiboot2 %s%s%s\n", c->hypervisor,
           c->hypervisor_args[0] ? " " : "", c->hypervisor_args);
    for (i = 0; i < n; i++)
        printf("\tmodule2 %s%s%s\n", m[i].path, m[i].args[0] ? " " : "",
               m[i].args);
}

int cli_print(const struct cli *c, const struct module *m, uint32_t n,
              bool print)
{
    struct module hv = { c->hypervisor, c->hypervisor_args, "hypervisor",
                         NULL };
    uint32_t i;

    for (i = 0; i < n; i++) {
        if ((c->mode == MODE_QEMU && check_qemu(&m[i]) < 0) ||
            (c->mode == MODE_GRUB && check_grub(&m[i]) < 0))
            return -1;
    }
    if (c->mode == MODE_GRUB && check_grub(&hv) < 0)
        return -1;
    if (!print)
        return 0;
    if (c->mode == MODE_QEMU)
        print_qemu(m, n);
    else if (c->mode == MODE_GRUB)
        print_grub(c, m, n);
    else
        print_list(m, n);
    return 0;
}
