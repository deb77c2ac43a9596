#!/bin/sh
# Near-null hypercall round trips (tests/guests/hcbench.c as dom0, alone):
# xen_version(XENVER_version), EVTCHNOP_send on an unbound port (accepted
# and dropped), and a multicall of 32 xen_version entries, in ns per call,
# against a trap-free loop (a call to a non-inlined function) in the same
# guest; and, from tests/guests/user.c as dom0 with bench=N, a user-mode
# `syscall` bounced to the guest kernel's callback and back to user mode
# by HYPERVISOR_iret (every system call of a PV guest's processes takes
# that path), and a user-mode int3 bounced and returned the same way (an
# exception bounce).  Two ways into Keel: hypercalls by `syscall` (as
# Linux) and through the hypercall page.  In each boot every figure is the best of 3
# passes of N calls.
#
#   sh bench/hypercall.sh [--xen] [--rounds R] [--icount] [N]
#                                   N default 100000, R default 5; BUILD=... honoured
#
# --icount runs QEMU with `-icount shift=0`: the guest's clock then counts
# guest instructions, one per ns, so every figure is the number of
# instructions a call executes (guest and hypervisor), the same on a busy
# machine as on a quiet one; one round is enough.  It leaves out what an
# instruction costs (a TCG helper for rdtsc or wrmsr, a TLB flush), which
# the default wall-clock figures include.
#
# The machines are noisy, so the boots are interleaved: R rounds, each
# boots Keel by syscall, Keel by hypercall page and (with --xen) Debian's
# Xen 4.17 (tests/boot/fetch-xen.sh downloads it once), the order rotated
# every round.  Each column is the median over the rounds with [min-max];
# keel/xen is the median of the per-round ratios with their range.  A
# figure that is missing prints "?" and the script exits 1.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
XEN=0
ICOUNT=0
ROUNDS=5
N=100000
usage() { echo "usage: hypercall.sh [--xen] [--rounds R] [--icount] [N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --xen) XEN=1; shift ;;
    --icount) ICOUNT=1; shift ;;
    --rounds) [ $# -ge 2 ] || usage; ROUNDS=$2; shift 2 ;;
    *) N=$1; shift ;;
    esac
done
case $N in ''|*[!0-9]*|0*) echo "hypercall: N must be a positive number, not '$N'" >&2; exit 2 ;; esac
case $ROUNDS in ''|*[!0-9]*|0*) echo "hypercall: R must be a positive number, not '$ROUNDS'" >&2; exit 2 ;; esac
L=$BUILD/boot-logs
mkdir -p "$L"
T=$(mktemp -d /tmp/keel-hcbench.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

KEEL=$BUILD/keel.elf
[ -f "$KEEL" ] || { echo "hypercall: $KEEL not built (make)" >&2; exit 1; }
XENIMG=""
if [ "$XEN" -eq 1 ]; then
    XENIMG=$(sh "$TOP/tests/boot/fetch-xen.sh") || { echo "hypercall: cannot fetch Xen" >&2; exit 1; }
fi
CALLS="baseline-call xen_version evtchn_send_unbound multicall32 multicall-entry user-syscall user-int3"

# boot WAY ROUND: the two boots (hcbench, then user bench=N) of one way;
# appends "WAY CALL NS" lines to $T/all
boot() {
    case $1 in
    keel) hv=$KEEL; sfx="" ;;
    page) hv=$KEEL; sfx="-hcpage" ;;
    xen)  hv=$XENIMG; sfx="" ;;
    esac
    for g in hcbench user; do
        elf=$g$sfx.elf
        [ -f "$BUILD/guests/$elf" ] || { echo "hypercall: $BUILD/guests/$elf not built" >&2; exit 1; }
        arg="n=$N"
        [ "$g" = user ] && arg="bench=$N"
        log=$L/bench-hc-$1-$g-$2.log
        if ! sh "$TOP/tests/boot/run-qemu.sh" --hv "$hv" --append "console=com1 dom0_mem=64M" \
                --dom0 "$BUILD/guests/$elf $arg" --timeout 300 --log "$log" \
                ${ICOUNT_DEV:+--devices "$ICOUNT_DEV"} > /dev/null; then
            echo "hypercall: $1 $g run $2 failed (log $log)" >&2
            continue
        fi
        for c in $CALLS; do
            v=$(grep -a "hc-result: $c " "$log" | tail -n 1 | sed -n 's/.*ns-per-call \([0-9.]*\).*/\1/p')
            [ -n "$v" ] && echo "$1 $c $v $2" >> "$T/all"
        done
    done
}

ICOUNT_DEV=""
[ "$ICOUNT" -eq 1 ] && ICOUNT_DEV="-icount shift=0"
WAYS="keel page"
[ "$XEN" -eq 1 ] && WAYS="keel page xen"
: > "$T/all"
r=1
while [ "$r" -le "$ROUNDS" ]; do
    # rotate the order each round so that no way always runs first
    set -- $WAYS
    k=1; while [ "$k" -lt "$r" ]; do first=$1; shift; set -- "$@" "$first"; k=$((k + 1)); done
    for w in "$@"; do boot "$w" "$r"; done
    r=$((r + 1))
done

# stat WAY CALL -> "median min max" over the rounds ("? ? ?" when none)
. "$TOP/bench/stats.sh"
stat() {
    awk -v w="$1" -v c="$2" '$1 == w && $2 == c { print $3 }' "$T/all" | bench_median 1 1
}
# ratio CALL -> "median min max" of keel/xen per round, both from the same round
ratio() {
    awk -v c="$1" '$2 == c && ($1 == "keel" || $1 == "xen") { v[$1, $4] = $3; r[$4] = 1 }
        END { for (i in r) if (v["keel", i] != "" && v["xen", i] > 0) print v["keel", i] / v["xen", i] }' "$T/all" |
        bench_median 1 2
}
fmt() { [ "$1" = "?" ] && { echo "?"; return; }; echo "$1 [$2-$3]"; }

missing=0
UNIT="ns per call"
[ "$ICOUNT" -eq 1 ] && UNIT="instructions per call (-icount shift=0)"
echo "N=$N calls per pass, best of 3 passes per boot, $ROUNDS interleaved rounds: median $UNIT [min-max]"
printf '%-20s %24s %24s %8s' call keel-syscall keel-hcpage x-base
[ "$XEN" -eq 1 ] && printf ' %24s %20s' xen-syscall keel/xen
echo
set -- $(stat keel baseline-call); base=$1
for c in $CALLS; do
    set -- $(stat keel "$c"); k=$1; kf=$(fmt "$@")
    set -- $(stat page "$c"); p=$1; pf=$(fmt "$@")
    xb=$(awk -v k="$k" -v b="$base" 'BEGIN { if (k != "?" && b != "?" && b > 0) printf "%.0f", k / b; else print "?" }')
    case "$k $p" in *"?"*) missing=1 ;; esac
    printf '%-20s %24s %24s %8s' "$c" "$kf" "$pf" "$xb"
    if [ "$XEN" -eq 1 ]; then
        set -- $(stat xen "$c"); x=$1; xf=$(fmt "$@")
        set -- $(ratio "$c"); rr=$1; rf=$(fmt "$@")
        case "$x $rr" in *"?"*) missing=1 ;; esac
        printf ' %24s %20s' "$xf" "$rf"
    fi
    echo
done
[ "$missing" -eq 0 ] || { echo "hypercall: some figures are missing ('?'); logs in $L" >&2; exit 1; }
