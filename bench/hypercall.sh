#!/bin/sh
# Near-null hypercall round trips (tests/guests/hcbench.c as dom0, alone):
# xen_version(XENVER_version), EVTCHNOP_send on an unbound port (accepted
# and dropped), and a multicall of 32 xen_version entries, in ns per call,
# against a trap-free loop (a call to a non-inlined function) in the same
# guest.  Two runs: hypercalls by `syscall` (as Linux) and through the
# hypercall page.  Each figure is the best of 3 passes of N calls.
#
#   sh bench/hypercall.sh [--xen] [N]     N default 20000; BUILD=... honoured
#
# --xen also runs the same guests on Debian's Xen 4.17
# (tests/boot/fetch-xen.sh downloads it once) for a ratio Keel/Xen.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
XEN=0
[ "${1:-}" = "--xen" ] && { XEN=1; shift; }
N=${1:-20000}
case $N in ''|*[!0-9]*) echo "hypercall: N must be a number" >&2; exit 2 ;; esac
mkdir -p "$BUILD/boot-logs"

run() {   # HV APPEND ELF LOG
    [ -f "$BUILD/guests/$3" ] || { echo "hypercall: $BUILD/guests/$3 not built" >&2; exit 1; }
    sh "$TOP/tests/boot/run-qemu.sh" --hv "$1" --append "$2" --dom0 "$BUILD/guests/$3 n=$N" \
        --timeout 120 --log "$4" > /dev/null || { echo "hypercall: run failed (log $4)" >&2; exit 1; }
}
fig() {   # LOG NAME -> ns
    grep -a "hc-result: $2 " "$1" | tail -n 1 | sed -n 's/.*ns-per-call \([0-9.]*\).*/\1/p'
}

L=$BUILD/boot-logs
run "$BUILD/keel.elf" "console=com1 dom0_mem=64M" hcbench.elf "$L/bench-hc.log"
run "$BUILD/keel.elf" "console=com1 dom0_mem=64M" hcbench-hcpage.elf "$L/bench-hc-page.log"
if [ "$XEN" -eq 1 ]; then
    XENIMG=$(sh "$TOP/tests/boot/fetch-xen.sh") || { echo "hypercall: cannot fetch Xen" >&2; exit 1; }
    run "$XENIMG" "console=com1 dom0_mem=64M" hcbench.elf "$L/bench-hc-xen.log"
fi
printf '%-22s %12s %12s %10s' call syscall-ns hcpage-ns x-baseline
[ "$XEN" -eq 1 ] && printf ' %12s %9s' xen-ns keel/xen
echo
base=$(fig "$L/bench-hc.log" baseline-call)
for c in baseline-call xen_version evtchn_send_unbound multicall32 multicall-entry; do
    k=$(fig "$L/bench-hc.log" $c); p=$(fig "$L/bench-hc-page.log" $c)
    r=$(awk -v k="$k" -v b="$base" 'BEGIN { if (b > 0) printf "%.0f", k / b; else print "?" }')
    printf '%-22s %12s %12s %10s' "$c" "${k:-?}" "${p:-?}" "$r"
    if [ "$XEN" -eq 1 ]; then
        x=$(fig "$L/bench-hc-xen.log" $c)
        printf ' %12s %9s' "${x:-?}" "$(awk -v k="$k" -v x="$x" 'BEGIN { if (x > 0) printf "%.2f", k / x; else print "?" }')"
    fi
    echo
done
