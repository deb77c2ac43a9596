#!/bin/sh
# /init of the linux-vif domUs (tests/linux/ctl-vif.sh packs it into an
# overlay on the plain test initrd).  Loads xen-netfront, gives eth0 the
# address of keel.ip=, serves a random file of its own on TCP port 5000
# (busybox nc), then pings dom0 (keel.dom0=), QEMU's user-network gateway
# (keel.gw=, optional) and its peer (keel.peer=), fetches the peer's file
# and dom0's file and prints their sha256.  Every result is one
# "vif-guest: ..." line on the console, which dom0 reads from
# keel-consoled's log; then it stays up until dom0 destroys it.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
say() { echo "vif-guest: $*"; }
IP=$(arg ip); DOM0=$(arg dom0); PEER=$(arg peer); GW=$(arg gw); KB=$(arg kb)
# keel.queues=N: N queues (netfront's default is one per vCPU).
Q=$(arg queues)
insmod /lib/modules/xen-netfront.ko ${Q:+max_queues=$Q} || say "insmod xen-netfront.ko failed"
n=0
until [ -e /sys/class/net/eth0 ]; do
    n=$((n + 1)); [ "$n" -lt 600 ] || { say "no eth0"; break; }
    sleep 0.1
done
ifconfig lo 127.0.0.1 up
ifconfig eth0 "$IP" netmask 255.255.255.0 up && say "eth0 up $IP mac $(cat /sys/class/net/eth0/address)"
head -c "$((${KB:-1024} * 1024))" /dev/urandom > /tmp/mine
say "mine sha256 $(sha256sum < /tmp/mine | cut -d' ' -f1)"
printf '#!/bin/sh\nexec cat /tmp/mine\n' > /bin/serve-mine
# A never-ending stream for dom0's mid-transfer destroy.
printf '#!/bin/sh\nexec cat /dev/zero\n' > /bin/serve-zero
chmod 755 /bin/serve-mine /bin/serve-zero
nc -ll -p 5000 -e /bin/serve-mine &
nc -ll -p 5001 -e /bin/serve-zero &
say "serving"
pingit() {    # WHAT IP SECONDS: a reply within SECONDS (busybox ping -c stops at its count)
    t0=$(cut -d. -f1 /proc/uptime)
    until ping -c 1 -w 3 "$2" > /tmp/ping 2>&1; do
        if [ $(( $(cut -d. -f1 /proc/uptime) - t0 )) -ge "$3" ]; then
            say "ping $1 $2 failed: $(tail -n 2 /tmp/ping | tr '\n' ' ')"
            return
        fi
    done
    say "ping $1 $2 ok"
}
fetch() {    # WHAT IP
    n=0
    while :; do
        rm -f /tmp/got
        nc -w 10 "$2" 5000 < /dev/null > /tmp/got 2>/tmp/nc.err && [ -s /tmp/got ] && break
        n=$((n + 1)); [ "$n" -lt 10 ] || { say "fetch $1 $2 failed: $(cat /tmp/nc.err)"; return; }
        sleep 2
    done
    say "fetched $1 $2 $(wc -c < /tmp/got) bytes sha256 $(sha256sum < /tmp/got | cut -d' ' -f1)"
}
pingit dom0 "$DOM0" 40
[ -n "$GW" ] && pingit gw "$GW" 30
[ -n "$PEER" ] && pingit peer "$PEER" 60
fetch dom0 "$DOM0"
[ -n "$PEER" ] && fetch peer "$PEER"
dmesg | grep -i -E 'netfront|vif|xen' | tail -n 15 | sed 's/^/vif-guest: dmesg: /'
say "done"
# A hot-plugged vif shows as eth1: its address is keel.ip1=.
IP1=$(arg ip1)
while :; do
    if [ -n "$IP1" ] && [ -e /sys/class/net/eth1 ] && [ ! -e /tmp/eth1 ]; then
        ifconfig eth1 "$IP1" netmask 255.255.255.0 up && say "eth1 up $IP1 mac $(cat /sys/class/net/eth1/address)"
        touch /tmp/eth1
    fi
    if [ -e /tmp/eth1 ] && [ ! -e /sys/class/net/eth1 ]; then
        say "eth1 gone"; rm -f /tmp/eth1
    fi
    sleep 1
done
