#!/bin/sh
# /etc/xen/scripts/block in the dom0 of bench/split-io.sh under Xen 4.17:
# libxl runs it (env XENBUS_PATH = the vbd's backend directory, $1 add or
# remove) for a disk= line.  It takes the steps of Debian's
# /etc/xen/scripts/block (xen-utils-common 4.17) for a raw image file,
# with busybox instead of bash: add puts the file named by params on a
# free loop device, writes its path to node, its major:minor (hex) to
# physical-device, which is what xen-blkback waits for, and
# hotplug-status = connected; remove detaches node's loop device.  The
# real script's sharing checks and locking are left out (one disk, one
# domU).  bench/xen-toolstack.sh installs it.
PATH=/opt/xen/bin:/bin:/sbin
LD_LIBRARY_PATH=/opt/xen/lib
export PATH LD_LIBRARY_PATH
P=${XENBUS_PATH:?XENBUS_PATH not set}
fail() { logger -t block "$P: $*"; xenstore-write "$P/hotplug-error" "$*" "$P/hotplug-status" error; exit 1; }
case ${1:-} in
add)
    [ "$(xenstore-read "$P/physical-device" 2>/dev/null)" ] && exit 0
    f=$(xenstore-read "$P/params") || fail "no params"
    [ -f "$f" ] || fail "$f is not a file"
    l=$(losetup -f) && losetup "$l" "$f" || fail "losetup of $f failed"
    xenstore-write "$P/node" "$l" "$P/physical-device" "$(stat -L -c '%t:%T' "$l")" \
        "$P/physical-device-path" "$l" "$P/hotplug-status" connected || fail "xenstore-write failed"
    ;;
remove)
    l=$(xenstore-read "$P/node" 2>/dev/null) && losetup -d "$l"
    ;;
esac
exit 0
