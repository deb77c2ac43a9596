#!/bin/sh
# Shared by the multi-domain boot tests: dom0 is the `idle` guest (it
# sleeps WAIT ms), and a boot description written by keel-bootdesc from
# xl.cfg files starts the test guests GUEST... as domains 1, 2, ...
# Passes when every domU printed "VERDICT: PASS" (tagged "(dN)"), was
# destroyed, dom0 passed, and QEMU exited through dom0's poweroff.
#
#   sh tests/boot/multi-domain.sh NAME WAIT GUEST...
set -u
[ $# -ge 3 ] || { echo "usage: $0 NAME WAIT_MS GUEST..." >&2; exit 2; }
NAME=$1; WAIT=$2; shift 2
DOMUS="$*"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-$NAME
LOG=$BUILD/boot-logs/$NAME.log
mkdir -p "$W" "$(dirname "$LOG")"
cfgs=""
for g in $DOMUS; do
    cat > "$W/$g.cfg" <<EOC
# a test guest as a domU
name = "t-$g"
memory = 32
vcpus = 1
kernel = "$G/$g.elf"
cmdline = "keel-domu $g"
EOC
    cfgs="$cfgs $W/$g.cfg"
done
# shellcheck disable=SC2086
modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" "wait=$WAIT" $cfgs) || {
    echo "FAIL $NAME: keel-bootdesc failed"; exit 1; }
sh "$TOP/tests/boot/qemu-keel.sh" 120 "${KEEL_SMP:-1}" "$LOG" "$modules"
rc=$?
fail=""
[ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
n=1
for g in $DOMUS; do
    grep -q "^(d$n) VERDICT: PASS" "$LOG" || fail="$fail d$n($g)-verdict"
    grep -q "domain $n (t-$g) destroyed" "$LOG" || fail="$fail d$n($g)-not-destroyed"
    n=$((n + 1))
done
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
if [ -n "$fail" ]; then
    echo "FAIL $NAME:$fail (log $LOG)"
    tail -40 "$LOG"
    exit 1
fi
echo "PASS $NAME (dom0 + $(echo "$DOMUS" | wc -w) domUs: $DOMUS)"
