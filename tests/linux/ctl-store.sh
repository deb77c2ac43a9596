#!/bin/sh
# dom0's store (issue 14; TOOLSTACK-ABI.md 2.1 and 6 step 2), as
# /bin/ctl-store in the --tools initramfs; ctl-test.sh runs it once xenfs
# is mounted.  Starts keel-xenstored --dom0 (state on the initramfs'
# tmpfs), writes /local/domain/0/{name,domid} as Xen's xen-init-dom0
# does, and checks that the dom0 kernel's xenbus came up: its probe ran
# (the balloon driver's memory/target watch, registered by the probe's
# notifier chain, moves target_kb), /dev/xen/xenbus carries reads, writes
# and watches for dom0 processes, and a restart of the daemon (SIGKILL)
# loses no acknowledged write, serves the kernel's ring again and gives the
# kernel its watches back.
# Prints "ctl-store: ..." lines; exit status 0 only if every check held.
# Leaves the daemon running for what ctl-test does next.
PATH=/bin
fail() { echo "ctl-store: FAIL: $*"; [ -s /tmp/xsd.log ] && sed 's/^/ctl-store: daemon: /' /tmp/xsd.log; exit 1; }
say() { echo "ctl-store: $*"; }
XS=keel-xenstore
STATE=/var/lib/keel-xenstored
SOCK=/run/xenstored/socket
DEV=/dev/xen/xenbus
BALLOON=/sys/devices/system/xen_memory/xen_memory0/target_kb

