#!/bin/sh
# /opt/xen/bin/xen-dom0-up (bench/xen-toolstack.sh installs it): makes a
# busybox dom0 under Xen 4.17 the control domain with Debian's toolstack,
# as xencommons does: the Xen device modules, xenfs, devpts, C xenstored,
# xen-init-dom0 and xenconsoled --log=guest (the domUs' consoles in
# /var/log/xen/console/guest-NAME.log).  One line on stderr per step
# that fails, status 1.  Used by bench/create-dom0.sh and
# bench/split-io-dom0.sh.
PATH=/opt/xen/bin:/bin:/sbin
X=/opt/xen
export LD_LIBRARY_PATH=$X/lib
fail() { echo "xen-dom0-up: $*" >&2; exit 1; }
for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do
    insmod "/lib/modules/$m.ko" 2>/dev/null || [ -d "/sys/module/$(echo "$m" | tr - _)" ] ||
        [ -d "/sys/module/${m#xen-}" ] || fail "insmod $m.ko failed"
done
mkdir -p /proc/xen /dev/pts /var/run/xenstored /var/lib/xenstored /var/lib/xen /var/run/xen \
    /var/log/xen/console /etc/xen /run /var/lock
grep -q ' /proc/xen ' /proc/mounts || mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts || fail "cannot mount devpts"
"$X/bin/xenstored" --pid-file /var/run/xenstored.pid 2>/tmp/xsd.log || fail "xenstored: $(cat /tmp/xsd.log)"
n=0
until [ -S /var/run/xenstored/socket ]; do
    n=$((n + 1)); [ $n -lt 100 ] || fail "no xenstored socket"; sleep 0.1
done
"$X/bin/xen-init-dom0" > /tmp/init-dom0.log 2>&1 || fail "xen-init-dom0: $(cat /tmp/init-dom0.log)"
"$X/bin/xenconsoled" --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console 2>/tmp/xcd.log ||
    fail "xenconsoled: $(cat /tmp/xcd.log)"
