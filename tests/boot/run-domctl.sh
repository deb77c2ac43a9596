#!/bin/sh
# Control-interface boot test (one QEMU run, TCG): dom0 is the `ctl` guest,
# next to two CPU-bound `spin` domUs (A = domain 1, B = domain 2).  ctl
# reads getdomaininfo/getdomaininfolist, changes A's weight at run time
# (1:1 then 3:1 shares measured from cpu_time), caps A at 25 %, pauses and
# unpauses B, shuts B down with SCHEDOP_remote_shutdown and checks the
# refusals; A checks that a domU is refused (unpriv=1) and finishes on its
# own.  Passes when dom0 and A print "VERDICT: PASS", B is destroyed
# after the remote shutdown (reason reboot), and QEMU exits through dom0's
# poweroff.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-domctl
LOG=$BUILD/boot-logs/domctl.log
mkdir -p "$W" "$(dirname "$LOG")"

cfg() {   # NAME ARGS
    cat > "$W/$1.cfg" <<EOC
name = "$1"
memory = 32
vcpus = 1
kernel = "$G/spin.elf"
cmdline = "$2"
EOC
}
# A must outlive ctl's checks (about 7 s after it starts at 1.2 s); B is
# shut down remotely long before its stop.
cfg spin-a "start=0 stop=14000 unpriv=1"
cfg spin-b "start=0 stop=30000"
mods=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/ctl.elf" "a=1 b=2 start=1200" \
    "$W/spin-a.cfg" "$W/spin-b.cfg") || { echo "FAIL domctl: keel-bootdesc failed"; exit 1; }
# One CPU: the shares it measures are per CPU.
sh "$TOP/tests/boot/qemu-keel.sh" 120 1 "$LOG" "$mods"
rc=$?
fail=""
[ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
grep -q "^(d1) VERDICT: PASS" "$LOG" || fail="$fail d1-verdict"
grep -q "domain 2 (spin-b) shut down: reboot (1)" "$LOG" || fail="$fail d2-not-shut-down"
grep -q "domain 2 (spin-b) destroyed" "$LOG" || fail="$fail d2-not-destroyed"
grep -q "^(d2) VERDICT" "$LOG" && fail="$fail d2-ran-to-its-end"
if [ -n "$fail" ]; then
    echo "FAIL domctl:$fail (log $LOG)"
    grep -a "^not ok\|^(d.) not ok" "$LOG" | head -20
    tail -30 "$LOG"
    exit 1
fi
echo "PASS domctl ($(grep -a '^# [13c].*window' "$LOG" | sed 's/^# //' | tr '\n' ';'))"
