#!/bin/sh
# /bin/keel-demo in the --demo initramfs: the demo's dom0 (scripts/demo.sh;
# init.sh runs it with keel.demo=1 or keel.demo=check after
# keel-dom0-up).  dom0 drives its own devices with the kernel package's
# modules: its disk (QEMU's AHCI, ahci on MSI), an ext4 filesystem
# mounted on /mnt/disk, and its NIC (an e1000 on QEMU's user network,
# restrict=on: no packet leaves QEMU) as the uplink of the bridge xenbr0
# (keel-net-up, net-up.sh).  From that disk it serves /mnt/disk/www with
# busybox httpd and creates the domU "web" with `keel create
# /mnt/disk/keel/web.cfg`: root on xvda from /mnt/disk/keel/web.img
# (xen-blkback on a loop device), a vif on xenbr0.  web
# (demo-guest.sh) fetches hello.bin from dom0's httpd and checks its
# sha256; dom0 relays that line as "[web] demo-guest: ...".
#
#   keel-demo          the interactive demo: the relay runs in the
#                      background (up to 10 minutes), the shell comes next
#   keel-demo check    waits up to 300 s for web's line,
#                      checks dom0's kernel log; status 0 only if all held
#
# Prints "demo: ..." lines; a failure is one "demo: FAIL: ..." line.
PATH=/bin
MODE=${1:-1}
say() { echo "demo: $*"; }
fail() { echo "demo: FAIL: $*"; exit 1; }
wait_for() {    # TENTHS COMMAND...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
irq() {    # NAME: "N interrupts on CHIP... NAME" from NAME's /proc/interrupts line
    grep -E "[ ,]$1(\\[[^]]*\\])?(,|\$)" /proc/interrupts | head -n 1 |
        awk '{ s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
               r = ""; for (; i <= NF; i++) r = r " " $i; print s " interrupts on" r }'
}

# The disk: libata's AHCI and the SCSI disk (the order of their depends=,
# as init.sh loads them for keel.disktest=ahci), then ext4.
for m in scsi_common scsi_mod libata crc64 crc64-rocksoft crct10dif_common crc-t10dif t10-pi sd_mod \
         libahci ahci; do
    insmod "/lib/modules/disk/$m.ko" || fail "insmod $m.ko failed"
done
for m in crc16 mbcache jbd2 crc32c_generic ext4; do
    insmod "/lib/modules/ext4/$m.ko" || fail "insmod $m.ko failed"
done
wait_for 600 test -b /dev/sda || fail "no /dev/sda 60 s after insmod ahci"
mkdir -p /mnt/disk
mount -t ext4 /dev/sda /mnt/disk || fail "cannot mount /dev/sda (ext4) on /mnt/disk"
[ -f /mnt/disk/keel/web.cfg ] || fail "/mnt/disk/keel/web.cfg is missing: not the demo's disk"
say "dom0's disk: /dev/sda ($(( $(cat /sys/block/sda/size) / 2048 )) MiB, ahci: $(irq ahci)), ext4 on /mnt/disk, $(df -k /mnt/disk | awk 'NR == 2 { print int($3 / 1024) " MiB used" }')"

# The NIC as the bridge's uplink, dom0's address on the bridge.
keel-net-up 10.0.2.15 > /tmp/netup 2>&1 || fail "$(cat /tmp/netup)"
[ -e /sys/class/net/xenbr0/brif/eth0 ] || fail "no e1000: $(cat /tmp/netup)"
say "dom0's NIC: eth0 (e1000: $(irq eth0)) on the bridge xenbr0, dom0 at 10.0.2.15; QEMU's gateway 10.0.2.2 answers ping"

# The disk backend, the web server, the domU.
for m in loop xen-blkback; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko failed"
done
httpd -p 80 -h /mnt/disk/www || fail "busybox httpd did not start"
say "busybox httpd serves /mnt/disk/www on http://10.0.2.15/"
keel create /mnt/disk/keel/web.cfg > /tmp/create 2>&1 || fail "keel create /mnt/disk/keel/web.cfg: $(cat /tmp/create)"
d=$(keel list | awk '$1 == "web" { print $2 }')
loopdev=$(keel-xenstore read "/local/domain/0/backend/vbd/$d/51712/node" 2>/dev/null)
say "keel create /mnt/disk/keel/web.cfg: domain web ($d), root on xvda from /mnt/disk/keel/web.img (${loopdev:-?}), vif$d.0 on xenbr0"

LOG=/var/log/keel/console/guest-web.log
relay() {    # SECONDS: web's "demo-guest: fetched" or FAIL line, once
    t=0
    until tr -d '\r' < "$LOG" 2>/dev/null | grep -a -q -E '^demo-guest: (fetched|FAIL)'; do
        t=$((t + 1)); [ "$t" -lt "$1" ] || { say "web printed no fetch line in $1 s (keel console web)"; return 1; }
        sleep 1
    done
    tr -d '\r' < "$LOG" | grep -a -E '^demo-guest: (fetched|FAIL)' | head -n 1 | sed 's/^/[web] /'
    tr -d '\r' < "$LOG" | grep -a -q '^demo-guest: fetched .*: OK'
}
if [ "$MODE" != check ]; then
    say "web boots from its disk and fetches a file from dom0: its line follows here; 'keel console web' shows its console"
    relay 600 &
    exit 0
fi
relay 300 || { tr -d '\r' < "$LOG" | tail -n 20 | sed 's/^/demo: [web log] /'; fail "web did not fetch hello.bin intact"; }
bad=$(dmesg | grep -m 1 -E 'BUG:|Oops|WARNING:|Call Trace|general protection|segfault at|soft lockup|hung_task|rcu.*stall')
[ -z "$bad" ] || fail "dom0's kernel log: $bad"
say "all demo checks passed"
