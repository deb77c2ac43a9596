/*
 * vif = [ 'key=value, ...' ] of an xl.cfg file, as xl's parse_nic_config
 * (tools/xl/xl_parse.c, Xen 4.17) and libxl__device_nic_setdefault read
 * it (see include/xlcfg.h).  No hypercalls, no store: unit-tested on the
 * host (tests/unit/test_xlcfg_vif.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../include/xlcfg.h"

static void seterr(char *err, size_t errlen, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void seterr(char *err, size_t errlen, const char *where, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!errlen)
        return;
    n = snprintf(err, errlen, "%s: ", where);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - n, fmt, ap);
    va_end(ap);
}

void xlcfg_mac_format(const uint8_t mac[6], char *buf)
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int xlcfg_mac_parse(const char *s, uint8_t mac[6])
{
    int i;

    /* Exactly 6 pairs of hex digits with ':' (or '-') between. */
    if (strlen(s) != 17)
        return -1;
    for (i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        if (i < 5 && s[3 * i + 2] != ':' && s[3 * i + 2] != '-')
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* A network interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
static bool ifname_ok(const char *s)
{
    size_t i;

    if (!s[0] || strlen(s) > XLCFG_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (i = 0; s[i]; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return false;
    return true;
}

static int get_u32(const char *val, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long v;

    if (!isdigit((unsigned char)val[0]))
        return -1;
    errno = 0;
    v = strtoul(val, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* One key=value of a spec: 0, or -1 with err set. */
static int vif_key(struct xlcfg_vif *v, const char *key, const char *val, const char *where,
                   bool *devid_given, bool *mac_given, FILE *warn, char *err, size_t errlen)
{
    if (!strcmp(key, "mac")) {
        if (xlcfg_mac_parse(val, v->mac)) {
            seterr(err, errlen, where, "mac: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", val);
            return -1;
        }
        /* A group address on a NIC breaks the bridge's forwarding. */
        if (v->mac[0] & 1) {
            seterr(err, errlen, where, "mac: %s is a multicast address", val);
            return -1;
        }
        *mac_given = true;
    } else if (!strcmp(key, "bridge")) {
        if (!ifname_ok(val)) {
            seterr(err, errlen, where, "bridge: '%s' is not an interface name (1 to %d of "
                   "letters, digits, '_', '.', '-')", val, XLCFG_IFNAME_MAX);
            return -1;
        }
        snprintf(v->bridge, sizeof(v->bridge), "%s", val);
    } else if (!strcmp(key, "vifname")) {
        if (!ifname_ok(val)) {
            seterr(err, errlen, where, "vifname: '%s' is not an interface name (1 to %d of "
                   "letters, digits, '_', '.', '-')", val, XLCFG_IFNAME_MAX);
            return -1;
        }
        snprintf(v->vifname, sizeof(v->vifname), "%s", val);
    } else if (!strcmp(key, "type")) {
        if (strcmp(val, "vif")) {
            seterr(err, errlen, where, "type: '%s' not supported (a PV guest has only "
                   "type=vif)", val);
            return -1;
        }
    } else if (!strcmp(key, "ip")) {
        size_t i;

        if (strlen(val) > XLCFG_VIF_IP_MAX) {
            seterr(err, errlen, where, "ip: too long (at most %d characters)", XLCFG_VIF_IP_MAX);
            return -1;
        }
        /* Addresses separated by spaces, as vif-common.sh reads them. */
        for (i = 0; val[i]; i++)
            if (!isxdigit((unsigned char)val[i]) && !strchr(".:/ ", val[i])) {
                seterr(err, errlen, where, "ip: '%c' in '%s' (IP addresses separated by "
                       "spaces)", val[i], val);
                return -1;
            }
        snprintf(v->ip, sizeof(v->ip), "%s", val);
    } else if (!strcmp(key, "mtu")) {
        /* Linux's ETH_MIN_MTU .. netback's maximum (ETH_MAX_MTU). */
        if (get_u32(val, 65535, &v->mtu) || v->mtu < 68) {
            seterr(err, errlen, where, "mtu: '%s' is not a number in 68..65535", val);
            return -1;
        }
    } else if (!strcmp(key, "devid")) {
        if (get_u32(val, 65535, &v->devid)) {
            seterr(err, errlen, where, "devid: '%s' is not a number in 0..65535", val);
            return -1;
        }
        *devid_given = true;
    } else if (!strcmp(key, "backend")) {
        if (strcmp(val, "0") && strcmp(val, "Domain-0")) {
            seterr(err, errlen, where, "backend: '%s' not supported (only dom0 runs "
                   "backends)", val);
            return -1;
        }
    } else if (!strcmp(key, "script") || !strcmp(key, "rate") || !strcmp(key, "model") ||
               !strcmp(key, "accel") || !strcmp(key, "gatewaydev") ||
               !strcmp(key, "forwarddev")) {
        if (warn)
            fprintf(warn, "%s: %s: warning: not supported by keel, ignored\n", where, key);
    } else if (warn) {
        fprintf(warn, "%s: %s: warning: unknown key, ignored\n", where, key);
    }
    return 0;
}

static void trim(char **s, char **end)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    while (*end > *s && ((*end)[-1] == ' ' || (*end)[-1] == '\t'))
        (*end)--;
    **end = '\0';
}

int xlcfg_vif_parse(const char *spec, const char *where, const uint8_t *random,
                    struct xlcfg_vif *v, bool *devid_given, FILE *warn, char *err,
                    size_t errlen)
{
    char *copy = strdup(spec), *p, *next;
    bool mac_given = false;
    uint8_t r[3];
    int rc = -1;

    memset(v, 0, sizeof(*v));
    *devid_given = false;
    snprintf(v->bridge, sizeof(v->bridge), "xenbr0");
    if (!copy) {
        seterr(err, errlen, where, "out of memory");
        return -1;
    }
    for (p = copy; p; p = next) {
        char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p), *eq;

        next = comma ? comma + 1 : NULL;
        trim(&p, &end);
        if (!*p)
            continue;       /* "a=1,,b=2" and a trailing comma, as xl */
        eq = strchr(p, '=');
        if (!eq || eq == p) {
            seterr(err, errlen, where, "'%s' is not key=value", p);
            goto out;
        }
        *eq = '\0';
        {
            char *k = p, *kend = eq, *val = eq + 1, *vend = val + strlen(val);

            trim(&k, &kend);
            trim(&val, &vend);
            if (vif_key(v, k, val, where, devid_given, &mac_given, warn, err, errlen))
                goto out;
        }
    }
    if (!mac_given) {
        if (!random) {
            if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
                seterr(err, errlen, where, "mac: no random bytes: %s", strerror(errno));
                goto out;
            }
            random = r;
        }
        /* libxl__device_nic_setdefault: Xen's OUI, the next bit clear. */
        v->mac[0] = 0x00;
        v->mac[1] = 0x16;
        v->mac[2] = 0x3e;
        v->mac[3] = random[0] & 0x7f;
        v->mac[4] = random[1];
        v->mac[5] = random[2];
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

/* A devid not yet used by vifs[0..n). */
static uint32_t next_devid(const struct xlcfg_vif *vifs, const bool *given, size_t n,
                           uint32_t from)
{
    for (;; from++) {
        size_t i;

        for (i = 0; i < n && !(given[i] && vifs[i].devid == from); i++)
            ;
        if (i == n)
            return from;
    }
}

/* Duplicates among vifs[0..n): 0, or -1 with err set. */
static int check_dups(const struct xlcfg_vif *vifs, size_t n, const char *where, char *err,
                      size_t errlen)
{
    size_t i, j;
    char mac[18];

    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++) {
            if (vifs[i].devid == vifs[j].devid) {
                seterr(err, errlen, where, "entries %zu and %zu both have devid %u", j + 1,
                       i + 1, vifs[i].devid);
                return -1;
            }
            if (!memcmp(vifs[i].mac, vifs[j].mac, 6)) {
                xlcfg_mac_format(vifs[i].mac, mac);
                seterr(err, errlen, where, "entries %zu and %zu both have mac %s", j + 1,
                       i + 1, mac);
                return -1;
            }
            if (vifs[i].vifname[0] && !strcmp(vifs[i].vifname, vifs[j].vifname)) {
                seterr(err, errlen, where, "entries %zu and %zu both have vifname %s", j + 1,
                       i + 1, vifs[i].vifname);
                return -1;
            }
        }
    return 0;
}

int xlcfg_vifs_get(const struct xlcfg *cfg, const uint8_t *random, struct xlcfg_vif **vifs,
                   size_t *nr, FILE *warn, char *err, size_t errlen)
{
    const struct xlcfg_setting *s = xlcfg_get(cfg, "vif");
    char where[600];
    bool given[XLCFG_MAX_VIFS];
    size_t i;

    *vifs = NULL;
    *nr = 0;
    if (!s)
        return 0;
    snprintf(where, sizeof(where), "%s:%d: vif", cfg->filename, s->line);
    if (s->type != XLCFG_LIST) {
        seterr(err, errlen, where, "must be a list: vif = [ 'bridge=xenbr0', ... ]");
        return -1;
    }
    if (s->nr_items > XLCFG_MAX_VIFS) {
        seterr(err, errlen, where, "%zu entries, at most %d", s->nr_items, XLCFG_MAX_VIFS);
        return -1;
    }
    if (!s->nr_items)
        return 0;
    *vifs = calloc(s->nr_items, sizeof(**vifs));
    if (!*vifs) {
        seterr(err, errlen, where, "out of memory");
        return -1;
    }
    for (i = 0; i < s->nr_items; i++) {
        char w[640];

        snprintf(w, sizeof(w), "%s %zu", where, i + 1);
        if (xlcfg_vif_parse(s->items[i], w, random ? random + 3 * i : NULL, &(*vifs)[i],
                            &given[i], warn, err, errlen))
            goto fail;
    }
    /* libxl__device_nextid: the entries without devid, in order, take
     * the lowest ids not taken. */
    for (i = 0; i < s->nr_items; i++)
        if (!given[i]) {
            (*vifs)[i].devid = next_devid(*vifs, given, s->nr_items, 0);
            given[i] = true;
        }
    if (check_dups(*vifs, s->nr_items, where, err, errlen))
        goto fail;
    *nr = s->nr_items;
    return 0;
fail:
    free(*vifs);
    *vifs = NULL;
    return -1;
}
