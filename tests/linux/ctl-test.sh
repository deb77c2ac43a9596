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
# The console daemon (xenconsoled's role): every domU's console ring from
# here on is its; keel console attaches to the pty it publishes.
mkdir -p /dev/pts /var/log/keel
mount -t devpts devpts /dev/pts || fail "cannot mount devpts"
start_consoled() {
    keel-consoled 2>>/tmp/consoled.log &
    n=0
    until [ -s /run/keel/consoled.pid ]; do
        n=$((n + 1)); [ "$n" -lt 50 ] || fail "keel-consoled did not start: $(cat /tmp/consoled.log)"
        sleep 0.1
    done
}
start_consoled
for d in privcmd evtchn gntdev; do
    [ -c "/dev/xen/$d" ] || fail "no /dev/xen/$d after loading the modules"
done

# keel info: physinfo through privcmd's hypercall ioctl.
keel info > /tmp/info || fail "keel info exited with status $?"
sed 's/^/ctl-test: info: /' /tmp/info
free=$(sed -n 's/^free_pages *: *//p' /tmp/info)
[ -n "$free" ] && [ "$free" -gt 0 ] 2>/dev/null || fail "keel info shows no free_pages"
grep -q '^virt_caps *: pv gnttab-v1 gnttab-v2$' /tmp/info || fail "keel info does not report pv and grant tables v1 and v2"

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

