#!/bin/sh
# Build the initramfs of the Linux guest tests: Debian's static busybox,
# our workload (workload.c, linked statically) and /init (init.sh).
#
#   build-initramfs.sh           prints the path of $BUILD/linux/initrd.gz
#   build-initramfs.sh --disk    prints the path of $BUILD/linux/initrd-disk.gz:
#       the same plus, under /lib/modules/disk, the disk and NIC drivers
#       (ata_piix, ahci, sd_mod, e1000, virtio_pci, virtio_blk and what
#       they depend on) that init.sh loads for keel.disktest/keel.nettest/
#       keel.virtiotest (linux-disk-*, linux-net-pc)
#   build-initramfs.sh --tools   prints the path of $BUILD/linux/initrd-ctl.gz:
#       the same plus dom0's control plane (tests/linux/ctl-test.sh as
#       /bin/ctl-test, the static `keel` and `keel-consoled` of dom0-tools, the Xen device
#       modules xen-privcmd, xen-evtchn, xen-gntdev, xenfs; the store:
#       static keel-xenstored and keel-xenstore, ctl-store.sh and
#       ctl-store-domu.sh as /bin/ctl-store*; the network backends and
#       ctl-vif.sh, vif-guest.sh as /bin/ctl-vif, /bin/vif-guest; the hostile
#       frontend hostile-fe.c with hostile-guest.sh and xen-gntalloc; the
#       bridge setup net-up.sh as /bin/keel-net-up) and, under
#       /boot, the kernel (vmlinuz, and its ELF payload as vmlinux) and the
#       plain initrd for the domUs it creates
#   build-initramfs.sh --blk     prints the path of $BUILD/linux/initrd-blk.gz:
#       the --tools one plus the disk scenario of linux-blk
#       (tests/linux/blk-test.sh as /bin/blk-test): dom0's loop and
#       xen-blkback modules and Debian's e2fsck (with its libraries);
#       /boot/blk/root.img, a 24 MiB ext4 image made here with Debian's
#       mkfs.ext4 -d holding busybox and blk-guest.sh as /init;
#       /boot/blk/data.img, 1 MiB of random bytes (the hot-plugged disk);
#       /boot/blk/initrd.gz, the domUs' initramfs (blk-domu-init.sh,
#       busybox, xen-blkfront and ext4 with their dependencies); and
#       bench/split-io.sh's programs (bench/split-io-dom0.sh as
#       /bin/split-bench, split-io-guest.sh as /bin/split-guest, splitio.c
#       as /bin/splitio, xen-blkfront for the domUs' overlay)
#   build-initramfs.sh --demo    prints the path of $BUILD/linux/initrd-demo.gz,
#       the demo's dom0 (scripts/demo.sh): the --tools one plus the disk
#       and NIC drivers of --disk (under /lib/modules/disk), ext4 (under
#       /lib/modules/ext4) and tests/linux/demo-dom0.sh as /bin/keel-demo;
#       and writes dom0's disk, $BUILD/linux/demo-disk.img: a 48 MiB ext4
#       image (Debian's mkfs.ext4 -d) holding keel/web.cfg (the domU
#       "web": disk= and vif= lines), keel/web.img (web's 16 MiB ext4
#       root: busybox, xen-netfront, demo-guest.sh as /init),
#       keel/web-initrd.gz (the initramfs of linux-blk's domUs:
#       blk-domu-init.sh, xen-blkfront, ext4), www/hello.bin (1 MiB of
#       random bytes) and www/hello.bin.sha256; the sha256 also in
#       $BUILD/linux/demo-disk.sha256 for demo.sh --check
#
# Needs busybox-static (/bin/busybox), gcc (or $CC) with glibc's static
# libc (libc6-dev), cpio and gzip (--tools and --blk: xz, for
# extract-vmlinux.sh).  Rebuilds every time (about a second)
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
BLK=0
DEMO=0
case ${1:-} in
--tools) TOOLS=1 ;;
--blk) BLK=1 ;;
--disk) DISK=1 ;;
--demo) DEMO=1 ;;
'') ;;
*) die "unknown argument '$1' (usage: build-initramfs.sh [--tools|--disk|--blk|--demo])" ;;
esac
# ext4 and what it needs (Debian builds it as modules), in load order:
# the domUs with a root on xvda (linux-blk, the demo) and the demo's dom0.
EXT4_MODS="lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4"
# dom0's disk and NIC drivers of --disk and --demo (linux-disk-*,
# linux-net-pc), dependencies first, from each module's depends=.
DISK_MODS="drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/ata/libata drivers/ata/libahci \
    drivers/ata/ata_piix drivers/ata/ahci lib/crc64 lib/crc64-rocksoft crypto/crct10dif_common \
    lib/crc-t10dif block/t10-pi drivers/scsi/sd_mod drivers/net/ethernet/intel/e1000/e1000 \
    drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
    drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk"

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
# The hostile frontend of linux-vif and linux-blk (user space in a domU).
"$CC" -static -O2 -Wall -Wextra -Werror -o "$OUT/hostile-fe" "$HERE/hostile-fe.c" ||
    die "$CC -static failed on $HERE/hostile-fe.c (Xen's public headers are in libxen-dev)"

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
    # The memop, evtchn and grant aggressors of keel bench isolation
    # (isoprog.c), and the front ends of its disk and network probes and
    # floods.
    for m in drivers/xen/xen-privcmd drivers/xen/xen-evtchn drivers/xen/xen-gntalloc \
             drivers/xen/xen-gntdev drivers/block/xen-blkfront drivers/net/xen-netfront; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/" || die "cannot copy $m.ko"
    done
