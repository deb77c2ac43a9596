/*
 * Unit tests: vif = [ ... ] of an xl.cfg file (dom0-tools/lib/xlcfg_vif.c):
 * the keys xl reads, libxl's defaults (bridge xenbr0, a MAC in Xen's
 * 00:16:3e range from 3 random bytes, devids in file order), each
 * refusal as one line naming file, line, entry and key, the warnings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dom0-tools/include/xlcfg.h"

static const char base[] = "name = \"d1\"\nkernel = \"/boot/vmlinuz\"\n";

/* base + one line, the vifs read with random bytes r (or NULL). */
static int vifs(const char *line, const uint8_t *r, struct xlcfg_vif **v, size_t *n,
                char *err, FILE *warn)
{
    char text[2048];
    struct xlcfg *cfg;
    int rc;

    snprintf(text, sizeof(text), "%s%s\n", base, line);
    cfg = xlcfg_parse(text, strlen(text), "d1.cfg", err, XLCFG_ERRLEN);
    assert_non_null(cfg);
    rc = xlcfg_vifs_get(cfg, r, v, n, warn, err, XLCFG_ERRLEN);
    xlcfg_free(cfg);
    return rc;
}

static void test_full_spec(void **state)
{
    struct xlcfg_vif *v;
    size_t n;
    char err[XLCFG_ERRLEN], mac[18];

    (void)state;
    assert_int_equal(vifs("vif = [ 'bridge=br1, mac=00:16:3E:0a:0B:0c, vifname=web0, type=vif, "
                          "ip=10.0.0.5 10.0.0.6, mtu=1400' ]", NULL, &v, &n, err, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].devid, 0);
    assert_string_equal(v[0].bridge, "br1");
    xlcfg_mac_format(v[0].mac, mac);
    assert_string_equal(mac, "00:16:3e:0a:0b:0c");
    assert_string_equal(v[0].vifname, "web0");
    assert_string_equal(v[0].ip, "10.0.0.5 10.0.0.6");
    assert_int_equal(v[0].mtu, 1400);
    free(v);
}

static void test_defaults_and_random_mac(void **state)
{
    static const uint8_t r[6] = { 0xff, 0x12, 0x34, 0x01, 0x02, 0x03 };
    struct xlcfg_vif *v;
    size_t n;
    char err[XLCFG_ERRLEN], mac[18];

    (void)state;
    assert_int_equal(vifs("vif = [ '', 'bridge=br2' ]", r, &v, &n, err, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].bridge, "xenbr0");     /* libxl's default */
    assert_string_equal(v[0].vifname, "");
    assert_int_equal(v[0].mtu, 0);
    /* 00:16:3e and the random bytes, the first with its top bit clear. */
    xlcfg_mac_format(v[0].mac, mac);
    assert_string_equal(mac, "00:16:3e:7f:12:34");
    xlcfg_mac_format(v[1].mac, mac);
    assert_string_equal(mac, "00:16:3e:01:02:03");
    assert_int_equal(v[0].devid, 0);
    assert_int_equal(v[1].devid, 1);
    free(v);
    /* From getrandom: still in Xen's range, and two differ. */
    assert_int_equal(vifs("vif = [ '', '' ]", NULL, &v, &n, err, NULL), 0);
    assert_memory_equal(v[0].mac, "\x00\x16\x3e", 3);
    assert_true(v[0].mac[3] < 0x80 && v[1].mac[3] < 0x80);
    free(v);
    assert_int_equal(vifs("", NULL, &v, &n, err, NULL), 0);
    assert_int_equal(n, 0);
    assert_null(v);
}

static void test_devids(void **state)
{
    struct xlcfg_vif *v;
    size_t n;
    char err[XLCFG_ERRLEN];

    (void)state;
    /* Given devids are kept; the others take the lowest free ones. */
    assert_int_equal(vifs("vif = [ 'mac=00:16:3e:00:00:01', 'devid=0,mac=00:16:3e:00:00:02', "
                          "'mac=00:16:3e:00:00:03' ]", NULL, &v, &n, err, NULL), 0);
    assert_int_equal(v[0].devid, 1);
    assert_int_equal(v[1].devid, 0);
    assert_int_equal(v[2].devid, 2);
    free(v);
}

