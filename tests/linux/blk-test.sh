#!/bin/sh
# dom0's disk scenario (tests/linux/run-all.sh linux-blk; issue 15, the
# disk half), as /bin/blk-test in the --blk initramfs, run by init.sh
# with keel.blktest=1.  dom0 becomes the control domain (keel-dom0-up:
# the store and console daemons), loads loop and xen-blkback, and drives
# `keel` on raw ext4 images made at build time with Debian's mkfs.ext4:
#  1. b1-b4 boot at once, each with root on xvda from its own image
#     (b1: key=value disk syntax, b2: 'file:' positional, b3: positional
#     with format, b4: key=value without access), write 2 MiB and its
#     sha256, power off (root remounted read-only); a create with b1's
#     image read-write is refused and leaves nothing behind; e2fsck -fn
#     finds all 4 clean; no loop device, backend directory or blkback
#     device is left.
#  2. all 4 are created again and find their data intact; b3 and b4
#     power off again, e2fsck clean; b2 gets data.img hot-plugged
#     read-only as xvdb (keel block-attach, block-list), reads the same
#     sha256 as dom0, cannot write it, and loses it again (keel
#     block-detach, its loop device freed); b1 writes with fsync in a loop
#     and is destroyed mid-I/O: the domain must be gone (not left dying:
#     blkback unmapped every grant of it), with no loop device, backend
#     directory or blkback device left, and dom0's kernel quiet.
#  b1-b4 boot the kernel's ELF /boot/vmlinux (no XZ decompression in
#  dom0 per create, 10-20 s of TCG each), bh the bzImage /boot/vmlinuz.
#     Meanwhile bh, a hostile blkfront (tests/linux/hostile-fe.c vbd),
#     sends garbage requests, floods events and revokes its grants;
#     blkback answers errors and halts its ring; it is destroyed with
#     nothing left.
# Prints "blk-test: ..." lines; exit status 0 only if every check held.
PATH=/bin
fail() {
    echo "blk-test: FAIL: $*"
    for f in /var/log/keel/console/guest-b*.log; do
        [ -f "$f" ] && tail -n 15 "$f" | sed -e "s|^|blk-test: [$(basename "$f")] |" -e 's/VERDICT:/verdict:/'
    done
    keel list 2>&1 | sed 's/^/blk-test: list: /'
    exit 1
}
say() { echo "blk-test: $*"; }
XS=keel-xenstore
wait_for() {    # TENTHS CMD...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
t0=$(cut -d. -f1 /proc/uptime)
el() { echo "$(( $(cut -d. -f1 /proc/uptime) - t0 )) s"; }
keel-dom0-up > /tmp/up.log 2>&1 || fail "keel-dom0-up: $(cat /tmp/up.log)"
for m in loop xen-blkback; do
    insmod "/lib/modules/blk/$m.ko" || fail "insmod $m.ko"
done
[ -c /dev/loop-control ] || fail "no /dev/loop-control after insmod loop"

ALL="b1 b2 b3 b4"
for i in $ALL; do cp /boot/blk/root.img "/tmp/$i.img" || fail "cannot copy root.img to /tmp/$i.img"; done
cp /boot/blk/data.img /tmp/data.img || fail "cannot copy data.img to /tmp"
DATA_SHA=$(sha256sum /tmp/data.img | cut -d' ' -f1)
mkdir -p /tmp/cfg
cfg() {    # NAME DISKLINE
    cat > "/tmp/cfg/$1.cfg" <<EOC
name = "$1"
memory = 96
kernel = "/boot/vmlinux"
ramdisk = "/boot/blk/initrd.gz"
cmdline = "console=hvc0"
disk = [ $2 ]
EOC
}
cfg b1 "'format=raw, vdev=xvda, access=rw, target=/tmp/b1.img'"
cfg b2 "'file:/tmp/b2.img,xvda,w'"
cfg b3 "'/tmp/b3.img,raw,xvda,rw'"
cfg b4 "'format=raw, vdev=xvda, target=/tmp/b4.img'"
cfg bx "'/tmp/b1.img,raw,xvda,rw'"
# bh: the hostile blkfront (tests/linux/hostile-fe.c vbd) on the plain
# initrd with an overlay, no xen-blkfront; its disk a 1 MiB image.
OVH=/tmp/ovh
rm -rf "$OVH"; mkdir -p "$OVH/bin" "$OVH/lib/modules" || fail "cannot create $OVH"
cp /bin/hostile-guest "$OVH/init" && cp /bin/hostile-fe "$OVH/bin/" &&
    cp /lib/modules/xen-evtchn.ko /lib/modules/xen-gntalloc.ko "$OVH/lib/modules/" || fail "cannot fill $OVH"
(cd "$OVH" && find . | cpio -o -H newc 2>/dev/null | gzip) > /tmp/ovh.gz &&
    cat /boot/initrd.gz /tmp/ovh.gz > /tmp/initrd-bh.gz || fail "cannot write /tmp/initrd-bh.gz"
head -c 1048576 /dev/zero > /tmp/bh.img || fail "cannot write /tmp/bh.img"
cat > /tmp/cfg/bh.cfg <<EOC
name = "bh"
memory = 96
kernel = "/boot/vmlinuz"
ramdisk = "/tmp/initrd-bh.gz"
cmdline = "console=hvc0 keel.hostile=vbd"
disk = [ '/tmp/bh.img,raw,xvda,rw' ]
EOC

loops() { n=0; for f in /sys/block/loop*/loop/backing_file; do [ -f "$f" ] && n=$((n + 1)); done; echo $n; }
vbds() { $XS list /local/domain/0/backend/vbd 2>/dev/null | grep -c .; }
bedevs() { ls /sys/bus/xen-backend/devices 2>/dev/null | grep -c '^vbd-'; }
nothing_left() {
    [ "$(loops)" = 0 ] || { echo "loop devices bound: $(cat /sys/block/loop*/loop/backing_file 2>/dev/null)"; return 1; }
    [ "$(vbds)" = 0 ] || { echo "backend dirs left: $($XS list /local/domain/0/backend/vbd 2>&1)"; return 1; }
    [ "$(bedevs)" = 0 ] || { echo "blkback devices left: $(ls /sys/bus/xen-backend/devices)"; return 1; }
    return 0
}
listed() { keel list | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
glog() { tr -d '\r' < "/var/log/keel/console/guest-$1.log" 2>/dev/null; }
has() { glog "$1" | grep -a -q -- "$2"; }

# ---- 1: first boot of b1-b4 ----
# Paused (-p) until the checks below are done: a fast guest could
# otherwise power off, and lose its devices, before they run.
for i in $ALL; do
    keel create -p "/tmp/cfg/$i.cfg" 2>/tmp/err || fail "keel create $i: $(cat /tmp/err)"
done
D1=$(keel list | awk '$1 == "b1" { print $2 }')
[ "$(loops)" = 4 ] || fail "b1-b4 should have 4 loop devices, not $(loops)"
# Each its own image: the loop device of each backend is bound to it.
for i in $ALL; do
    d=$(keel list | awk -v n=$i '$1 == n { print $2 }')
    n=$($XS read /local/domain/0/backend/vbd/$d/51712/node)
    bf=$(cat "/sys/block/${n#/dev/}/loop/backing_file" 2>/dev/null)
    [ "$bf" = "/tmp/$i.img" ] || fail "$i's disk $n is bound to '$bf', not /tmp/$i.img"
done
[ "$($XS read /local/domain/0/backend/vbd/$D1/51712/mode)" = w ] || fail "b1's backend mode is not w"
[ "$($XS read /local/domain/$D1/device/vbd/51712/virtual-device)" = 51712 ] || fail "b1's virtual-device is not 51712"
pd=$($XS read /local/domain/0/backend/vbd/$D1/51712/physical-device)
node=$($XS read /local/domain/0/backend/vbd/$D1/51712/node)
[ "$pd" = "7:$(printf %x "${node#/dev/loop}")" ] || fail "b1's physical-device '$pd' is not $node's 7:N in hex"
say "b1 (domain $D1) to b4 created, each on its own image; b1's disk: $node, physical-device $pd ($(el))"
# The same image read-write to a second guest: refused, nothing left.
keel create /tmp/cfg/bx.cfg 2>/tmp/err && fail "b1's image was given read-write to bx too"
grep -q 'in use read-write by domain' /tmp/err || fail "no clear error for the shared image: $(cat /tmp/err)"
listed bx && fail "the refused bx is listed"
[ "$(loops)" = 4 ] || fail "the refused create changed the loop devices: $(loops)"
say "bx with b1's image read-write refused: $(tail -n 1 /tmp/err)"
# Unpaused 1 s apart, as unpaused creates would be.  (With two domUs
# unpaused at once on a loaded host, dom0's 1 vCPU once got no CPU for
# 29 s: the scheduler compared the domUs with dom0's stale virtual time,
# fixed since (issue 11; docs/disks.md, "Known").)
for i in $ALL; do
    keel unpause $i || fail "keel unpause $i"
    sleep 1
done

wait_for 2400 sh -c "! keel list | grep -q '^b[1-4] '" || fail "b1-b4 did not power off ($(el))"
for i in $ALL; do
    has $i 'blk-guest: boot 1: wrote data' || fail "$i did not write its data"
    has $i 'root remounted read-only' || fail "$i did not remount its root read-only"
done
glog b1 | grep -a 'blk-guest: root on' | head -n 1 | sed 's/^/blk-test: [b1] /'
wait_for 100 nothing_left > /dev/null || fail "after b1-b4 powered off: $(nothing_left)"
for i in $ALL; do
    e2fsck -fn "/tmp/$i.img" > /tmp/fsck.out 2>&1 || fail "e2fsck -fn $i.img: $(tail -n 5 /tmp/fsck.out)"
done
# blkback's data pages come from xen_alloc_unpopulated_pages: dom0's
# first use hot-adds a "Xen scratch" range above its RAM (unpopulated-alloc).
scratch=$(grep -i 'xen scratch' /proc/iomem | head -n 1 | sed 's/^ *//')
[ -n "$scratch" ] || fail "no 'Xen scratch' range in /proc/iomem: dom0's unpopulated-alloc hot-add did not happen"
say "dom0's unpopulated-alloc hot-add: $scratch"
t1=$(cut -d. -f1 /proc/uptime)
say "first boot: b1-b4 wrote their data and powered off; e2fsck clean; nothing left ($((t1 - t0)) s)"

# ---- 2: second boot, hot-plug, destroy mid-I/O ----
# All built paused (dom0's builds are the long part under TCG, and bh's
# bzImage needs an XZ decompression: with the others already booting it
# took minutes at host load 10), then unpaused 1 s apart.
keel create -p /tmp/cfg/bh.cfg 2>/tmp/err || fail "keel create bh: $(cat /tmp/err)"
keel create -p /tmp/cfg/b1.cfg 'cmdline="console=hvc0 keel.blk=busy"' 2>/tmp/err ||
    fail "keel create b1 again: $(cat /tmp/err)"
keel create -p /tmp/cfg/b2.cfg 'cmdline="console=hvc0 keel.blk=hotplug"' 2>/tmp/err ||
    fail "keel create b2 again: $(cat /tmp/err)"
for i in b3 b4; do
    keel create -p /tmp/cfg/$i.cfg 2>/tmp/err || fail "keel create $i again: $(cat /tmp/err)"
done
say "bh created, b1-b4 created again ($(el))"
for i in bh $ALL; do
    keel unpause $i || fail "keel unpause $i"
    sleep 1
done
D1=$(keel list | awk '$1 == "b1" { print $2 }')
D2=$(keel list | awk '$1 == "b2" { print $2 }')
DH=$(keel list | awk '$1 == "bh" { print $2 }')
# b1 first: destroyed mid-I/O as soon as it writes (its fsync loop would
# otherwise take CPU from the others' boots for the whole round).
wait_for 2400 has b1 'blk-guest: busy' || fail "b1 did not boot a second time"
has b1 'blk-guest: boot 2: data intact' || fail "b1's data did not survive: $(glog b1 | grep -a 'boot 2')"
sleep 2
keel destroy b1 2>/tmp/err || fail "keel destroy b1 (mid-I/O): $(cat /tmp/err)"
gone() { ! keel list | awk '{ print $2 }' | grep -q "^$D1\$"; }
wait_for 300 gone || fail "b1 (domain $D1) still listed 30 s after destroy (dying: grants still mapped?): $(keel list)"
$XS read /local/domain/0/backend/vbd/$D1 2>/dev/null && fail "b1's backend directory is still there"
say "b1 destroyed mid-I/O: gone from the list (no page of it left mapped), its disk removed ($(el))"

wait_for 2400 has b2 'blk-guest: waiting for xvdb' || fail "b2 did not boot a second time"
has b2 'blk-guest: boot 2: data intact' || fail "b2's data did not survive: $(glog b2 | grep -a 'boot 2')"
keel block-attach b2 'file:/tmp/data.img,xvdb,r' 2>/tmp/err || fail "keel block-attach b2: $(cat /tmp/err)"
wait_for 1200 has b2 'blk-guest: xvdb sha256' || fail "b2 did not see xvdb"
has b2 "blk-guest: xvdb sha256: $DATA_SHA" || fail "b2 read xvdb wrong: $(glog b2 | grep -a 'xvdb sha')"
wait_for 300 has b2 'blk-guest: xvdb: write refused' || fail "b2 could write the read-only xvdb"
keel block-list b2 > /tmp/bl || fail "keel block-list b2"
sed 's/^/blk-test: block-list: /' /tmp/bl
head -n 1 /tmp/bl | grep -q '^Vdev  BE  handle state evt-ch ring-ref BE-path' || fail "block-list header is not xl's"
grep -q "^51728 0   $D2 *4 " /tmp/bl || fail "block-list shows no connected 51728"
keel block-detach b2 xvdb 2>/tmp/err || fail "keel block-detach b2 xvdb: $(cat /tmp/err)"
wait_for 600 has b2 'blk-guest: xvdb gone' || fail "xvdb did not go from b2"
keel block-detach b2 xvdb 2>/tmp/err && fail "a second block-detach succeeded"
grep -q 'not connected' /tmp/err || fail "no xl-style error for a missing device: $(cat /tmp/err)"
# (b3 and b4 may have powered off by now: data.img's loop device is the
# one that must be gone.)
wait_for 100 sh -c "! grep -q -x /tmp/data.img /sys/block/loop*/loop/backing_file" ||
    fail "data.img is still bound to a loop device after block-detach"
say "b2: xvdb hot-plugged read-only (sha256 as dom0's, write refused), listed, unplugged ($(el))"
# The hostile blkfront, which ran next to b1's writes and destroy, b2's
# hot-plug and the boots of b3 and b4:
# every garbage request answered with an error and its id, a valid read
# still OKAY, its ring halted by blkback; Keel fine; nothing left of it.
hdone() { has bh 'hostile-fe: exit status'; }
wait_for 1200 hdone || fail "bh did not finish its attack: $(glog bh | tail -n 5)"
glog bh | grep -a '^hostile-fe:' | sed 's/^/blk-test: [bh] /'
has bh '^hostile-fe: done' || fail "bh's attack did not run to its end"
has bh 'hostile-fe: garbage requests: 8 of 8 answered, 7 of 7 garbage ones with an error, the valid read OKAY, 8 ids echoed' ||
    fail "blkback's answers to bh's garbage are not as expected"
dmesg | grep -q 'Frontend provided bogus ring requests' || fail "blkback did not halt bh's ring"
keel dmesg > /tmp/kd 2>&1 || fail "keel dmesg: $(tail -n 2 /tmp/kd)"
grep -E 'PANIC|BUG at' /tmp/kd && fail "Keel's log shows a failure during bh's attack"
# With KEEL_WITH_STORE=0: keel still removes its disk through the store
# (before, its backend directory and loop device stayed behind).
KEEL_WITH_STORE=0 keel destroy bh 2>/tmp/err || fail "KEEL_WITH_STORE=0 keel destroy bh: $(cat /tmp/err)"
goneh() { ! keel list | awk '{ print $2 }' | grep -q "^$DH\$"; }
wait_for 300 goneh || fail "bh (domain $DH) still listed after destroy (dying: grants still mapped?): $(keel list)"
$XS read /local/domain/0/backend/vbd/$DH 2>/dev/null && fail "bh's backend directory is still there"
say "bh (hostile blkfront): garbage answered with errors, ring halted by blkback, destroyed (KEEL_WITH_STORE=0) with nothing left ($(el))"

wait_for 2400 sh -c "! keel list | grep -q '^b[234] '" || fail "b2-b4 did not power off ($(el))"
for i in b2 b3 b4; do
    has $i 'blk-guest: boot 2: data intact' || fail "$i's data did not survive: $(glog $i | grep -a 'boot 2')"
    has $i 'root remounted read-only' || fail "$i did not remount its root read-only"
done
wait_for 100 nothing_left > /dev/null || fail "at the end: $(nothing_left)"
for i in b2 b3 b4; do
    e2fsck -fn "/tmp/$i.img" > /tmp/fsck.out 2>&1 || fail "e2fsck -fn $i.img after its second boot: $(tail -n 5 /tmp/fsck.out)"
done
bad=$(dmesg | grep -m 1 -E 'BUG:|Oops|WARNING:|Call Trace|general protection|blkback.*(error|fail)')
[ -z "$bad" ] || fail "dom0's kernel: $bad"
t2=$(cut -d. -f1 /proc/uptime)
say "second boot: data intact in b1-b4, hot-plug and destroy mid-I/O clean; nothing left ($((t2 - t1)) s)"
say "all disk checks passed"
