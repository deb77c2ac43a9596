/*
 * Unit tests: the keys `keel create` reads (dom0-tools/lib/xlcfg_create.c):
 * xl's KEY=VALUE words as extra lines (they win), maxvcpus, the on_*
 * actions with xl's defaults, each refusal as one line naming file, line
 * and key, and the unknown-key warnings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dom0-tools/include/xlcfg.h"

static const char base[] = "name = \"d1\"\nmemory = 128\nkernel = \"/boot/vmlinuz\"\n";

/* base + extra words, parsed and read: 0 or -1 (err set). */
static int get(char *const *extra, int n, struct xlcfg_create *c, char *err, FILE *warn)
{
    size_t len;
    char *t = xlcfg_with_extra(base, strlen(base), extra, n, &len);
    struct xlcfg *cfg;
    int rc;

    assert_non_null(t);
    assert_int_equal(strlen(t), len);
    cfg = xlcfg_parse(t, len, "d1.cfg", err, XLCFG_ERRLEN);
    free(t);
    if (!cfg)
        return -1;
    rc = xlcfg_create_get(cfg, c, 0, warn, err, XLCFG_ERRLEN);
    xlcfg_free(cfg);
    return rc;
}

static void test_defaults(void **state)
{
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN];

    (void)state;
    assert_int_equal(get(NULL, 0, &c, err, NULL), 0);
    assert_string_equal(c.d.name, "d1");
    assert_int_equal(c.d.memory_mib, 128);
    assert_int_equal(c.d.vcpus, 1);
    assert_int_equal(c.maxvcpus, 1);
    assert_string_equal(c.on_poweroff, "destroy");
    assert_string_equal(c.on_reboot, "restart");
    assert_string_equal(c.on_crash, "destroy");
    xlcfg_create_free(&c);
}

static void test_extra_words_win(void **state)
{
    char *extra[] = { "memory=160", "name=\"other\"", "vcpus=2", "maxvcpus=4",
                      "on_poweroff=\"preserve\"", "on_crash='restart'" };
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN];

    (void)state;
    assert_int_equal(get(extra, 6, &c, err, NULL), 0);
    assert_int_equal(c.d.memory_mib, 160);
    assert_string_equal(c.d.name, "other");
    assert_int_equal(c.d.vcpus, 2);
    assert_int_equal(c.maxvcpus, 4);
    assert_string_equal(c.on_poweroff, "preserve");
    assert_string_equal(c.on_crash, "restart");
    assert_string_equal(c.on_reboot, "restart");
    xlcfg_create_free(&c);
}

static const struct {
    const char *word, *err;
} refusals[] = {
    { "maxvcpus=0", "d1.cfg:5: maxvcpus: 0 is not in vcpus..32 (vcpus 1)" },
    { "maxvcpus=33", "d1.cfg:5: maxvcpus: 33 is not in vcpus..32 (vcpus 1)" },
    { "maxvcpus=\"x\"", NULL },
    { "on_poweroff=\"explode\"", "d1.cfg:5: on_poweroff: unknown action 'explode'" },
    { "on_reboot=\"rename-restart\"",
      "d1.cfg:5: on_reboot: 'rename-restart' is not supported by keel (destroy, restart, preserve)" },
    { "on_crash=\"coredump-destroy\"",
      "d1.cfg:5: on_crash: 'coredump-destroy' is not supported by keel (destroy, restart, preserve)" },
    { "on_crash=[1]", NULL },
    { "memory=", NULL },
    { "name=\"a/b\"", "d1.cfg:5: name: '/' not allowed (letters, digits, '_', '-', '.')" },
    { "cpus=\"3-1\"", "d1.cfg:5: cpus: '3-1': invalid CPU range (N, N-M, all, ^N)" },
    { "cpus=\"0,^0\"", "d1.cfg:5: cpus: '0,^0': no CPU left" },
    { "cpus=[]", "d1.cfg:5: cpus: an empty list (give a CPU list per vCPU)" },
    { "cpus=[\"0\", \"1\"]", "d1.cfg:5: cpus: 2 entries but the domain has 1 vCPUs (maxvcpus)" },
    { "cpus=[\"^all\"]", "d1.cfg:5: cpus: entry 1 (vCPU 0): '^all': \"^\" and \"all\" cannot be combined" },
};

/* cpus= as xl: a string (or number) for every vCPU, a list per vCPU. */
static void test_cpus(void **state)
{
    static const char *const texts[] = {
        "cpus = \"0-3,^2\"\n",
        "cpus = 1\n",
        "maxvcpus = 3\ncpus = [ \"1\", \"all\" ]\n",
        "\n",
    };
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN], t[256];
    unsigned int i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct xlcfg *cfg;
        snprintf(t, sizeof(t), "%s%s", base, texts[i]);
        cfg = xlcfg_parse(t, strlen(t), "d1.cfg", err, sizeof(err));
        assert_non_null(cfg);
        assert_int_equal(xlcfg_create_get(cfg, &c, 0, NULL, err, sizeof(err)), 0);
        switch (i) {
        case 0:
            assert_int_equal(c.nr_cpus, 1);
            assert_true(c.cpus_all_vcpus);
            assert_string_equal(c.cpus[0], "0-3,^2");
            assert_int_equal(c.cpus_line, 4);
            break;
        case 1:
            assert_true(c.cpus_all_vcpus);
            assert_string_equal(c.cpus[0], "1");
            break;
        case 2:
            assert_int_equal(c.nr_cpus, 2);
            assert_false(c.cpus_all_vcpus);
            assert_string_equal(c.cpus[0], "1");
            assert_string_equal(c.cpus[1], "all");
            break;
        default:
            assert_int_equal(c.nr_cpus, 0);
        }
        xlcfg_create_free(&c);
        xlcfg_free(cfg);
    }
}

static void test_refusals(void **state)
{
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        char *w = (char *)refusals[i].word;
        err[0] = 0;
        if (get(&w, 1, &c, err, NULL) == 0)
            fail_msg("accepted %s", w);
        assert_non_null(strstr(err, "d1.cfg:"));
        assert_null(strchr(err, '\n'));
        if (refusals[i].err)
            assert_string_equal(err, refusals[i].err);
    }
}

static void test_vcpus_above_limit(void **state)
{
    char *extra[] = { "vcpus=40" };
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN];

    (void)state;
    assert_int_equal(get(extra, 1, &c, err, NULL), -1);
    assert_string_equal(err, "d1.cfg:5: vcpus: 40 is not in vcpus..32 (vcpus 40)");
}

static void test_unknown_key_warning(void **state)
{
    char *extra[] = { "pci=['00:1f.0']", "on_reboot=\"destroy\"" };
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN], buf[512] = "";
    FILE *w = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_non_null(w);
    assert_int_equal(get(extra, 2, &c, err, w), 0);
    fclose(w);
    assert_string_equal(buf, "d1.cfg:5: pci: warning: unknown key, ignored\n");
    assert_string_equal(c.on_reboot, "destroy");
    xlcfg_create_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_extra_words_win),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_cpus),
        cmocka_unit_test(test_vcpus_above_limit),
        cmocka_unit_test(test_unknown_key_warning),
    };
    return cmocka_run_group_tests_name("xlcfg_create", tests, NULL, NULL);
}
