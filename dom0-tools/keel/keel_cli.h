/* keel CLI: the verb table and what the verbs share. */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H
#include <stdbool.h>

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
int keel_cmd_vcpu_pin(int argc, char **argv);
int keel_cmd_sched_credit2(int argc, char **argv);
int keel_cmd_mem_max(int argc, char **argv);
int keel_cmd_top(int argc, char **argv);
int keel_cmd_vstats(int argc, char **argv);
int keel_cmd_bench(int argc, char **argv);
int keel_cmd_create(int argc, char **argv);
int keel_cmd_destroy(int argc, char **argv);
int keel_cmd_pause(int argc, char **argv);
int keel_cmd_unpause(int argc, char **argv);
int keel_cmd_console(int argc, char **argv);
int keel_cmd_shutdown(int argc, char **argv);
int keel_cmd_reboot(int argc, char **argv);
int keel_cmd_mem_set(int argc, char **argv);
int keel_cmd_vcpu_set(int argc, char **argv);
/*
 * keel console through keel-consoled (console_pty.c): used when the
 * daemon runs (keel_consoled_running); timeout in seconds, 0 = none.
 * Returns the exit status: 0 when the domain shut down or went or on
 * CTRL-], 1 on a timeout or an error (printed).
 */
int keel_consoled_running(void);
int keel_console_pty(struct keelctl *h, domid_t dom, double timeout);

/* ---- what keel records about the domains it created (records.c) ---- */
struct keel_rec {
    char name[64];
    char config[512];
    char on_poweroff[24], on_reboot[24], on_crash[24];
    uint64_t console_mfn, store_mfn;
    uint32_t console_port, store_port;
};

const char *keel_run_dir(void);                 /* /run/keel or $KEEL_RUN_DIR */
void keel_mkdirs(const char *dir);              /* mkdir -p */
int keel_rec_put(domid_t dom, const struct keel_rec *r);
/* 0, or -ENOENT (no record, or a stale one: removed). */
int keel_rec_get(struct keelctl *h, domid_t dom, struct keel_rec *r);
void keel_rec_remove(domid_t dom);
int keel_rec_list(domid_t *out, int max);       /* domids with a record file */
int keel_dom_by_name(struct keelctl *h, const char *name, domid_t *dom);
/* keel_find_domain, printing "keel VERB: ARG: no such domain" if it fails. */
int keel_dom_resolve(struct keelctl *h, const char *verb, const char *arg, domid_t *dom);
/* keel_dom_resolve on a control handle of its own (opened and closed): 0 or -1. */
int keel_dom_lookup(const char *verb, const char *arg, domid_t *dom);

/* ---- the per-host monitor of on_poweroff/on_reboot/on_crash (monitor.c) ---- */
/* Start it unless it runs (it then picks up new records by itself). */
void keel_monitor_ensure(void);
/* Apply a domain's on_* action now if it has shut down: 1 if acted. */
int keel_monitor_check(struct keelctl *h, domid_t dom);

/* ---- the store (store.c), when keel-xenstored runs ---- */
struct xs_handle;
/* *xs: a handle to the daemon, or NULL when none runs (or KEEL_WITH_STORE=0);
 * -1 with one line printed if KEEL_WITH_STORE=1 and none answers. */
int keel_store_open(struct xs_handle **xs);
/* The domain's paths and XS_INTRODUCE (before it is unpaused). */
int keel_store_domain_add(struct xs_handle *xs, domid_t dom, const char *name,
                          uint64_t memory_mib, unsigned int vcpus,
                          const struct keel_rec *rec, char *err, size_t errlen);
/* Its paths removed and XS_RELEASE, if the daemon runs; a failure is one
 * line on stderr ("keel VERB: ..."), not fatal. */
void keel_store_domain_remove(domid_t dom, const char *verb);
/* The daemon for removing a domain's disks and vifs, even with
 * KEEL_WITH_STORE=0 (only the store releases them); NULL if none answers. */
struct xs_handle *keel_store_open_devices(void);

/* ---- disks served by dom0's xen-blkback (block.c) ---- */
struct xlcfg_disk;
/* The target exists, is a file or block device, may be opened as asked
 * and is not shared read-write with any vbd: 0 or -errno (err). */
int keel_vbd_check(struct xs_handle *xs, const struct xlcfg_disk *d, char *err,
                   size_t errlen);
/* Attach d to dom (devices dirs, InitWait, loop, physical-device):
 * 0, or -errno with one line in err and nothing left behind. */
int keel_vbd_add(struct xs_handle *xs, domid_t dom, const struct xlcfg_disk *d, char *err,
                 size_t errlen);
/* Remove one (force: the domain is dying) and detach its loop device. */
int keel_vbd_remove(struct xs_handle *xs, domid_t dom, uint32_t devid, bool force,
                    char *err, size_t errlen);
/* All of dom's disks, forced (destroy, the monitor); errors printed.
 * Through keel_store_open_devices: also with KEEL_WITH_STORE=0. */
void keel_vbd_remove_all(domid_t dom, const char *verb);
int keel_cmd_block_attach(int argc, char **argv);
int keel_cmd_block_detach(int argc, char **argv);
int keel_cmd_block_list(int argc, char **argv);
/* ---- network devices (vif.c, net.c; docs/network.md) ---- */
struct xlcfg_vif;
/* The vif's directories, the backend's InitWait, vif-bridge's work and
 * hotplug-status = connected; removed again on failure.  0 or -errno
 * with one line in err. */
int keel_vif_add(struct xs_handle *xs, domid_t dom, const struct xlcfg_vif *v, char *err,
                 size_t errlen);
int keel_vif_remove(struct xs_handle *xs, domid_t dom, uint32_t devid, bool force, char *err,
                    size_t errlen);
/* Every vif of dom removed (forced, as for a dying domain); failures
 * printed as "keel VERB: domain D: vif N: ...". */
void keel_vifs_remove_all(struct xs_handle *xs, domid_t dom, const char *verb);
/* The same, opening the store itself with keel_store_open_devices
 * (also with KEEL_WITH_STORE=0; nothing if no daemon answers). */
void keel_vif_remove_all(domid_t dom, const char *verb);
int keel_cmd_network_attach(int argc, char **argv);
int keel_cmd_network_detach(int argc, char **argv);
int keel_cmd_network_list(int argc, char **argv);

/* Build and record a domain from cfg text (create.c; the monitor's restart). */
int keel_create_from(struct keelctl *h, const char *path, char **extra, int nextra,
                     int paused, domid_t *dom);

#endif
