#!/bin/sh
# The README's demo command: install dependencies, build, then boot Keel in
# QEMU (TCG) with a PV test guest as dom0 and show its console.  The guest
# exercises hypercalls, traps, user mode, page tables and event channels,
# prints one line per check and powers the machine off.
#
#   sh scripts/demo.sh [GUEST]     GUEST: hello, abi, traps, user, events (default: abi)
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s -j"$(nproc)" all
guest=${1:-abi}
[ -f "build/guests/$guest.elf" ] || { echo "demo: no guest '$guest' (try hello, abi, traps, user, events)" >&2; exit 2; }
echo "demo: booting build/keel.elf with build/guests/$guest.elf as dom0 (QEMU TCG; exits when dom0 powers off)"
set +e
qemu-system-x86_64 -accel tcg -cpu max,-smap -m 512 -display none -monitor none \
    -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel build/keel.elf -append "console=com1 dom0_mem=64M" \
    -initrd "build/guests/$guest.elf keel-test a=1 b=two"
rc=$?
# isa-debug-exit: status ((0x10 + dom0's shutdown reason) << 1) | 1
case $rc in
33) echo "demo: dom0 powered off: the guest passed" ; exit 0 ;;
39) echo "demo: dom0 crashed" ; exit 1 ;;
*) echo "demo: QEMU exited with status $rc" ; exit 1 ;;
esac
