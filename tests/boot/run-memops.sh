#!/bin/sh
# Memory-reservation boot test: dom0 is the `idle` guest; one domU runs
# tests/guests/memops.c with memory 32 MiB and maxmem 36 MiB, so that it
# can grow its reservation up to max_pages (increase, populate, decrease,
# exchange, COPY/CLEAR_PAGE, SET_LDT and the refusals).  Passes when the
# domU printed "VERDICT: PASS", was destroyed, dom0 passed and QEMU exited
# through dom0's poweroff.  Run by run-hostile.sh, or alone.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-memops
LOG=$BUILD/boot-logs/memops.log
mkdir -p "$W" "$(dirname "$LOG")"
for f in "$BUILD/keel.elf" "$BUILD/bin/keel-bootdesc" "$G/idle.elf" "$G/memops.elf"; do
    [ -e "$f" ] || { echo "FAIL memops: missing $f (run make)"; exit 1; }
done
cat > "$W/memops.cfg" <<EOC
# grows and shrinks its own reservation between memory and maxmem
name = "memops"
memory = 32
maxmem = 36
vcpus = 1
kernel = "$G/memops.elf"
cmdline = "keel-domu memops"
EOC
modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" "wait=${DOM0_WAIT:-3000}" \
    "$W/memops.cfg") || { echo "FAIL memops: keel-bootdesc failed"; exit 1; }
sh "$TOP/tests/boot/qemu-keel.sh" "${MEMOPS_TIMEOUT:-60}" "${KEEL_SMP:-1}" "$LOG" "$modules"
rc=$?
fail=""
[ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
grep -q "^(d1) VERDICT: PASS" "$LOG" || fail="$fail memops-verdict"
grep -q "^(d1) # memops: tot_pages 8195 at exit" "$LOG" || fail="$fail memops-exit-count"
grep -q "domain 1 (memops) destroyed" "$LOG" || fail="$fail memops-not-destroyed"
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
if [ -n "$fail" ]; then
    echo "FAIL memops:$fail (log $LOG)"
    grep -E "not ok|panic|PANIC" "$LOG" | head -40
    tail -20 "$LOG"
    exit 1
fi
echo "PASS memops (domU reservation changes, LDT, copy/clear; $(grep -c '^(d1) ok ' "$LOG") checks)"
