#!/bin/sh
# Xenstore benchmark: reads, writes, transaction commits and watch
# fan-out per second over the Unix socket, for keel-xenstored (journal
# fsync'd, and in memory) and, where it can run, Debian's xenstored, side
# by side with ratios.  Not part of `make test`.
#
#   sh bench/xenstore/run.sh [SECONDS_PER_TEST] [WATCHERS]
# Env: BUILD (default <top>/build), XENSTORED_DEBIAN (a xenstored binary).
# Debian's xenstored: see xenbus/tests/debian-xsd.sh (`make -C xenbus
# debian-xenstored` unpacks it; without Xen it runs under a small shim).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
SECS=${1:-2}
WATCHERS=${2:-16}
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

bench() { # name socket
    XENSTORED_PATH=$2 "$BUILD/bench/xsbench" "$SECS" "$WATCHERS" > "$T/$1.out" || echo "xsbench failed on $1"
}

"$BUILD/bin/keel-xenstored" -F -s "$T/keel.sock" -d "$T/state" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/keel.sock" && bench keel "$T/keel.sock"
"$BUILD/bin/keel-xenstored" -F -m -s "$T/mem.sock" 2>/dev/null & PIDS="$PIDS $!"
wait_socket "$T/mem.sock" && bench keel-mem "$T/mem.sock"

. "$TOP/xenbus/tests/debian-xsd.sh"
if debian_xsd_start "$T/deb" "$BUILD/xenbus"; then
    PIDS="$PIDS $DEB_PID"
    bench debian "$DEB_SOCK"
    DEB=ok
else
    DEB=$DEB_WHY
fi

printf '%-14s %12s %12s %12s %14s %14s\n' test keel-fsync keel-mem debian keel-fsync/deb keel-mem/deb
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; else echo n/a; fi; }
for test in read write txn-commit watch-events; do
    k=$(awk -v t=$test '$1==t {print $2}' "$T/keel.out" 2>/dev/null)
    m=$(awk -v t=$test '$1==t {print $2}' "$T/keel-mem.out" 2>/dev/null)
    d=$(awk -v t=$test '$1==t {print $2}' "$T/debian.out" 2>/dev/null)
    printf '%-14s %12s %12s %12s %14s %14s\n' $test "${k:-n/a}" "${m:-n/a}" "${d:-n/a}" \
        "$(ratio "$k" "$d")" "$(ratio "$m" "$d")"
done
echo "keel-fsync: journal fsync'd before each reply; keel-mem: --in-memory; Debian's keeps its tree in memory."
echo "(ops per second; watch-events: events delivered with $WATCHERS watchers)"
if [ "$DEB" = ok ]; then echo "debian: $DEB_HOW (in memory, its default)"
else echo "Debian's xenstored: $DEB; no ratio against it."; fi
