#!/bin/sh
# /init of the domUs' initramfs in linux-blk (tests/linux/blk-test.sh):
# the Debian kernel has blkfront and ext4 as modules, so this stage loads
# them, mounts the root filesystem from /dev/xvda (read-write) and hands
# over to the /init on it (tests/linux/blk-guest.sh) with switch_root.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
die() { echo "blk-guest: FAIL: $*"; dmesg | tail -n 20 | sed 's/^/blk-guest: dmesg: /'; poweroff -f; }
for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront; do
    insmod "/lib/modules/$m.ko" || die "insmod $m.ko"
done
n=0
until [ -b /dev/xvda ]; do
    n=$((n + 1)); [ "$n" -lt 600 ] || die "no /dev/xvda after 60 s"
    sleep 0.1
done
mkdir -p /newroot
mount -t ext4 -o rw /dev/xvda /newroot || die "cannot mount /dev/xvda"
echo "blk-guest: root on $(grep ' /newroot ' /proc/mounts | cut -d' ' -f1-4)"
umount /dev /sys /proc
exec switch_root /newroot /init
