#!/bin/sh
# dom0's side of bench/split-io.sh, as /bin/split-bench in the --blk
# initramfs (init.sh runs it with keel.blktest=bench), the same in the
# three boots of keel.bench=MODE:
#   keel    under Keel: keel-dom0-up (keel-xenstored, keel-consoled) and
#           `keel create`; the domUs' consoles in /var/log/keel/console
#   xen     under Xen 4.17: Debian's toolstack from /opt/xen
#           (bench/xen-toolstack.sh: xenstored, xen-init-dom0, xenconsoled,
#           `xl create` with the block and vif-bridge hotplug scripts of
#           bench/xen-hotplug-*.sh); consoles in /var/log/xen/console
#   native  the kernel booted by QEMU itself: no domUs, dom0's own
#           figures only (loop device and lo)
# Under keel and xen dom0 loads loop, xen-blkback, the bridge and
# xen-netback, puts 10.0.3.1 on the bridge xenbr0 (no uplink: nothing
# leaves dom0), and creates, from the same xl.cfg files, two 128 MiB
# domUs on the kernel's ELF /boot/vmlinux: u1 with a 64 MiB raw image as
# xvdb and u2, both with a vif on xenbr0.  Then, R times (keel.runs=R,
# bench/split-io.sh boots once per run and passes 1), interleaved:
#   u1's disk (bench/split-io-guest.sh "disk"), then dom0's on the same
#   image through a loop device of its own (the same dd and splitio
#   commands); TCP u1 -> dom0 (dom0 receives), TCP u1 -> u2 (u2
#   receives), TCP dom0 -> dom0 over lo for reference.
# Every figure is one line "split-bench: FIGURE R VALUE" (MB/s or IOPS);
# bench/split-io.sh takes the medians.  Exit status 0 only if every step
# answered.
PATH=/bin
say() { echo "split-bench: $*"; }
fail() { say "FAIL: $*"; for g in u1 u2; do tail -n 10 "$LOGDIR/guest-$g.log" 2>/dev/null | sed "s/^/split-bench: [$g] /"; done; exit 1; }
arg() { sed -n "s/.*keel\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
R=$(arg runs); R=${R:-5}
MIB=$(arg mib); MIB=${MIB:-64}
SECS=$(arg secs); SECS=${SECS:-4}
NETMIB=$(arg netmib); NETMIB=${NETMIB:-64}
MODE=$(arg bench); MODE=${MODE:-keel}
case $MODE in
keel) LOGDIR=/var/log/keel/console; TS=keel ;;
xen) LOGDIR=/var/log/xen/console; TS="/opt/xen/bin/xl"; export LD_LIBRARY_PATH=/opt/xen/lib ;;
native) LOGDIR=/nonexistent ;;
*) echo "split-bench: keel.bench=keel, xen or native, not '$MODE'"; exit 1 ;;
esac
wait_for() {    # TENTHS CMD...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
# The same, every second: while a guest measures, dom0 polls its console
# log (each poll a fork and exec of tr and grep, costly page-table work
# for a PV dom0 under TCG) at most once a second, so that the polling
# takes little of the CPU dom0's backends need.  The figures are timed
# in the guest, not by these polls.
wait_slow() {    # SECONDS CMD...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 1; n=$((n - 1)); done
    return 1
}
glog() { tr -d '\r' < "$LOGDIR/guest-$1.log" 2>/dev/null; }
has() { glog "$1" | grep -a -q -- "$2"; }

case $MODE in
keel) keel-dom0-up > /tmp/up.log 2>&1 || fail "keel-dom0-up: $(cat /tmp/up.log)" ;;
xen) /opt/xen/bin/xen-dom0-up > /tmp/up.log 2>&1 || fail "xen-dom0-up: $(cat /tmp/up.log)" ;;
esac
ifconfig lo 127.0.0.1 up
if [ "$MODE" = native ]; then
    insmod /lib/modules/blk/loop.ko || fail "insmod loop.ko"
else
    for m in blk/loop blk/xen-blkback llc stp bridge xen-netback; do
        insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
    done
    brctl addbr xenbr0 || fail "brctl addbr xenbr0"
    ifconfig xenbr0 10.0.3.1 netmask 255.255.255.0 up || fail "ifconfig xenbr0"
fi
head -c $((MIB * 1048576)) /dev/zero > /tmp/s1.img || fail "cannot write /tmp/s1.img"