# ---- domains at run time (keel create, console, list, pause, destroy) ----
# DOMUS Linux domUs (keel.ctldomus=N on dom0's command line, default 4)
# from xl.cfg files written here, each booting /boot/vmlinuz with the
# plain test initrd and a small workload; every one must print
# "VERDICT: PASS" on its console and power off.  d1 is created paused
# and kept after its poweroff (on_poweroff = "preserve") until `keel
# destroy`; d2 is paused and unpaused while it boots; d3 is restarted
# by keel's monitor (on_poweroff = "restart") and then destroyed by hand;
# the others are destroyed by the monitor (xl's default on_poweroff).
DOMUS=$(sed -n 's/.*keel\.ctldomus=\([0-9]*\).*/\1/p' /proc/cmdline)
DOMUS=${DOMUS:-4}
SMALL="keel.forks=20 keel.mmaps=20 keel.pipes=200 keel.memprocs=1 keel.memmib=8 keel.sleeps=0"
mkdir -p /tmp/cfg
mkcfg() {    # NAME MIB [EXTRA LINE] [EXTRA KERNEL ARGUMENTS]
    cat > "/tmp/cfg/$1.cfg" <<EOC
name = "$1"
memory = $2
vcpus = 1
kernel = "/boot/vmlinuz"
ramdisk = "/boot/initrd.gz"
cmdline = "console=hvc0 $SMALL${4:+ $4}"
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
grep -q "^keel console: nosuch: no such domain$" /tmp/err || fail "keel console nosuch: $(cat /tmp/err)"

# d1: created paused, kept after its poweroff, destroyed by hand.
i=1
while [ "$i" -le "$DOMUS" ]; do
    mib=128
    [ "$i" -eq 2 ] && mib=160
    extra=""
    [ "$i" -eq 1 ] && extra='on_poweroff = "preserve"'
    [ "$i" -eq 3 ] && extra='on_poweroff = "restart"'
    [ "$i" -eq 2 ] && extra='cpus = "1"'     # xl.cfg: pinned to CPU 1 at create
    # d2 stays up 20 s after its verdict: its pause and affinity checks
    # below need it alive, and on a loaded host it finished its small
    # workload and powered off before dom0 got through them.
    args=""
    [ "$i" -eq 2 ] && args="keel.linger=20"
    mkcfg "d$i" "$mib" "$extra" "$args"
    i=$((i + 1))
done
# All are built paused first (a build takes dom0 a while under TCG: the
# kernel's XZ), so that all are listed together; each console is
# attached before its domain runs.
pids=""
i=1
while [ "$i" -le "$DOMUS" ]; do
    s=$(date +%s)
    if [ "$i" -ge 3 ] && [ "$i" -eq "$DOMUS" ]; then
        # The last one with xl's `create -c`: the console attached by create.
        keel create -p -c "/tmp/cfg/d$i.cfg" > "/tmp/d$i.out" 2> "/tmp/d$i.err" &
        pids="$pids $!"
        n=0
        until state_of "d$i" | grep -q '^..p'; do
            n=$((n + 1)); [ "$n" -lt 120 ] || fail "keel create -p -c d$i: $(cat "/tmp/d$i.err")"
            sleep 0.5
        done
        say "d$i built in $(( $(date +%s) - s )) s (create -c)"
    else
        keel create -p "/tmp/cfg/d$i.cfg" 2>/tmp/err || fail "keel create -p d$i: $(cat /tmp/err)"
        say "d$i built in $(( $(date +%s) - s )) s"
        state_of "d$i" | grep -q '^..p' || fail "d$i is not paused after create -p: $(keel list)"
        keel console --timeout 300 "d$i" > "/tmp/d$i.out" 2>&1 &
        pids="$pids $!"
    fi
    [ "$i" -eq 1 ] && refused "a duplicate name" "already in use" /tmp/cfg/d1.cfg memory=64
    i=$((i + 1))
done
keel list | sed 's/^/ctl-test: list: /'
id3=$(keel list | awk '$1 == "d3" { print $2 }')
keel list --json > /tmp/list.json || fail "keel list --json"
i=1
while [ "$i" -le "$DOMUS" ]; do
    grep -q "\"name\": \"d$i\"" /tmp/list.json || fail "keel list --json does not name d$i"
    keel list | grep -q "^d$i " || fail "keel list does not name d$i"
    i=$((i + 1))
done

# d2's cpus = "1" (hard affinity, set while paused) as keel vcpu-list
# shows it; keel vcpu-pin's refusals against the hypervisor.
vcpu_field() { keel vcpu-list d2 | awk -v f="$1" '$1 == "d2" && $3 == 0 { print $f }'; }
if [ "$DOMUS" -ge 2 ]; then
    keel vcpu-list d2 > /tmp/vcpus || fail "keel vcpu-list d2 exited with status $?"
    sed 's/^/ctl-test: vcpu-list: /' /tmp/vcpus
    awk '$1 == "d2" && $3 == 0 { f = 1; if ($(NF - 2) != "1" || $(NF - 1) != "/" || $NF != "all") exit 1 }
         END { exit !f }' /tmp/vcpus || fail "d2's vCPU 0 is not shown with affinity 1 / all (cpus = \"1\")"
    keel vcpu-pin d2 0 2 2>/tmp/err && fail "keel vcpu-pin accepted CPU 2 on a 2-CPU host"
    grep -q "^keel vcpu-pin: '2': no such CPU (the host has 2)$" /tmp/err || fail "keel vcpu-pin d2 0 2: $(cat /tmp/err)"
    keel vcpu-pin d2 1 0 2>/tmp/err && fail "keel vcpu-pin accepted vCPU 1 of a 1-vCPU domain"
    grep -q "^keel vcpu-pin: domain [0-9]* has no vCPU 1 (it has 1)$" /tmp/err || fail "keel vcpu-pin d2 1 0: $(cat /tmp/err)"
    [ "$(vcpu_field 9)" = all ] && [ "$(vcpu_field 7)" = 1 ] || fail "a refused vcpu-pin changed d2: $(keel vcpu-list d2)"
fi

# d2 runs a little, is paused (its cpu_time stands still), runs again.
if [ "$DOMUS" -ge 2 ]; then
    keel unpause d2 || fail "keel unpause d2"
    sleep 2
    keel pause d2 || fail "keel pause d2"
    state_of d2 | grep -q '^..p' || fail "d2 not shown paused: $(keel list)"
    t1=$(cpu_time d2); sleep 2; t2=$(cpu_time d2)
    [ -n "$t1" ] && [ "$t1" = "$t2" ] || fail "d2's cpu_time moved while paused ($t1 -> $t2)"
    [ "$t1" != "0.0" ] || fail "d2 did not run before its pause (cpu_time $t1)"
    keel unpause d2 || fail "keel unpause d2 (again)"
    n=0
    while [ "$(cpu_time d2)" = "$t2" ]; do
        n=$((n + 1)); [ "$n" -lt 40 ] || fail "d2's cpu_time stuck at $t2 after unpause"
        sleep 0.5
    done
    say "pause: d2 cpu_time stayed at $t2 s while paused, then moved to $(cpu_time d2) s"
    # Pinned to CPU 1 while it boots next to dom0 and the others: shown on
    # CPU 1 every time, never migrated (keel vstats).
    seen=""; k=0
    while [ "$k" -lt 10 ]; do
        seen="$seen$(vcpu_field 4)"; sleep 0.3; k=$((k + 1))
    done
    mig=$(keel vstats d2 0 | awk '$1 == "migrations" { print $2 }')
    [ "$seen" = 1111111111 ] || fail "d2 pinned to CPU 1 was shown on CPUs $seen"
    [ "$mig" = 0 ] || fail "d2 pinned to CPU 1 was migrated ${mig:-?} times"
    # Moved to CPU 0 at run time: shown there at once.
    keel vcpu-pin d2 all 0 || fail "keel vcpu-pin d2 all 0 exited with status $?"
    [ "$(vcpu_field 7)" = 0 ] || fail "keel vcpu-list does not show d2's new affinity: $(keel vcpu-list d2)"
    k=0
    while [ "$(vcpu_field 4)" != 0 ]; do
        k=$((k + 1)); [ "$k" -lt 20 ] || fail "d2 pinned to CPU 0 still shown on CPU $(vcpu_field 4)"
        sleep 0.2
    done
    keel vcpu-pin d2 0 all || fail "keel vcpu-pin d2 0 all exited with status $?"
    say "affinity: d2 (cpus = \"1\") on CPU 1 in 10 samples, 0 migrations; pinned to CPU 0 at run time, then all"
fi
i=1
while [ "$i" -le "$DOMUS" ]; do
    [ "$i" -eq 2 ] || keel unpause "d$i" || fail "keel unpause d$i"
    i=$((i + 1))
done

# Every console ends when its domain shuts down.
for p in $pids; do wait "$p" || fail "a keel console exited with status $? (timeout?)"; done
i=1
while [ "$i" -le "$DOMUS" ]; do
    # (A domU's "VERDICT:" is shown as "verdict:": the harness ends the
    # run at the first VERDICT line of dom0's console.)
    sed -e "s/^/ctl-test: [d$i] /" -e 's/VERDICT:/verdict:/' "/tmp/d$i.out" |
        grep -a -E 'verdict|workload:|linux-guest: memory'
    grep -a -q '^VERDICT: PASS' "/tmp/d$i.out" || {
        tail -n 30 "/tmp/d$i.out" | sed -e "s/^/ctl-test: [d$i] /" -e 's/VERDICT:/verdict:/'
        fail "d$i gave no VERDICT: PASS on its console"; }
    i=$((i + 1))
done
# d1 is preserved (shut down, listed); the others go by themselves.
state_of d1 | grep -q '^...s' || fail "d1 (on_poweroff preserve) is not listed shut down: $(keel list)"
keel destroy d1 || fail "keel destroy d1"
if [ "$DOMUS" -ge 3 ]; then
    # d3 restarted: listed again under its name, with a new domid, running.
    n=0
    while ! keel list | awk '$1 == "d3" && $2 != "'"$id3"'" { ok = 1 } END { exit !ok }'; do
        n=$((n + 1)); [ "$n" -lt 60 ] || fail "d3 (on_poweroff restart) was not restarted: $(keel list)"
        sleep 0.5
    done
    say "d3 restarted by the monitor: $(keel list | grep '^d3 ')"
    keel destroy d3 || fail "keel destroy d3 (restarted)"
fi
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
AGAIN=2
[ "$DOMUS" -lt 2 ] && AGAIN=$DOMUS    # (keel.ctldomus=1: only d1.cfg exists)
i=1
while [ "$i" -le "$AGAIN" ]; do
    keel create -p "/tmp/cfg/d$i.cfg" 2>/tmp/err || fail "keel create -p d$i again: $(cat /tmp/err)"
    i=$((i + 1))
done
[ "$(free_pages)" -lt "$f" ] || fail "free_pages did not drop with $AGAIN domains built"
i=1
while [ "$i" -le "$AGAIN" ]; do
    keel destroy "d$i" || fail "keel destroy d$i (paused)"
    i=$((i + 1))
done
n=0
while [ "$(domains)" -ne "$ndom0" ]; do
    n=$((n + 1)); [ "$n" -lt 20 ] || fail "paused domains left after destroy: $(keel list)"
    sleep 0.5
done
[ "$(free_pages)" -eq "$f" ] || fail "free_pages $(free_pages) after a second round, was $f"
say "second round ($AGAIN built paused, destroyed): free_pages back to exactly $f"
cat /run/keel/monitor.log 2>/dev/null | sed 's/^/ctl-test: monitor: /'
# The store daemon holds VIRQ_DOM_EXC: the monitor watched @releaseDomain
# (as xl), and never fell back to polling.
grep -q 'watching @releaseDomain' /run/keel/monitor.log || fail "the monitor did not watch @releaseDomain"
! grep -q 'polling every 500 ms' /run/keel/monitor.log || fail "the monitor polled instead of watching @releaseDomain"
ctl-store-domu || fail "a domU on the store (ctl-store-domu, tests/linux/ctl-store-domu.sh)"

say "all checks passed"
