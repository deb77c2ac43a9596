#!/bin/sh
# The worked example of docs/isolation.md: boots Keel with the Linux dom0
# of linux-iso (one physical CPU, QEMU TCG) with keel.isoexample=1, so
# that tests/linux/iso-test.sh, before its own checks, runs
# docs/examples/isolation-example.iso with keel bench isolation and prints
# the report's files on the console; this script writes them into DIR
# (default docs/examples/isolation).  About 15 minutes under TCG.
# With ISO_EXAMPLE=aggr it runs instead the short experiments of
# docs/examples/isolation-aggr/NAME.iso (one per aggressor of issue 11's
# attacks; keel.isoexample=aggr) and writes each report into DIR/NAME
# (default DIR docs/examples/isolation-aggr); ISO_AGGR=NAME,NAME,... runs
# only those, in that order.
#
#   sh bench/isolation-example.sh [DIR]       BUILD=... honoured
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
EXAMPLE=${ISO_EXAMPLE:-1}
case $EXAMPLE in
1) OUT=${1:-$TOP/docs/examples/isolation} ;;
aggr) OUT=${1:-$TOP/docs/examples/isolation-aggr} ;;
*) echo "isolation-example: ISO_EXAMPLE='$EXAMPLE': 1 or aggr" >&2; exit 2 ;;
esac
HERE=$TOP/tests/linux
die() { echo "isolation-example: $*" >&2; exit 1; }
[ -f "$BUILD/keel.elf" ] || die "$BUILD/keel.elf does not exist (run make first)"
VMLINUZ=$(sh "$HERE/fetch-kernel.sh") || die "cannot fetch the kernel"
INITRD=$(sh "$HERE/build-initramfs.sh" --tools) || die "cannot build the --tools initramfs"
LOG=$BUILD/boot-logs/isolation-example.log
[ "$EXAMPLE" = 1 ] || LOG=$BUILD/boot-logs/isolation-example-$EXAMPLE.log
mkdir -p "$BUILD/boot-logs" "$OUT" || die "cannot create $OUT"
sh "$TOP/tests/boot/run-qemu.sh" --hv "$BUILD/keel.elf" --append "console=com1 dom0_mem=512M" \
    --dom0 "$VMLINUZ console=hvc0 pci=off swiotlb=noforce keel.isotest=1 keel.isoexample=$EXAMPLE${ISO_AGGR:+ keel.isoaggr=$ISO_AGGR}" \
    --initrd "$INITRD" --smp 1 --mem 1024 --timeout "${ISO_EXAMPLE_TIMEOUT:-1800}" --accel tcg \
    --smap off --log "$LOG" > /dev/null
grep -a -q 'iso-test: example done' "$LOG" ||
    die "the example did not finish: $(grep -a 'iso-test: FAIL' "$LOG" | tr -d '\r' | head -n 1) (log $LOG)"
files=$(grep -a '^ISO-FILE ' "$LOG" | tr -d '\r' | sed 's/^ISO-FILE \([^:]*\): .*/\1/' | sort -u)
for f in $files; do
    mkdir -p "$(dirname "$OUT/$f")" || die "cannot create $(dirname "$OUT/$f")"
    grep -a "^ISO-FILE $f: " "$LOG" | tr -d '\r' | sed "s|^ISO-FILE $f: ||" > "$OUT/$f" ||
        die "cannot write $OUT/$f"
done
echo "isolation-example: $(echo "$files" | wc -w) files in $OUT (log $LOG)"
