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

# ---- domains at run time (keel create, console, list, pause, destroy) ----
# DOMUS Linux domUs (keel.ctldomus=N on dom0's command line, default 2)
# from xl.cfg files written here, each booting /boot/vmlinuz with the
# plain test initrd and a small workload; every one must print
# "VERDICT: PASS" on its console and power off.  The first is created
# paused and kept after its poweroff (on_poweroff = "preserve") until
# `keel destroy`; the others are destroyed by keel's monitor.
DOMUS=$(sed -n 's/.*keel\.ctldomus=\([0-9]*\).*/\1/p' /proc/cmdline)
DOMUS=${DOMUS:-2}
SMALL="keel.forks=50 keel.mmaps=50 keel.pipes=200 keel.memprocs=1 keel.memmib=8"
mkdir -p /tmp/cfg
mkcfg() {    # NAME MIB [EXTRA LINE]
    cat > "/tmp/cfg/$1.cfg" <<EOC
name = "$1"
memory = $2
vcpus = 1
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd.gz"
cmdline = "console=hvc0 $SMALL"
${3:-}
EOC
}
free_pages() { keel info | sed -n 's/^free_pages *: *//p'; }
domains() { keel list | tail -n +2 | wc -l; }
# cpu_time of domain $1 from list --json (seconds, one decimal).
cpu_time() {
    keel list --json | awk -v n="\"$1\"," '$1 == "\"name\":" && $2 == n { f = 1 }
        f && $1 == "\"cpu_time\":" { print $2; exit }'
}
state_of() { keel list | awk -v n="$1" '$1 == n { print $5 }'; }
# A refused create: non-zero status, one clear line (besides xl's
# "Parsing config from"), nothing left behind.
refused() {    # WHAT WORD-IN-MESSAGE ARGS...
    what=$1; word=$2; shift 2
    nb=$(domains); fb=$(free_pages)
    keel create "$@" 2>/tmp/err && fail "keel create accepted $what"
    grep -v '^Parsing config from' /tmp/err > /tmp/err1
    [ "$(wc -l < /tmp/err1)" -eq 1 ] || fail "$what: not one line: $(cat /tmp/err)"
    grep -q "$word" /tmp/err1 || fail "$what: message lacks '$word': $(cat /tmp/err1)"
    [ "$(domains)" -eq "$nb" ] || fail "$what: a domain was left behind: $(keel list)"
    [ "$(free_pages)" -eq "$fb" ] || fail "$what: free_pages $(free_pages), was $fb"
    say "refused $what: $(cat /tmp/err1)"
}

free0=$(free_pages)
ndom0=$(domains)
say "start: $ndom0 domain(s), free_pages $free0, $DOMUS domUs to create"

printf 'name = "bad"\nmemory = = 3\n' > /tmp/cfg/malformed.cfg
refused "a malformed cfg" "malformed.cfg:2" /tmp/cfg/malformed.cfg
mkcfg notkernel 128 'kernel = "/boot/initrd.gz"'
refused "a kernel that is not a kernel" "not a Xen PV kernel" /tmp/cfg/notkernel.cfg
mkcfg huge 128
refused "too much memory" "memory" /tmp/cfg/huge.cfg memory=4000
refused "a missing kernel file" "kernel" /tmp/cfg/huge.cfg 'kernel="/boot/nonesuch"' 
keel console nosuch 2>/tmp/err && fail "keel console accepted an unknown domain"
grep -q "not a domain name or id" /tmp/err || fail "keel console nosuch: $(cat /tmp/err)"

# d1: created paused, kept after its poweroff, destroyed by hand.
i=1
while [ "$i" -le "$DOMUS" ]; do
    mib=128
    [ "$i" -eq 2 ] && mib=160
    extra=""
    [ "$i" -eq 1 ] && extra='on_poweroff = "preserve"'
    mkcfg "d$i" "$mib" "$extra"
    i=$((i + 1))
done
keel create -p /tmp/cfg/d1.cfg 2>/tmp/err || fail "keel create -p d1: $(cat /tmp/err)"
state_of d1 | grep -q '^..p' || fail "d1 is not paused after create -p: $(keel list)"
keel console --timeout 300 d1 > /tmp/d1.out 2>&1 &
pids=$!
refused "a duplicate name" "already in use" /tmp/cfg/d1.cfg memory=64
keel unpause d1 || fail "keel unpause d1"
i=2
while [ "$i" -le "$DOMUS" ]; do
    keel create "/tmp/cfg/d$i.cfg" 2>/tmp/err || fail "keel create d$i: $(cat /tmp/err)"
    keel console --timeout 300 "d$i" > "/tmp/d$i.out" 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
