#!/bin/sh
# /init of bench/create.sh's dom0 initramfs (busybox sh, PID 1), the same
# under Keel and under Xen 4.17.  keel.bench=keel: keel-xenstored,
# keel-consoled and `keel create`; keel.bench=xen: Debian's xenstored,
# xen-init-dom0, xenconsoled --log=guest and `xl create` (from /opt/xen).
# Then, each timed by /bin/create-watch (bench/create_watch.c):
#   cold     one domU (s1), the first create after boot
#   warm     one domU (s2), the second one
#   multi    keel.bench_n domUs (default 16, m1..mN) created back to back
# every one waited out (its init powers off; the toolstack destroys it)
# before the next phase.  Prints "create-bench: PHASE ..." lines and one
# VERDICT line, then powers off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run /var/lib /var/log /var/run /var/lock
mount -t devpts devpts /dev/pts
say() { echo "create-bench: $*"; }
fail() { say "FAIL: $*"; echo "VERDICT: FAIL ($*)"; poweroff -f; sleep 3600; }

MODE=$(sed -n 's/.*keel\.bench=\([a-z]*\).*/\1/p' /proc/cmdline)
N=$(sed -n 's/.*keel\.bench_n=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-16}
MIB=$(sed -n 's/.*keel\.bench_mib=\([0-9]*\).*/\1/p' /proc/cmdline)
MIB=${MIB:-128}
MARKER=KEEL-BENCH-INIT
for m in xen-privcmd xen-evtchn xen-gntdev xenfs; do
    insmod "/lib/modules/$m.ko" || fail "insmod $m.ko"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"

case $MODE in
keel)
    LOGDIR=/var/log/keel/console
    mkdir -p /var/lib/keel-xenstored "$LOGDIR"
    keel-xenstored --dom0 -d /var/lib/keel-xenstored -p /run/keel-xenstored.pid 2>/tmp/xsd.log ||
        fail "keel-xenstored: $(cat /tmp/xsd.log)"
    n=0; until [ -S /run/xenstored/socket ]; do n=$((n + 1)); [ $n -lt 100 ] || fail "no store socket"; sleep 0.1; done
    keel-xenstore write /local/domain/0/name Domain-0 /local/domain/0/domid 0 || fail "cannot name dom0"
    keel-consoled 2>/tmp/consoled.log &
    n=0; until [ -s /run/keel/consoled.pid ]; do n=$((n + 1)); [ $n -lt 100 ] || fail "keel-consoled did not start"; sleep 0.1; done
    CREATE="keel create"
    export KEEL_CREATE_TIMES=1      # keel create's own breakdown, on stderr
    count() { keel list | tail -n +2 | wc -l; }
    ;;
xen)
    X=/opt/xen
    export LD_LIBRARY_PATH=$X/lib
    LOGDIR=/var/log/xen/console
    "$X/bin/xen-dom0-up" 2>/tmp/up.log || fail "$(cat /tmp/up.log)"
    CREATE="$X/bin/xl create"
    count() { "$X/bin/xl" list | tail -n +2 | wc -l; }
    ;;
*) fail "keel.bench=keel or keel.bench=xen on the command line, not '$MODE'" ;;
esac
# keel.bench_debug=1: what dom0 is doing, every 15 s.
if grep -q 'keel\.bench_debug=1' /proc/cmdline; then
    (while sleep 15; do
        ps | grep -v ' \[' | sed 's/^/create-bench: debug: ps: /'
        count > /dev/null 2>&1; ls -l "$LOGDIR" /tmp/created 2>&1 | sed 's/^/create-bench: debug: /'
        sed 's/^/create-bench: debug: err: /' /tmp/create.err 2>/dev/null
    done) &
fi
say "mode $MODE, $N domUs of $MIB MiB, toolstack up; $(cat /proc/loadavg)"

mkdir -p /tmp/cfg /tmp/created
mkcfg() {   # NAME
    cat > "/tmp/cfg/$1.cfg" <<EOC
name = "$1"
memory = $MIB
vcpus = 1
kernel = "/boot/vmlinuz"
ramdisk = "/boot/bench-domu.gz"
cmdline = "console=hvc0"
EOC
}
ndom0=$(count)
gone() {
    n=0
    while [ "$(count)" -ne "$ndom0" ]; do
        n=$((n + 1)); [ $n -lt 600 ] || fail "$(count) domains listed, $ndom0 expected, 5 minutes after the poweroffs"
        sleep 0.5
    done
}
# phase PREFIX N NAME
phase() {
    i=1; cmd=""
    while [ "$i" -le "$2" ]; do
        mkcfg "$1$i"
        cmd="$cmd $CREATE /tmp/cfg/$1$i.cfg 2>>/tmp/create.err >/dev/null && touch /tmp/created/$1$i &&"
        i=$((i + 1))
    done
    create-watch "$LOGDIR" "$1" "$2" "$MARKER" 900 "$cmd true" > /tmp/watch.out
    rc=$?
    sed "s/^/create-bench: $3: /" /tmp/watch.out
    line=$(grep '^watch: all' /tmp/watch.out)
    if [ "$rc" -ne 0 ] && [ "$MODE" = xen ]; then
        # Diagnosis only (not timed): the first failed create again, verbose.
        failed=$(grep -o 'Parsing config from [^ ]*' /tmp/create.err | tail -n 1 | sed 's/.* //')
        [ -n "$failed" ] && "$X/bin/xl" -vvv create "$failed" 2>&1 | grep -i 'xz\|lzma\|decompress\|alloc\|error\|too large' |
            head -n 20 | sed 's/^/create-bench: xl -vvv: /'
    fi
    [ "$rc" -eq 0 ] || { sed 's/^/create-bench: create: /' /tmp/create.err; free | sed 's/^/create-bench: free: /'; tail -n 5 "$LOGDIR/guest-${1}1.log"; fail "$3: some time not seen"; }
    grep 'times' /tmp/create.err | sed "s/^/create-bench: $3: /"
    : > /tmp/create.err
    say "RESULT $MODE $3 n=$2 ${line#watch: all * }"
    gone
}
phase s 1 cold
phase w 1 warm
phase m "$N" multi
say "done; $(cat /proc/loadavg)"
echo "VERDICT: PASS"
poweroff -f
sleep 3600
