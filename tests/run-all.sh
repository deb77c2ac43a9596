#!/bin/sh
# Run every test suite and print one closing line: "N passed, N failed".
# A suite is a part's `make test`, or the boot tests.  Each suite prints
# its own details; this script only counts suites.
cd "$(dirname "$0")/.."
passed=0; failed=0; failures=""
run_suite() {
    name=$1; shift
    echo "=== suite: $name"
    if "$@"; then
        passed=$((passed + 1)); echo "=== suite $name: PASS"
    else
        failed=$((failed + 1)); failures="$failures $name"; echo "=== suite $name: FAIL"
    fi
}
# Debian's kernel (cached under cache/linux, not installed) for the unit
# tests that check the ELF and bzImage loaders on the real thing; the
# Linux suite below needs it anyway.  Without it those two tests skip and
# the Linux suite fails, so a run without the kernel cannot pass.
if [ -z "${KEEL_TEST_VMLINUZ:-}" ] && KEEL_TEST_VMLINUZ=$(sh tests/linux/fetch-kernel.sh); then
    KEEL_TEST_VMLINUX=$(sh tests/linux/extract-vmlinux.sh "$KEEL_TEST_VMLINUZ") || KEEL_TEST_VMLINUX=""
    export KEEL_TEST_VMLINUZ KEEL_TEST_VMLINUX
fi
for part in tests/unit xenbus dom0-tools tests/fuzz bench; do
    [ -f "$part/Makefile" ] && run_suite "$part" make -s -C "$part" test
done
[ -f tests/boot/run-all.sh ] && run_suite boot sh tests/boot/run-all.sh
[ -f tests/boot/run-domus.sh ] && run_suite boot-domus sh tests/boot/run-domus.sh
[ -f tests/boot/run-hostile.sh ] && run_suite boot-hostile sh tests/boot/run-hostile.sh
[ -f tests/boot/run-dos.sh ] && run_suite boot-dos sh tests/boot/run-dos.sh
[ -f tests/boot/run-sched.sh ] && run_suite boot-sched sh tests/boot/run-sched.sh
[ -f tests/boot/run-domctl.sh ] && run_suite boot-domctl sh tests/boot/run-domctl.sh
[ -f tests/boot/run-builder.sh ] && run_suite boot-builder sh tests/boot/run-builder.sh
[ -f tests/boot/run-gnttab.sh ] && run_suite boot-gnttab sh tests/boot/run-gnttab.sh
[ -f tests/boot/run-evtchn.sh ] && run_suite boot-evtchn sh tests/boot/run-evtchn.sh
[ -f tests/boot/run-smp.sh ] && run_suite boot-smp sh tests/boot/run-smp.sh
[ -f tests/boot/run-harden.sh ] && run_suite boot-harden sh tests/boot/run-harden.sh
[ -f tests/boot/run-tlb.sh ] && run_suite boot-tlb sh tests/boot/run-tlb.sh
# The same guests again on two physical CPUs (QEMU -smp 2).
for t in run-all run-domus run-hostile run-dos run-gnttab run-evtchn run-tlb run-builder; do
    [ -f "tests/boot/$t.sh" ] && run_suite "boot-smp2-${t#run-}" env KEEL_SMP=2 sh "tests/boot/$t.sh"
done
[ -f tests/boot/run-grub.sh ] && run_suite boot-grub sh tests/boot/run-grub.sh
[ -f tests/boot/run-badkernel.sh ] && run_suite boot-badkernel sh tests/boot/run-badkernel.sh
[ -f tests/linux/run-all.sh ] && run_suite linux sh tests/linux/run-all.sh
# The README's demo, checked: its exact machine with dom0's disk and NIC
# and a domU booted from its disk fetching a file from dom0 (about 3
# minutes under TCG).
[ -f scripts/demo.sh ] && run_suite demo sh scripts/demo.sh --check
[ -n "$failures" ] && echo "failed suites:$failures"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
