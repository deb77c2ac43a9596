#!/bin/sh
# Frames that leave a mapping leave every TLB before reuse (docs/security.md,
# class 5): tlb-granter (d1) and tlb-mapper (d2) next to an idle dom0, in two
# boots (tests/guests/tlb-common.h):
#
#   tlb-dead  the granter dies; the mapper drops its writable grant mapping
#             of T with update_va_mapping(va, 0, UVMF_NONE) (T is freed),
#             gets T back from increase_reservation, pins it as an L1 and
#             writes through the dropped mapping;
#   tlb-live  the granter stays, pins T as an L1 after the mapper dropped
#             its mapping, and the mapper (spinning on its own CPU under
#             KEEL_SMP=2) writes through the dropped mapping.
#
# Each passes when both domUs print "VERDICT: PASS" (the write faulted and
# the L1 kept its entry), were destroyed, and dom0 powered off.
# KEEL_SMP (default 1) sets QEMU's CPU count.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
failed=0
for f in "$BUILD/keel.elf" "$BUILD/bin/keel-bootdesc" "$G/idle.elf" "$G/tlb-granter.elf" \
         "$G/tlb-mapper.elf"; do
    [ -e "$f" ] || { echo "FAIL tlb: missing $f (run make)"; exit 1; }
done
run() {   # NAME LIVE
    name=$1; W=$BUILD/boot-$name; LOG=$BUILD/boot-logs/$name.log
    mkdir -p "$W" "$(dirname "$LOG")"
    cat > "$W/granter.cfg" <<EOC
name = "t-granter"
memory = 16
vcpus = 1
kernel = "$G/tlb-granter.elf"
cmdline = "keel-domu tlb-granter live=$2"
EOC
    cat > "$W/mapper.cfg" <<EOC
# maxmem leaves room to allocate until the freed frame comes back
name = "t-mapper"
memory = 16
maxmem = 64
vcpus = 1
kernel = "$G/tlb-mapper.elf"
cmdline = "keel-domu tlb-mapper live=$2"
EOC
    modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" \
        "wait=${DOM0_WAIT:-4000}" "$W/granter.cfg" "$W/mapper.cfg") || {
        echo "FAIL $name: keel-bootdesc failed"; failed=1; return; }
    sh "$TOP/tests/boot/qemu-keel.sh" "${TLB_TIMEOUT:-120}" "${KEEL_SMP:-1}" "$LOG" "$modules"
    rc=$?
    fail=""
    [ "$rc" -eq 33 ] || fail="$fail qemu-exit=$rc"
    grep -q "^(d1) VERDICT: PASS" "$LOG" || fail="$fail granter-verdict"
    grep -q "^(d2) VERDICT: PASS" "$LOG" || fail="$fail mapper-verdict"
    grep -q "domain 1 (t-granter) destroyed" "$LOG" || fail="$fail granter-not-destroyed"
    grep -q "domain 2 (t-mapper) destroyed" "$LOG" || fail="$fail mapper-not-destroyed"
    grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
    if [ -n "$fail" ]; then
        echo "FAIL $name (smp ${KEEL_SMP:-1}):$fail (log $LOG)"
        grep -E "not ok|panic|PANIC" "$LOG" | head -20
        failed=1
    else
        echo "PASS $name (smp ${KEEL_SMP:-1})"
    fi
}
run tlb-dead 0
run tlb-live 1
exit $failed
