#!/bin/sh
# A run-time Linux domU on the store (issue 14; TOOLSTACK-ABI.md 6 step 2),
# as /bin/ctl-store-domu in the --tools initramfs; ctl-test.sh runs it
# after its own domain checks, with keel-xenstored --dom0 still running
# from ctl-store.  keel create sees the daemon, gives the guest its store
# page and port and writes its paths before unpausing it (keel_store).
# The guest boots the plain test initrd plus a small overlay (built here)
# whose /init reads the guest's own name and domid through its kernel's
# /dev/xen/xenbus, writes data/hello, then runs the usual /init; its
# /sbin/poweroff lets the kernel's shutdown watch power it off.  Checks:
# @introduceDomain, the paths and permissions, the guest's xenbus up
# (its kernel writes control/feature-poweroff) within 30 s of create and
# no "Waiting for devices", the guest's reads and write, control/shutdown
# = poweroff powering it off (shut down, cleared by the guest, and
# @releaseDomain), keel destroy removing its paths and releasing it; then
# a second domain destroyed without XS_RELEASE, dropped by the daemon on
# VIRQ_DOM_EXC.
# Prints "ctl-store: ..." lines; exit status 0 only if every check held.
PATH=/bin
fail() { echo "ctl-store: FAIL: $*"; [ -s /tmp/s1.out ] && tail -n 40 /tmp/s1.out |
    sed -e 's/^/ctl-store: [s1] /' -e 's/VERDICT:/verdict:/'; exit 1; }
