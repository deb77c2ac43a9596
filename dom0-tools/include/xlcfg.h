/*
 * xl.cfg-style configuration files (xl.cfg(5)): a parser for the syntax
 * and the few keys Keel's boot description uses.
 *
 * Syntax, as Xen's libxlu accepts it:
 *   key = value        one setting per line, or several separated by ';'
 *   key += value       appends to a previous string or list setting
 *   # comment          to the end of the line (outside strings)
 * Keys are [a-z][a-z0-9_]*.  A value is a number ([0-9][0-9a-fx]*, read
 * as C does: 0x.. hexadecimal, 0.. octal), a string in single or double
 * quotes with C escapes (\n \t \\ \' \" \a \b \f \r \v \xHH \ooo), or a list
 * [ value, value, ... ] of numbers/strings that may span lines and may end
 * with a comma.  As in xl, a number can be read as a string and a
 * string holding a number as a number.  A later setting of the same key
 * replaces an earlier one.
 *
 * Errors are one line: "FILE:LINE: FIELD: problem".
 */
#ifndef KEEL_XLCFG_H
#define KEEL_XLCFG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xlcfg_disk.h"

#define XLCFG_ERRLEN 512
#define XLCFG_MAX_FILE (1024 * 1024)    /* larger files are refused */

enum xlcfg_type { XLCFG_ATOM, XLCFG_LIST };

struct xlcfg_setting {
    char *key;
    int line;                   /* line of the key */
    enum xlcfg_type type;
    char *atom;                 /* XLCFG_ATOM: dequoted text */
    bool quoted;                /* XLCFG_ATOM: was a string literal */
    char **items;               /* XLCFG_LIST: dequoted items */
    size_t nr_items;
    struct xlcfg_setting *next;
};

struct xlcfg {
    char *filename;
    int nr_lines;               /* for errors about missing keys */
    struct xlcfg_setting *settings;
};

/*
 * Parse text[0..len) (need not be NUL-terminated; a NUL byte is an error).
 * filename is used in messages.  Returns a config to free with
 * xlcfg_free(), or NULL with a message in err.
 */
struct xlcfg *xlcfg_parse(const char *text, size_t len, const char *filename,
                          char *err, size_t errlen);
/* Read and parse a file; NULL with a message in err. */
struct xlcfg *xlcfg_parse_file(const char *path, char *err, size_t errlen);
void xlcfg_free(struct xlcfg *cfg);
/*
 * One warning line on warn (if not NULL) per setting whose key is not in
 * the NULL-terminated list known: "FILE:LINE: KEY: warning: unknown key,
 * ignored" (xl warns and goes on).
 */
void xlcfg_warn_unknown(const struct xlcfg *cfg, const char *const *known, FILE *warn);

/* The setting for key, or NULL. */
const struct xlcfg_setting *xlcfg_get(const struct xlcfg *cfg,
                                      const char *key);
/*
 * Typed reads.  Return 0 (found, *out set), 1 (absent, *out untouched) or
 * -1 (present but of the wrong type/form; message in err).
 */
int xlcfg_get_string(const struct xlcfg *cfg, const char *key,
                     const char **out, char *err, size_t errlen);
int xlcfg_get_uint(const struct xlcfg *cfg, const char *key, uint64_t *out,
                   char *err, size_t errlen);

/* What a boot-time domU needs, with xl's defaults applied. */
struct xlcfg_domain {
    char *name;
    uint64_t memory_mib;        /* "memory", default 128 */
    uint64_t maxmem_mib;        /* "maxmem", default = memory */
    uint32_t vcpus;             /* default 1 */
    char *kernel;
    char *ramdisk;              /* NULL if none */
    char *cmdline;              /* never NULL ("" if none) */
    uint32_t weight;            /* default 256 */
    uint32_t cap;               /* default 0 (no cap) */
    int kernel_line, ramdisk_line, name_line;
};

#define XLCFG_MIN_MEMORY_MIB 16
#define XLCFG_MAX_MEMORY_MIB (1024 * 1024)      /* 1 TiB */
#define XLCFG_MAX_VCPUS 128
#define XLCFG_NAME_MAX 63
#define XLCFG_CMDLINE_MAX 1023

/* Flags for xlcfg_domain_get. */
#define XLCFG_CHECK_FILES 1     /* kernel/ramdisk must be readable files */

/*
 * Extract and validate the domain keys of cfg into *d.  Unknown keys are
 * reported once each on warn (if not NULL) and otherwise ignored.
 * Returns 0, or -1 with a message in err (*d then holds nothing to free).
 */
int xlcfg_domain_get(const struct xlcfg *cfg, struct xlcfg_domain *d,
                     unsigned int flags, FILE *warn, char *err, size_t errlen);
void xlcfg_domain_free(struct xlcfg_domain *d);

/* ---- keel create (lib/xlcfg_create.c) ---- */

#define XLCFG_CREATE_MAX_VCPUS 32   /* the hypervisor's createdomain limit */

