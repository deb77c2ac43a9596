/*
 * Test stubs for the hypercall families a test does not link (so that
 * common/hypercall.c's table resolves): each records its call and returns
 * -XEN_ENOSYS, and boot_info holds a fixed command line.
 */
#include <fake/fake.h>
#include <keel/hypercall.h>
#include <keel/bootinfo.h>
#include <keel/domctl.h>

struct boot_info boot_info = { .cmdline = "loglvl=debug" };
unsigned int fake_stub_calls;
uint64_t fake_stub_last_nr;

#define STUB(name, nr, ...) \
    long name(__VA_ARGS__) { fake_stub_calls++; fake_stub_last_nr = (nr); return -XEN_ENOSYS; }

STUB(do_memory_op, __HYPERVISOR_memory_op, uint64_t cmd __unused, uint64_t arg __unused)
STUB(do_console_io, __HYPERVISOR_console_io, uint64_t cmd __unused, uint64_t count __unused, uint64_t buffer __unused)
STUB(do_vcpu_op, __HYPERVISOR_vcpu_op, uint64_t cmd __unused, uint64_t vcpuid __unused, uint64_t arg __unused)
STUB(do_sched_op, __HYPERVISOR_sched_op, uint64_t cmd __unused, uint64_t arg __unused)
STUB(do_sysctl, __HYPERVISOR_sysctl, uint64_t op __unused)
STUB(do_domctl, __HYPERVISOR_domctl, uint64_t op __unused)
STUB(do_set_timer_op, __HYPERVISOR_set_timer_op, uint64_t timeout __unused)
STUB(do_set_debugreg, __HYPERVISOR_set_debugreg, uint64_t reg __unused, uint64_t value __unused)
STUB(do_get_debugreg, __HYPERVISOR_get_debugreg, uint64_t reg __unused)
STUB(do_platform_op, __HYPERVISOR_platform_op, uint64_t op __unused)
