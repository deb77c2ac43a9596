#!/bin/sh
# Fetch the kernel that Debian 12's linux-image-amd64 depends on into
# <top>/cache/linux without installing it (nothing goes to /boot).
#
#   fetch-kernel.sh            prints the path of the vmlinuz
#   fetch-kernel.sh --modules  prints the path of lib/modules/<version>
#
# Idempotent: when the package is already unpacked, nothing is fetched.
# The cache directory can be moved with $LINUX_CACHE.  On failure it
# prints one line naming the problem on stderr and exits 1.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${LINUX_CACHE:-$TOP/cache/linux}
WHAT=vmlinuz
case ${1:-} in
'') ;;
--modules) WHAT=modules ;;
*) echo "fetch-kernel: unknown option '$1' (only --modules)" >&2; exit 2 ;;
esac
die() { echo "fetch-kernel: $*" >&2; exit 1; }

# linux-image-amd64 (the meta package) depends on linux-image-<ver>-amd64.
resolve() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
    apt-get update >/dev/null 2>&1 || die "apt-get update failed (no access to the Debian archive?)"
    pkg=$(resolve)
    [ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64 dependency named linux-image-*-amd64"
fi
ver=${pkg#linux-image-}
ROOT=$DIR/$pkg
VMLINUZ=$ROOT/boot/vmlinuz-$ver
MODULES=$ROOT/lib/modules/$ver

if [ ! -s "$VMLINUZ" ] || [ ! -d "$MODULES/kernel" ]; then
    mkdir -p "$DIR" || die "cannot create $DIR"
    deb=$(ls "$DIR/${pkg}"_*.deb 2>/dev/null | tail -n 1)
    if [ -z "$deb" ]; then
        (cd "$DIR" && apt-get download "$pkg" >/dev/null 2>&1) ||
            die "apt-get download $pkg failed (try: apt-get update)"
        deb=$(ls "$DIR/${pkg}"_*.deb 2>/dev/null | tail -n 1)
        [ -n "$deb" ] || die "apt-get download $pkg left no ${pkg}_*.deb in $DIR"
    fi
    # Unpack into a scratch directory first so an interrupted run leaves
    # no half-filled tree behind.
    rm -rf "$ROOT.tmp"
    dpkg -x "$deb" "$ROOT.tmp" || { rm -rf "$ROOT.tmp"; die "dpkg -x $deb failed"; }
    [ -s "$ROOT.tmp/boot/vmlinuz-$ver" ] || { rm -rf "$ROOT.tmp"; die "$deb has no boot/vmlinuz-$ver"; }
    rm -rf "$ROOT"
    mv "$ROOT.tmp" "$ROOT" || die "cannot move $ROOT.tmp to $ROOT"
fi
if [ "$WHAT" = modules ]; then
    [ -d "$MODULES" ] || die "$pkg has no lib/modules/$ver"
    echo "$MODULES"
else
    echo "$VMLINUZ"
fi
