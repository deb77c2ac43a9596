#!/bin/sh
# The ELF vmlinux inside a bzImage, decompressed with xz(1) (not with
# Keel's own decoder, so the unit tests that compare the two check
# something).  Cached next to the vmlinuz as vmlinux; prints its path.
#
#   extract-vmlinux.sh VMLINUZ
#
# On failure prints one line naming the problem on stderr and exits 1.
set -u
die() { echo "extract-vmlinux: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: extract-vmlinux.sh VMLINUZ" >&2; exit 2; }
Z=$1
[ -s "$Z" ] || die "$Z: no such file or empty"
OUT=$(dirname "$Z")/vmlinux
if [ -s "$OUT" ] && [ "$OUT" -nt "$Z" ]; then echo "$OUT"; exit 0; fi
command -v xz >/dev/null || die "xz not found (package xz-utils)"
# Offset of the XZ stream header (FD 37 7A 58 5A 00) in the bzImage.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$Z" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || die "$Z: no XZ stream (not an XZ-compressed bzImage)"
tail -c +$((off + 1)) "$Z" | xz -dc --single-stream > "$OUT.tmp" 2>/dev/null ||
    { rm -f "$OUT.tmp"; die "$Z: xz could not decompress the stream at offset $off"; }
head -c 4 "$OUT.tmp" | od -An -c | grep -q 'E   L   F' ||
    { rm -f "$OUT.tmp"; die "$Z: the decompressed payload is not an ELF file"; }
mv "$OUT.tmp" "$OUT"
echo "$OUT"
