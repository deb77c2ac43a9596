#!/bin/sh
# Compatibility: Debian's xenstore-utils (libxenstore underneath) against
# keel-xenstored through XENSTORED_PATH; the transcript is compared with
# tests/compat.expected (recorded from Xen's xenstored).  When Debian's
# own xenstored is available (see tests/debian-xsd.sh), the same session
# runs against it and the transcripts must be identical; with
# KEEL_REQUIRE_XENSTORED set (the README's test command sets it) its
# absence is a failure, not a fallback.
#
#   sh tests/compat.sh DAEMON TOOLDIR
set -u
DAEMON=$1
TOOLDIR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/xenbus-compat.XXXXXX)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

for tool in xenstore-read xenstore-write xenstore-ls xenstore-rm xenstore-chmod \
            xenstore-exists xenstore-list xenstore-watch; do
    command -v $tool >/dev/null || { echo "compat: $tool missing (package xenstore-utils)"; exit 1; }
done

wait_socket() {
    i=0
    while [ ! -S "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -S "$1" ]
}

# The scripted session: each command's output and exit status.
session() {
    export XENSTORED_PATH=$1
    run() { echo "\$ $*"; "$@" 2>&1; echo "[rc=$?]"; }
    run xenstore-write /vm/a 1 /vm/b 2 /vm/c/d 3
    run xenstore-read /vm/a /vm/b
    run xenstore-read /vm/none
    run xenstore-read /vm/none/deeper
    run xenstore-ls /vm
    run xenstore-ls -f -p /vm
    run xenstore-list /vm
    run xenstore-list /nonexistent
    run xenstore-exists /vm/a
    run xenstore-exists /vm/zz
    run xenstore-chmod /vm/a n0 r5 w7
    run xenstore-ls -p /vm
    run xenstore-chmod -r /vm b3
    run xenstore-ls -f -p /vm
    run xenstore-chmod /vm/a x5
    run xenstore-rm /vm/c/d
    run xenstore-list /vm/c
    run xenstore-rm /vm/missing
    run xenstore-rm /vm/missing/deeper
    run xenstore-rm -t /vm/b
    run xenstore-list /vm
    run xenstore-write relative-key 5
    run xenstore-read /local/domain/0/relative-key
    run xenstore-read relative-key
    run xenstore-write /bad//path 1
    run xenstore-write "/bad path" 1
    run xenstore-write /v/empty ""
    run xenstore-read /v/empty
    long=$(head -c 4000 /dev/zero | tr '\0' a)
    echo "\$ xenstore-write /v/long <4000 bytes>"
    xenstore-write /v/long "$long" 2>&1; echo "[rc=$?]"
    echo "\$ xenstore-read /v/long | wc -c"; xenstore-read /v/long | wc -c
    echo "\$ xenstore-write /v/toolong <8000 bytes>"
    xenstore-write /v/toolong "$long$long" 2>&1; echo "[rc=$?]"
    # 300 children: more than one 4096-byte DIRECTORY reply, so
    # libxenstore falls back to DIRECTORY_PART.
    i=0; set --
    while [ $i -lt 300 ]; do set -- "$@" /big/child-name-$i x; i=$((i + 1)); done
    xenstore-write "$@"
    echo "\$ xenstore-list /big | wc -l"; xenstore-list /big | wc -l
    echo "\$ xenstore-list /big | tail -1"; xenstore-list /big | tail -1
    # Watches: one event at registration, then one per change below.
    echo "\$ xenstore-watch -n 4 /w"
    xenstore-watch -n 4 /w > "$T/watch.out" 2>&1 &
    wp=$!
    sleep 0.3
    xenstore-write /w/x 1
    xenstore-write /unrelated 1
    xenstore-write /w/y/z 2
    xenstore-rm /w
    i=0; while kill -0 $wp 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
    kill $wp 2>/dev/null; wait $wp 2>/dev/null
    cat "$T/watch.out"
}

# Ours.
mkdir -p "$T/rings"
"$DAEMON" -F -s "$T/ours.sock" -d "$T/state" --host-rings "$T/rings" 2>"$T/daemon.log" &
PIDS="$PIDS $!"
wait_socket "$T/ours.sock" || { echo "compat: keel-xenstored did not start"; cat "$T/daemon.log"; exit 1; }
session "$T/ours.sock" > "$T/ours.out"
fail=0
if ! diff -u "$HERE/compat.expected" "$T/ours.out"; then
    echo "compat: xenstore-utils transcript differs from Xen's answers"; fail=1
fi
# A directory of any size is listed (DIRECTORY_PART in parts): 3,000
# children of 100-byte names (300 KB).  Ours only: Debian's xenstored
# rewrites the whole child list on each creation and takes minutes.
pad=$(head -c 90 /dev/zero | tr '\0' x)
seq 0 2999 | sed "s|.*|/huge/c&-$pad v|" | XENSTORED_PATH=$T/ours.sock xargs xenstore-write ||
    { echo "compat: writing 3,000 children failed"; fail=1; }
n=$(XENSTORED_PATH=$T/ours.sock xenstore-list /huge | wc -l)
last=$(XENSTORED_PATH=$T/ours.sock xenstore-list /huge | tail -1)
if [ "$n" != 3000 ] || [ "$last" != "c2999-$pad" ]; then
    echo "compat: xenstore-list of 3,000 children gave $n lines, last $last"; fail=1
fi
# Raw messages, every type with good and bad arguments, then interleaved
# transactions (tests/xs_raw.c).
raw() {
    XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/raw-session.txt"
    XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/txn-session.txt"
}
raw "$T/ours.sock" > "$T/ours.raw"
if ! cat "$HERE/raw-session.expected" "$HERE/txn-session.expected" | diff -u - "$T/ours.raw"; then
    echo "compat: raw or transaction session differs from Xen's answers"; fail=1
fi
# A guest domain on a shared ring: permissions, ownership, relative
# paths and events, transactions, quotas, privileged messages.
guest() {
    XS_RAW_DIR=$2 XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/guest-session.txt"
    XS_RAW_DIR=$2 XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/special-session.txt"
    XS_RAW_DIR=$2 XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/release-session.txt"
    XS_RAW_DIR=$2 XENSTORED_PATH=$1 "$TOOLDIR/xs_raw" < "$HERE/quota-session.txt"
}
guest "$T/ours.sock" "$T/rings" > "$T/ours.guest"
if ! diff -u "$HERE/guest-session.expected" "$T/ours.guest"; then
    echo "compat: guest session differs from Xen's answers"; fail=1
fi
# libkeelxs against the daemon: a self-checking client.
if ! XENSTORED_PATH="$T/ours.sock" "$TOOLDIR/xs_client"; then
    echo "compat: libkeelxs client checks failed"; fail=1
fi
if grep -q "ERROR: AddressSanitizer\|runtime error" "$T/daemon.log"; then
    cat "$T/daemon.log"; fail=1
fi

# Debian's xenstored: the same session, the same transcript expected.
. "$HERE/debian-xsd.sh"
if debian_xsd_start "$T/deb" "$TOOLDIR/.."; then
    PIDS="$PIDS $DEB_PID"
    session "$DEB_SOCK" > "$T/deb.out"
    raw "$DEB_SOCK" > "$T/deb.raw"
    if [ -n "$DEB_RINGS" ]; then
        guest "$DEB_SOCK" "$DEB_RINGS" > "$T/deb.guest"
    else
        cp "$T/ours.guest" "$T/deb.guest" # a real Xen: no test guest ring
    fi
    if diff -u "$T/deb.out" "$T/ours.out" && diff -u "$T/deb.raw" "$T/ours.raw" &&
       diff -u "$T/deb.guest" "$T/ours.guest"; then
        echo "compat: same transcripts as Debian's xenstored ($DEB_HOW)"
    else
        echo "compat: transcripts differ from Debian's xenstored ($DEB_HOW)"; fail=1
    fi
elif [ -n "${KEEL_REQUIRE_XENSTORED:-}" ]; then
    # The README's test command fetched the oracle: without it this is not the test it claims.
    echo "compat: FAIL: Debian's xenstored $DEB_WHY, and KEEL_REQUIRE_XENSTORED is set"; fail=1
else
    echo "compat: Debian's xenstored $DEB_WHY: compared with recorded Xen answers only"
fi
[ $fail -eq 0 ] && echo "compat: PASS"
exit $fail
