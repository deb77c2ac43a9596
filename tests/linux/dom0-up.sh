#!/bin/sh
# /bin/keel-dom0-up in the --tools initramfs: makes the Linux dom0 the
# control domain, as Xen's init scripts do (xencommons): the Xen device
# modules, xenfs, the store (keel-xenstored --dom0, daemonized) with
# dom0's name and domid, the console daemon (keel-consoled), and an
# example xl.cfg at /etc/keel/debian.cfg for `keel create`.  Used by the
# demo (init.sh runs it with keel.tools=1); one line per step that fails.
PATH=/bin
fail() { echo "keel-dom0-up: $*" >&2; exit 1; }
for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do
    insmod "/lib/modules/$m.ko" 2>/dev/null || [ -d "/sys/module/${m#xen-}" ] ||
        [ -d "/sys/module/$(echo "$m" | tr - _)" ] || fail "insmod $m.ko failed"
done
mkdir -p /proc/xen /dev/pts /var/lib/keel-xenstored /var/log/keel /run/xenstored /etc/keel
grep -q ' /proc/xen ' /proc/mounts || mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts || fail "cannot mount devpts"
keel-xenstored --dom0 -d /var/lib/keel-xenstored -p /run/keel-xenstored.pid 2>>/var/log/keel/xenstored.log ||
    fail "keel-xenstored --dom0 did not start (see /var/log/keel/xenstored.log)"
n=0
until [ -S /run/xenstored/socket ]; do
    n=$((n + 1)); [ "$n" -lt 50 ] || fail "keel-xenstored made no socket"
    sleep 0.1
done
keel-xenstore write /local/domain/0/name Domain-0 && keel-xenstore write /local/domain/0/domid 0 ||
    fail "cannot write dom0's name to the store"
keel-consoled 2>>/var/log/keel/consoled.log &
cat > /etc/keel/debian.cfg <<'EOC'
# A Debian-kernel domU with a busybox shell: keel create -c /etc/keel/debian.cfg
name = "debian"
memory = 128
vcpus = 1
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd.gz"
cmdline = "console=hvc0 keel.shell=1 keel.name=debian quiet"
EOC
echo "keel-dom0-up: store and console daemons running; try: keel create -c /etc/keel/debian.cfg"
