#!/bin/sh
# /etc/xen/scripts/vif-bridge in the dom0 of bench/split-io.sh under Xen
# 4.17: libxl runs it (env XENBUS_PATH = the vif's backend directory, vif
# = the interface's name, $1 online/add or offline/remove) for a vif=
# line.  It takes the steps of Debian's /etc/xen/scripts/vif-bridge
# (xen-utils-common 4.17) with busybox instead of bash: online adds the
# interface to the bridge of the backend's bridge node and brings it up,
# then writes hotplug-status = connected; offline takes it off the
# bridge.  bench/xen-toolstack.sh installs it.
PATH=/opt/xen/bin:/bin:/sbin
LD_LIBRARY_PATH=/opt/xen/lib
export PATH LD_LIBRARY_PATH
P=${XENBUS_PATH:?XENBUS_PATH not set}
fail() { logger -t vif-bridge "$P: $*"; xenstore-write "$P/hotplug-error" "$*" "$P/hotplug-status" error; exit 1; }
# backend/vif/DOMID/DEVID: libxl's default name vifDOMID.DEVID.
d=${P#*/backend/vif/}
v=${vif:-vif${d%%/*}.${d#*/}}
case ${1:-} in
online|add)
    b=$(xenstore-read "$P/bridge" 2>/dev/null) || b=xenbr0
    brctl addif "$b" "$v" || fail "brctl addif $b $v failed"
    ifconfig "$v" up || fail "ifconfig $v up failed"
    xenstore-write "$P/hotplug-status" connected || fail "xenstore-write failed"
    ;;
offline|remove)
    b=$(xenstore-read "$P/bridge" 2>/dev/null) || b=xenbr0
    brctl delif "$b" "$v" 2>/dev/null
    ifconfig "$v" down 2>/dev/null
    ;;
esac
exit 0