static void test_refusals(void **state)
{
    static const struct { const char *line, *msg; } bad[] = {
        { "vif = 'bridge=xenbr0'", "d1.cfg:3: vif: must be a list: vif = [ 'bridge=xenbr0', ... ]" },
        { "vif = [ 'mac=00:16:3e:00:00' ]",
          "d1.cfg:3: vif 1: mac: '00:16:3e:00:00' is not a MAC address (xx:xx:xx:xx:xx:xx)" },
        { "vif = [ '', 'mac=01:16:3e:00:00:01' ]",
          "d1.cfg:3: vif 2: mac: 01:16:3e:00:00:01 is a multicast address" },
        { "vif = [ 'mac=00:16:3g:00:00:01' ]",
          "d1.cfg:3: vif 1: mac: '00:16:3g:00:00:01' is not a MAC address (xx:xx:xx:xx:xx:xx)" },
        { "vif = [ 'bridge=br 0' ]",
          "d1.cfg:3: vif 1: bridge: 'br 0' is not an interface name (1 to 15 of letters, digits, '_', '.', '-')" },
        { "vif = [ 'vifname=averyveryverylongname' ]",
          "d1.cfg:3: vif 1: vifname: 'averyveryverylongname' is not an interface name (1 to 15 of letters, digits, '_', '.', '-')" },
        { "vif = [ 'type=ioemu' ]", "d1.cfg:3: vif 1: type: 'ioemu' not supported (a PV guest has only type=vif)" },
        { "vif = [ 'bridge' ]", "d1.cfg:3: vif 1: 'bridge' is not key=value" },
        { "vif = [ 'mtu=20' ]", "d1.cfg:3: vif 1: mtu: '20' is not a number in 68..65535" },
        { "vif = [ 'devid=-1' ]", "d1.cfg:3: vif 1: devid: '-1' is not a number in 0..65535" },
        { "vif = [ 'ip=10.0.0.1;rm' ]",
          "d1.cfg:3: vif 1: ip: ';' in '10.0.0.1;rm' (IP addresses separated by spaces)" },
        { "vif = [ 'backend=3' ]", "d1.cfg:3: vif 1: backend: '3' not supported (only dom0 runs backends)" },
        { "vif = [ 'devid=1', 'devid=1' ]", "d1.cfg:3: vif: entries 1 and 2 both have devid 1" },
        { "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3e:00:00:01' ]",
          "d1.cfg:3: vif: entries 1 and 2 both have mac 00:16:3e:00:00:01" },
        { "vif = [ 'vifname=a', 'vifname=a' ]", "d1.cfg:3: vif: entries 1 and 2 both have vifname a" },
        { "vif = [ '','','','','','','','','','','','','','','','','' ]", "d1.cfg:3: vif: 17 entries, at most 16" },
    };
    struct xlcfg_vif *v;
    size_t i, n;
    char err[XLCFG_ERRLEN];

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(vifs(bad[i].line, NULL, &v, &n, err, NULL), -1);
        assert_string_equal(err, bad[i].msg);
        assert_null(v);
        assert_int_equal(n, 0);
    }
}

static void test_warnings(void **state)
{
    struct xlcfg_vif *v;
    size_t n;
    char err[XLCFG_ERRLEN], buf[512] = "";
    FILE *w = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_non_null(w);
    assert_int_equal(vifs("vif = [ 'script=vif-nat,colour=blue,,rate=10Mb/s,' ]", NULL, &v, &n,
                          err, w), 0);
    fclose(w);
    assert_string_equal(buf, "d1.cfg:3: vif 1: script: warning: not supported by keel, ignored\n"
                        "d1.cfg:3: vif 1: colour: warning: unknown key, ignored\n"
                        "d1.cfg:3: vif 1: rate: warning: not supported by keel, ignored\n");
    assert_int_equal(n, 1);
    free(v);
}

static void test_create_reads_vifs(void **state)
{
    static const char text[] = "name = \"d1\"\nkernel = \"/k\"\nvif = [ 'mac=00:16:3e:00:00:09' ]\n";
    struct xlcfg_create c;
    struct xlcfg *cfg;
    char err[XLCFG_ERRLEN], buf[256] = "";
    FILE *w = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    cfg = xlcfg_parse(text, strlen(text), "d1.cfg", err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(xlcfg_create_get(cfg, &c, 0, w, err, sizeof(err)), 0);
    fclose(w);
    assert_string_equal(buf, "");       /* vif is a known key */
    assert_int_equal(c.nr_vifs, 1);
    assert_int_equal(c.vifs[0].mac[5], 9);
    xlcfg_create_free(&c);
    xlcfg_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_spec),
        cmocka_unit_test(test_defaults_and_random_mac),
        cmocka_unit_test(test_devids),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_create_reads_vifs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
