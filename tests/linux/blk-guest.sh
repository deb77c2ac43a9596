#!/bin/sh
# /init on the domUs' ext4 root image in linux-blk (tests/linux/blk-test.sh),
# run after blk-domu-init.sh has mounted /dev/xvda as /.  First boot:
# writes /data/file (2 MiB of random bytes) and its sha256.  Later boots:
# the file's sha256 must match.  Then, by keel.blk=MODE on the kernel
# command line: hotplug waits for a second disk xvdb (read-only), prints
# its sha256, checks a write to it fails, waits for it to go; busy writes
# with fsync until the domain is destroyed.  Ends with / remounted
# read-only (a clean filesystem) and poweroff.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "blk-guest: $*"; }
mode=
for w in $(cat /proc/cmdline); do
    case $w in keel.blk=*) mode=${w#keel.blk=} ;; esac
done
wait_for() {    # TENTHS CMD...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
boots=$(( $(cat /data/boots 2>/dev/null || echo 0) + 1 ))
if [ -f /data/file ]; then
    sha=$(sha256sum /data/file | cut -d' ' -f1)
    if [ "$sha" = "$(cat /data/file.sha)" ]; then
        say "boot $boots: data intact: $sha"
    else
        say "FAIL: boot $boots: data changed: $sha, written $(cat /data/file.sha)"
    fi
else
    mkdir -p /data
    dd if=/dev/urandom of=/data/file bs=64k count=32 2>/dev/null
    sha256sum /data/file | cut -d' ' -f1 > /data/file.sha
    say "boot $boots: wrote data: $(cat /data/file.sha)"
fi
echo "$boots" > /data/boots
sync
case $mode in
hotplug)
    say "waiting for xvdb"
    if wait_for 1800 test -b /dev/xvdb; then
        say "xvdb: $(cat /sys/block/xvdb/size) sectors, ro=$(cat /sys/block/xvdb/ro)"
        say "xvdb sha256: $(sha256sum /dev/xvdb | cut -d' ' -f1)"
        if dd if=/dev/zero of=/dev/xvdb bs=512 count=1 conv=fsync 2>/dev/null; then
            say "xvdb: a write was accepted"
        else
            say "xvdb: write refused"
        fi
        wait_for 1800 sh -c '! test -b /dev/xvdb' && say "xvdb gone" || say "FAIL: xvdb still there"
        # Stay up a while: dom0 checks that a second block-detach of
        # xvdb is refused, which needs this domain alive (on a quiet host
        # it powered off first and keel answered "no such domain").
        sleep 20
    else
        say "FAIL: no xvdb"
    fi ;;
busy)
    say "busy"
    i=0
    while :; do
        dd if=/dev/zero of=/data/busy.$((i % 4)) bs=64k count=16 conv=fsync 2>/dev/null
        i=$((i + 1))
    done ;;
esac
sync
umount /sys 2>/dev/null
mount -o remount,ro / && say "root remounted read-only"
poweroff -f