/* What `keel create` reads: the domain keys, maxvcpus, on_* actions. */
struct xlcfg_create {
    struct xlcfg_domain d;
    uint32_t maxvcpus;          /* default vcpus; vcpus..XLCFG_CREATE_MAX_VCPUS */
    char on_poweroff[24], on_reboot[24], on_crash[24];  /* destroy/restart/preserve */
    struct xlcfg_disk disks[XLCFG_DISK_MAX];    /* "disk" (xlcfg_disk.h) */
    unsigned int nr_disks;
    struct xlcfg_vif *vifs;     /* vif = [ ... ] (malloc'ed) */
    size_t nr_vifs;
    /* cpus= (xl.cfg(5)): a CPU list (cpulist.h) for every vCPU (a string),
     * or one per vCPU (a list; vCPUs past its end keep every CPU).  The
     * lists point into the config (syntax checked here; CPUs against the
     * host's when applied).  nr_cpus 0: no cpus= key. */
    const char *cpus[XLCFG_CREATE_MAX_VCPUS];
    unsigned int nr_cpus;
    bool cpus_all_vcpus;        /* the string form */
    int cpus_line;
};


/*
 * The file's text with xl's KEY=VALUE words as extra lines after it (so
 * they win).  Returns malloc'ed NUL-terminated text (*len without the
 * NUL), or NULL when out of memory.
 */
char *xlcfg_with_extra(const char *text, size_t tlen, char *const *extra, int nextra,
                       size_t *len);
/*
 * The keys of cfg for keel create (flags as xlcfg_domain_get; unknown
 * keys reported on warn if not NULL).  0, or -1 with one line in err.
 * Defaults as xl: on_poweroff destroy, on_reboot restart, on_crash
 * destroy.  disk: a list of xlcfg_disk_parse entries; a vdev (devid)
 * used twice or one target given twice is refused.
 */
int xlcfg_create_get(const struct xlcfg *cfg, struct xlcfg_create *c, unsigned int flags,
                     FILE *warn, char *err, size_t errlen);
void xlcfg_create_free(struct xlcfg_create *c);

/* ---- vif = [ ... ] (lib/xlcfg_vif.c) ---- */

/*
 * One network device, as xl's parse_nic_config reads a vif spec
 * ("key=value, key=value"; xl.cfg(5), xl-network-configuration(5)):
 * bridge (default "xenbr0", as libxl__device_nic_setdefault), mac
 * (default: 00:16:3e plus 3 random bytes, the first below 0x80, as
 * libxl), vifname, type (only "vif": a PV guest has no emulated NIC),
 * ip and mtu (stored, written to the backend directory), devid (default:
 * the next free one in file order), backend (only dom0).  script, rate,
 * model, accel, gatewaydev are accepted and ignored with a warning (keel
 * runs no scripts and does not shape traffic); unknown keys are warned
 * about and ignored, as xl does.
 */
#define XLCFG_MAX_VIFS 16
#define XLCFG_IFNAME_MAX 15         /* IFNAMSIZ - 1 */
#define XLCFG_VIF_IP_MAX 255

struct xlcfg_vif {
    uint32_t devid;
    uint8_t mac[6];
    char bridge[XLCFG_IFNAME_MAX + 1];
    char vifname[XLCFG_IFNAME_MAX + 1];     /* "" if none */
    char ip[XLCFG_VIF_IP_MAX + 1];          /* "" if none */
    uint32_t mtu;                           /* 0: the bridge's */
};

/*
 * Parse one vif spec.  where ("FILE:LINE: vif" or "keel network-attach")
 * starts every message.  random supplies the 3 low MAC bytes when the
 * spec has no mac (NULL: getrandom).  devid < 0: leave v->devid 0 unless
 * the spec says devid=.  *devid_given tells whether it did.  0, or -1
 * with one line in err; warnings on warn (if not NULL).
 */
int xlcfg_vif_parse(const char *spec, const char *where, const uint8_t *random,
                    struct xlcfg_vif *v, bool *devid_given, FILE *warn, char *err,
                    size_t errlen);
/* "00:16:3e:xx:xx:xx" into buf (at least 18 bytes). */
void xlcfg_mac_format(const uint8_t mac[6], char *buf);
/* Parse "xx:xx:xx:xx:xx:xx" (also '-' separators): 0 or -1. */
int xlcfg_mac_parse(const char *s, uint8_t mac[6]);
/*
 * All vif = [ ... ] entries of cfg: devids numbered 0, 1, ... in file
 * order where not given, duplicates (devid, mac, vifname) refused.
 * random: 3 bytes per entry for the generated MACs (NULL: getrandom).
 * *vifs malloc'ed (NULL when *nr == 0).  0, or -1 with one line in err.
 */
int xlcfg_vifs_get(const struct xlcfg *cfg, const uint8_t *random, struct xlcfg_vif **vifs,
                   size_t *nr, FILE *warn, char *err, size_t errlen);

#endif
