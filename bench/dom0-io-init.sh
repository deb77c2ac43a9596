#!/bin/sh
# /init of bench/dom0-io.sh's initramfs (busybox sh, PID 1), the same
# natively, as Keel's dom0 and as Xen's: loads the virtio drivers of the
# kernel package (virtio-blk-pci, virtio-net-pci), then
#   disk    dd of keel.dd_mib MiB (default 512) from /dev/vda, 1 MiB
#           blocks, iflag=direct (O_DIRECT), under `dom0io time`
#   tcp-rx  keel.net_mib MiB (default 128) from the host into dom0
#   tcp-tx  the same from dom0 to the host (`dom0io serve` on port 5001,
#           which QEMU's user network forwards from 127.0.0.1 on the host)
# and prints one line per figure, "dom0-io: RESULT NAME bytes N secs S
# MBps R irqs I irqps P" (I = the device's interrupts in /proc/interrupts
# meanwhile), then "dom0-io: done" or "dom0-io: FAIL ..." and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "dom0-io: $*"; }
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
finish() {
    grep -E 'virtio|eth0' /proc/interrupts | while read -r l; do say "irq line: $l"; done
    bad=$(dmesg | grep -m 1 -E 'BUG:|Oops|WARNING:|Call Trace|general protection|soft lockup|hung_task|rcu.*stall|nobody cared')
    [ -n "$bad" ] && say "kernel log: $bad"
    say "$1"
    poweroff -f
    while :; do sleep 3600; done
}
DD_MIB=$(arg dd_mib); DD_MIB=${DD_MIB:-512}
NET_MIB=$(arg net_mib); NET_MIB=${NET_MIB:-128}
say "kernel $(uname -r), $(grep -c '^processor' /proc/cpuinfo) CPU(s), $(grep -m 1 '^MemTotal' /proc/meminfo | tr -s ' ')"
# Dependencies first (each module's depends=).
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
         failover net_failover virtio_net; do
    insmod "/lib/modules/$m.ko" || finish "FAIL: insmod $m.ko"
done
t=0
while { [ ! -b /dev/vda ] || [ ! -e /sys/class/net/eth0 ]; } && [ "$t" -lt 300 ]; do sleep 0.2; t=$((t + 1)); done
[ -b /dev/vda ] || finish "FAIL: no /dev/vda"
[ -e /sys/class/net/eth0 ] || finish "FAIL: no eth0"
# The virtio devices' names in /proc/interrupts (virtioN, virtioN-req.0, ...).
DISK=$(basename "$(readlink /sys/block/vda/device)")
NIC=$(basename "$(readlink /sys/class/net/eth0/device)")
say "disk /dev/vda is $DISK ($(cat /sys/block/vda/size) sectors), eth0 is $NIC"
grep -E "$DISK|$NIC" /proc/interrupts | while read -r l; do say "irq line: $l"; done
ifconfig lo 127.0.0.1 up
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up || finish "FAIL: ifconfig eth0"

dom0io time "$DISK" $((DD_MIB * 1048576)) dd if=/dev/vda of=/dev/null bs=1M count="$DD_MIB" iflag=direct \
    > /tmp/dd.out 2>&1
cat /tmp/dd.out
r=$(sed -n 's/^dom0io: time /RESULT disk /p' /tmp/dd.out)
[ -n "$r" ] || finish "FAIL: dd from /dev/vda"
grep -q "^$DD_MIB+0 records in" /tmp/dd.out || finish "FAIL: dd read less than $DD_MIB MiB"
say "$r"
dom0io serve 5001 "$NET_MIB" "$NIC" > /tmp/net.out 2>&1 &
pid=$!
# The harness starts the host's end when it sees "listening".
t=0
while ! grep -q listening /tmp/net.out && [ "$t" -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
head -n 1 /tmp/net.out
wait "$pid"
rc=$?
tail -n +2 /tmp/net.out | sed -n 's/^dom0io: \(tcp-[rt]x \)/RESULT \1/p' | while read -r l; do say "$l"; done
[ "$rc" -eq 0 ] || finish "FAIL: dom0io serve: $(tail -n 1 /tmp/net.out)"
finish "done"
