#!/bin/sh
# Build the initramfs of the Linux guest tests: Debian's static busybox,
# our workload (workload.c, linked statically) and /init (init.sh).
#
#   build-initramfs.sh           prints the path of $BUILD/linux/initrd.gz
#   build-initramfs.sh --disk    prints the path of $BUILD/linux/initrd-disk.gz:
#       the same plus, under /lib/modules/disk, the disk and NIC drivers
#       (ata_piix, ahci, sd_mod, e1000 and what they depend on) that
#       init.sh loads for keel.disktest/keel.nettest (linux-disk-*)
#   build-initramfs.sh --tools   prints the path of $BUILD/linux/initrd-ctl.gz:
#       the same plus dom0's control plane (tests/linux/ctl-test.sh as
#       /bin/ctl-test, the static `keel` and `keel-consoled` of dom0-tools, the Xen device
#       modules xen-privcmd, xen-evtchn, xen-gntdev, xenfs; the store:
#       static keel-xenstored and keel-xenstore, ctl-store.sh and
#       ctl-store-domu.sh as /bin/ctl-store*) and, under
#       /boot, the kernel and the plain initrd for the domUs it creates
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
TOOLS=0
DISK=0
case ${1:-} in
--tools) TOOLS=1 ;;
--disk) DISK=1 ;;
'') ;;
*) die "unknown argument '$1' (usage: build-initramfs.sh [--tools|--disk])" ;;
esac

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
# The probes and aggressors of `keel bench isolation` (issue 17).
"$CC" -static -O2 -Wall -Wextra -Werror -o "$OUT/isoprog" "$HERE/isoprog.c" ||
    die "$CC -static failed on $HERE/isoprog.c"

ROOT=$OUT/root
rm -rf "$ROOT"
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/sys" "$ROOT/tmp" || die "cannot create $ROOT"
cp "$BUSYBOX" "$ROOT/bin/busybox" || die "cannot copy $BUSYBOX"
cp "$OUT/workload" "$ROOT/bin/workload" || die "cannot copy workload"
cp "$OUT/isoprog" "$ROOT/bin/isoprog" || die "cannot copy isoprog"
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
    case $applet in busybox|workload|isoprog|*/*|'') continue ;; esac
    ln -s busybox "$ROOT/bin/$applet" || die "cannot link applet $applet"
done
for applet in sh true poweroff mount grep dmesg; do
    [ -L "$ROOT/bin/$applet" ] || die "$BUSYBOX lacks the applet $applet"
done

if [ "$TOOLS" -eq 1 ]; then
    # The plain initrd first: the domUs that dom0 creates boot with it.
    PLAIN=$(sh "$0") || die "cannot build the plain initrd for the domUs"
    VMLINUZ=$(sh "$HERE/fetch-kernel.sh") || die "cannot fetch the kernel for the domUs"
    [ -n "$MODS" ] || die "the kernel's modules are not at hand (fetch-kernel.sh --modules)"
    make -s -C "$TOP/dom0-tools" static BUILD="$BUILD" CC="$CC" >&2 ||
        die "make -C dom0-tools static failed"
    make -s -C "$TOP/xenbus" static BUILD="$BUILD" CC="$CC" >&2 ||
        die "make -C xenbus static failed"
    ROOT=$OUT/root-ctl
    rm -rf "$ROOT"
    cp -a "$OUT/root" "$ROOT" || die "cannot copy $OUT/root"
    mkdir -p "$ROOT/boot" "$ROOT/lib/modules" "$ROOT/etc/keel" || die "cannot create $ROOT dirs"
    cp "$BUILD/dom0-static/keel" "$ROOT/bin/keel" || die "cannot copy keel"
    cp "$HERE/ctl-test.sh" "$ROOT/bin/ctl-test" && chmod 755 "$ROOT/bin/ctl-test" ||
        die "cannot install ctl-test"
    cp "$HERE/iso-test.sh" "$ROOT/bin/iso-test" && chmod 755 "$ROOT/bin/iso-test" ||
        die "cannot install iso-test"
    cp "$TOP/docs/examples/isolation-example.iso" "$ROOT/etc/keel/" || die "cannot copy isolation-example.iso"
    cp "$BUILD/dom0-static/keel-consoled" "$ROOT/bin/keel-consoled" || die "cannot copy keel-consoled"
    cp "$HERE/dom0-up.sh" "$ROOT/bin/keel-dom0-up" && chmod 755 "$ROOT/bin/keel-dom0-up" ||
        die "cannot install keel-dom0-up"
    for f in keel-xenstored keel-xenstore; do
        cp "$BUILD/dom0-static/$f" "$ROOT/bin/$f" || die "cannot copy $f"
    done
    for f in ctl-store ctl-store-domu; do
        cp "$HERE/$f.sh" "$ROOT/bin/$f" && chmod 755 "$ROOT/bin/$f" || die "cannot install $f"
    done
    for m in xen-privcmd xen-evtchn xen-gntdev xenfs/xenfs; do
        cp "$MODS/kernel/drivers/xen/$m.ko" "$ROOT/lib/modules/" || die "cannot copy $m.ko"
    done
    cp "$VMLINUZ" "$ROOT/boot/vmlinuz" || die "cannot copy $VMLINUZ"
    cp "$PLAIN" "$ROOT/boot/initrd.gz" || die "cannot copy $PLAIN"
    NAME=initrd-ctl
elif [ "$DISK" -eq 1 ]; then
    # The INTx device tests (issue 13, M3): libata's IDE and AHCI drivers,
    # the SCSI disk and e1000, in the order init.sh loads them
    # (dependencies first, from each module's depends=).
    [ -n "$MODS" ] || die "the kernel's modules are not at hand (fetch-kernel.sh --modules)"
    ROOT=$OUT/root-disk
    rm -rf "$ROOT"
    cp -a "$OUT/root" "$ROOT" && mkdir -p "$ROOT/lib/modules/disk" || die "cannot create $ROOT"
    for m in drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/ata/libata drivers/ata/libahci \
             drivers/ata/ata_piix drivers/ata/ahci lib/crc64 lib/crc64-rocksoft crypto/crct10dif_common \
             lib/crc-t10dif block/t10-pi drivers/scsi/sd_mod drivers/net/ethernet/intel/e1000/e1000; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/disk/" || die "cannot copy $m.ko"
    done
    NAME=initrd-disk
else
    NAME=initrd
fi

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
    cpio -o -H newc -R 0:0 --quiet > "$OUT/$NAME.cpio") || die "cpio failed in $ROOT"
cat "$OUT/dev.cpio" "$OUT/$NAME.cpio" | gzip -9 -n > "$OUT/$NAME.gz.tmp" ||
    die "gzip failed writing $OUT/$NAME.gz.tmp"
mv "$OUT/$NAME.gz.tmp" "$OUT/$NAME.gz" || die "cannot rename to $OUT/$NAME.gz"
rm -f "$OUT/dev.cpio" "$OUT/$NAME.cpio"
echo "$OUT/$NAME.gz"
