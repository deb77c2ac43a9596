#!/bin/sh
# Several vCPUs of one domain on several physical CPUs: the smp guest
# (tests/guests/smp.c) as dom0 with N vCPUs (dom0_max_vcpus=N), each run
# in its own QEMU with a given number of CPUs:
#
#   smp         2 vCPUs on 2 CPUs (parallel: IPIs, shootdowns, overlap seen)
#   smp-1cpu    2 vCPUs on 1 CPU  (multiplexed: never two running at once)
#   smp4        4 vCPUs on 4 CPUs, vcpu_info placed (VCPUOP_register_vcpu_info)
#   smp4-2cpu   4 vCPUs on 2 CPUs (parallel and multiplexed), vcpu_info placed
#   smp4-1cpu   4 vCPUs on 1 CPU
#
#   run-smp.sh [--accel tcg|kvm] [NAME...]
#
# A run passes when the guest's verdict is PASS and dom0 then powered off
# because its last vCPU went down (VCPUOP_down, as Xen does it).
# KEEL_SMP is not used: every run sets its own CPU count.  Each run takes
# 2-6 s under TCG; the timeout only bounds a hang.  Logs:
# $BUILD/boot-logs/NAME.log.  Exit status 0 only if every run passed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
HERE=$TOP/tests/boot
ACCEL=tcg
if [ $# -ge 1 ] && [ "$1" = --accel ]; then
    [ $# -ge 2 ] || { echo "run-smp: --accel needs a value" >&2; exit 2; }
    ACCEL=$2; shift 2
fi
passed=0; failed=0; failures=""
run() {   # NAME VCPUS CPUS [GUEST ARGS]
    if [ -n "$want" ]; then
        case " $want " in *" $1 "*) ;; *) return 0 ;; esac
    fi
    out=$(sh "$HERE/run-qemu.sh" --hv "$BUILD/keel.elf" \
        --append "console=com1 dom0_mem=64M dom0_max_vcpus=$2" \
        --dom0 "$BUILD/guests/smp.elf vcpus=$2${4:+ $4}" --smp "$3" --timeout 60 \
        --accel "$ACCEL" --log "$BUILD/boot-logs/$1.log" < /dev/null)
    rc=$?
    # The guest ends by taking all its vCPUs down: as in Xen, that must
    # power dom0 off (not leave it idle until the harness kills QEMU).
    if [ "$rc" -eq 0 ] && ! printf '%s\n' "$out" | grep -q 'shutdown reason 0 (poweroff)'; then
        out="FAIL $1: passed, but dom0 did not power off when its last vCPU went down ($out)"
        rc=1
    fi
    printf '%s\n' "$out"
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failures="$failures $1"
    fi
}
want="$*"
run smp 2 2
run smp-1cpu 2 1
run smp4 4 4 placement=1
run smp4-2cpu 4 2 placement=1
run smp4-1cpu 4 1
[ -n "$failures" ] && echo "smp boot tests failed:$failures"
echo "smp boot tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
