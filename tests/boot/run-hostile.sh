#!/bin/sh
# Hostile-guest boot test.  dom0 is the `idle` guest; two domUs start from
# the boot description: `victim` (d1) fills most of its memory with a
# pattern, sleeps, and verifies it; `hostile` (d2) attacks the PV MMU and
# the hypercall argument checks once the victim has filled its memory.
# Passes when both domUs print "VERDICT: PASS", the hostile guest's
# attacks ran while the victim's pattern was in place (log order), the
# sweep covered the victim's frames, both domUs were destroyed and dom0
# passed (the hypervisor kept running throughout).  Then the privileged
# hostile guest alone, the memops domU (run-memops.sh) and the frames
# domU (run-frames.sh).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
W=$BUILD/boot-hostile
LOG=$BUILD/boot-logs/hostile.log
TIMEOUT=${HOSTILE_TIMEOUT:-50}
mkdir -p "$W" "$(dirname "$LOG")"
for f in "$BUILD/keel.elf" "$BUILD/bin/keel-bootdesc" "$G/idle.elf" "$G/victim.elf" "$G/hostile.elf"; do
    [ -e "$f" ] || { echo "FAIL hostile: missing $f (run make)"; exit 1; }
done
cat > "$W/victim.cfg" <<EOC
# the victim: holds a pattern in its memory while the hostile guest runs
name = "victim"
memory = 32
vcpus = 1
kernel = "$G/victim.elf"
cmdline = "keel-domu victim wait=${VICTIM_WAIT:-3000}"
EOC
cat > "$W/hostile.cfg" <<EOC
# the attacker: an unprivileged domU
name = "hostile"
memory = 32
vcpus = 1
kernel = "$G/hostile.elf"
cmdline = "keel-domu hostile start=${HOSTILE_START:-500}"
EOC
modules=$("$BUILD/bin/keel-bootdesc" -o "$W/boot.dtb" --qemu-initrd "$G/idle.elf" \
    "wait=${DOM0_WAIT:-5000}" "$W/victim.cfg" "$W/hostile.cfg") || {
    echo "FAIL hostile: keel-bootdesc failed"; exit 1; }
sh "$TOP/tests/boot/qemu-keel.sh" "$TIMEOUT" "${KEEL_SMP:-1}" "$LOG" "$modules"
rc=$?
fail=""
[ "$rc" -eq 124 ] && fail="$fail timeout(${TIMEOUT}s)"
[ "$rc" -eq 33 ] || [ "$rc" -eq 124 ] || fail="$fail qemu-exit=$rc"
grep -q "^(d1) VERDICT: PASS" "$LOG" || fail="$fail victim-verdict"
grep -q "^(d2) VERDICT: PASS" "$LOG" || fail="$fail hostile-verdict"
grep -q "domain 1 (victim) destroyed" "$LOG" || fail="$fail victim-not-destroyed"
grep -q "domain 2 (hostile) destroyed" "$LOG" || fail="$fail hostile-not-destroyed"
grep -q "^VERDICT: PASS" "$LOG" || fail="$fail dom0-verdict"
# Order: victim filled < attacks start < attacks done < victim verified.
line() { grep -n "$1" "$LOG" | head -1 | cut -d: -f1; }
filled=$(line "^(d1) # victim: filled")
start=$(line "^(d2) # hostile: attacks start")
done_=$(line "^(d2) # hostile: attacks done")
verified=$(line "^(d1) # victim: verified")
if [ -n "$filled" ] && [ -n "$start" ] && [ -n "$done_" ] && [ -n "$verified" ]; then
    [ "$filled" -lt "$start" ] && [ "$done_" -lt "$verified" ] ||
        fail="$fail order(filled $filled, start $start, done $done_, verified $verified)"
else
    fail="$fail progress-lines-missing"
fi
# The hostile guest's sweep must have covered every frame of the victim.
vhi=$(sed -n 's/^(d1) # victim: filled .* own mfns 0x[0-9a-f]*-0x\([0-9a-f]*\).*/\1/p' "$LOG" | head -1)
send=$(sed -n 's/^(d2) # swept mfns 0x0-0x\([0-9a-f]*\).*/\1/p' "$LOG" | head -1)
if [ -n "$vhi" ] && [ -n "$send" ]; then
    [ $((0x$vhi)) -lt $((0x$send)) ] || fail="$fail sweep-missed-victim(0x$vhi>=0x$send)"
else
    fail="$fail sweep-lines-missing"
fi
if [ -n "$fail" ]; then
    echo "FAIL hostile:$fail (log $LOG)"
    grep -E "not ok|VERDICT|unexpected|panic|PANIC" "$LOG" | head -40
    tail -20 "$LOG"
    exit 1
fi
echo "PASS hostile (dom0 + victim + hostile domU; $(grep -c '^(d2) ok ' "$LOG") checks)"

# Second scenario: the hostile guest as dom0 (privileged) alone, on
# QEMU q35, whose ECAM window (MCFG) dom0 may map (hostile.c test_ecam).
LOG0=$BUILD/boot-logs/hostile-dom0.log
# An AHCI in slot 5 is a PCI function with MSI, for the MSI attacks
# (hostile.c test_ecam, test_msi); a virtio-net-pci in slot 6 (on a
# restricted user network) one with MSI-X (test_msix); no default NIC.
if ! out=$(sh "$TOP/tests/boot/run-qemu.sh" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=64M" \
        --devices "-machine q35 -nic none -device ahci,addr=5 -netdev user,id=hn0,restrict=on -device virtio-net-pci,netdev=hn0,addr=6" --dom0 "$G/hostile.elf keel-test" --log "$LOG0" --timeout 30 2>&1); then
    echo "FAIL hostile-dom0 (log $LOG0)"
    printf '%s\n' "$out" | tail -40
    exit 1
fi
echo "PASS hostile-dom0 (privileged hostile guest; $(grep -c '^ok ' "$LOG0") checks)"

# Third scenario: memory reservations, LDTs and COPY/CLEAR_PAGE (a domU
# with maxmem above memory), tests/boot/run-memops.sh.
sh "$TOP/tests/boot/run-memops.sh" || exit 1

# Fourth scenario: frames the hypervisor writes (console ring, grant
# frame, shared_info) retyped or given back by a domU, tests/boot/run-frames.sh.
sh "$TOP/tests/boot/run-frames.sh" || exit 1
