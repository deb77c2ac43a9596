#!/bin/sh
# Shared-frame boot test (docs/security.md, classes 1 and 2): dom0 is the
# `idle` guest; one unprivileged domU runs tests/guests/frames.c, which
# tries to make its console ring, a grant-table frame and shared_info
# page tables or GDT frames, and to give the console ring back, while
# the hypervisor's console backend drains that ring.  Passes when the
# domU printed "VERDICT: PASS", its output written into the console ring
# after the attacks reached the serial log through the backend, it was
# destroyed, dom0 passed and QEMU exited through dom0's poweroff.  Run by
# run-hostile.sh (so also under KEEL_SMP=2), or alone.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-frames
LOG=$BUILD/boot-logs/frames.log
mkdir -p "$W" "$(dirname "$LOG")"
for f in "$BUILD/keel.elf" "$BUILD/bin/keel-bootdesc" "$G/idle.elf" "$G/frames.elf"; do
    [ -e "$f" ] || { echo "FAIL frames: missing $f (run make)"; exit 1; }
done
cat > "$W/frames.cfg" <<EOC
# tries to retype or give back frames the hypervisor writes
name = "frames"
memory = 32
vcpus = 1
kernel = "$G/frames.elf"
cmdline = "keel-domu frames"
EOC
modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" "wait=${DOM0_WAIT:-3000}" \
    "$W/frames.cfg") || { echo "FAIL frames: keel-bootdesc failed"; exit 1; }
sh "$TOP/tests/boot/qemu-keel.sh" "${FRAMES_TIMEOUT:-60}" "${KEEL_SMP:-1}" "$LOG" "$modules"
rc=$?
fail=""
[ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
grep -q "^(d1) VERDICT: PASS" "$LOG" || fail="$fail frames-verdict"
grep -q "^\[frames\] frames: ring still drained" "$LOG" || fail="$fail ring-output-missing"
grep -q "domain 1 (frames) destroyed" "$LOG" || fail="$fail frames-not-destroyed"
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
if [ -n "$fail" ]; then
    echo "FAIL frames:$fail (log $LOG)"
    grep -E "not ok|panic|PANIC" "$LOG" | head -40
    tail -20 "$LOG"
    exit 1
fi
echo "PASS frames (console ring, grant frame, runstate area, vcpu_info page, shared_info; $(grep -c '^(d1) ok ' "$LOG") checks)"
