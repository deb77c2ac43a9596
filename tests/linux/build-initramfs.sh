#!/bin/sh
# Build the initramfs of the Linux guest tests: Debian's static busybox,
# our workload (workload.c, linked statically) and /init (init.sh).
#
#   build-initramfs.sh     prints the path of $BUILD/linux/initrd.gz
#
# Needs busybox-static (/bin/busybox), gcc (or $CC) with glibc's static
# libc (libc6-dev), cpio and gzip.  Rebuilds every time (about a second)
# so the result always matches its sources; the archive is written under
# a temporary name and renamed, so an interrupted run leaves no partial
# initrd.  One clear line on stderr and status 1 on failure.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/linux
BUILD=${BUILD:-$TOP/build}
OUT=$BUILD/linux
CC=${CC:-gcc}
BUSYBOX=${BUSYBOX:-/bin/busybox}
die() { echo "build-initramfs: $*" >&2; exit 1; }

[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (install busybox-static)"
file_type=$(od -A n -t x1 -N 4 "$BUSYBOX" | tr -d ' ')
[ "$file_type" = 7f454c46 ] || die "$BUSYBOX is not an ELF file"
# A dynamically linked busybox would need its libraries in the initramfs.
if LC_ALL=C readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'Requesting program interpreter'; then
    die "$BUSYBOX is dynamically linked (install busybox-static)"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio)"
command -v gzip >/dev/null || die "gzip not found"
mkdir -p "$OUT" || die "cannot create $OUT"

"$CC" -static -O2 -Wall -Wextra -Werror -o "$OUT/workload" "$HERE/workload.c" ||
    die "$CC -static failed on $HERE/workload.c (glibc's static libc is in libc6-dev)"

ROOT=$OUT/root
rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/sys" "$ROOT/tmp" || die "cannot create $ROOT"
cp "$BUSYBOX" "$ROOT/bin/busybox" || die "cannot copy $BUSYBOX"
cp "$OUT/workload" "$ROOT/bin/workload" || die "cannot copy workload"
cp "$HERE/init.sh" "$ROOT/init" || die "cannot install /init"
# The ACPI power-button driver (a module in Debian's kernel), for the
# linux-acpi tests (init.sh loads it with keel.acpitest); left out if the
# kernel package's modules are not at hand.
MODS=$(sh "$HERE/fetch-kernel.sh" --modules 2>/dev/null) || MODS=
if [ -n "$MODS" ] && [ -f "$MODS/kernel/drivers/acpi/button.ko" ]; then
    mkdir -p "$ROOT/lib/modules" && cp "$MODS/kernel/drivers/acpi/button.ko" "$ROOT/lib/modules/" ||
        die "cannot copy button.ko"
fi
chmod 755 "$ROOT/init" || die "cannot chmod /init"
for applet in $("$BUSYBOX" --list); do
    case $applet in busybox|workload|*/*|'') continue ;; esac
    ln -s busybox "$ROOT/bin/$applet" || die "cannot link applet $applet"
done
for applet in sh true poweroff mount grep dmesg; do
    [ -L "$ROOT/bin/$applet" ] || die "$BUSYBOX lacks the applet $applet"
done

# newc header of an entry without data: NAME MODE RDEVMAJOR RDEVMINOR INO.
# The kernel needs /dev/console before /init runs (its stdin/out/err);
# writing the node ourselves needs no root rights, unlike mknod.
newc_entry() {
    namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$5" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
    printf '%s\0' "$1"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    [ "$pad" -gt 0 ] && head -c "$pad" /dev/zero
    return 0
}
{
    newc_entry dev $((0040755)) 0 0 1
    newc_entry dev/console $((0020600)) 5 1 2
    newc_entry 'TRAILER!!!' 0 0 0 0
} > "$OUT/dev.cpio" || die "cannot write $OUT/dev.cpio"

# The kernel unpacks concatenated archives one after the other.
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --quiet > "$OUT/root.cpio") || die "cpio failed in $ROOT"
cat "$OUT/dev.cpio" "$OUT/root.cpio" | gzip -9 -n > "$OUT/initrd.gz.tmp" ||
    die "gzip failed writing $OUT/initrd.gz.tmp"
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz" || die "cannot rename to $OUT/initrd.gz"
rm -f "$OUT/dev.cpio" "$OUT/root.cpio"
echo "$OUT/initrd.gz"
