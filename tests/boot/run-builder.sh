#!/bin/sh
# Run-time domains through Xen's control interface (issue 14, step 1):
# dom0 is the `builder` guest, a toolstack that creates, builds (libxc's
# way: foreign maps, PIN_L4 with a foreign domid, setvcpucontext), runs
# and destroys `built` domUs, 20 rounds plus a warm-up, then refusals and
# an abandoned half-built domain (tests/guests/builder.c).  The domU image
# is dom0's boot module.  Passes when dom0 prints "VERDICT: PASS", every
# round's domU printed its own PASS, and QEMU exits through dom0's
# poweroff.  KEEL_SMP=2 for two CPUs; LOOPS=N for another round count.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
LOOPS=${LOOPS:-20}
SMP=${KEEL_SMP:-1}
LOG=$BUILD/boot-logs/builder${SMP#1}.log
mkdir -p "$(dirname "$LOG")"
sh "$TOP/tests/boot/qemu-keel.sh" 240 "$SMP" "$LOG" "$G/builder.elf loops=$LOOPS,$G/built.elf"
rc=$?
fail=""
[ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
n=$(grep -ac "^(d[0-9]*) VERDICT: PASS" "$LOG")
# The warm-up round, LOOPS rounds; the abandoned domain never runs.
[ "$n" -eq $((LOOPS + 1)) ] || fail="$fail domU-verdicts=$n"
grep -aq "^(d[0-9]*) VERDICT: FAIL" "$LOG" && fail="$fail domU-failed"
if [ -n "$fail" ]; then
    echo "FAIL builder:$fail (log $LOG)"
    grep -a "not ok" "$LOG" | head -20
    tail -20 "$LOG"
    exit 1
fi
echo "PASS builder ($(grep -a '^# .*rounds' "$LOG" | sed 's/^# //'))"
