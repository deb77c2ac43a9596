#!/bin/sh
# Xenstore benchmark: reads, writes, transaction commits and watch
# fan-out per second over the Unix socket, for keel-xenstored (journal
# fsync'd, and in memory) and, where it can run, Debian's xenstored, side
# by side with ratios.  Not part of `make test`.
#
#   sh bench/xenstore/run.sh [SECONDS_PER_TEST] [WATCHERS]
# Env: BUILD (default <top>/build), XENSTORED_DEBIAN (a xenstored binary).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
SECS=${1:-2}
WATCHERS=${2:-16}
CC=${CC:-gcc}
make -s -C "$TOP/xenbus" BUILD="$BUILD" "$BUILD/bin/keel-xenstored" "$BUILD/lib/libkeelxs.a" || exit 1
mkdir -p "$BUILD/bench"
$CC -O2 -Wall -Wextra -Werror -I"$TOP/xenbus/include" -o "$BUILD/bench/xsbench" \
    "$TOP/bench/xenstore/xsbench.c" "$BUILD/lib/libkeelxs.a" || exit 1
T=$(mktemp -d /tmp/xsbench.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT INT TERM

wait_socket() { i=0; while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done; [ -S "$1" ]; }

bench() { # name socket
    XENSTORED_PATH=$2 "$BUILD/bench/xsbench" "$SECS" "$WATCHERS" > "$T/$1.out" || echo "xsbench failed on $1"
}

"$BUILD/bin/keel-xenstored" -F -s "$T/keel.sock" -d "$T/state" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/keel.sock" && bench keel "$T/keel.sock"
"$BUILD/bin/keel-xenstored" -F -m -s "$T/mem.sock" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/mem.sock" && bench keel-mem "$T/mem.sock"

XSD=""
for c in ${XENSTORED_DEBIAN:-} /usr/sbin/xenstored /usr/lib/xen-*/bin/xenstored; do
    [ -x "$c" ] && { XSD=$c; break; }
done
DEB="not installed"
if [ -n "$XSD" ]; then
    mkdir -p "$T/deb"
    XENSTORED_RUNDIR="$T/deb" "$XSD" -D -N >/dev/null 2>&1 & dp=$!; PIDS="$PIDS $dp"
    if wait_socket "$T/deb/socket" && XENSTORED_PATH="$T/deb/socket" "$BUILD/bench/xsbench" 0.01 1 >/dev/null 2>&1 \
        && kill -0 $dp 2>/dev/null; then
        kill $dp; wait $dp 2>/dev/null
        XENSTORED_RUNDIR="$T/deb" "$XSD" -D -N >/dev/null 2>&1 & PIDS="$PIDS $!"
        wait_socket "$T/deb/socket" && bench debian "$T/deb/socket"
        DEB=ok
    else
        DEB="cannot run on this host without Xen"
    fi
fi

printf '%-14s %14s %14s %14s %12s %12s\n' test keel keel-in-memory debian keel/debian keel/in-mem
for test in read write txn-commit watch-events; do
    k=$(awk -v t=$test '$1==t {print $2}' "$T/keel.out" 2>/dev/null)
    m=$(awk -v t=$test '$1==t {print $2}' "$T/keel-mem.out" 2>/dev/null)
    d=$(awk -v t=$test '$1==t {print $2}' "$T/debian.out" 2>/dev/null)
    r1=n/a; r2=n/a
    [ -n "$k" ] && [ -n "$d" ] && r1=$(awk -v a="$k" -v b="$d" 'BEGIN{printf "%.2f", a/b}')
    [ -n "$k" ] && [ -n "$m" ] && r2=$(awk -v a="$k" -v b="$m" 'BEGIN{printf "%.2f", a/b}')
    printf '%-14s %14s %14s %14s %12s %12s\n' $test "${k:-n/a}" "${m:-n/a}" "${d:-n/a}" $r1 $r2
done
echo "(ops per second; watch-events: events delivered with $WATCHERS watchers)"
[ "$DEB" = ok ] || echo "Debian's xenstored: $DEB; no ratio against it."
