/*
 * Unit tests: xl.cfg disk= entries (dom0-tools/lib/xlcfg_disk.c): Xen's
 * virtual-device numbers, the key=value and positional forms, each
 * refusal as one line naming the parameter, and the list in keel
 * create's keys (duplicates refused).
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

static void test_devid(void **state)
{
    static const struct { const char *v; int64_t id; } t[] = {
        /* libxl__device_disk_dev_number, as Xen 4.17 computes them */
        { "xvda", 51712 }, { "xvdb", 51728 }, { "xvda1", 51713 },
        { "xvdp", 51952 }, { "xvdq", (1L << 28) | (16 << 8) },
        { "xvda16", (1L << 28) | 16 }, { "xvdaa", (1L << 28) | (26 << 8) },
        { "hda", 768 }, { "hdb", 832 }, { "hdc", 5632 }, { "hdd", 5696 },
        { "hda1", 769 }, { "sda", 2048 }, { "sdb", 2064 }, { "sdb2", 2066 },
        { "d0p1", 51713 }, { "d1", 51728 }, { "51712", 51712 },
        { "xvd", -1 }, { "xvda0", -1 }, { "xvda01", -1 }, { "xvdA", -1 },
        { "hde", -1 }, { "sdq", -1 }, { "xvda256", -1 }, { "", -1 },
        { "vda", -1 }, { "xvda-1", -1 }, { "d1p", -1 }, { "4294967296", -1 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (xlcfg_disk_devid(t[i].v) != t[i].id)
            fail_msg("%s: %lld, want %lld", t[i].v,
                     (long long)xlcfg_disk_devid(t[i].v), (long long)t[i].id);
    }
}

static void ok(const char *spec, const char *target, const char *vdev, uint32_t devid,
               bool rw)
{
    struct xlcfg_disk d;
    char err[256] = "";

    if (xlcfg_disk_parse(spec, &d, "f.cfg:3: disk[0]", err, sizeof(err)))
        fail_msg("'%s': %s", spec, err);
    assert_string_equal(d.target, target);
    assert_string_equal(d.vdev, vdev);
    assert_int_equal(d.devid, devid);
    assert_int_equal(d.readwrite, rw);
}

static void test_forms(void **state)
{
    (void)state;
    ok("format=raw, vdev=xvda, access=rw, target=/img/a.img", "/img/a.img", "xvda",
       51712, true);
    ok("vdev=xvdb, access=r, target=/img/with, comma", "/img/with, comma", "xvdb",
       51728, false);
}

static void test_forms_positional(void **state)
{
    struct xlcfg_disk d;
    char err[256];

    (void)state;
    ok("file:/path/img,xvda,w", "/path/img", "xvda", 51712, true);
    ok("phy:/dev/sdb,xvdb,r", "/dev/sdb", "xvdb", 51728, false);
    ok("/img,raw,xvdc,ro", "/img", "xvdc", 51744, false);
    ok(" /img , , hda ", "/img", "hda", 768, true);
    ok("phy:/dev/loop0,sda1,rw,", "/dev/loop0", "sda1", 2049, true);
    ok("/img,raw,xvda,w,discard", "/img", "xvda", 51712, true);
    assert_int_equal(xlcfg_disk_parse("/img,,xvda,r,no-discard", &d, "x", err,
                                      sizeof(err)), 0);
    assert_false(d.discard);
    assert_false(d.readwrite);
}

static void bad(const char *spec, const char *want)
{
    struct xlcfg_disk d;
    char err[256] = "";

    assert_int_equal(xlcfg_disk_parse(spec, &d, "f.cfg:3: disk[1]", err, sizeof(err)), -1);
    if (strncmp(err, "f.cfg:3: disk[1]: ", 18) || !strstr(err, want) || strchr(err, '\n'))
        fail_msg("'%s': got '%s', want '%s'", spec, err, want);
}

