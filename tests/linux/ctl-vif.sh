#!/bin/sh
# linux-vif (tests/linux/run-all.sh): dom0's network backends for domUs,
# as /bin/ctl-vif in the --tools initramfs (init.sh runs it with
# keel.ctltest=vif).  dom0 brings up its control plane (keel-dom0-up),
# loads xen-netback and the bridge, puts its e1000 (QEMU's user network,
# restrict=on: no packet leaves QEMU) on the bridge xenbr0 and its own
# address on the bridge, then creates 2 domUs with `keel create` and a
# vif= line each.  The domUs (tests/linux/vif-guest.sh) ping dom0, the
# gateway and each other and fetch each other's and dom0's file over
# TCP; dom0 fetches each domU's file; every sha256 must match.  Then a
# vif is hot-plugged into one domU and removed (keel network-attach,
# network-list, network-detach), the other is destroyed in the middle of
# a transfer and the first shuts itself down (keel shutdown, keel's
# monitor destroys it): no vif, store directory or domain may be left
# behind.
# Prints "ctl-vif: ..." lines; exit status 0 only if every check held.
PATH=/bin
fail() {
    echo "ctl-vif: FAIL: $*"
    for d in $(keel-xenstore list /local/domain/0/backend/vif 2>/dev/null); do
        for h in $(keel-xenstore list /local/domain/0/backend/vif/$d); do
            echo "ctl-vif: backend vif/$d/$h state $(keel-xenstore read /local/domain/0/backend/vif/$d/$h/state)" \
                "hotplug-status $(keel-xenstore read /local/domain/0/backend/vif/$d/$h/hotplug-status)" \
                "frontend state $(keel-xenstore read /local/domain/$d/device/vif/$h/state)"
        done
    done
    dmesg | grep -i -E 'vif|netback|xen|grant' | tail -n 30 | sed 's/^/ctl-vif: dmesg: /'
    for g in v1 v2 vh; do
        [ -s "/var/log/keel/console/guest-$g.log" ] &&
            tail -n 25 "/var/log/keel/console/guest-$g.log" | sed -e "s/^/ctl-vif: [$g] /" -e 's/VERDICT:/verdict:/'
    done
    exit 1
}
say() { echo "ctl-vif: $*"; }
XS=keel-xenstore
wait_for() {    # TENTHS COMMAND...
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
t0=$(cut -d. -f1 /proc/uptime)
el() { echo "$(( $(cut -d. -f1 /proc/uptime) - t0 )) s"; }

keel-dom0-up || fail "keel-dom0-up"
# Up to 2 queues per vif (netback's default: one per dom0 vCPU, here 1),
# so that v2's netfront (keel.queues=2) runs 2, each with its own pair
# of event channels (feature-split-event-channels).  keel-net-up
# (net-up.sh): netback, the bridge xenbr0 with dom0's e1000 on it and
# dom0's address; it pings the gateway through the e1000.
DOM0=10.0.2.15
keel-net-up "$DOM0" max_queues=2 > /tmp/netup 2>&1 || fail "$(cat /tmp/netup)"
sed 's/^/ctl-vif: /' /tmp/netup
GW=
[ -e /sys/class/net/xenbr0/brif/eth0 ] && GW=10.0.2.2

# dom0's file, served on port 5000 as the guests serve theirs.
head -c 1048576 /dev/urandom > /tmp/dom0file
D0SUM=$(sha256sum < /tmp/dom0file | cut -d' ' -f1)
printf '#!/bin/sh\nexec cat /tmp/dom0file\n' > /bin/serve-dom0 && chmod 755 /bin/serve-dom0
nc -ll -p 5000 -e /bin/serve-dom0 &

# The domUs' initrd: the plain one plus xen-netfront and vif-guest.sh as /init.
OV=/tmp/ov
rm -rf "$OV"; mkdir -p "$OV/bin" "$OV/lib/modules" || fail "cannot create $OV"
cp /bin/vif-guest "$OV/init" && cp /lib/modules/xen-netfront.ko "$OV/lib/modules/" || fail "cannot fill $OV"
# control/shutdown (keel shutdown): the kernel runs /sbin/poweroff.
mkdir -p "$OV/sbin" && printf '#!/bin/sh\nexec /bin/poweroff -f\n' > "$OV/sbin/poweroff" || fail "cannot write $OV/sbin/poweroff"
chmod 755 "$OV/init" "$OV/sbin/poweroff"
(cd "$OV" && find . | cpio -o -H newc 2>/dev/null | gzip) > /tmp/ov.gz || fail "cannot pack the overlay"
cat /boot/initrd.gz /tmp/ov.gz > /tmp/initrd-vif.gz || fail "cannot write /tmp/initrd-vif.gz"
# The hostile domU vh: no netfront; hostile-fe plays its frontend.
HV=/tmp/ovh
rm -rf "$HV"; mkdir -p "$HV/bin" "$HV/lib/modules" || fail "cannot create $HV"
cp /bin/hostile-guest "$HV/init" && cp /bin/hostile-fe "$HV/bin/" &&
    cp /lib/modules/xen-evtchn.ko /lib/modules/xen-gntalloc.ko "$HV/lib/modules/" || fail "cannot fill $HV"
(cd "$HV" && find . | cpio -o -H newc 2>/dev/null | gzip) > /tmp/ovh.gz || fail "cannot pack the hostile overlay"
cat /boot/initrd.gz /tmp/ovh.gz > /tmp/initrd-vh.gz || fail "cannot write /tmp/initrd-vh.gz"

mkdir -p /tmp/cfg
# v1 and v2 boot the kernel's ELF /boot/vmlinux (no XZ decompression in
# dom0 per create: 10-20 s of TCG each), vh the bzImage /boot/vmlinuz.
mkcfg() {    # NAME IP PEER MAC IP1 [QUEUES]
    cat > "/tmp/cfg/$1.cfg" <<EOC
name = "$1"
memory = 128
vcpus = 1
kernel = "/boot/vmlinux"
ramdisk = "/tmp/initrd-vif.gz"
cmdline = "console=hvc0 keel.ip=$2 keel.peer=$3 keel.dom0=$DOM0 keel.gw=$GW keel.ip1=$5${6:+ keel.queues=$6}"
vif = [ 'bridge=xenbr0, mac=$4' ]
EOC
}
mkcfg v1 10.0.2.21 10.0.2.22 00:16:3e:00:00:21 10.0.2.31
mkcfg v2 10.0.2.22 10.0.2.21 00:16:3e:00:00:22 10.0.2.32 2
cat > /tmp/cfg/vh.cfg <<EOC
name = "vh"
memory = 96
vcpus = 1
kernel = "/boot/vmlinuz"
ramdisk = "/tmp/initrd-vh.gz"
cmdline = "console=hvc0"
vif = [ 'bridge=xenbr0, mac=00:16:3e:00:00:23' ]
EOC

# All three built paused (dom0 unpacks each kernel: the longer part
# under TCG), then all run: vh attacks netback while v1 and v2 talk.
for g in v1 v2 vh; do
    keel create -p "/tmp/cfg/$g.cfg" 2>/tmp/err || fail "keel create $g: $(cat /tmp/err)"
    d=$(keel list | awk -v n=$g '$1 == n { print $2 }')
    eval "D_$g=$d"
    B=/local/domain/0/backend/vif/$d/0
    [ "$($XS read $B/hotplug-status)" = connected ] || fail "$g: $B/hotplug-status is not connected"
    [ -n "$($XS read $B/script)" ] || fail "$g: $B/script is empty"
    [ "$($XS read $B/mac)" = "$($XS read /local/domain/$d/device/vif/0/mac)" ] || fail "$g: backend and frontend macs differ"
    [ "$(basename "$(readlink /sys/class/net/vif$d.0/brport/bridge)")" = xenbr0 ] ||
        fail "$g: vif$d.0 is not a port of xenbr0: $(brctl show)"
    [ "$(cat /sys/class/net/vif$d.0/mtu)" = "$(cat /sys/class/net/xenbr0/mtu)" ] || fail "$g: vif$d.0's mtu is not the bridge's"
    [ "$(cat /proc/sys/net/ipv6/conf/vif$d.0/autoconf)" = 0 ] || fail "$g: IPv6 autoconf is on on vif$d.0"
    say "$g is domain $d: vif$d.0 on xenbr0, hotplug-status connected ($(el))"
done
# The configuration kept for restarts names the vif as resolved.
grep -q "^vif = \[ 'bridge=xenbr0, mac=00:16:3e:00:00:21, devid=0' \]\$" /run/keel/configs/v1.cfg ||
    fail "keel's saved configuration of v1 lacks its resolved vif: $(tail -n 3 /run/keel/configs/v1.cfg)"
keel network-list v1 v2 > /tmp/nl || fail "keel network-list exited with status $?"
sed 's/^/ctl-vif: network-list: /' /tmp/nl
head -n 1 /tmp/nl | grep -q '^Idx BE Mac Addr.  *handle state evt-ch   tx-/rx-ring-ref BE-path' || fail "network-list header is not xl's"
grep -q "^0   0  00:16:3e:00:00:21 *0 *2 " /tmp/nl || fail "network-list does not show v1's vif in state 2"
keel network-list nosuch 2>/tmp/err >/dev/null && fail "keel network-list of a missing domain succeeded"
[ "$(cat /tmp/err)" = "keel network-list: nosuch: no such domain" ] || fail "network-list nosuch: $(cat /tmp/err)"
keel unpause v1 && keel unpause v2 && keel unpause vh || fail "keel unpause"

for g in v1 v2; do
    log=/var/log/keel/console/guest-$g.log
    done_() { grep -a -q 'vif-guest: done' "$log"; }
    wait_for 2400 done_ || fail "$g did not finish ($(el))"
    tr -d '\r' < "$log" | grep -a '^vif-guest:' > "/tmp/$g.res"
    sed "s/^/ctl-vif: [$g] /" "/tmp/$g.res"
done
say "both guests ran their checks ($(el))"
sum_of() { sed -n 's/^vif-guest: mine sha256 //p' "/tmp/$1.res"; }
check_guest() {    # NAME PEER PEER-IP
    r=/tmp/$1.res
    grep -q '^vif-guest: eth0 up ' "$r" || fail "$1: eth0 did not come up (xen-netfront)"
    grep -q "^vif-guest: ping dom0 $DOM0 ok" "$r" || fail "$1 cannot ping dom0"
    [ -z "$GW" ] || grep -q "^vif-guest: ping gw $GW ok" "$r" || fail "$1 cannot ping QEMU's gateway through dom0's e1000"
    grep -q "^vif-guest: ping peer $3 ok" "$r" || fail "$1 cannot ping $2"
    grep -q "^vif-guest: fetched dom0 $DOM0 1048576 bytes sha256 $D0SUM\$" "$r" || fail "$1 did not get dom0's file intact"
    grep -q "^vif-guest: fetched peer $3 1048576 bytes sha256 $(sum_of "$2")\$" "$r" || fail "$1 did not get $2's file intact"
}
check_guest v1 v2 10.0.2.22
check_guest v2 v1 10.0.2.21

# The hostile frontend (tests/linux/hostile-fe.c): netback answered its
# wrong grant references with errors and disabled its vif only; v1 and v2
# talked meanwhile (above) and still do (dom0's fetches below); Keel is
# fine; after its destroy no vif, directory or grant mapping is left.
hdone() { grep -a -q 'hostile-fe: exit status' /var/log/keel/console/guest-vh.log; }
wait_for 1200 hdone || fail "vh did not finish its attack ($(el)): $(tail -n 5 /var/log/keel/console/guest-vh.log)"
tr -d '\r' < /var/log/keel/console/guest-vh.log | grep -a '^hostile-fe:' > /tmp/vh.res
sed "s/^/ctl-vif: [vh] /" /tmp/vh.res
grep -q '^hostile-fe: done$' /tmp/vh.res || fail "vh's attack did not run to its end"
grep -q "^hostile-fe: wrong grant references: 16 of 16 tx requests answered, 16 with NETIF_RSP_ERROR" /tmp/vh.res ||
    fail "netback did not answer vh's bad tx requests with errors"
dmesg | grep -q "vif$D_vh.0: fatal error; disabling device" ||
    fail "netback did not disable vif$D_vh.0: $(dmesg | grep "vif$D_vh" | tail -n 5)"
say "dom0: $(dmesg | grep "vif$D_vh.0" | grep -i -E 'impossible|fatal' | sed 's/^\[[ 0-9.]*\] //' | tr '\n' ';')"
[ "$(cat /sys/class/net/vif$D_vh.0/carrier 2>/dev/null)" = 1 ] && fail "vif$D_vh.0 still has carrier after netback's fatal error"
keel dmesg > /tmp/kd 2>&1 || fail "keel dmesg: $(tail -n 2 /tmp/kd)"
grep -E 'PANIC|BUG at' /tmp/kd && fail "Keel's log shows a failure during vh's attack"
keel destroy vh || fail "keel destroy vh"
wait_for 100 sh -c "! test -e /sys/class/net/vif$D_vh.0" || fail "vif$D_vh.0 still there after destroy"
$XS read /local/domain/0/backend/vif/$D_vh/0/state 2>/dev/null && fail "vh's backend directory outlived it"
goneh() { ! keel list | awk '{ print $2 }' | grep -q "^$D_vh\$"; }
wait_for 200 goneh || fail "domain $D_vh (vh) still listed (dying: a grant mapping left?): $(keel list)"
say "vh (hostile netfront) disabled by netback, destroyed: no vif, no backend directory, no dying domain ($(el))"
for g in v1 v2; do
    ip=10.0.2.21; [ "$g" = v2 ] && ip=10.0.2.22
    nc -w 20 "$ip" 5000 < /dev/null > "/tmp/from-$g" || fail "dom0 cannot fetch $g's file"
    [ "$(sha256sum < "/tmp/from-$g" | cut -d' ' -f1)" = "$(sum_of $g)" ] || fail "dom0 got $g's file damaged ($(wc -c < "/tmp/from-$g") bytes)"
done
say "pings dom0<->domU, domU<->domU${GW:+, domU->QEMU gateway}; 1 MiB files intact domU->domU both ways, dom0->domU, domU->dom0"
keel network-list v1 | grep -q "^0   0  00:16:3e:00:00:21 *0 *4 " || fail "network-list does not show v1's vif connected: $(keel network-list v1)"
# Event channels: a tx and an rx one per queue; v2 runs 2 queues.
[ "$($XS read /local/domain/$D_v2/device/vif/0/multi-queue-num-queues)" = 2 ] || fail "v2's netfront did not ask for 2 queues"
for q in "$D_v1.0-q0" "$D_v2.0-q0" "$D_v2.0-q1"; do
    for k in tx rx; do
        grep -q "vif$q-$k\$" /proc/interrupts || fail "no event channel vif$q-$k in /proc/interrupts: $(grep vif /proc/interrupts)"
    done
done
say "event channels: $(grep -c ' vif[0-9]' /proc/interrupts) (split tx/rx; v2 with 2 queues)"

# Hot-plug: a second vif for v1, then its removal.
keel network-attach v1 bridge=nosuchbr 2>/tmp/err && fail "network-attach to a missing bridge succeeded"
[ "$(wc -l < /tmp/err)" -eq 1 ] && grep -q 'nosuchbr does not exist' /tmp/err || fail "missing bridge: $(cat /tmp/err)"
$XS list /local/domain/0/backend/vif/$D_v1 | grep -q '^1$' && fail "a refused attach left a backend directory"
keel network-attach v1 bridge=xenbr0 mac=00:16:3e:00:01:21 || fail "keel network-attach v1 exited with status $?"
[ -e /sys/class/net/vif$D_v1.1 ] || fail "no vif$D_v1.1 after network-attach"
eth1() { grep -a -q 'vif-guest: eth1 up' /var/log/keel/console/guest-v1.log; }
wait_for 600 eth1 || fail "v1 saw no eth1 after network-attach"
ping -c 2 -w 30 10.0.2.31 > /dev/null || fail "dom0 cannot ping v1's eth1 (10.0.2.31)"
[ "$(keel network-list v1 | tail -n +2 | wc -l)" = 2 ] || fail "network-list v1 does not show 2 vifs: $(keel network-list v1)"
keel network-list v1 | grep -q "^1   0  00:16:3e:00:01:21 *1 *4 " || fail "network-list: vif 1 not connected: $(keel network-list v1)"
say "network-attach v1: vif$D_v1.1 on xenbr0, v1's eth1 answers ping ($(el))"
keel network-detach v1 7 2>/tmp/err && fail "network-detach of a missing devid succeeded"
keel network-detach v1 00:16:3e:00:01:21 2>/tmp/err || fail "keel network-detach v1 by mac exited with status $?: $(cat /tmp/err)"
[ -s /tmp/err ] && say "network-detach said: $(cat /tmp/err)"
wait_for 300 sh -c "! test -e /sys/class/net/vif$D_v1.1" || fail "vif$D_v1.1 still there after network-detach"
$XS read /local/domain/0/backend/vif/$D_v1/1/state 2>/dev/null && fail "vif 1's backend directory outlived network-detach"
$XS read /local/domain/$D_v1/device/vif/1/state 2>/dev/null && fail "vif 1's frontend directory outlived network-detach"
gone1() { grep -a -q 'vif-guest: eth1 gone' /var/log/keel/console/guest-v1.log; }
wait_for 300 gone1 || fail "v1 still has eth1 after network-detach"
ping -c 1 -w 10 10.0.2.21 > /dev/null || fail "v1's eth0 stopped answering after the detach of eth1"
say "network-detach v1 (by mac): vif$D_v1.1 and its directories gone, eth1 gone in v1, eth0 still answers"

# A bridge keel creates (KEEL_BRIDGE_CREATE=1), vifname and mtu.
KEEL_BRIDGE_CREATE=1 keel network-attach v1 bridge=xenbr1 vifname=v1web mtu=1400 ||
    fail "network-attach with KEEL_BRIDGE_CREATE=1 exited with status $?"
[ -d /sys/class/net/xenbr1/bridge ] || fail "keel did not create the bridge xenbr1"
[ "$(basename "$(readlink /sys/class/net/v1web/brport/bridge)")" = xenbr1 ] || fail "v1web is not a port of xenbr1: $(brctl show)"
[ "$(cat /sys/class/net/v1web/mtu)" = 1400 ] || fail "v1web's mtu is $(cat /sys/class/net/v1web/mtu), not 1400"
[ "$($XS read /local/domain/0/backend/vif/$D_v1/1/vifname)" = v1web ] || fail "no vifname in the backend directory"
con1() { [ "$($XS read /local/domain/0/backend/vif/$D_v1/1/state)" = 4 ]; }
wait_for 600 con1 || fail "v1web did not connect (backend state $($XS read /local/domain/0/backend/vif/$D_v1/1/state))"
keel network-detach v1 1 2>/tmp/err || fail "keel network-detach v1 1 exited with status $?: $(cat /tmp/err)"
[ -s /tmp/err ] && say "network-detach said: $(cat /tmp/err)"
wait_for 300 sh -c "! test -e /sys/class/net/v1web" || fail "v1web still there after network-detach"
say "KEEL_BRIDGE_CREATE=1: keel made xenbr1; vifname v1web with mtu 1400 on it, detached by devid"
ip link set xenbr1 down && brctl delbr xenbr1 || fail "cannot remove xenbr1"

# A create whose bridge does not exist: refused, nothing left behind.
ndom=$(keel list | tail -n +2 | wc -l)
# (The first vif is set up before the second fails: it must go too.)
keel create -p /tmp/cfg/v1.cfg 'name="v3"' "vif=['bridge=xenbr0', 'bridge=nobr']" 2>/tmp/err &&
    fail "keel create with a missing bridge succeeded"
grep -v '^Parsing config' /tmp/err > /tmp/err1
[ "$(wc -l < /tmp/err1)" -eq 1 ] && grep -q 'vif 2 (devid 1): bridge: nobr does not exist' /tmp/err1 || fail "missing bridge at create: $(cat /tmp/err)"
# (It is destroyed at once; the store and console daemons unmap its
# rings on VIRQ_DOM_EXC, after which it goes.)
wait_for 200 sh -c "[ \$(keel list | tail -n +2 | wc -l) -eq $ndom ]" || fail "a refused create left a domain: $(keel list)"
[ "$(ls /sys/class/net | grep -c '^vif')" = 2 ] || fail "a refused create left a vif: $(ls /sys/class/net)"
[ "$($XS list /local/domain/0/backend/vif | wc -l)" = 2 ] || fail "a refused create left a backend directory: $($XS list /local/domain/0/backend/vif)"
say "refused: $(cat /tmp/err1)"

# v2 destroyed in the middle of a transfer to dom0, with KEEL_WITH_STORE=0:
# keel still takes its vif away through the store (only the store tells
# netback; before, the vif and its backend directory stayed behind).
nc 10.0.2.22 5001 < /dev/null > /tmp/zero &
NC=$!
sleep 3
a=$(wc -c < /tmp/zero); sleep 2; b=$(wc -c < /tmp/zero)
[ "$b" -gt "$a" ] || fail "no transfer from v2 in progress ($a -> $b bytes)"
KEEL_WITH_STORE=0 keel destroy v2 || fail "KEEL_WITH_STORE=0 keel destroy v2"
say "v2 destroyed (KEEL_WITH_STORE=0) while sending ($b bytes received)"
wait_for 100 sh -c "! test -e /sys/class/net/vif$D_v2.0" || fail "vif$D_v2.0 still there after destroy"
$XS read /local/domain/0/backend/vif/$D_v2/0/state 2>/dev/null && fail "v2's backend directory outlived it"
# A grant mapping netback still held would keep the dying domain listed.
gone2() { ! keel list | awk '{ print $2 }' | grep -q "^$D_v2\$"; }
wait_for 200 gone2 || fail "domain $D_v2 still listed (dying: a grant mapping left?): $(keel list)"
kill "$NC" 2>/dev/null
# v1 powers itself off (keel shutdown): keel's monitor destroys it
# (on_poweroff's default) and removes its vif.
keel shutdown -w v1 2>/tmp/err || fail "keel shutdown -w v1: $(cat /tmp/err)"
gone() { ! ls /sys/class/net | grep -q '^vif'; }
wait_for 300 gone || fail "vifs left in dom0: $(ls /sys/class/net)"
# (The monitor removes v1's devices before it destroys v1: libxl's
# removal waits up to 10 s for the backend's Closed.)
nobe() { [ -z "$($XS list /local/domain/0/backend/vif 2>/dev/null)" ]; }
wait_for 300 nobe || fail "backend directories left: $($XS list /local/domain/0/backend/vif)"
wait_for 300 sh -c "[ \$(keel list | tail -n +2 | wc -l) -eq 1 ]" || fail "domains left: $(keel list)"
say "v2 destroyed, v1 shut down and destroyed by the monitor: no vif, no backend directory, no dying domain ($(el))"
dmesg | grep -i -E 'netback|netfront|vif' | grep -i -E 'error|fatal|fail' | sed 's/^/ctl-vif: dmesg: /'
say "all checks passed ($(el))"
