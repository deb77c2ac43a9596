/*
 * Unit tests: keel's domain records (dom0-tools/keel/records.c), the one
 * place `keel` keeps what it knows about the domains it created until the
 * store runs in dom0: put, get (a record whose domain is gone is stale and
 * removed), list, names for `keel list`, lookup by name, and the one-line
 * error of keel_dom_resolve.  The hypervisor is a table of live domids
 * (keelctl_domain_info and keel_find_domain are stubbed here).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel_cli.h"

static bool live[DOMID_FIRST_RESERVED];

int keelctl_domain_info(struct keelctl *h, domid_t dom, struct xen_domctl_getdomaininfo *out)
{
    (void)h;
    if (!live[dom])
        return -ESRCH;
    memset(out, 0, sizeof(*out));
    out->domain = dom;
    return 0;
}

int keel_find_domain(struct keelctl *h, const char *arg, domid_t *out)
{
    if (keel_dom_by_name(h, arg, out) == 0)
        return 0;
    return -ESRCH;
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/keel-records-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    setenv("KEEL_RUN_DIR", dir, 1);
    memset(live, 0, sizeof(live));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static struct keel_rec rec(const char *name, uint64_t mfn, uint32_t port)
{
    struct keel_rec r = { .console_mfn = mfn, .console_port = port, .store_mfn = mfn + 1,
                          .store_port = port + 1 };

    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.config, sizeof(r.config), "/tmp/%s.cfg", name);
    snprintf(r.on_poweroff, sizeof(r.on_poweroff), "preserve");
    snprintf(r.on_reboot, sizeof(r.on_reboot), "restart");
    snprintf(r.on_crash, sizeof(r.on_crash), "destroy");
    return r;
}

static void test_put_get_list(void **state)
{
    struct keelctl h = { -1, NULL };
    struct keel_rec a = rec("web", 0x12345, 3), b;
    domid_t ids[8], dom;
    char name[64];

    (void)state;
    live[7] = live[9] = true;
    assert_int_equal(keel_rec_put(7, &a), 0);
    assert_int_equal(keel_rec_get(&h, 7, &b), 0);
    assert_string_equal(b.name, "web");
    assert_string_equal(b.config, "/tmp/web.cfg");
    assert_string_equal(b.on_poweroff, "preserve");
    assert_string_equal(b.on_reboot, "restart");
    assert_string_equal(b.on_crash, "destroy");
    assert_int_equal(b.console_mfn, 0x12345);
    assert_int_equal(b.console_port, 3);
    assert_int_equal(b.store_mfn, 0x12346);
    assert_int_equal(b.store_port, 4);
    assert_int_equal(keel_rec_list(ids, 8), 1);
    assert_int_equal(ids[0], 7);
    keel_domain_name(7, name, sizeof(name));
    assert_string_equal(name, "web");
    keel_domain_name(0, name, sizeof(name));
    assert_string_equal(name, "Domain-0");
    keel_domain_name(9, name, sizeof(name));
    assert_string_equal(name, "(null)");        /* listed, but not keel's */
    assert_int_equal(keel_dom_by_name(&h, "web", &dom), 0);
    assert_int_equal(dom, 7);
    assert_int_equal(keel_dom_by_name(&h, "Domain-0", &dom), 0);
    assert_int_equal(dom, 0);
    assert_int_equal(keel_dom_by_name(&h, "db", &dom), -ENOENT);
    keel_rec_remove(7);
    assert_int_equal(keel_rec_get(&h, 7, &b), -ENOENT);
    assert_int_equal(keel_rec_list(ids, 8), 0);
}

static void test_stale_record(void **state)
{
    struct keelctl h = { -1, NULL };
    struct keel_rec a = rec("gone", 1, 1), b;
    domid_t ids[8], dom;

    (void)state;
    assert_int_equal(keel_rec_put(12, &a), 0);      /* domain 12 is not live */
    assert_int_equal(keel_rec_list(ids, 8), 1);
    assert_int_equal(keel_dom_by_name(&h, "gone", &dom), -ENOENT);
    assert_int_equal(keel_rec_get(&h, 12, &b), -ENOENT);
    assert_int_equal(keel_rec_list(ids, 8), 0);     /* removed when seen */
}

static void test_resolve_error(void **state)
{
    struct keelctl h = { -1, NULL };
    char buf[256] = "";
    domid_t dom;
    FILE *saved = stderr, *f = fmemopen(buf, sizeof(buf), "w");

    (void)state;
    assert_non_null(f);
    stderr = f;
    assert_int_equal(keel_dom_resolve(&h, "console", "nosuch", &dom), -ESRCH);
    stderr = saved;
    fclose(f);
    assert_string_equal(buf, "keel console: nosuch: no such domain\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_error, setup, teardown),
    };
    return cmocka_run_group_tests_name("keel_records", tests, NULL, NULL);
}