keel list | sed 's/^/ctl-test: list: /'
keel list --json > /tmp/list.json || fail "keel list --json"
i=1
while [ "$i" -le "$DOMUS" ]; do
    grep -q "\"name\": \"d$i\"" /tmp/list.json || fail "keel list --json does not name d$i"
    keel list | grep -q "^d$i " || fail "keel list does not name d$i"
    i=$((i + 1))
done

# Pause d2 while it boots: its cpu_time stands still, then moves again.
if [ "$DOMUS" -ge 2 ]; then
    keel pause d2 || fail "keel pause d2"
    state_of d2 | grep -q '^..p' || fail "d2 not shown paused: $(keel list)"
    t1=$(cpu_time d2); sleep 2; t2=$(cpu_time d2)
    [ -n "$t1" ] && [ "$t1" = "$t2" ] || fail "d2's cpu_time moved while paused ($t1 -> $t2)"
    keel unpause d2 || fail "keel unpause d2"
    n=0
    while [ "$(cpu_time d2)" = "$t2" ]; do
        n=$((n + 1)); [ "$n" -lt 40 ] || fail "d2's cpu_time stuck at $t2 after unpause"
        sleep 0.5
    done
    say "pause: d2 cpu_time stayed at $t2 s while paused, then moved to $(cpu_time d2) s"
fi

# Every console ends when its domain shuts down.
for p in $pids; do wait "$p" || fail "a keel console exited with status $? (timeout?)"; done
i=1
while [ "$i" -le "$DOMUS" ]; do
    # (A domU's "VERDICT:" is shown as "verdict:": the harness ends the
    # run at the first VERDICT line of dom0's console.)
    sed -e "s/^/ctl-test: [d$i] /" -e 's/VERDICT:/verdict:/' "/tmp/d$i.out" |
        grep -a -E 'verdict|workload: total|linux-guest: memory'
    grep -a -q '^VERDICT: PASS' "/tmp/d$i.out" || {
        tail -n 30 "/tmp/d$i.out" | sed -e "s/^/ctl-test: [d$i] /" -e 's/VERDICT:/verdict:/'
        fail "d$i gave no VERDICT: PASS on its console"; }
    i=$((i + 1))
done
# d1 is preserved (shut down, listed); the others go by themselves.
state_of d1 | grep -q '^...s' || fail "d1 (on_poweroff preserve) is not listed shut down: $(keel list)"
keel destroy d1 || fail "keel destroy d1"
n=0
while [ "$(domains)" -ne "$ndom0" ]; do
    n=$((n + 1)); [ "$n" -lt 60 ] || fail "domains left after their poweroff: $(keel list)"
    sleep 0.5
done
keel destroy d1 2>/tmp/err && fail "keel destroy of a gone domain succeeded"
# The hypervisor's small-object heap keeps the pages it sliced for the
# first domains (as Xen's xmalloc pool; tests/guests/builder.c's warm-up
# round): at most 16 pages.  Every later build must return every frame.
f=$(free_pages)
[ "$f" -le "$free0" ] && [ $((free0 - f)) -le 16 ] ||
    fail "free_pages $f after every domU is gone, was $free0 (more than 16 pages kept)"
say "all domUs gone, free_pages $f (start $free0: $((free0 - f)) heap pages kept)"
i=1
while [ "$i" -le "$DOMUS" ]; do
    keel create -p "/tmp/cfg/d$i.cfg" 2>/tmp/err || fail "keel create -p d$i again: $(cat /tmp/err)"
    i=$((i + 1))
done
[ "$(free_pages)" -lt "$f" ] || fail "free_pages did not drop with $DOMUS domains built"
i=1
while [ "$i" -le "$DOMUS" ]; do
    keel destroy "d$i" || fail "keel destroy d$i (paused)"
    i=$((i + 1))
done
n=0
while [ "$(domains)" -ne "$ndom0" ]; do
    n=$((n + 1)); [ "$n" -lt 20 ] || fail "paused domains left after destroy: $(keel list)"
    sleep 0.5
done
[ "$(free_pages)" -eq "$f" ] || fail "free_pages $(free_pages) after a second round, was $f"
say "second round ($DOMUS built paused, destroyed): free_pages back to exactly $f"
cat /run/keel/monitor.log 2>/dev/null | sed 's/^/ctl-test: monitor: /'
ctl-store-domu || fail "a domU on the store (ctl-store-domu, tests/linux/ctl-store-domu.sh)"

say "all checks passed"
