#!/bin/sh
# /init on the root filesystem (xvda) of the demo's domU "web"
# (scripts/demo.sh; dom0's side is tests/linux/demo-dom0.sh), run after
# blk-domu-init.sh, the domU's initramfs, has mounted /dev/xvda as / and
# switched to it.  Loads xen-netfront (from this disk), gives eth0 the
# address keel.ip=, fetches http://keel.server/hello.bin and its
# hello.bin.sha256 from dom0's busybox httpd over the bridge xenbr0 with
# busybox wget, checks the sha256, keeps the file on its own disk
# (/fetched/hello.bin) and prints one "demo-guest: fetched ..." line
# (dom0 relays it to its console), then offers a shell on its console
# (keel console web).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp
hostname web
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
say() { echo "demo-guest: $*"; }
IP=$(arg ip); SERVER=$(arg server)
insmod /lib/modules/xen-netfront.ko || say "FAIL: insmod xen-netfront.ko failed"
n=0
until [ -e /sys/class/net/eth0 ]; do
    n=$((n + 1)); [ "$n" -lt 600 ] || { say "FAIL: no eth0 after 60 s"; break; }
    sleep 0.1
done
ifconfig lo 127.0.0.1 up
ifconfig eth0 "$IP" netmask 255.255.255.0 up && say "eth0 up, $IP, mac $(cat /sys/class/net/eth0/address)"
URL=http://$SERVER/hello.bin
# The bridge's port may take a moment to forward (STP off, no delay):
# retry for up to a minute.
n=0
until wget -q -O /tmp/hello.bin "$URL" 2>/tmp/wget.err && wget -q -O /tmp/hello.sha256 "$URL.sha256" 2>>/tmp/wget.err; do
    n=$((n + 1)); [ "$n" -lt 30 ] || break
    sleep 2
done
got=$(sha256sum < /tmp/hello.bin 2>/dev/null | cut -d' ' -f1)
want=$(cut -d' ' -f1 /tmp/hello.sha256 2>/dev/null)
if [ -n "$want" ] && [ "$got" = "$want" ]; then
    mkdir -p /fetched && cp /tmp/hello.bin /fetched/hello.bin && sync
    say "fetched $URL from dom0 over xenbr0: $(wc -c < /tmp/hello.bin) bytes, sha256 $got: OK (kept on xvda as /fetched/hello.bin)"
elif [ -z "$want" ]; then
    say "FAIL: cannot fetch $URL: $(tr '\n' ' ' < /tmp/wget.err)"
else
    say "FAIL: $URL's sha256 is $got, dom0's hello.bin.sha256 says $want"
fi
echo
echo "Keel demo: this is web, a domU booted from its disk xvda, Linux $(uname -r)."
echo "CTRL-] returns to dom0."
while :; do
    setsid cttyhack sh -l
done
