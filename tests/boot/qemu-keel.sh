#!/bin/sh
# Boot $BUILD/keel.elf in QEMU (TCG) with the multiboot modules of a boot
# description (keel-bootdesc's output) and the serial console in LOG; the
# exit status is QEMU's (33 when dom0 powered off), or timeout's 124.
# Shared by the boot tests that start domUs.
#
#   sh tests/boot/qemu-keel.sh TIMEOUT_S SMP LOG MODULES
# KEEL_EXTRA_ARGS adds words to Keel's command line (e.g. "stats").
# KEEL_QEMU_ARGS adds QEMU options (e.g. "-icount shift=0": time counted
# in instructions, 1 ns each, so a measured hold is work done, not time
# the host took the QEMU thread away).
set -u
[ $# -eq 4 ] || { echo "usage: $0 TIMEOUT_S SMP LOG MODULES" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
timeout "$1" qemu-system-x86_64 -accel tcg -cpu max -smp "$2" -m 512 -display none \
    -monitor none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    ${KEEL_QEMU_ARGS:-} -kernel "$BUILD/keel.elf" -append "console=com1 dom0_mem=64M${KEEL_EXTRA_ARGS:+ $KEEL_EXTRA_ARGS}" -initrd "$4" \
    < /dev/null > "$3" 2>&1
