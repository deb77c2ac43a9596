/*
 * libFuzzer harness: the xl.cfg parser, the domain keys and the vif
 * entries (dom0-tools/lib/xlcfg.c, xlcfg_domain.c, xlcfg_vif.c); built
 * and run by tests/fuzz/Makefile with the seeds in corpus/xlcfg.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dom0-tools/include/xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* vif = [...]: accepted entries are well-formed, refusals say where. */
static void check_vifs(const struct xlcfg *cfg)
{
    static uint8_t rnd[3 * XLCFG_MAX_VIFS];
    char err[XLCFG_ERRLEN] = "";
    struct xlcfg_vif *v;
    size_t n, i, j;

    for (i = 0; i < sizeof(rnd); i++)      /* distinct generated MACs */
        rnd[i] = (uint8_t)(i * 37 + 1);
    if (xlcfg_vifs_get(cfg, rnd, &v, &n, NULL, err, sizeof(err))) {
        if (strncmp(err, "fuzz.cfg:", 9) != 0 || v || n)
            abort();
        return;
    }
    if (n > XLCFG_MAX_VIFS || (n && !v))
        abort();
    for (i = 0; i < n; i++) {
        if (!v[i].bridge[0] || strlen(v[i].bridge) > XLCFG_IFNAME_MAX ||
            strlen(v[i].vifname) > XLCFG_IFNAME_MAX || (v[i].mac[0] & 1) ||
            v[i].devid > 65535 || (v[i].mtu && v[i].mtu < 68))
            abort();
        for (j = 0; j < i; j++)
            if (v[i].devid == v[j].devid || !memcmp(v[i].mac, v[j].mac, 6))
                abort();
    }
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[XLCFG_ERRLEN];
    struct xlcfg_domain d;
    struct xlcfg *cfg;
    uint64_t v;
    const char *s;

    err[0] = '\0';
    cfg = xlcfg_parse((const char *)data, size, "fuzz.cfg", err, sizeof(err));
    if (!cfg) {
        /* every refusal says where and why */
        if (strncmp(err, "fuzz.cfg:", 9) != 0)
            abort();
        return 0;
    }
    (void)xlcfg_get_uint(cfg, "memory", &v, err, sizeof(err));
    (void)xlcfg_get_string(cfg, "name", &s, err, sizeof(err));
    if (xlcfg_domain_get(cfg, &d, 0, NULL, err, sizeof(err)) == 0) {
        if (!d.name || !d.kernel || !d.cmdline || d.vcpus < 1 ||
            d.vcpus > XLCFG_MAX_VCPUS || strlen(d.cmdline) > XLCFG_CMDLINE_MAX)
            abort();
        xlcfg_domain_free(&d);
    } else if (strncmp(err, "fuzz.cfg:", 9) != 0) {
        abort();
    }
    check_vifs(cfg);
    xlcfg_free(cfg);
    return 0;
}