if [ "$MODE" != native ]; then
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
        $TS create -p /tmp/cfg/$g.cfg > /tmp/out 2>&1 || fail "$TS create $g: $(cat /tmp/out)"
    done
    $TS unpause u1 && $TS unpause u2 || fail "$TS unpause"
    for g in u1 u2; do
        wait_for 3000 has $g 'split-guest: ready' || fail "$g did not come up"
    done
    has u1 'split-guest: xvdb:' || fail "u1 has no xvdb"
    say "u1 and u2 up; image $MIB MiB, random I/O $SECS s, TCP $NETMIB MiB, $R runs"
else
    say "native; image $MIB MiB, random I/O $SECS s, TCP $NETMIB MiB, $R runs"
fi

# go GUEST IP CMD R: hand the command over and wait for its end.
go() {
    splitio ctl-send "$2" 6000 "$3 $4" > /tmp/ctl.out || fail "cannot reach $1: $(cat /tmp/ctl.out)"
    wait_slow 300 has "$1" "split-guest: done ${3%% *} $4\$" || fail "$1 did not finish '$3 $4'"
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
# The harness notes the host's time when it sees these two lines: a
# check of dom0's clock, which times every figure.
say "clock-start $(cut -d' ' -f1 /proc/uptime)"
# Where the time goes (not timed): every vCPU's CPU seconds from the
# toolstack's vcpu-list (keel's and xl's give the same columns) before and
# after the domU disk and TCP phases, as "split-bench: cpu LABEL UPTIME
# NAME VCPU SECONDS" lines; with keel, u1's and dom0's vstats too.
cpu_snap() {
    [ "$MODE" = native ] && return 0
    t=$(cut -d' ' -f1 /proc/uptime)
    $TS vcpu-list 2>/dev/null | awk -v l="$1" -v t="$t" 'NR > 1 && $6 ~ /^[0-9.]+$/ { print "split-bench: cpu " l " " t " " $1 " " $3 " " $6 }'
    if [ "$MODE" = keel ]; then
        for d in 0 u1; do keel vstats "$d" 2>&1 | grep -v wake_hist_ | tr -s ' ' | sed "s/^/split-bench: vstats $1 $d: /"; done
    fi
}
r=1
while [ "$r" -le "$R" ]; do
    if [ "$MODE" != native ]; then
        cpu_snap disk-start
        go u1 10.0.3.11 disk "$r"
        cpu_snap disk-end
        for w in seqwrite seqread; do say "domU-$w $r $(gfig u1 $w $r MBps)"; done
        for w in randread randwrite; do say "domU-$w $r $(gfig u1 $w $r iops)"; done
    fi
    # dom0 on the same image, through a loop device of its own.
    L=$(losetup -f) && losetup "$L" /tmp/s1.img || fail "losetup of /tmp/s1.img"
    say "dom0-seqwrite $r $(ddrate if=/dev/zero of="$L" bs=1M count="$MIB" oflag=direct conv=fsync)"
    say "dom0-seqread $r $(ddrate if="$L" of=/dev/null bs=1M count="$MIB" iflag=direct)"
    for m in read write; do
        say "dom0-rand$m $r $(splitio rand "$L" $m "$SECS" | sed -n 's/.* iops \([0-9]*\).*/\1/p')"
    done
    losetup -d "$L"
    if [ "$MODE" != native ]; then
        # TCP u1 -> dom0, u1 -> u2, dom0 -> dom0 (lo).
        splitio recv 5001 > /tmp/recv0 &
        rp=$!
        cpu_snap tcp-start
        go u1 10.0.3.11 "send 10.0.3.1 5001 $NETMIB" "$r"
        wait "$rp"
        cpu_snap tcp-end
        say "tcp-domU-dom0 $r $(sed -n 's/.* MBps \([0-9.]*\).*/\1/p' /tmp/recv0)"
        splitio ctl-send 10.0.3.12 6000 "recv 5002 $r" > /tmp/ctl.out || fail "cannot reach u2: $(cat /tmp/ctl.out)"
        go u1 10.0.3.11 "send 10.0.3.12 5002 $NETMIB" "$r"
        wait_slow 60 has u2 "split-guest: done recv $r\$" || fail "u2 did not finish receiving (run $r)"
        say "tcp-domU-domU $r $(glog u2 | sed -n "s/^split-guest: recv $r .* MBps \([0-9.]*\).*/\1/p" | tail -n 1)"
    fi
    splitio recv 5003 > /tmp/recvlo &
    rp=$!
    splitio send 127.0.0.1 5003 "$NETMIB" > /dev/null
    wait "$rp"
    say "tcp-dom0-lo $r $(sed -n 's/.* MBps \([0-9.]*\).*/\1/p' /tmp/recvlo)"
    r=$((r + 1))
done
say "clock-end $(cut -d' ' -f1 /proc/uptime)"
[ "$MODE" = native ] || { $TS destroy u1; $TS destroy u2; }
say "done"
