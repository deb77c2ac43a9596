#!/bin/sh
# Hardware hardening at boot (docs/security.md, class 6): boot the
# `harden` guest as dom0 and check what the hypervisor logged.
#   1. two CPUs, SMAP and SMEP offered (-cpu max): CR4.SMEP and CR4.SMAP
#      on on both CPUs, the self-test's deliberate user-page read and call
#      faulted (SMAP/SMEP enforced), W^X check ok, the L1TF rule on, and
#      the guest passed (traps with DF set, L1TF refusals);
#   2. one CPU without SMAP (-cpu max,-smap): SMAP reported unavailable,
#      SMEP still on, and the guest still passes (entry.S's clac is
#      skipped where the CPU has no SMAP); a native iretq at CPL3 works.
# With SMAP, QEMU 7.2's TCG refuses a native iretq at CPL3 (it reads the
# frame as a supervisor access): the first run reports what it did, which
# is why the Linux runs hide SMAP (docs/security.md).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
G=$BUILD/guests
fail=0

need() {    # need LOG PATTERN...: every pattern must match a line of LOG
    log=$1; shift
    for p in "$@"; do
        if ! grep -a -q -- "$p" "$log"; then
            echo "FAIL harden-boot: no line matching '$p' in $log"
            fail=1
        fi
    done
}

run() {     # run NAME SMP SMAP
    log=$BUILD/boot-logs/$1.log
    if ! out=$(sh "$TOP/tests/boot/run-qemu.sh" --hv "$BUILD/keel.elf" \
            --append "console=com1 dom0_mem=64M" --dom0 "$G/harden.elf" \
            --smp "$2" --smap "$3" --timeout 40 --log "$log" 2>&1); then
        echo "FAIL $1 (log $log)"
        printf '%s\n' "$out" | tail -30
        fail=1
    fi
}

run harden-smp2 2 on
log=$BUILD/boot-logs/harden-smp2.log
need "$log" "hardening: CPU0: CR4.SMEP on, CR4.SMAP on" \
    "hardening: CPU1: CR4.SMEP on, CR4.SMAP on" \
    "hardening: SMAP on and enforced" "hardening: SMEP on and enforced" \
    "W^X: ok, no hypervisor mapping is writable and executable" \
    "L1TF: not-present guest entries must hold address 0 or >= " \
    "smp: 2 CPU(s) online"

run harden-nosmap 1 off
log=$BUILD/boot-logs/harden-nosmap.log
need "$log" "hardening: CPU0: CR4.SMEP on, CR4.SMAP off" \
    "hardening: SMAP not available on this CPU" "hardening: SMEP on and enforced" \
    "W^X: ok, no hypervisor mapping is writable and executable"

need "$log" "native iretq at CPL3 (as Linux's sync_core): worked"

[ "$fail" -eq 0 ] || exit 1
iret=$(grep -a -o "native iretq at CPL3 (as Linux's sync_core): [a-z]*" \
       "$BUILD/boot-logs/harden-smp2.log" | head -1 | sed 's/.*: //')
echo "PASS harden-boot (SMEP/SMAP on and enforced on 2 CPUs, W^X ok, L1TF rule; and without SMAP; native iretq with SMAP under this QEMU: ${iret:-?})"
