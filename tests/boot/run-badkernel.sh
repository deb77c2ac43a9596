#!/bin/sh
# A first module that is not a usable PV kernel gets one clear line and a
# clean stop (power-off with the crash reason), never a hang or a panic:
# a text file, a truncated ELF, an ELF without Xen notes, and a test guest
# whose SUPPORTED_FEATURES note lacks XENFEAT_dom0 (Xen 4.17 refuses it as
# dom0 too; without the note at all it boots: hello-nosupfeat in tests.list).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
W=$BUILD/boot-badkernel
mkdir -p "$W" "$BUILD/boot-logs"
printf 'this is not a kernel\n' > "$W/text"
head -c 3000 "$BUILD/guests/hello.elf" > "$W/truncated.elf"
# An ELF64 x86-64 executable without Xen notes: the host's own /bin/true.
cp /bin/true "$W/nonotes.elf"
cp "$BUILD/guests/hello-nodom0feat.elf" "$W/nodom0feat.elf"
fail=0
for k in text truncated.elf nonotes.elf nodom0feat.elf; do
    log=$BUILD/boot-logs/badkernel-$k.log
    timeout 60 qemu-system-x86_64 -accel tcg -cpu max -smp "${KEEL_SMP:-1}" -m 256 -display none -monitor none \
        -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$BUILD/keel.elf" -append "console=com1 dom0_mem=32M" -initrd "$W/$k" \
        < /dev/null > "$log" 2>&1
    rc=$?
    why=$(grep -a "dom0 kernel:" "$log" | head -1)
    if [ "$rc" -eq 39 ] && [ -n "$why" ] && ! grep -a -q "PANIC" "$log"; then
        echo "PASS badkernel-$k: ${why#(KEEL) }"
    else
        echo "FAIL badkernel-$k: QEMU exit $rc, message '${why:-none}' (log $log)"
        tail -5 "$log"; fail=1
    fi
done
exit $fail