static void test_refusals(void **state)
{
    (void)state;
    bad("target=/x", "vdev: missing");
    bad("vdev=xvda", "target: missing");
    bad("vdev=xvda, target=", "target: empty");
    bad("vdev=xvda, target=img", "not an absolute path");
    bad("format=qcow2, vdev=xvda, target=/x", "format: 'qcow2' is not supported");
    bad("format=foo, vdev=xvda, target=/x", "unknown format 'foo'");
    bad("vdev=xvda, vdev=xvdb, target=/x", "vdev: given twice");
    bad("vdev=vda, target=/x", "vdev: 'vda' is not a virtual disk name");
    bad("vdev=xvdc:cdrom, target=/x", "cdrom");
    bad("access=rx, vdev=xvda, target=/x", "access: 'rx'");
    bad("devtype=cdrom, vdev=xvda, target=/x", "devtype: 'cdrom'");
    bad("backendtype=qdisk, vdev=xvda, target=/x", "backendtype: 'qdisk'");
    bad("backend=2, vdev=xvda, target=/x", "backend: '2'");
    bad("script=block-iscsi, vdev=xvda, target=/x", "script: not supported");
    bad("colour=red, vdev=xvda, target=/x", "'colour': unknown parameter");
    bad("/img,raw,xvda,w,extra", "'extra': too many positional");
    bad("tap:aio:/img,xvda,w", "prefix 'tap:'");
    bad("qcow2:/img,xvda,w", "prefix 'qcow2:'");
    bad(",xvda,w", "target: empty");
    bad("cdrom,vdev=xvda,target=/x", "cdrom: not supported");
    bad("file:/img,xvda,w,w", "too many positional");
    char big[1100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    bad(big, "longer than");
    char longt[300] = "vdev=xvda, target=/";
    memset(longt + strlen(longt), 'b', 270);
    longt[sizeof(longt) - 1] = '\0';
    bad(longt, "target: longer than");
}

static void test_words(void **state)
{
    char *w[] = { "format=raw", "vdev=xvdb", "access=ro", "target=/img" };
    char *w2[] = { "phy:/dev/sdb", "xvdc", "w" };
    struct xlcfg_disk d;
    char err[256];

    (void)state;
    assert_int_equal(xlcfg_disk_parse_words(w, 4, &d, err, sizeof(err)), 0);
    assert_int_equal(d.devid, 51728);
    assert_false(d.readwrite);
    assert_string_equal(d.target, "/img");
    assert_int_equal(xlcfg_disk_parse_words(w2, 3, &d, err, sizeof(err)), 0);
    assert_int_equal(d.devid, 51744);
    assert_true(d.readwrite);
    assert_int_equal(xlcfg_disk_parse_words(w2, 1, &d, err, sizeof(err)), -1);
    assert_string_equal(err, "disk: vdev: missing (e.g. vdev=xvda)");
}

static int create_get(const char *text, struct xlcfg_create *c, char *err)
{
    struct xlcfg *cfg = xlcfg_parse(text, strlen(text), "d.cfg", err, XLCFG_ERRLEN);
    int rc;

    assert_non_null(cfg);
    rc = xlcfg_create_get(cfg, c, 0, NULL, err, XLCFG_ERRLEN);
    xlcfg_free(cfg);
    return rc;
}

static void test_create_list(void **state)
{
    struct xlcfg_create c;
    char err[XLCFG_ERRLEN];
    static const char head[] = "name='d'\nkernel='/k'\n";
    char t[1024];

    (void)state;
    snprintf(t, sizeof(t), "%sdisk = [ 'format=raw, vdev=xvda, access=rw, target=/a',\n"
             "  'phy:/dev/sdb,xvdb,r', ]\n", head);
    assert_int_equal(create_get(t, &c, err), 0);
    assert_int_equal(c.nr_disks, 2);
    assert_string_equal(c.disks[0].target, "/a");
    assert_int_equal(c.disks[1].devid, 51728);
    assert_false(c.disks[1].readwrite);
    xlcfg_create_free(&c);
    snprintf(t, sizeof(t), "%sdisk = []\n", head);
    assert_int_equal(create_get(t, &c, err), 0);
    assert_int_equal(c.nr_disks, 0);
    xlcfg_create_free(&c);

    snprintf(t, sizeof(t), "%sdisk = 'file:/a,xvda,w'\n", head);
    assert_int_equal(create_get(t, &c, err), -1);
    assert_string_equal(err, "d.cfg:3: disk: must be a list [ 'spec', ... ]");
    snprintf(t, sizeof(t), "%sdisk = ['file:/a,xvda,w', 'file:/b,51712,w']\n", head);
    assert_int_equal(create_get(t, &c, err), -1);
    assert_string_equal(err, "d.cfg:3: disk[1]: vdev: 51712 is the same device as "
                        "disk[0]'s xvda");
    snprintf(t, sizeof(t), "%sdisk = ['file:/a,xvda,r', 'file:/a,xvdb,w']\n", head);
    assert_int_equal(create_get(t, &c, err), -1);
    assert_non_null(strstr(err, "d.cfg:3: disk[1]: target: /a is disk[0] too"));
    snprintf(t, sizeof(t), "%sdisk = ['file:/a,xvda,r', 'file:/a,xvdb,r']\n", head);
    assert_int_equal(create_get(t, &c, err), 0);
    xlcfg_create_free(&c);
    snprintf(t, sizeof(t), "%sdisk = ['file:/a,xvda,r',\n'vdev=xvdb']\n", head);
    assert_int_equal(create_get(t, &c, err), -1);
    assert_string_equal(err, "d.cfg:3: disk[1]: target: missing (target=PATH or a path "
                        "first)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devid),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_forms_positional),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_create_list),
    };

    return cmocka_run_group_tests_name("xlcfg_disk", tests, NULL, NULL);
}
