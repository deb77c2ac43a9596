#!/bin/sh
# Xenstore benchmark: reads, writes, transaction commits and watch events
# per second over the Unix socket, CLIENTS clients at once, for
# keel-xenstored durable (journal synced before replies, group commit)
# and in memory, and Debian's xenstored (in memory, its default) where it
# can run.  The daemons are measured in turn, ROUNDS times, in a rotating
# order (interleaved, so that load drifts on a shared machine hit all
# alike); each figure is the median of the rounds with its min-max, and
# the ratios are of medians.  Then single-client latency (median of the
# rounds, microseconds per operation).  Not part of `make test`.
#
#   sh bench/xenstore/run.sh [SECONDS_PER_TEST] [CLIENTS] [ROUNDS]
# Env: BUILD (default <top>/build), XENSTORED_DEBIAN (a xenstored binary),
# KEEL_BASE (another keel-xenstored binary, e.g. built from main: measured
# durable in the same rounds as an extra column "base", to compare a change).
# Debian's xenstored: see xenbus/tests/debian-xsd.sh (`make -C xenbus
# debian-xenstored` unpacks it; without Xen it runs under a small shim).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
SECS=${1:-1}
CLIENTS=${2:-16}
ROUNDS=${3:-5}
CC=${CC:-gcc}
make -s -C "$TOP/xenbus" BUILD="$BUILD" all || exit 1
mkdir -p "$BUILD/bench"
$CC -O2 -Wall -Wextra -Werror -I"$TOP/xenbus/include" -o "$BUILD/bench/xsbench" \
    "$TOP/bench/xenstore/xsbench.c" "$BUILD/lib/libkeelxs.a" || exit 1
T=$(mktemp -d /tmp/xsbench.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM

wait_socket() { i=0; while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; [ -S "$1" ]; }

# XSBENCH_SYNC_SPIN=1: the durable daemon with --sync-spin (a SCHED_IDLE
# thread busy-waits during each sync; off by default, see docs/xenstore.md).
SPIN=""
[ "${XSBENCH_SYNC_SPIN:-0}" = 1 ] && SPIN=--sync-spin
"$BUILD/bin/keel-xenstored" -F $SPIN -s "$T/keel.sock" -d "$T/state" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/keel.sock" || { echo "keel-xenstored did not start"; exit 1; }
"$BUILD/bin/keel-xenstored" -F -m -s "$T/mem.sock" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/mem.sock" || { echo "keel-xenstored -m did not start"; exit 1; }
DAEMONS="keel keel-mem"
SOCK_keel=$T/keel.sock
SOCK_keel_mem=$T/mem.sock
if [ -n "${KEEL_BASE:-}" ]; then
    "$KEEL_BASE" -F -s "$T/base.sock" -d "$T/base-state" 2>/dev/null & PIDS="$PIDS $!"
    wait_socket "$T/base.sock" || { echo "$KEEL_BASE did not start"; exit 1; }
    DAEMONS="$DAEMONS base"
    SOCK_base=$T/base.sock
fi
. "$TOP/xenbus/tests/debian-xsd.sh"
if debian_xsd_start "$T/deb" "$BUILD/xenbus"; then
    PIDS="$PIDS $DEB_PID"
    DAEMONS="$DAEMONS debian"
    SOCK_debian=$DEB_SOCK
    DEB=ok
else
    DEB=$DEB_WHY
fi

LOAD_BEFORE=$(uptime | sed 's/.*load average: //')
# Results: lines "<daemon> <clients> <test> <ops/s>" in $T/all.
r=0; failed=0
while [ $r -lt "$ROUNDS" ]; do
    # Rotate the order each round.
    order=$DAEMONS; k=0
    while [ $k -lt $r ]; do set -- $order; first=$1; shift; order="$* $first"; k=$((k + 1)); done
    for d in $order; do
        eval sock=\$SOCK_$(echo $d | tr - _)
        for n in "$CLIENTS" 1; do
            XENSTORED_PATH=$sock "$BUILD/bench/xsbench" "$SECS" "$n" > "$T/one" ||
                { echo "xsbench failed on $d"; failed=1; }
            awk -v d=$d -v n=$n '{print d, n, $1, $2}' "$T/one" >> "$T/all"
        done
    done
    r=$((r + 1))
done

# median and min-max of a daemon's figures for a test ("? ? ?" when none)
stat() { # daemon clients test -> "median min max"
    awk -v d=$1 -v n=$2 -v t=$3 '$1==d && $2==n && $3==t {print $4}' "$T/all" | sort -n |
        awk '{v[NR]=$1} END {if (NR==0) {print "? ? ?"; exit}
             m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a=="?" || b=="?" || b==0) print "?"; else printf "%.2f", a/b}'; }

