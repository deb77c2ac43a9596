#!/bin/sh
# /init of the domUs of bench/split-io.sh (bench/split-io-dom0.sh packs it
# into an overlay on the plain test initrd with bench/splitio.c's binary
# and xen-blkfront/xen-netfront).  Gives eth0 the address of keel.ip=,
# then takes one command at a time from dom0 on TCP port 6000 (busybox
# nc) and prints its results on the console as "split-guest: ..." lines,
# which dom0 reads from keel-consoled's log:
#   disk R     sequential write and read of /dev/xvdb (dd, 1 MiB blocks,
#              O_DIRECT), then random 4 KiB reads and writes (splitio rand)
#   send IP PORT MIB R   TCP to IP:PORT (splitio send)
#   recv PORT R          one TCP stream received (splitio recv)
# Every command ends with "split-guest: done CMD R".
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
say() { echo "split-guest: $*"; }
IP=$(arg ip); MIB=$(arg mib); SECS=$(arg secs)
for m in xen-blkfront xen-netfront; do
    insmod /lib/modules/$m.ko || say "insmod $m.ko failed"
done
n=0
until [ -e /sys/class/net/eth0 ]; do
    n=$((n + 1)); [ "$n" -lt 600 ] || { say "no eth0"; break; }
    sleep 0.1
done
ifconfig lo 127.0.0.1 up
ifconfig eth0 "$IP" netmask 255.255.255.0 up && say "eth0 up $IP"
# dd's rate from /proc/uptime (busybox dd prints no time).
ddrate() {    # WHAT R dd-ARGS...: "WHAT R MBps X"
    w=$1; r=$2; shift 2
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd "$@" 2>/tmp/dd.err || { say "$w $r failed: $(tail -n 1 /tmp/dd.err)"; return; }
    t1=$(cut -d' ' -f1 /proc/uptime)
    say "$w $r MBps $(awk -v m="$MIB" -v a="$t0" -v b="$t1" 'BEGIN { if (b > a) printf "%.1f", m * 1048576 / (b - a) / 1e6; else print "?" }')"
}
[ -b /dev/xvdb ] && say "xvdb: $(cat /sys/block/xvdb/size) sectors"
say "ready"
while :; do
    # shellcheck disable=SC2046  # the command's words are wanted
    set -- $(splitio ctl-recv 6000)
    case ${1:-} in
    disk)
        ddrate seqwrite "$2" if=/dev/zero of=/dev/xvdb bs=1M count="$MIB" oflag=direct conv=fsync
        ddrate seqread "$2" if=/dev/xvdb of=/dev/null bs=1M count="$MIB" iflag=direct
        for m in read write; do
            o=$(splitio rand /dev/xvdb $m "$SECS")
            say "rand$m $2 iops $(echo "$o" | sed -n 's/.* iops \([0-9]*\).*/\1/p') ($o)"
        done
        say "done disk $2" ;;
    send)
        o=$(splitio send "$2" "$3" "$4")
        say "send $5 $o"
        say "done send $5" ;;
    recv)
        o=$(splitio recv "$2")
        say "recv $3 $o"
        say "done recv $3" ;;
    '') ;;
    *) say "unknown command $1" ;;
    esac
done
