# Sourced by tests/compat.sh and bench/xenstore/run.sh: start Debian's
# xenstored (Xen 4.17) for side-by-side runs.
#
#   debian_xsd_start RUNDIR XENBUS_OUT
# On success sets DEB_PID, DEB_SOCK, DEB_HOW, DEB_RINGS (the directory
# where xs_raw plays guests, or empty) and returns 0; otherwise
# sets DEB_WHY and returns 1.  The binary is $XENSTORED_DEBIAN, an
# installed one, or one unpacked by `make -C xenbus debian-xenstored`.
# Without Xen, 4.17's --no-domain-init crashes on the first request, so
# it runs normally under the LD_PRELOAD shim of tests/xenshim/ that fakes
# the few hypervisor interfaces it opens.
debian_xsd_start() {
    _run=$1; _out=$2
    DEB_XSD=""
    for _c in ${XENSTORED_DEBIAN:-} /usr/lib/xen-*/bin/xenstored /usr/sbin/xenstored \
              "$_out"/debian/root/usr/lib/xen-*/bin/xenstored; do
        [ -x "$_c" ] && { DEB_XSD=$_c; break; }
    done
    if [ -z "$DEB_XSD" ]; then
        DEB_WHY="not found (make -C xenbus debian-xenstored unpacks it)"; return 1
    fi
    mkdir -p "$_run"
    DEB_SOCK=$_run/socket
    if [ -e /dev/xen/privcmd ]; then
        XENSTORED_PATH=$DEB_SOCK XENSTORED_RUNDIR=$_run "$DEB_XSD" -N >/dev/null 2>&1 &
        DEB_PID=$!; DEB_HOW="$DEB_XSD"; DEB_RINGS=""
    elif [ -f "$_out/tests/xen_host_shim.so" ]; then
        mkdir -p "$_run/proc"
        [ -p "$_run/proc/evtchn" ] || mkfifo "$_run/proc/evtchn"
        head -c 4096 /dev/zero > "$_run/proc/xsd_kva"
        echo 1 > "$_run/proc/xsd_port"
        XENSHIM_DIR=$_run/proc LD_PRELOAD=$_out/tests/xen_host_shim.so \
            XENSTORED_PATH=$DEB_SOCK XENSTORED_RUNDIR=$_run "$DEB_XSD" -N >/dev/null 2>&1 &
        DEB_PID=$!; DEB_HOW="$DEB_XSD under tests/xenshim"; DEB_RINGS=$_run/proc
    else
        DEB_WHY="no Xen and no xen_host_shim.so (needs libxen-dev)"; return 1
    fi
    _i=0
    while [ ! -S "$DEB_SOCK" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
    if [ -S "$DEB_SOCK" ] && XENSTORED_PATH=$DEB_SOCK xenstore-write /probe 1 2>/dev/null \
        && XENSTORED_PATH=$DEB_SOCK xenstore-rm /probe 2>/dev/null && kill -0 "$DEB_PID" 2>/dev/null; then
        return 0
    fi
    kill "$DEB_PID" 2>/dev/null; wait "$DEB_PID" 2>/dev/null
    DEB_WHY="$DEB_XSD did not answer"; return 1
}
