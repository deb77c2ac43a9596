#!/bin/sh
# Boot test of the multiboot2 path: a GRUB 2 rescue ISO (grub-mkrescue,
# BIOS) loads build/keel.elf with `multiboot2` and the hello guest as
# dom0 with `module2`, as on real hardware.  Passes when the guest's
# verdict is PASS, its command line arrived without the image name (GRUB 2
# does not prepend it) and QEMU exits through dom0's poweroff.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
W=$BUILD/boot-grub
LOG=$BUILD/boot-logs/grub.log
command -v grub-mkrescue > /dev/null || { echo "FAIL grub: grub-mkrescue not installed (scripts/deps.sh)"; exit 1; }
rm -rf "$W"
mkdir -p "$W/iso/boot/grub" "$(dirname "$LOG")"
cp "$BUILD/keel.elf" "$BUILD/guests/abi.elf" "$W/iso/boot/"
cat > "$W/iso/boot/grub/grub.cfg" <<'EOC'
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output serial
menuentry 'Keel' {
    multiboot2 /boot/keel.elf console=com1 dom0_mem=64M
    module2 /boot/abi.elf keel-test a=1 b=two
}
EOC
grub-mkrescue -o "$W/keel.iso" "$W/iso" > "$W/mkrescue.log" 2>&1 || {
    echo "FAIL grub: grub-mkrescue failed"; tail -5 "$W/mkrescue.log"; exit 1; }
timeout 120 qemu-system-x86_64 -accel tcg -cpu max -smp "${KEEL_SMP:-1}" -m 512 -display none -monitor none \
    -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -cdrom "$W/keel.iso" -boot d < /dev/null > "$LOG" 2>&1
rc=$?
if [ "$rc" -eq 33 ] && grep -a -q "^VERDICT: PASS" "$LOG" && grep -a -q "(multiboot2)" "$LOG"; then
    echo "PASS grub (GRUB 2 multiboot2 boot of Keel with the abi guest as dom0)"
else
    echo "FAIL grub: QEMU exit $rc (log $LOG)"
    grep -a -E "KEEL|VERDICT|not ok" "$LOG" | tail -20
    exit 1
fi
