#!/bin/sh
# dom0's side of bench/split-io.sh, as /bin/split-bench in the --blk
# initramfs (init.sh runs it with keel.blktest=bench).  dom0 becomes the
# control domain, loads loop, xen-blkback, the bridge and xen-netback,
# puts 10.0.3.1 on the bridge xenbr0 (no uplink: nothing leaves dom0),
# and creates two 128 MiB domUs on the kernel's ELF /boot/vmlinux: u1
# with a 64 MiB raw image as xvdb and u2, both with a vif on xenbr0.
# Then, R times (keel.runs=R), interleaved:
#   u1's disk (bench/split-io-guest.sh "disk"), then dom0's on the same
#   image through a loop device of its own (the same dd and splitio
#   commands); TCP u1 -> dom0 (dom0 receives), TCP u1 -> u2 (u2
#   receives), TCP dom0 -> dom0 over lo for reference.
# Every figure is one line "split-bench: FIGURE R VALUE" (MB/s or IOPS);
# bench/split-io.sh takes the medians.  Exit status 0 only if every step
# answered.
PATH=/bin
say() { echo "split-bench: $*"; }
fail() { say "FAIL: $*"; for g in u1 u2; do tail -n 10 /var/log/keel/console/guest-$g.log 2>/dev/null | sed "s/^/split-bench: [$g] /"; done; exit 1; }
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
R=$(arg runs); R=${R:-5}
MIB=$(arg mib); MIB=${MIB:-64}
SECS=$(arg secs); SECS=${SECS:-4}
NETMIB=$(arg netmib); NETMIB=${NETMIB:-64}
wait_for() {    # TENTHS CMD...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
glog() { tr -d '\r' < "/var/log/keel/console/guest-$1.log" 2>/dev/null; }
has() { glog "$1" | grep -a -q -- "$2"; }

keel-dom0-up > /tmp/up.log 2>&1 || fail "keel-dom0-up: $(cat /tmp/up.log)"
for m in blk/loop blk/xen-blkback llc stp bridge xen-netback; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
done
brctl addbr xenbr0 || fail "brctl addbr xenbr0"
ifconfig lo 127.0.0.1 up
ifconfig xenbr0 10.0.3.1 netmask 255.255.255.0 up || fail "ifconfig xenbr0"
head -c $((MIB * 1048576)) /dev/zero > /tmp/s1.img || fail "cannot write /tmp/s1.img"

OV=/tmp/ov
rm -rf "$OV"; mkdir -p "$OV/bin" "$OV/lib/modules" || fail "cannot create $OV"
cp /bin/split-guest "$OV/init" && cp /bin/splitio "$OV/bin/" &&
    cp /lib/modules/xen-netfront.ko /lib/modules/blk/xen-blkfront.ko "$OV/lib/modules/" || fail "cannot fill $OV"
(cd "$OV" && find . | cpio -o -H newc 2>/dev/null | gzip) > /tmp/ov.gz &&
    cat /boot/initrd.gz /tmp/ov.gz > /tmp/initrd-split.gz || fail "cannot write /tmp/initrd-split.gz"
mkdir -p /tmp/cfg
cat > /tmp/cfg/u1.cfg <<EOC
name = "u1"
memory = 128
kernel = "/boot/vmlinux"
ramdisk = "/tmp/initrd-split.gz"
cmdline = "console=hvc0 keel.ip=10.0.3.11 keel.mib=$MIB keel.secs=$SECS"
disk = [ 'format=raw, vdev=xvdb, access=rw, target=/tmp/s1.img' ]
vif = [ 'bridge=xenbr0, mac=00:16:3e:00:03:11' ]
EOC
cat > /tmp/cfg/u2.cfg <<EOC
name = "u2"
memory = 128
kernel = "/boot/vmlinux"
ramdisk = "/tmp/initrd-split.gz"
cmdline = "console=hvc0 keel.ip=10.0.3.12 keel.mib=$MIB keel.secs=$SECS"
vif = [ 'bridge=xenbr0, mac=00:16:3e:00:03:12' ]
EOC
for g in u1 u2; do
    keel create -p /tmp/cfg/$g.cfg 2>/tmp/err || fail "keel create $g: $(cat /tmp/err)"
done
keel unpause u1 && keel unpause u2 || fail "keel unpause"
for g in u1 u2; do
    wait_for 3000 has $g 'split-guest: ready' || fail "$g did not come up"
done
has u1 'split-guest: xvdb:' || fail "u1 has no xvdb"
say "u1 and u2 up; image $MIB MiB, random I/O $SECS s, TCP $NETMIB MiB, $R runs"

# go GUEST IP CMD R: hand the command over and wait for its end.
go() {
    splitio ctl-send "$2" 6000 "$3 $4" > /tmp/ctl.out || fail "cannot reach $1: $(cat /tmp/ctl.out)"
    wait_for 3000 has "$1" "split-guest: done ${3%% *} $4\$" || fail "$1 did not finish '$3 $4'"
}
# A figure of a guest's line "split-guest: WHAT R ... KEY N".
gfig() {    # GUEST WHAT R KEY
    glog "$1" | sed -n "s/^split-guest: $2 $3 .*$4 \([0-9.]*\).*/\1/p" | tail -n 1
}
ddrate() {    # dd-ARGS...: MB/s from /proc/uptime
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd "$@" 2>/tmp/dd.err || { echo; return; }
    t1=$(cut -d' ' -f1 /proc/uptime)
    awk -v m="$MIB" -v a="$t0" -v b="$t1" 'BEGIN { if (b > a) printf "%.1f", m * 1048576 / (b - a) / 1e6 }'
}
r=1
while [ "$r" -le "$R" ]; do
    go u1 10.0.3.11 disk "$r"
    for w in seqwrite seqread; do say "domU-$w $r $(gfig u1 $w $r MBps)"; done
    for w in randread randwrite; do say "domU-$w $r $(gfig u1 $w $r iops)"; done
    # dom0 on the same image, through a loop device of its own.
    L=$(losetup -f) && losetup "$L" /tmp/s1.img || fail "losetup of /tmp/s1.img"
    say "dom0-seqwrite $r $(ddrate if=/dev/zero of="$L" bs=1M count="$MIB" oflag=direct conv=fsync)"
    say "dom0-seqread $r $(ddrate if="$L" of=/dev/null bs=1M count="$MIB" iflag=direct)"
    for m in read write; do
        say "dom0-rand$m $r $(splitio rand "$L" $m "$SECS" | sed -n 's/.* iops \([0-9]*\).*/\1/p')"
    done
    losetup -d "$L"
    # TCP u1 -> dom0, u1 -> u2, dom0 -> dom0 (lo).
    splitio recv 5001 > /tmp/recv0 &
    rp=$!
    go u1 10.0.3.11 "send 10.0.3.1 5001 $NETMIB" "$r"
    wait "$rp"
    say "tcp-domU-dom0 $r $(sed -n 's/.* MBps \([0-9.]*\).*/\1/p' /tmp/recv0)"
    splitio ctl-send 10.0.3.12 6000 "recv 5002 $r" > /tmp/ctl.out || fail "cannot reach u2: $(cat /tmp/ctl.out)"
    go u1 10.0.3.11 "send 10.0.3.12 5002 $NETMIB" "$r"
    wait_for 600 has u2 "split-guest: done recv $r\$" || fail "u2 did not finish receiving (run $r)"
    say "tcp-domU-domU $r $(glog u2 | sed -n "s/^split-guest: recv $r .* MBps \([0-9.]*\).*/\1/p" | tail -n 1)"
    splitio recv 5003 > /tmp/recvlo &
    rp=$!
    splitio send 127.0.0.1 5003 "$NETMIB" > /dev/null
    wait "$rp"
    say "tcp-dom0-lo $r $(sed -n 's/.* MBps \([0-9.]*\).*/\1/p' /tmp/recvlo)"
    r=$((r + 1))
done
keel destroy u1; keel destroy u2
say "done"
