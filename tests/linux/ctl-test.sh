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

# keel dmesg: the hypervisor's message history (XEN_SYSCTL_readconsole).
keel dmesg > /tmp/dmesg || fail "keel dmesg exited with status $?"
say "dmesg: $(wc -l < /tmp/dmesg) lines, first: $(head -n 1 /tmp/dmesg)"
grep -q '^(KEEL) ' /tmp/dmesg || fail "keel dmesg shows no (KEEL) line"
grep -q 'dom0' /tmp/dmesg || fail "keel dmesg does not mention dom0's build"

# keel vcpu-list: xl's header, dom0's vCPU 0 running on a CPU.
keel vcpu-list > /tmp/vcpus || fail "keel vcpu-list exited with status $?"
sed 's/^/ctl-test: vcpu-list: /' /tmp/vcpus
head -n 1 /tmp/vcpus | grep -q '^Name  *ID  VCPU   CPU State   Time(s) Affinity' ||
    fail "keel vcpu-list header is not xl's"
grep -q '^Domain-0  *0  *0  *[0-9]  *r' /tmp/vcpus || fail "keel vcpu-list does not show dom0's vCPU 0 running"

# keel sched-credit2: read, set dom0's weight, read it back; refusals.
keel sched-credit2 -d 0 -w 512 || fail "keel sched-credit2 -d 0 -w 512 exited with status $?"
keel sched-credit2 -d Domain-0 > /tmp/sched || fail "keel sched-credit2 -d Domain-0 exited with status $?"
sed 's/^/ctl-test: sched-credit2: /' /tmp/sched
grep -q '^Domain-0  *0  *512  *0$' /tmp/sched || fail "dom0's weight did not become 512"
keel sched-credit2 -d 0 -w 256 || fail "cannot set dom0's weight back to 256"
keel sched-credit2 -d 0 -w 0 2>/tmp/err && fail "keel sched-credit2 accepted weight 0"
grep -q 'weight must be' /tmp/err || fail "no clear error for weight 0: $(cat /tmp/err)"
keel sched-credit2 -d 0 -c 500 2>/tmp/err && fail "keel sched-credit2 accepted cap 500 for 1 vCPU"
keel sched-credit2 -d 4321 2>/tmp/err && fail "keel sched-credit2 accepted a domain that does not exist"
grep -q 'no such domain' /tmp/err || fail "no clear error for a missing domain: $(cat /tmp/err)"

# keel mem-max: dom0's limit through XEN_DOMCTL_max_mem (+1 MiB as libxl).
keel mem-max 0 1g || fail "keel mem-max 0 1g exited with status $?"
keel list --json > /tmp/list.json || fail "keel list --json exited with status $?"
grep -q '"max_mem_kb": 1049600' /tmp/list.json || fail "dom0's max_mem is not 1 GiB + 1 MiB: $(grep max_mem /tmp/list.json)"
keel mem-max 0 12q 2>/tmp/err && fail "keel mem-max accepted 12q"
grep -q 'invalid memory size' /tmp/err || fail "no clear error for 12q: $(cat /tmp/err)"

# keel top --batch: two tables one second apart; dom0 (running this) shows
# a CPU percentage, its memory and its vCPU.
keel top -b -d 1 -i 2 > /tmp/top || fail "keel top -b exited with status $?"
sed 's/^/ctl-test: top: /' /tmp/top
[ "$(grep -c '^ *NAME  *STATE  *CPU(sec)  *CPU(%)  *MEM(k)' /tmp/top)" = 2 ] || fail "keel top -b -i 2 did not print 2 tables"
grep -q '^  Domain-0  *-----r  *[0-9][0-9]*  *[0-9][0-9]*\.[0-9]  *786432 ' /tmp/top ||
    fail "keel top shows no running Domain-0 with a CPU % and 768 MiB"
keel top -b -d 0 2>/tmp/err && fail "keel top accepted -d 0"

say "all checks passed"
