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

int keel_cmd_info(int argc, char **argv);
int keel_cmd_list(int argc, char **argv);

#endif
