#!/bin/sh
# /bin/keel-net-up in the --tools initramfs: dom0's side of the domU
# network, as Xen's network scripts leave it: xen-netback (with the module
# parameters given after ADDRESS, e.g. max_queues=2), the bridge xenbr0,
# dom0's e1000 (if the machine has one: QEMU's user network, restrict=on,
# no packet leaves QEMU) as its uplink, and dom0's own address on the
# bridge; with the uplink, dom0 must reach QEMU's gateway 10.0.2.2.
# Used by linux-vif (ctl-vif.sh) and the demo (demo-dom0.sh).
#
#   keel-net-up ADDRESS [NETBACK-PARAM...]
#
# Prints "keel-net-up: ..." lines; one line on stderr and status 1 on
# failure.  Whether eth0 is a port of xenbr0 afterwards
# (/sys/class/net/xenbr0/brif/eth0) tells the caller if it has an uplink.
PATH=/bin
fail() { echo "keel-net-up: $*" >&2; exit 1; }
say() { echo "keel-net-up: $*"; }
[ $# -ge 1 ] || fail "usage: keel-net-up ADDRESS [NETBACK-PARAM...]"
ADDR=$1; shift
GW=10.0.2.2
wait_for() {    # TENTHS COMMAND...
    n=$1; shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
for m in llc stp bridge; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko failed"
done
insmod /lib/modules/xen-netback.ko "$@" || fail "insmod xen-netback.ko $* failed"
brctl addbr xenbr0 || fail "brctl addbr xenbr0 failed"
if [ -f /lib/modules/e1000.ko ] && insmod /lib/modules/e1000.ko && wait_for 100 test -e /sys/class/net/eth0; then
    ifconfig eth0 0.0.0.0 up && brctl addif xenbr0 eth0 || fail "cannot put eth0 on xenbr0"
    say "eth0 (e1000, QEMU user network) on xenbr0"
else
    GW=
    say "no e1000: xenbr0 without an uplink"
fi
ifconfig lo 127.0.0.1 up
ifconfig xenbr0 "$ADDR" netmask 255.255.255.0 up || fail "ifconfig xenbr0 $ADDR failed"
if [ -n "$GW" ]; then
    carrier() { [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]; }
    wait_for 100 carrier || say "eth0 has no carrier"
    ping -c 2 -w 30 "$GW" > /tmp/keel-net-up.ping 2>&1 ||
        fail "dom0 cannot ping $GW over xenbr0: $(tr '\n' ' ' < /tmp/keel-net-up.ping) $(brctl show) $(ip addr)"
    say "dom0 ($ADDR on xenbr0) pings the gateway $GW"
fi