# Wait up to $1 tenths of a second for the command in $2...
wait_for() {
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

start_daemon() {
    keel-xenstored --dom0 -F -d "$STATE" -p /run/keel-xenstored.pid 2>>/tmp/xsd.log &
    XSD=$!
    wait_for 50 test -S "$SOCK" || fail "keel-xenstored --dom0 did not create $SOCK"
    kill -0 "$XSD" 2>/dev/null || fail "keel-xenstored --dom0 exited"
}

mkdir -p "$STATE" /run || fail "cannot create $STATE"
[ -r /proc/xen/xsd_port ] && [ -e /proc/xen/xsd_kva ] || fail "xenfs shows no xsd_port/xsd_kva"
say "dom0's store port (xsd_port): $(cat /proc/xen/xsd_port)"
[ -f "$BALLOON" ] || fail "no $BALLOON (balloon driver)"
[ -c "$DEV" ] || fail "no $DEV"
start_daemon
say "keel-xenstored --dom0 running (pid $XSD)"

# Xen's xen-init-dom0.
$XS write /local/domain/0/name Domain-0 /local/domain/0/domid 0 || fail "cannot write /local/domain/0/{name,domid}"
[ "$($XS read /local/domain/0/name)" = Domain-0 ] || fail "/local/domain/0/name does not read back"

# The probe ran: the balloon's watch on memory/target is registered by
# xenbus_probe's notifier chain (xen-balloon.c).  dom0 gives back 8 MiB.
kb=$(cat "$BALLOON")
want=$((kb - 8192))
$XS write /local/domain/0/memory/target "$want" || fail "cannot write memory/target"
balloon_at() { [ "$(cat "$BALLOON")" = "$want" ]; }
wait_for 100 balloon_at || fail "target_kb is $(cat "$BALLOON"), wanted $want after writing memory/target (the kernel's xenbus did not come up)"
say "dom0 kernel's xenbus is up: memory/target $want reached the balloon (target_kb was $kb)"

# /dev/xen/xenbus: the kernel proxies dom0 processes to its connection.
XENSTORED_PATH=$DEV $XS write /local/domain/0/data/dev hello || fail "write through $DEV"
[ "$($XS read /local/domain/0/data/dev)" = hello ] || fail "a write through $DEV is not in the store"
[ "$(XENSTORED_PATH=$DEV $XS read /local/domain/0/name)" = Domain-0 ] || fail "read through $DEV"
XENSTORED_PATH=$DEV $XS watch -n 2 /local/domain/0/data/w > /tmp/watch 2>&1 &
W=$!
first_event() { [ -s /tmp/watch ]; }
wait_for 50 first_event || fail "no first watch event through $DEV"
$XS write /local/domain/0/data/w/x 1 || fail "write under the watch"
wait_for 50 sh -c "! kill -0 $W 2>/dev/null" || fail "watch through $DEV got no event: $(cat /tmp/watch)"
wait $W || fail "watch through $DEV failed: $(cat /tmp/watch)"
grep -q '^/local/domain/0/data/w/x keel-xenstore$' /tmp/watch || fail "wrong watch event through $DEV: $(cat /tmp/watch)"
say "read, write and watch through $DEV work"

# XS_INTRODUCE of a domain that does not exist: the foreign map fails,
# the store says EINVAL, nothing is introduced, the daemon serves on.
$XS introduce 77 0x1000 1 2>/tmp/err && fail "introducing a domain that does not exist succeeded"
grep -q 'introduce 77: Invalid argument' /tmp/err || fail "introduce of a missing domain: $(cat /tmp/err)"
$XS release 77 2>/tmp/err && fail "releasing a domain never introduced succeeded"
grep -q 'release 77: No such file or directory' /tmp/err || fail "release of an unknown domain: $(cat /tmp/err)"
[ "$($XS read /local/domain/0/name)" = Domain-0 ] || fail "the daemon stopped serving after a failed introduce"
say "XS_INTRODUCE of a missing domain: EINVAL; XS_RELEASE of an unknown one: ENOENT"

# Restart: SIGKILL, then a new daemon on the same state.
$XS write /local/domain/0/data/durable yes || fail "write before the restart"
kill -9 "$XSD"; wait "$XSD" 2>/dev/null
rm -f "$SOCK" /run/keel-xenstored.pid
# This time as it runs normally: it daemonizes (logs to syslog) after
# setting up dom0's connections; the rest of linux-ctl uses this one.
keel-xenstored --dom0 -d "$STATE" -p /run/keel-xenstored.pid 2>>/tmp/xsd.log ||
    fail "keel-xenstored --dom0 (daemonized) exited with status $?"
wait_for 50 test -S "$SOCK" || fail "the daemonized keel-xenstored did not create $SOCK"
wait_for 50 test -s /run/keel-xenstored.pid || fail "no pid file from the daemonized keel-xenstored"
XSD=$(cat /run/keel-xenstored.pid)
kill -0 "$XSD" 2>/dev/null || fail "the daemonized keel-xenstored is not running"
[ "$($XS read /local/domain/0/data/durable)" = yes ] || fail "an acknowledged write was lost across SIGKILL"
[ "$(XENSTORED_PATH=$DEV $XS read /local/domain/0/data/durable)" = yes ] || fail "the kernel's ring is not served after a restart"
# The kernel's watches were restored (STATE/dom0-kernel-watches): the
# balloon still follows memory/target.
want=$((want - 4096))
$XS write /local/domain/0/memory/target "$want" || fail "cannot write memory/target after the restart"
wait_for 100 balloon_at || fail "after the restart target_kb is $(cat "$BALLOON"), wanted $want (the kernel's balloon watch was not restored)"
say "restart (daemonized, pid $XSD): acknowledged writes kept, $DEV served again, the kernel's watches restored"

# Give dom0 its memory back (ctl-test checks its size later): the
# balloon asks the hypervisor for the pages it returned.
$XS write /local/domain/0/memory/target "$kb" || fail "cannot restore memory/target"
CUR=/sys/devices/system/xen_memory/xen_memory0/info/current_kb
restored() { [ "$(cat "$BALLOON")" = "$kb" ] && [ "$(cat "$CUR")" = "$kb" ]; }
wait_for 100 restored || fail "dom0 did not get its memory back: target_kb $(cat "$BALLOON"), current_kb $(cat "$CUR"), wanted $kb"
say "dom0's balloon back to $kb KiB (current_kb $(cat "$CUR"))"
say "all checks passed"
