#!/bin/sh
# Debian's Xen 4.17 toolstack (the packages of the same version as the
# hypervisor of tests/boot/fetch-xen.sh), unpacked, not installed, under
# cache/xen-tools the first time, then copied into a dom0 root directory:
#
#   sh bench/xen-toolstack.sh ROOT
#
# puts xl, xenstored, xenconsoled, xen-init-dom0 and xenstore (the
# multi-call xenstore-read/-write/... client, linked by those names) in
# ROOT/opt/xen/bin, their libraries (the ldd closure, and libgcc_s.so.1,
# which glibc's pthread_cancel loads at run time: xl aborts without it) in
# ROOT/opt/xen/lib, the dynamic loader in ROOT/lib64 and an empty
# ROOT/etc/xen/xl.conf (the defaults).  Run them with
# LD_LIBRARY_PATH=/opt/xen/lib.  Used by bench/create.sh and
# bench/split-io.sh.  One line on stderr and status 1 if a step fails.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "xen-toolstack: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $0 ROOT" >&2; exit 2; }
R=$1
[ -d "$R" ] || die "$R is not a directory"
XT=$TOP/cache/xen-tools
XPKGS="xen-utils-4.17 xen-utils-common xenstore-utils libxenmisc4.17 libxenstore4 libxentoolcore1
       libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxendevicemodel1
       libxentoollog1 libxenhypfs1 libyajl2"
if [ ! -x "$XT/root/usr/lib/xen-4.17/bin/xl" ] || [ ! -x "$XT/root/usr/bin/xenstore" ]; then
    mkdir -p "$XT" || die "cannot create $XT"
    # shellcheck disable=SC2086
    (cd "$XT" && apt-get download $XPKGS >&2) || die "apt-get download of Xen's toolstack failed (try: apt-get update)"
    rm -rf "$XT/root.tmp"
    for d in "$XT"/*.deb; do dpkg -x "$d" "$XT/root.tmp" || die "dpkg -x $d failed"; done
    rm -rf "$XT/root" && mv "$XT/root.tmp" "$XT/root" || die "cannot move $XT/root.tmp"
fi
XR=$XT/root
XBIN=$XR/usr/lib/xen-4.17/bin
XLIBPATH=$XR/usr/lib/x86_64-linux-gnu:$XR/usr/lib/xen-4.17/lib/x86_64-linux-gnu
mkdir -p "$R/opt/xen/bin" "$R/opt/xen/lib" "$R/lib64" || die "cannot create $R/opt/xen"
for b in "$XBIN/xl" "$XBIN/xenstored" "$XBIN/xenconsoled" "$XBIN/xen-init-dom0" "$XR/usr/bin/xenstore"; do
    cp "$b" "$R/opt/xen/bin/" || die "cannot copy $b"
    libs=$(LD_LIBRARY_PATH=$XLIBPATH ldd "$b") || die "ldd $b failed"
    printf '%s\n' "$libs" | grep -q 'not found' && die "$b: libraries not found: $(printf '%s\n' "$libs" | grep 'not found' | tr '\n' ' ')"
    for lib in $(printf '%s\n' "$libs" | awk '/=>/ { print $3 }'); do
        cp -L "$lib" "$R/opt/xen/lib/" || die "cannot copy $lib"
    done
done
for c in read write rm exists list; do
    ln -sf xenstore "$R/opt/xen/bin/xenstore-$c" || die "cannot link xenstore-$c"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/" || die "cannot copy the dynamic loader"
gcc_s=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ { print $NF; exit }')
[ -n "$gcc_s" ] && cp -L "$gcc_s" "$R/opt/xen/lib/" || die "libgcc_s.so.1 not found (ldconfig -p)"
mkdir -p "$R/etc/xen" && echo '# the defaults' > "$R/etc/xen/xl.conf" ||
    die "cannot write $R/etc/xen/xl.conf"
# The dom0 start-up and the hotplug scripts for disk= and vif= lines
# (each says which steps of Debian's script it takes).
mkdir -p "$R/etc/xen/scripts" || die "cannot create $R/etc/xen/scripts"
cp "$TOP/bench/xen-dom0-up.sh" "$R/opt/xen/bin/xen-dom0-up" &&
    cp "$TOP/bench/xen-hotplug-block.sh" "$R/etc/xen/scripts/block" &&
    cp "$TOP/bench/xen-hotplug-vif.sh" "$R/etc/xen/scripts/vif-bridge" &&
    chmod 755 "$R/opt/xen/bin/xen-dom0-up" "$R/etc/xen/scripts/block" "$R/etc/xen/scripts/vif-bridge" ||
    die "cannot install the dom0 scripts"
