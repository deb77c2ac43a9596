/*
 * keel top's network and disk figures (dom0-tools/lib/backstats.c)
 * against a fake sysfs tree: a domain's vifs and vbds are summed; a vif's
 * rx is the guest's tx (as xentop); other domains' devices, names that
 * are not vifD.N / vbd-D-N and devices whose counters cannot be read are
 * skipped; without xen-backend nothing is an error; rates are the
 * differences over the interval, KiB for bytes, 0 for a counter that
 * went backwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "backstats.h"

static char root[64];

static void mkdirs(const char *rel)
{
    char p[512], *s;

    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        (void)mkdir(p, 0755);
        *s = '/';
    }
    (void)mkdir(p, 0755);
}

static void put(const char *dir, const char *name, const char *val)
{
    char p[512];
    FILE *f;

    mkdirs(dir);
    snprintf(p, sizeof(p), "%s/%s/%s", root, dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(val, f);
    fclose(f);
}

static void vif(const char *name, unsigned long long rxb, unsigned long long txb,
                unsigned long long rxp, unsigned long long txp)
{
    char d[128], v[32];

    snprintf(d, sizeof(d), "class/net/%s/statistics", name);
    snprintf(v, sizeof(v), "%llu\n", rxb);
    put(d, "rx_bytes", v);
    snprintf(v, sizeof(v), "%llu\n", txb);
    put(d, "tx_bytes", v);
    snprintf(v, sizeof(v), "%llu\n", rxp);
    put(d, "rx_packets", v);
    snprintf(v, sizeof(v), "%llu\n", txp);
    put(d, "tx_packets", v);
}

static void vbd(const char *name, unsigned long long oo, unsigned long long rd, unsigned long long wr,
                unsigned long long rs, unsigned long long ws)
{
    char d[128], v[32];

    snprintf(d, sizeof(d), "bus/xen-backend/devices/%s/statistics", name);
    snprintf(v, sizeof(v), "%llu\n", oo);
    put(d, "oo_req", v);
    snprintf(v, sizeof(v), "%llu\n", rd);
    put(d, "rd_req", v);
    snprintf(v, sizeof(v), "%llu\n", wr);
    put(d, "wr_req", v);
    snprintf(v, sizeof(v), "%llu\n", rs);
    put(d, "rd_sect", v);
    snprintf(v, sizeof(v), "%llu\n", ws);
    put(d, "wr_sect", v);
}

static int setup(void **state)
{
    (void)state;
    strcpy(root, "/tmp/keel-backstats-XXXXXX");
    assert_non_null(mkdtemp(root));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void test_scan_sums_guest_view(void **state)
{
    static const uint16_t ids[3] = { 0, 3, 7 };
    struct keel_backstats s[3];

    (void)state;
    mkdirs("class/net/lo/statistics");
    put("class/net/eth0/statistics", "rx_bytes", "999\n");
    vif("vif3.0", 1000, 200, 10, 2);            /* dom 3 sent 1000 bytes */
    vif("vif3.1", 24, 76, 1, 3);
    vif("vif7.0", 5, 6, 7, 8);
    vif("vif9.0", 1, 1, 1, 1);                  /* no such domain in ids */
    vif("vif7.0-emu", 100, 100, 100, 100);      /* an HVM's emulated NIC: not ours */
    vif("vifx.0", 100, 100, 100, 100);
    vif("vif3.", 100, 100, 100, 100);
    mkdirs("class/net/vif3.2/statistics");      /* going away: no counters */
    vbd("vbd-3-51712", 1, 100, 50, 800, 400);
    vbd("vbd-3-51728", 0, 1, 2, 8, 16);
    vbd("vbd-7-51712", 2, 3, 4, 5, 6);
    vbd("vbd-70000-1", 9, 9, 9, 9, 9);          /* not a domain id */
    vbd("vif-3-0", 9, 9, 9, 9, 9);              /* a vif backend device, not a vbd */
    put("bus/xen-backend/devices/vbd-7-51728/statistics", "rd_req", "garbage\n");
    assert_int_equal(keel_backstats_scan(root, ids, 3, s), 0);

    assert_int_equal(s[0].nets, 0);
    assert_int_equal(s[0].vbds, 0);
    assert_int_equal(s[0].net_tx_bytes, 0);
    assert_int_equal(s[1].nets, 2);
    assert_int_equal(s[1].net_tx_bytes, 1024);  /* the vifs' rx */
    assert_int_equal(s[1].net_rx_bytes, 276);   /* the vifs' tx */
    assert_int_equal(s[1].net_tx_packets, 11);
    assert_int_equal(s[1].net_rx_packets, 5);
    assert_int_equal(s[1].vbds, 2);
    assert_int_equal(s[1].vbd_oo, 1);
    assert_int_equal(s[1].vbd_rd, 101);
    assert_int_equal(s[1].vbd_wr, 52);
    assert_int_equal(s[1].vbd_rsect, 808);
    assert_int_equal(s[1].vbd_wsect, 416);
    assert_int_equal(s[2].nets, 1);
    assert_int_equal(s[2].net_tx_bytes, 5);
    assert_int_equal(s[2].net_rx_bytes, 6);
    assert_int_equal(s[2].net_tx_packets, 7);
    assert_int_equal(s[2].net_rx_packets, 8);
    assert_int_equal(s[2].vbds, 1);             /* vbd-7-51728's counters are garbage */
    assert_int_equal(s[2].vbd_oo, 2);
    assert_int_equal(s[2].vbd_rd, 3);
    assert_int_equal(s[2].vbd_wsect, 6);
}

