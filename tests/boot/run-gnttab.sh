#!/bin/sh
# Grant-table boot test: dom0 is the `idle` guest; two domUs from a boot
# description: gnt-granter (domain 1) grants pages to gnt-mapper (domain
# 2), which maps, copies, unmaps, and keeps one mapping while the granter
# dies (see tests/guests/gnt-*.c).  Passes when both domUs and dom0
# printed "VERDICT: PASS", both domUs were destroyed and QEMU powered off.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-gnttab
LOG=$BUILD/boot-logs/gnttab.log
mkdir -p "$W" "$(dirname "$LOG")"
DOMUS="gnt-granter gnt-mapper"
cfgs=""
for g in $DOMUS; do
    cat > "$W/$g.cfg" <<EOC
# a grant-table test guest as a domU
name = "t-$g"
memory = 32
vcpus = 1
kernel = "$G/$g.elf"
cmdline = "keel-domu $g"
EOC
    cfgs="$cfgs $W/$g.cfg"
done
# shellcheck disable=SC2086
modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" "wait=6000" $cfgs) || {
    echo "FAIL gnttab: keel-bootdesc failed"; exit 1; }
timeout 120 qemu-system-x86_64 -accel tcg -cpu max,-smap -m 512 -display none -monitor none \
    -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$BUILD/keel.elf" -append "console=com1 dom0_mem=64M" -initrd "$modules" \
    < /dev/null > "$LOG" 2>&1
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
    echo "FAIL gnttab:$fail (log $LOG)"
    tail -40 "$LOG"
    exit 1
fi
echo "PASS gnttab (dom0 + granter + mapper)"
