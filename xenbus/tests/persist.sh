#!/bin/sh
# Durability: writes acknowledged by keel-xenstored survive a SIGKILL
# (no clean shutdown) and a restart; a second daemon cannot share the
# state directory.
#
#   sh tests/persist.sh DAEMON TOOLDIR
set -u
DAEMON=$1
T=$(mktemp -d /tmp/xenbus-persist.XXXXXX)
PID=""
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    [ -n "$PID" ] && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
export XENSTORED_PATH=$T/sock
fail() { echo "persist: FAIL: $*"; cat "$T/log" 2>/dev/null; exit 1; }

start() {
    "$DAEMON" -F -s "$XENSTORED_PATH" -d "$T/state" 2>>"$T/log" &
    PID=$!
    i=0
    while ! xenstore-exists /tool 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "daemon did not start"
        sleep 0.05
    done
}

start
i=0; set --
while [ $i -lt 200 ]; do set -- "$@" /p/key$i value$i; i=$((i + 1)); done
xenstore-write "$@" || fail "write"
xenstore-chmod /p/key7 n3 r4 || fail "chmod"
xenstore-rm /p/key9 || fail "rm"
xenstore-write /p/last acknowledged || fail "write last"
kill -9 $PID; wait $PID 2>/dev/null; PID=""

start
[ "$(xenstore-read /p/key0)" = value0 ] || fail "key0 lost"
[ "$(xenstore-read /p/key199)" = value199 ] || fail "key199 lost"
[ "$(xenstore-read /p/last)" = acknowledged ] || fail "last write lost"
xenstore-exists /p/key9 && fail "removed key is back"
[ "$(xenstore-ls -p /p | grep '^key7 ' | sed 's/.*(//')" = "n3,r4)" ] || fail "perms lost"
[ "$(xenstore-list /p | wc -l)" -eq 200 ] || fail "wrong number of keys"
# The same state directory cannot be used twice at once.
if "$DAEMON" -F -s "$T/other.sock" -d "$T/state" 2>"$T/second.log"; then
    fail "second daemon started on a locked state directory"
fi
grep -q "cannot lock state directory" "$T/second.log" || fail "no lock message"
# A clean stop keeps everything too.
kill $PID; wait $PID 2>/dev/null; PID=""
start
[ "$(xenstore-read /p/last)" = acknowledged ] || fail "lost after clean stop"
# An emptied snapshot (issue #12): refuse to start, in one line, and
# leave the files alone, rather than serve later writes without it.
xenstore-write /p/after-restart yes || fail "write after restart"
kill -9 $PID; wait $PID 2>/dev/null; PID=""
: > "$T/state/tree.snap"
jsize=$(wc -c < "$T/state/tree.journal")
if timeout 10 "$DAEMON" -F -s "$T/third.sock" -d "$T/state" 2>"$T/third.log"; then
    fail "started with an empty snapshot"
fi
[ "$(wc -l < "$T/third.log")" -eq 1 ] && grep -q "tree.snap is empty" "$T/third.log" ||
    { cat "$T/third.log"; fail "no one-line message for the empty snapshot"; }
[ "$(wc -c < "$T/state/tree.snap")" -eq 0 ] && [ "$(wc -c < "$T/state/tree.journal")" -eq "$jsize" ] ||
    fail "state files changed by a refused start"
if grep -q "AddressSanitizer\|runtime error" "$T/log"; then cat "$T/log"; exit 1; fi
echo "persist: PASS"