echo "$CLIENTS clients, ${SECS} s per test, $ROUNDS interleaved rounds: median ops/s [min-max]"
echo "load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $(uptime | sed 's/.*load average: //')"
printf '%-13s %24s %24s %24s %9s %9s\n' test keel-durable keel-mem debian durable/deb mem/deb
for test in read write txn-commit watch-events; do
    set -- $(stat keel "$CLIENTS" $test); k=$1; kr="$1 [$2-$3]"
    set -- $(stat keel-mem "$CLIENTS" $test); m=$1; mr="$1 [$2-$3]"
    set -- $(stat debian "$CLIENTS" $test); d=$1; dr="$1 [$2-$3]"
    [ "$d" = "?" ] && dr="?"
    case "$k $m $d" in *"?"*) failed=1 ;; esac
    printf '%-13s %24s %24s %24s %9s %9s\n' $test "$kr" "$mr" "$dr" "$(ratio $k $d)" "$(ratio $m $d)"
done
if [ -n "${KEEL_BASE:-}" ]; then
    echo "base ($KEEL_BASE, durable), same rounds:"
    for test in read write txn-commit watch-events; do
        set -- $(stat keel "$CLIENTS" $test); k=$1
        set -- $(stat base "$CLIENTS" $test); b=$1
        set -- $(stat debian "$CLIENTS" $test); d=$1
        set -- $(stat base "$CLIENTS" $test)
        printf '%-13s %24s  durable/base %5s  base/deb %5s\n' $test "$1 [$2-$3]" "$(ratio $k $b)" "$(ratio $b $d)"
    done
fi
echo
echo "single client: median microseconds per operation [min-max]"
printf '%-13s %20s %20s %20s\n' test keel-durable keel-mem debian
us() { set -- $(stat $1 1 $2); [ "$1" = "?" ] && { echo "?"; return; }
       awk -v m=$1 -v lo=$2 -v hi=$3 'BEGIN{printf "%.0f [%.0f-%.0f]", 1e6/m, 1e6/hi, 1e6/lo}'; }
for test in read write txn-commit watch-events; do
    printf '%-13s %20s %20s %20s\n' $test "$(us keel $test)" "$(us keel-mem $test)" "$(us debian $test)"
done
if [ -n "${KEEL_BASE:-}" ]; then
    for test in read write txn-commit watch-events; do
        printf '%-13s base %20s\n' $test "$(us base $test)"
    done
fi
echo
echo "keel-durable: the changes made since the last frame written as one journal frame with O_DSYNC"
echo "by a sync thread while the loop serves on (group commit, one frame in flight); a reply leaves"
echo "once the frame holding every change made before it is durable;"
echo "keel-mem: --in-memory; Debian's keeps its tree in memory."
echo "keel-durable ran ${SPIN:-without --sync-spin} (XSBENCH_SYNC_SPIN=1 for --sync-spin)."
echo "txn-commit: START, READ, WRITE, END per operation; watch-events: write below the client's own"
echo "watch, then wait for the event on its watcher connection."
if [ "$DEB" = ok ]; then echo "debian: $DEB_HOW (in memory, its default)"
else echo "Debian's xenstored: $DEB; no ratio against it."; fi
# A figure that is missing shows as "?" and fails the run.
[ "$failed" -eq 0 ] || { echo "xenstore bench: some figures are missing ('?')" >&2; exit 1; }
