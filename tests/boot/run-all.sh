#!/bin/sh
# Run every boot test of tests.list, each in its own QEMU, against
# $BUILD/keel.elf (default), or against Debian's Xen 4.17 with --xen.
#
#   run-all.sh [--xen] [--accel tcg|kvm] [NAME...]
#
# In a full run (no NAMEs) the first test of tests.list gates the others:
# if it fails they are reported as failed without being run.
# Without NAMEs and without --xen, selftest.sh (the harness checking
# itself on tiny multiboot images) runs first and counts as one test.
# Logs: $BUILD/boot-logs/NAME.log (Keel) or xen-NAME.log (--xen).
# Hypervisor command lines: $KEEL_APPEND / $XEN_APPEND.
# Exit status 0 only if every selected test printed "VERDICT: PASS".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
HERE=$TOP/tests/boot
XEN=0; ACCEL=tcg
while [ $# -gt 0 ]; do
    case $1 in
    --xen) XEN=1; shift ;;
    --accel) [ $# -ge 2 ] || { echo "run-all: --accel needs a value" >&2; exit 2; }
             ACCEL=$2; shift 2 ;;
    -*) echo "run-all: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done

if [ "$XEN" -eq 1 ]; then
    HV=$(sh "$HERE/fetch-xen.sh") || { echo "run-all: cannot fetch Xen" >&2; exit 1; }
    APPEND=${XEN_APPEND:-console=com1 loglvl=all guest_loglvl=all dom0_mem=64M}
    prefix=xen-
    SMAP=off            # Xen 4.17 under TCG does not boot with SMAP
else
    HV=$BUILD/keel.elf
    APPEND=${KEEL_APPEND:-console=com1 dom0_mem=64M}
    prefix=
    SMAP=on
fi
LOGDIR=$BUILD/boot-logs
mkdir -p "$LOGDIR"

passed=0; failed=0; failures=""; gate_failed=""; gated=""
# The harness checks itself first (Keel runs only, all tests selected).
if [ "$XEN" -eq 0 ] && [ $# -eq 0 ]; then
    if sh "$HERE/selftest.sh"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failures="$failures harness-selftest"
    fi
fi
while read -r name elf timeout args; do
    case $name in ''|'#'*) continue ;; esac
    if [ $# -gt 0 ]; then
        want=0
        for n in "$@"; do [ "$n" = "$name" ] && want=1; done
        [ "$want" -eq 1 ] || continue
    fi
    guest=$BUILD/guests/$elf
    log=$LOGDIR/$prefix$name.log
    if [ -n "$gate_failed" ]; then
        echo "FAIL $prefix$name: not run because $gate_failed failed (run it by name)"
        rc=1
    elif [ ! -f "$guest" ]; then
        echo "FAIL $prefix$name: guest $guest not built (make -C tests/guests all)"
        rc=1
    else
        sh "$HERE/run-qemu.sh" --hv "$HV" --append "$APPEND" \
            --dom0 "$guest${args:+ $args}" --timeout "$timeout" \
            --accel "$ACCEL" --smap "$SMAP" --log "$log" < /dev/null
        rc=$?
    fi
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1)); failures="$failures $name"
        # In a full run the first test gates the rest, so that a
        # hypervisor that hangs costs one timeout, not one per test.
        [ $# -eq 0 ] && [ -z "$gated" ] && gate_failed=$name
    fi
    gated=done
done < "$HERE/tests.list"

[ -n "$failures" ] && echo "boot tests failed:$failures"
echo "boot tests ($( [ "$XEN" -eq 1 ] && echo xen || echo keel )): $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