fi
chmod 755 "$ROOT/init" || die "cannot chmod /init"
for applet in $("$BUSYBOX" --list); do
    case $applet in busybox|workload|isoprog|*/*|'') continue ;; esac
    ln -s busybox "$ROOT/bin/$applet" || die "cannot link applet $applet"
done
for applet in sh true poweroff mount grep dmesg; do
    [ -L "$ROOT/bin/$applet" ] || die "$BUSYBOX lacks the applet $applet"
done

# Pieces of --blk and --demo.
find_e2fs() {    # sets MKFS and E2FSCK: Debian's mkfs.ext4 and e2fsck
    MKFS=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)
    E2FSCK=$(command -v e2fsck || echo /usr/sbin/e2fsck)
    [ -x "$MKFS" ] && [ -x "$E2FSCK" ] || die "mkfs.ext4 or e2fsck not found (install e2fsprogs)"
}
busybox_tree() {    # DIR: a fresh root with busybox and its applets (no workload)
    rm -rf "$1"
    mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" || die "cannot create $1"
    cp -a "$OUT/root/bin/." "$1/bin/" && rm -f "$1/bin/workload" || die "cannot copy busybox to $1"
}
mkext4() {    # IMAGE SIZE LABEL DIR: an ext4 image of DIR (mkfs.ext4 -d), checked clean
    rm -f "$1"
    truncate -s "$2" "$1" && "$MKFS" -q -F -L "$3" -d "$4" "$1" >&2 || die "mkfs.ext4 -d $4 failed"
    "$E2FSCK" -fn "$1" > /dev/null 2>&1 || die "the new image $1 is not clean"
}
blkdomu_initrd() {    # OUT.gz: the initramfs of domUs whose root is on xvda
    # (blk-domu-init.sh as /init: xen-blkfront and ext4, then switch_root).
    DR=$OUT/root-blkdomu
    busybox_tree "$DR"
    mkdir -p "$DR/lib/modules" || die "cannot create $DR/lib/modules"
    cp "$HERE/blk-domu-init.sh" "$DR/init" && chmod 755 "$DR/init" || die "cannot install $DR/init"
    for m in $EXT4_MODS drivers/block/xen-blkfront; do
        cp "$MODS/kernel/$m.ko" "$DR/lib/modules/" || die "cannot copy $m.ko"
    done
    sh "$TOP/tests/linux/dev-cpio.sh" "$OUT/blkdomu-dev.cpio" || die "cannot write $OUT/blkdomu-dev.cpio"
    (cd "$DR" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$OUT/blkdomu.cpio" ||
        die "cpio failed in $DR"
    cat "$OUT/blkdomu-dev.cpio" "$OUT/blkdomu.cpio" | gzip -9 -n > "$1" || die "gzip failed writing $1"
    rm -f "$OUT/blkdomu-dev.cpio" "$OUT/blkdomu.cpio"
}

if [ "$BLK" -eq 1 ]; then
    # The --tools initramfs first, then the disk scenario on top of it.
    sh "$0" --tools > /dev/null || die "cannot build the --tools initramfs"
    find_e2fs
    [ -n "$MODS" ] || die "the kernel's modules are not at hand (fetch-kernel.sh --modules)"
    # The root image: busybox and blk-guest.sh as /init, made by mkfs.ext4 -d.
    IR=$OUT/root-blkimg
    busybox_tree "$IR"
    mkdir -p "$IR/data" || die "cannot create $IR/data"
    cp "$HERE/blk-guest.sh" "$IR/init" && chmod 755 "$IR/init" || die "cannot install $IR/init"
    ROOT=$OUT/root-blk
    rm -rf "$ROOT"
    cp -a "$OUT/root-ctl" "$ROOT" && mkdir -p "$ROOT/boot/blk" "$ROOT/lib/modules/blk" ||
        die "cannot create $ROOT"
    mkext4 "$ROOT/boot/blk/root.img" 24M keelroot "$IR"
    head -c 1048576 /dev/urandom > "$ROOT/boot/blk/data.img" || die "cannot write data.img"
    # The domUs' initramfs: busybox, the modules, blk-domu-init.sh.
    blkdomu_initrd "$ROOT/boot/blk/initrd.gz"
    cp "$HERE/blk-test.sh" "$ROOT/bin/blk-test" && chmod 755 "$ROOT/bin/blk-test" ||
        die "cannot install blk-test"
    # bench/split-io.sh: dom0's and the domUs' scripts, splitio.c.
    "$CC" -static -O2 -Wall -Wextra -Werror -o "$OUT/splitio" "$TOP/bench/splitio.c" ||
        die "$CC -static failed on $TOP/bench/splitio.c"
    cp "$OUT/splitio" "$ROOT/bin/splitio" && cp "$TOP/bench/split-io-dom0.sh" "$ROOT/bin/split-bench" &&
        cp "$TOP/bench/split-io-guest.sh" "$ROOT/bin/split-guest" &&
        chmod 755 "$ROOT/bin/split-bench" "$ROOT/bin/split-guest" || die "cannot install split-bench"
    for m in drivers/block/loop drivers/block/xen-blkback/xen-blkback drivers/block/xen-blkfront; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/blk/" || die "cannot copy $m.ko"
    done
    # Debian's e2fsck for dom0, with the libraries and loader it needs.
    cp "$E2FSCK" "$ROOT/bin/e2fsck" || die "cannot copy e2fsck"
    for lib in $(ldd "$E2FSCK" | awk '/=>/ { print $3 } /^\t\/lib64/ { print $1 }'); do
        mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib" || die "cannot copy $lib"
    done
    NAME=initrd-blk
elif [ "$DEMO" -eq 1 ]; then
    # The --tools initramfs first, then dom0's drivers and the demo.
    sh "$0" --tools > /dev/null || die "cannot build the --tools initramfs"
    find_e2fs
    [ -n "$MODS" ] || die "the kernel's modules are not at hand (fetch-kernel.sh --modules)"
    ROOT=$OUT/root-demo
    rm -rf "$ROOT"
    cp -a "$OUT/root-ctl" "$ROOT" && mkdir -p "$ROOT/lib/modules/disk" "$ROOT/lib/modules/ext4" ||
        die "cannot create $ROOT"
    for m in $DISK_MODS; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/disk/" || die "cannot copy $m.ko"
    done
    for m in $EXT4_MODS; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/ext4/" || die "cannot copy $m.ko"
    done
    cp "$HERE/demo-dom0.sh" "$ROOT/bin/keel-demo" && chmod 755 "$ROOT/bin/keel-demo" ||
        die "cannot install keel-demo"
    # dom0's disk: web's root image and initramfs, its xl.cfg, the file
    # dom0 serves.
    DD=$OUT/demo-disk
    rm -rf "$DD"
    mkdir -p "$DD/keel" "$DD/www" || die "cannot create $DD"
    IR=$OUT/root-demoweb
    busybox_tree "$IR"
    mkdir -p "$IR/lib/modules" || die "cannot create $IR/lib/modules"
    cp "$HERE/demo-guest.sh" "$IR/init" && chmod 755 "$IR/init" || die "cannot install $IR/init"
    cp "$MODS/kernel/drivers/net/xen-netfront.ko" "$IR/lib/modules/" || die "cannot copy xen-netfront.ko"
    mkext4 "$DD/keel/web.img" 16M webroot "$IR"
    blkdomu_initrd "$DD/keel/web-initrd.gz"
    cat > "$DD/keel/web.cfg" <<'EOC'
# The demo's domU (scripts/demo.sh): root on xvda from an ext4 image on
# dom0's disk, a vif on dom0's bridge xenbr0.  dom0 runs
#   keel create /mnt/disk/keel/web.cfg
name = "web"
memory = 128
vcpus = 1
kernel = "/boot/vmlinux"
ramdisk = "/mnt/disk/keel/web-initrd.gz"
cmdline = "console=hvc0 keel.ip=10.0.2.21 keel.server=10.0.2.15"
disk = [ 'format=raw, vdev=xvda, access=rw, target=/mnt/disk/keel/web.img' ]
vif = [ 'bridge=xenbr0' ]
EOC
    head -c 1048576 /dev/urandom > "$DD/www/hello.bin" &&
        (cd "$DD/www" && sha256sum hello.bin > hello.bin.sha256) || die "cannot write $DD/www/hello.bin"
    mkext4 "$OUT/demo-disk.img.tmp" 48M dom0disk "$DD"
    cut -d' ' -f1 "$DD/www/hello.bin.sha256" > "$OUT/demo-disk.sha256.tmp" &&
        mv "$OUT/demo-disk.img.tmp" "$OUT/demo-disk.img" && mv "$OUT/demo-disk.sha256.tmp" "$OUT/demo-disk.sha256" ||
        die "cannot write $OUT/demo-disk.img"
    NAME=initrd-demo
elif [ "$TOOLS" -eq 1 ]; then
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
    mkdir -p "$ROOT/etc/keel/aggr" && cp "$TOP"/docs/examples/isolation-aggr/*.iso "$ROOT/etc/keel/aggr/" ||
        die "cannot copy docs/examples/isolation-aggr/*.iso"
    cp "$BUILD/dom0-static/keel-consoled" "$ROOT/bin/keel-consoled" || die "cannot copy keel-consoled"
    cp "$HERE/dom0-up.sh" "$ROOT/bin/keel-dom0-up" && chmod 755 "$ROOT/bin/keel-dom0-up" ||
        die "cannot install keel-dom0-up"
    cp "$HERE/net-up.sh" "$ROOT/bin/keel-net-up" && chmod 755 "$ROOT/bin/keel-net-up" ||
        die "cannot install keel-net-up"
    for f in keel-xenstored keel-xenstore; do
        cp "$BUILD/dom0-static/$f" "$ROOT/bin/$f" || die "cannot copy $f"
    done
    for f in ctl-store ctl-store-domu; do
        cp "$HERE/$f.sh" "$ROOT/bin/$f" && chmod 755 "$ROOT/bin/$f" || die "cannot install $f"
    done
    for m in xen-privcmd xen-evtchn xen-gntdev xenfs/xenfs; do
        cp "$MODS/kernel/drivers/xen/$m.ko" "$ROOT/lib/modules/" || die "cannot copy $m.ko"
    done
    # The network backends (linux-vif, ctl-vif.sh): xen-netback, the
    # bridge and what it needs, the e1000 put on the bridge, and for the
    # domUs' overlay xen-netfront; the disk backends for linux-iso's disk
    # probe (iso-test.sh): loop and xen-blkback.
    for m in drivers/net/xen-netback/xen-netback drivers/net/xen-netfront net/llc/llc net/802/stp \
             net/bridge/bridge drivers/net/ethernet/intel/e1000/e1000 drivers/block/loop \
             drivers/block/xen-blkback/xen-blkback; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/" || die "cannot copy $m.ko"
    done
    cp "$HERE/ctl-vif.sh" "$ROOT/bin/ctl-vif" && cp "$HERE/vif-guest.sh" "$ROOT/bin/vif-guest" &&
        chmod 755 "$ROOT/bin/ctl-vif" "$ROOT/bin/vif-guest" || die "cannot install ctl-vif"
    # The hostile frontend's domU overlay: hostile-fe, its /init and
    # the guest's gntalloc and evtchn devices.
    cp "$OUT/hostile-fe" "$ROOT/bin/hostile-fe" && cp "$HERE/hostile-guest.sh" "$ROOT/bin/hostile-guest" &&
        chmod 755 "$ROOT/bin/hostile-guest" || die "cannot install hostile-fe"
    cp "$MODS/kernel/drivers/xen/xen-gntalloc.ko" "$ROOT/lib/modules/" || die "cannot copy xen-gntalloc.ko"
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
    for m in $DISK_MODS; do
        cp "$MODS/kernel/$m.ko" "$ROOT/lib/modules/disk/" || die "cannot copy $m.ko"
    done
    NAME=initrd-disk
else
    NAME=initrd
fi

# /dev and /dev/console, in front of the other archives.
sh "$TOP/tests/linux/dev-cpio.sh" "$OUT/dev.cpio" || die "cannot write $OUT/dev.cpio"

# The kernel unpacks concatenated archives one after the other.
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
    cpio -o -H newc -R 0:0 --quiet > "$OUT/$NAME.cpio") || die "cpio failed in $ROOT"
cat "$OUT/dev.cpio" "$OUT/$NAME.cpio" | gzip -9 -n > "$OUT/$NAME.gz.tmp" ||
    die "gzip failed writing $OUT/$NAME.gz.tmp"
# --tools, --blk and --demo: the kernel's ELF vmlinux too, as /boot/vmlinux, in a
# second gzip member of its own (gzip -1, cached: 64 MiB compress to 12 in
# 2 s, against 16 s at -9).  keel create loads it without the XZ
# decompression of /boot/vmlinuz, which costs dom0 10-20 s of TCG per
# domU; the suites keep one domU on the bzImage.
if [ "$TOOLS" -eq 1 ] || [ "$BLK" -eq 1 ] || [ "$DEMO" -eq 1 ]; then
    VMLINUX=$(sh "$HERE/extract-vmlinux.sh" "$(sh "$HERE/fetch-kernel.sh")") || die "cannot extract the kernel's vmlinux"
    VZ=$OUT/vmlinux.cpio.gz
    if [ ! -s "$VZ" ] || [ "$VMLINUX" -nt "$VZ" ]; then
        VR=$OUT/root-vmlinux
        rm -rf "$VR" && mkdir -p "$VR/boot" && cp "$VMLINUX" "$VR/boot/vmlinux" || die "cannot copy $VMLINUX"
        (cd "$VR" && printf 'boot\nboot/vmlinux\n' | cpio -o -H newc -R 0:0 --quiet) | gzip -1 -n > "$VZ.tmp" &&
            mv "$VZ.tmp" "$VZ" || die "cannot write $VZ"
        rm -rf "$VR"
    fi
    cat "$VZ" >> "$OUT/$NAME.gz.tmp" || die "cannot append $VZ"
fi
mv "$OUT/$NAME.gz.tmp" "$OUT/$NAME.gz" || die "cannot rename to $OUT/$NAME.gz"
rm -f "$OUT/dev.cpio" "$OUT/$NAME.cpio"
echo "$OUT/$NAME.gz"