say() { echo "ctl-store: $*"; }
XS=keel-xenstore
wait_for() {
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

$XS read /local/domain/0/name > /dev/null || fail "keel-xenstored is not running"

# The overlay: /init reads the store, then hands over to the usual one.
OV=/tmp/ov
rm -rf "$OV"; mkdir -p "$OV/bin" "$OV/sbin" || fail "cannot create $OV"
cp /init "$OV/bin/init-plain" && cp /bin/keel-xenstore "$OV/bin/" || fail "cannot fill $OV"
cat > "$OV/init" <<'EOI'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
export XENSTORED_PATH=/dev/xen/xenbus
echo "linux-guest: store: name=$(keel-xenstore read name 2>&1) domid=$(keel-xenstore read domid 2>&1)"
keel-xenstore write data/hello from-guest || echo "linux-guest: store: cannot write data/hello"
keel-xenstore write name evil 2>&1 | sed 's/^/linux-guest: store: /'
dmesg | grep -i -E 'xenbus|xen:manage|Waiting for devices' | sed 's/^/linux-guest: dmesg: /'
unset XENSTORED_PATH
umount /dev; umount /proc
exec /bin/init-plain
EOI
printf '#!/bin/sh\nexec /bin/poweroff -f\n' > "$OV/sbin/poweroff"
printf '#!/bin/sh\nexec /bin/reboot -f\n' > "$OV/sbin/reboot"
chmod 755 "$OV/init" "$OV/sbin/poweroff" "$OV/sbin/reboot"
(cd "$OV" && find . | cpio -o -H newc 2>/dev/null | gzip) > /tmp/ov.gz || fail "cannot pack the overlay"
cat /boot/initrd.gz /tmp/ov.gz > /tmp/initrd-store.gz || fail "cannot write /tmp/initrd-store.gz"

mkdir -p /tmp/cfg
cat > /tmp/cfg/s1.cfg <<EOC
name = "s1"
memory = 128
vcpus = 2
kernel = "/boot/vmlinuz"
ramdisk = "/tmp/initrd-store.gz"
cmdline = "console=hvc0 keel.linger=600 keel.forks=10 keel.mmaps=10 keel.pipes=10 keel.memprocs=1 keel.memmib=4"
on_poweroff = "preserve"
EOC

rm -f /tmp/intro /tmp/rel
$XS watch -n 2 @introduceDomain > /tmp/intro 2>&1 &
WI=$!
first() { [ -s "$1" ]; }
wait_for 50 first /tmp/intro || fail "no first @introduceDomain event"
t0=$(cut -d. -f1 /proc/uptime)
keel create /tmp/cfg/s1.cfg 2>/tmp/err || fail "keel create s1: $(cat /tmp/err)"
D=$(keel list | awk '$1 == "s1" { print $2 }')
[ -n "$D" ] || fail "s1 is not listed: $(keel list)"
keel console --timeout 300 s1 > /tmp/s1.out 2>&1 &
CONS=$!
wait_for 50 sh -c "! kill -0 $WI 2>/dev/null" || fail "no @introduceDomain after keel create"
say "s1 is domain $D; @introduceDomain fired"

P=/local/domain/$D
[ "$($XS read $P/name)" = s1 ] || fail "$P/name is not s1"
[ "$($XS read $P/domid)" = "$D" ] || fail "$P/domid is not $D"
[ "$($XS read $P/memory/target)" = 131072 ] || fail "$P/memory/target is not 131072"
[ -n "$($XS read $P/store/ring-ref)" ] || fail "no $P/store/ring-ref"

# The guest's kernel: xenbus up, its shutdown watcher writes feature-*.
up() { [ "$($XS read $P/control/feature-poweroff 2>/dev/null)" = 1 ]; }
wait_for 600 up || fail "the guest never wrote control/feature-poweroff (its xenbus did not come up)"
t1=$(cut -d. -f1 /proc/uptime)
say "s1's xenbus is up: its kernel wrote control/feature-poweroff = 1, $((t1 - t0)) s after create"

hello() { [ "$($XS read $P/data/hello 2>/dev/null)" = from-guest ]; }
wait_for 300 hello || fail "the guest did not write data/hello"
verdict() { grep -a -q '^VERDICT: PASS' /tmp/s1.out; }
wait_for 1200 verdict || fail "s1 gave no VERDICT: PASS"
tr -d '\r' < /tmp/s1.out > /tmp/s1.txt
grep -a -q "^linux-guest: store: name=s1 domid=$D\$" /tmp/s1.txt || fail "the guest did not read its own name and domid"
grep -a -q '^linux-guest: store: .*write name: Permission denied' /tmp/s1.txt || fail "the guest could write its name"
grep -a -i -E 'Waiting for devices|Timeout connecting|xenbus.*(timeout|timed out|error)' /tmp/s1.txt &&
    fail "the guest's kernel complained about xenbus"
# No stall: a 30 s wait shows as a gap of that size between the guest
# kernel's log lines before /init (TCG on a loaded machine: gaps of
# about 10 s happen, so 25 s is the bound).
gap=$(awk -F'[][]' '/^\[/ { t = $2 + 0; if (n++ && t - p > m) m = t - p; p = t }
    /Run \/init/ { exit } END { print int(m) }' /tmp/s1.txt)
[ "$gap" -lt 25 ] || fail "the guest's kernel log has a $gap s gap before /init (a stall)"
sed -e 's/^/ctl-store: [s1] /' -e 's/VERDICT:/verdict:/' /tmp/s1.txt | grep -a -E 'store:|dmesg:|verdict|Run /init'
say "s1's boot: longest gap between kernel log lines before /init $gap s"
say "s1 read its name and domid over its own ring, wrote data/hello, cannot write its name"

# control/shutdown = poweroff: the guest's watch powers it off (it would
# otherwise stay up 600 s); on_poweroff = preserve keeps it listed.
# keel-consoled (started by ctl-test) logged s1's console.
LOG=/var/log/keel/console/guest-s1.log
grep -a -q '^VERDICT: PASS' "$LOG" || fail "$LOG has no VERDICT: PASS: $(tail -n 5 "$LOG")"
[ -c "$($XS read $P/console/tty)" ] || fail "$P/console/tty is not a terminal: '$($XS read $P/console/tty)'"
say "keel-consoled logged s1's console in $LOG ($(wc -c < "$LOG") bytes) and serves it on $($XS read $P/console/tty)"
# Killed and restarted, it takes the rings again: kernel messages that
# s1 prints later (vcpu-set below) reach a new keel console.
old=$(cat /run/keel/consoled.pid)
kill -9 "$old"
wait $CONS
rm -f /run/keel/consoled.pid
keel-consoled 2>>/tmp/consoled.log &
wait_for 50 test -s /run/keel/consoled.pid || fail "keel-consoled did not restart"
keel console --timeout 60 s1 > /tmp/s1.again 2>&1 &
CONS=$!
say "keel-consoled killed (-9) and restarted"

# The store killed with SIGKILL and started again while s1 runs (issue 14:
# "a store restart while guests run").  The new daemon finds s1 in its
# state (introduced, its ring's gfn and port), maps the ring again, binds
# a new port to the guest's (which went back to unbound when the old
# daemon's end closed) and gives the guest's kernel its watches back; so
# mem-set (the balloon's memory/target watch) and shutdown -w (the
# control/shutdown watch) below reach the guest.  Without that its
# xenbus stops answering.
XSD=$(cat /run/keel-xenstored.pid)
$XS write $P/data/before-restart 1 || fail "cannot write before the store restart"
kill -9 "$XSD"
dead() { ! grep -q '^State:.*[RSD] ' "/proc/$XSD/status" 2>/dev/null; }
wait_for 50 dead || fail "keel-xenstored (pid $XSD) survived SIGKILL"
rm -f /run/xenstored/socket /run/keel-xenstored.pid
keel-xenstored --dom0 -F -d /var/lib/keel-xenstored -p /run/keel-xenstored.pid 2>>/tmp/xsd.log &
wait_for 50 test -S /run/xenstored/socket || fail "keel-xenstored did not restart: $(tail -n 5 /tmp/xsd.log)"
sed 's/^/ctl-store: daemon: /' /tmp/xsd.log | tail -n 4
[ "$($XS read $P/data/before-restart)" = 1 ] || fail "a write before the restart was lost"
reconnected() { grep -q "domain $D: reconnected" /tmp/xsd.log; }
wait_for 50 reconnected || fail "the restarted store did not reconnect s1: $(tail -n 5 /tmp/xsd.log)"
say "keel-xenstored killed (-9) and restarted while s1 runs: $(grep "domain $D: reconnected" /tmp/xsd.log | sed 's/^keel-xenstored: //')"

# keel mem-set: memory/target, which s1's balloon driver follows.
mem() { keel list | awk '$1 == "s1" { print $3 }'; }
keel mem-set s1 96 || fail "keel mem-set s1 96"
[ "$($XS read $P/memory/target)" = 98304 ] || fail "memory/target is not 98304 after mem-set"
small() { [ "$(mem)" -le 100 ]; }
wait_for 600 small || fail "s1's balloon did not give memory back: $(mem) MiB after mem-set 96"
say "keel mem-set s1 96: the guest ballooned down to $(mem) MiB"
keel mem-set s1 1000 2>/tmp/err && fail "keel mem-set above maxmem was accepted"
grep -q 'above the domain' /tmp/err || fail "no clear error for mem-set above maxmem: $(cat /tmp/err)"
keel mem-set s1 128 || fail "keel mem-set s1 128"
big() { [ "$(mem)" -ge 124 ]; }
wait_for 600 big || fail "s1's balloon did not take memory back: $(mem) MiB after mem-set 128"
say "keel mem-set s1 128: the guest ballooned up to $(mem) MiB"

# keel vcpu-set: cpu/N/availability, which s1's kernel follows (VCPUOP_down/up).
v1() { keel vcpu-list s1 | awk '$3 == 1 { print $4 }'; }
keel vcpu-set s1 1 || fail "keel vcpu-set s1 1"
off() { [ "$(v1)" = "-" ]; }
wait_for 600 off || fail "s1's vCPU 1 did not go offline: $(keel vcpu-list s1)"
keel vcpu-set s1 2 || fail "keel vcpu-set s1 2"
on() { [ "$(v1)" != "-" ] && [ -n "$(v1)" ]; }
wait_for 600 on || fail "s1's vCPU 1 did not come back: $(keel vcpu-list s1)"
keel vcpu-set s1 3 2>/tmp/err && fail "keel vcpu-set above maxvcpus was accepted"
say "keel vcpu-set s1 1 then 2: vCPU 1 went offline and came back"
# The guest's kernel said so on its console, served by the restarted daemon.
timer() { grep -a -q 'Xen timer for CPU 1' /tmp/s1.again; }
wait_for 300 timer ||
    fail "no console output after keel-consoled restarted: $(tail -n 5 /tmp/s1.again) $(tail -n 5 /tmp/consoled.log)"
kill "$CONS" 2>/dev/null; wait "$CONS" 2>/dev/null
say "after the restart s1's console shows: $(grep -a -m 1 'Xen timer for CPU 1' /tmp/s1.again | tr -d '\r')"

keel console --timeout 300 s1 > /tmp/s1.end 2>&1 &
CONS=$!
$XS watch -n 2 @releaseDomain > /tmp/rel 2>&1 &
WR=$!
wait_for 50 first /tmp/rel || fail "no first @releaseDomain event"
keel shutdown -w s1 2>/tmp/err || fail "keel shutdown -w s1: $(cat /tmp/err)"
grep -q 'has been shut down' /tmp/err || fail "keel shutdown -w did not report the shutdown: $(cat /tmp/err)"
down() { keel list | awk -v d="$D" '$2 == d { print $5 }' | grep -q '^...s'; }
wait_for 300 down || fail "s1 did not shut down after keel shutdown (control/shutdown = poweroff): $(keel list)"
wait_for 50 sh -c "! kill -0 $WR 2>/dev/null" || fail "no @releaseDomain after s1 shut down"
wait $CONS
[ -z "$($XS read $P/control/shutdown)" ] || fail "the guest did not clear control/shutdown"
say "keel shutdown -w s1 (control/shutdown = poweroff): s1 shut down, cleared the key, @releaseDomain fired"

keel destroy s1 || fail "keel destroy s1"
$XS read $P/name 2>/dev/null && fail "$P is still there after keel destroy"
$XS read /libxl/$D/type 2>/dev/null && fail "/libxl/$D is still there after keel destroy"
gone() { ! keel list | awk '{ print $1 }' | grep -q '^s1$'; }
wait_for 100 gone || fail "s1 still listed after keel destroy: $(keel list)"
say "keel destroy s1: its paths removed, released, gone"
# Destroyed behind the store's back (no XS_RELEASE): VIRQ_DOM_EXC makes
# the daemon drop the dying domain (unmapping its ring, so it can go)
# and delete the nodes it owns, as Xen's check_domains.
keel create -p /tmp/cfg/s1.cfg 'name="s2"' 2>/tmp/err || fail "keel create -p s2: $(cat /tmp/err)"
D2=$(keel list | awk '$1 == "s2" { print $2 }')
[ -n "$D2" ] || fail "s2 is not listed: $(keel list)"
$XS write /local/domain/$D2/data/x 1 && $XS chmod /local/domain/$D2/data/x n$D2 ||
    fail "cannot give s2 a node of its own"
rm -f /tmp/rel2
$XS watch -n 2 @releaseDomain > /tmp/rel2 2>&1 &
WR=$!
wait_for 50 first /tmp/rel2 || fail "no first @releaseDomain event"
KEEL_WITH_STORE=0 keel destroy s2 || fail "keel destroy s2 without the store"
gone2() { ! keel list | awk '{ print $2 }' | grep -q "^$D2\$"; }
wait_for 100 gone2 || fail "s2 still listed (dying?) after destroy: the daemon kept its ring mapped: $(keel list)"
wait_for 50 sh -c "! kill -0 $WR 2>/dev/null" || fail "no @releaseDomain after s2 died"
$XS read /local/domain/$D2/data/x 2>/dev/null && fail "s2's own node outlived it"
$XS rm /local/domain/$D2 /libxl/$D2 /local/domain/0/backend/console/$D2 || fail "cannot remove s2's paths"
say "s2 destroyed without XS_RELEASE: VIRQ_DOM_EXC dropped it (ring unmapped, gone, its nodes deleted, @releaseDomain)"
# keel reboot: control/shutdown = reboot; the guest reboots (SCHEDOP_shutdown
# reason reboot) and keel's monitor builds it again (on_reboot's default,
# restart) under a new domid, with its store paths and console.
keel create /tmp/cfg/s1.cfg 'name="s3"' 2>/tmp/err || fail "keel create s3: $(cat /tmp/err)"
D3=$(keel list | awk '$1 == "s3" { print $2 }')
[ -n "$D3" ] || fail "s3 is not listed: $(keel list)"
up3() { [ "$($XS read /local/domain/$D3/control/feature-reboot 2>/dev/null)" = 1 ]; }
wait_for 600 up3 || fail "s3's kernel never wrote control/feature-reboot"
keel reboot s3 2>/tmp/err || fail "keel reboot s3: $(cat /tmp/err)"
again() { keel list | awk -v d="$D3" '$1 == "s3" && $2 != d { ok = 1 } END { exit !ok }'; }
wait_for 600 again || fail "s3 was not built again after keel reboot: $(keel list)"
N3=$(keel list | awk '$1 == "s3" { print $2 }')
[ "$($XS read /local/domain/$N3/name)" = s3 ] || fail "the rebooted s3 (domain $N3) has no store paths"
keel destroy s3 || fail "keel destroy s3"
say "keel reboot s3: it rebooted and keel's monitor built it again as domain $N3 (was $D3)"
say "domU checks passed"
