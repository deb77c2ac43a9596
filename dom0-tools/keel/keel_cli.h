/* keel CLI: the verb table and what the verbs share. */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H
#include "keelctl.h"

struct keel_verb {
    const char *name;
    int (*fn)(int argc, char **argv);   /* argv[0] is the verb */
    const char *usage;
    const char *summary;
};

/* Open privcmd (KEEL_PRIVCMD overrides the path); prints one line on failure. */
int keel_open_ctl(struct keelctl *h);

/* The name of a domain as `keel list` shows it. */
void keel_domain_name(domid_t id, char *buf, size_t len);
/* A domain named on the command line (domid or name): 0, or -ESRCH etc. */
int keel_find_domain(struct keelctl *h, const char *arg, domid_t *out);
/* A memory size as xl reads it (default MiB; b/k/m/g/t suffixes): KiB, or -1. */
long long keel_parse_mem_kb(const char *s);

int keel_cmd_info(int argc, char **argv);
int keel_cmd_list(int argc, char **argv);
int keel_cmd_dmesg(int argc, char **argv);
int keel_cmd_vcpu_list(int argc, char **argv);
int keel_cmd_sched_credit2(int argc, char **argv);
int keel_cmd_mem_max(int argc, char **argv);
int keel_cmd_top(int argc, char **argv);
int keel_cmd_console(int argc, char **argv);
int keel_cmd_shutdown(int argc, char **argv);
int keel_cmd_reboot(int argc, char **argv);
int keel_cmd_mem_set(int argc, char **argv);
int keel_cmd_vcpu_set(int argc, char **argv);
/* Attach to dom's console through keel-consoled's pty; exit status. */
int keel_console_pty(struct keelctl *h, domid_t dom);

#endif
