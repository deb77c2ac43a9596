#!/bin/sh
# dom0's control-plane scenario (tests/linux/run-all.sh linux-ctl): runs in
# the Linux dom0 (busybox sh) when init.sh sees keel.ctltest=1, as
# /bin/ctl-test.  Loads the Xen device modules a toolstack needs
# (TOOLSTACK-ABI.md 1.1), mounts xenfs, then drives the hypervisor with
# `keel`.  Prints "ctl-test: ..." lines; exit status 0 only if every check
# held.
PATH=/bin
fail() { echo "ctl-test: FAIL: $*"; exit 1; }
say() { echo "ctl-test: $*"; }

for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs on /proc/xen"
ctl-store || fail "dom0's store (ctl-store, tests/linux/ctl-store.sh)"
for d in privcmd evtchn gntdev; do
    [ -c "/dev/xen/$d" ] || fail "no /dev/xen/$d after loading the modules"
done

# keel info: physinfo through privcmd's hypercall ioctl.
keel info > /tmp/info || fail "keel info exited with status $?"
sed 's/^/ctl-test: info: /' /tmp/info
free=$(sed -n 's/^free_pages *: *//p' /tmp/info)
[ -n "$free" ] && [ "$free" -gt 0 ] 2>/dev/null || fail "keel info shows no free_pages"
grep -q '^virt_caps *: pv' /tmp/info || fail "keel info does not report pv"

# keel list: getdomaininfolist; dom0 is listed, running (it runs this).
keel list > /tmp/list || fail "keel list exited with status $?"
sed 's/^/ctl-test: list: /' /tmp/list
head -n 1 /tmp/list | grep -q '^Name  *ID   Mem VCPUs' || fail "keel list header is not xl's"
grep -q '^Domain-0  *0  *[0-9][0-9]*  *1  *r' /tmp/list || fail "keel list does not show Domain-0 running"
keel list --json > /tmp/list.json || fail "keel list --json exited with status $?"
grep -q '"domid": 0' /tmp/list.json || fail "keel list --json has no domid 0"
keel nosuchverb 2>/tmp/err && fail "keel accepted an unknown verb"
grep -q "unknown verb" /tmp/err || fail "no clear error for an unknown verb: $(cat /tmp/err)"

say "all checks passed"