static void test_scan_without_backends(void **state)
{
    static const uint16_t ids[1] = { 1 };
    struct keel_backstats s[1];

    (void)state;
    mkdirs("class/net/lo");
    memset(s, 0xff, sizeof(s));
    /* No bus/xen-backend: neither driver loaded, nothing to report. */
    assert_int_equal(keel_backstats_scan(root, ids, 1, s), 0);
    assert_int_equal(s[0].nets, 0);
    assert_int_equal(s[0].vbds, 0);
    assert_int_equal(s[0].vbd_rd, 0);
    /* No sysfs at all: an error. */
    assert_true(keel_backstats_scan("/nonexistent/keel", ids, 1, s) < 0);
}

static void test_scan_tracks_counters(void **state)
{
    static const uint16_t ids[1] = { 4 };
    struct keel_backstats a, b;
    struct keel_backrates r;

    (void)state;
    vif("vif4.0", 1000, 0, 1, 0);
    vbd("vbd-4-51712", 0, 10, 0, 80, 0);
    assert_int_equal(keel_backstats_scan(root, ids, 1, &a), 0);
    vif("vif4.0", 1000 + 2048 * 3, 1024, 1 + 30, 3);
    vbd("vbd-4-51712", 0, 10 + 60, 9, 80 + 480, 72);
    assert_int_equal(keel_backstats_scan(root, ids, 1, &b), 0);
    keel_backstats_rates(&a, &b, 3.0, &r);
    assert_float_equal(r.net_tx_kbs, 2.0, 1e-9);          /* 6 KiB in 3 s */
    assert_float_equal(r.net_rx_kbs, 1.0 / 3, 1e-9);
    assert_float_equal(r.net_tx_pps, 10.0, 1e-9);
    assert_float_equal(r.net_rx_pps, 1.0, 1e-9);
    assert_float_equal(r.vbd_rd_s, 20.0, 1e-9);
    assert_float_equal(r.vbd_wr_s, 3.0, 1e-9);
    assert_float_equal(r.vbd_rsect_s, 160.0, 1e-9);
    assert_float_equal(r.vbd_wsect_s, 24.0, 1e-9);
    assert_float_equal(r.vbd_oo_s, 0.0, 1e-9);
}

static void test_rates_edges(void **state)
{
    struct keel_backstats a, b;
    struct keel_backrates r;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.net_tx_bytes = 5000;          /* the vif was re-created: counters restart */
    b.net_tx_bytes = 100;
    a.vbd_rd = 7;
    b.vbd_rd = 7;
    b.vbd_oo = 4;
    keel_backstats_rates(&a, &b, 0.5, &r);
    assert_float_equal(r.net_tx_kbs, 0.0, 1e-12);
    assert_float_equal(r.vbd_rd_s, 0.0, 1e-12);
    assert_float_equal(r.vbd_oo_s, 8.0, 1e-12);
    /* No time: no rate (not a division by zero). */
    keel_backstats_rates(&a, &b, 0, &r);
    assert_float_equal(r.vbd_oo_s, 0.0, 1e-12);
}

static void test_root(void **state)
{
    (void)state;
    unsetenv("KEEL_TOP_SYSFS");
    assert_string_equal(keel_backstats_root(), "/sys");
    setenv("KEEL_TOP_SYSFS", "/tmp/fake", 1);
    assert_string_equal(keel_backstats_root(), "/tmp/fake");
    setenv("KEEL_TOP_SYSFS", "", 1);
    assert_string_equal(keel_backstats_root(), "/sys");
    unsetenv("KEEL_TOP_SYSFS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_sums_guest_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_without_backends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_tracks_counters, setup, teardown),
        cmocka_unit_test(test_rates_edges),
        cmocka_unit_test(test_root),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
