#!/bin/sh
# /init of the hostile domUs (linux-vif's vh, linux-blk's bh: their
# dom0 scripts pack it into an overlay on the plain test initrd): no
# xen-netfront or xen-blkfront; the guest's grant-allocation and
# event-channel devices, then /bin/hostile-fe (tests/linux/hostile-fe.c)
# plays the frontend of device/vif/0 (keel.hostile=vif, the default) or
# device/vbd/51712 (keel.hostile=vbd) and attacks dom0's backend.  Its
# lines ("hostile-fe: ...") go to the console, which dom0 reads from
# keel-consoled's log; then it stays up until dom0 destroys it.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in xen-evtchn xen-gntalloc; do
    insmod /lib/modules/$m.ko || echo "hostile-fe: insmod $m.ko failed"
done
mode=$(sed -n 's/.*keel\.hostile=\([^ ]*\).*/\1/p' /proc/cmdline)
/bin/hostile-fe ${mode:-vif}
echo "hostile-fe: exit status $?"
# (This guest's kernel log, its complaints defused: dom0's test output
# must only carry dom0's and Keel's.)
dmesg | grep -i -E 'grant|g\.e\.|gntalloc|xen:' | tail -n 8 |
    sed -e 's/^/hostile-fe: dmesg: /' -e 's/WARNING:/warning/g' -e 's/BUG:/bug/g' -e 's/Oops/oops/g' -e 's/Call Trace:/call trace/g' -e 's/VERDICT/verdict/g'
while :; do sleep 60; done
