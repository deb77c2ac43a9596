#!/bin/sh
# Fetch Debian's Xen 4.17 hypervisor (the reference "oracle" for the
# comparison runs) into <top>/cache/xen without installing it.
# Idempotent: does nothing when the image is already there.
# Prints the path of the uncompressed image on stdout.
# Only compare-xen.sh / run-all.sh --xen use it; `make test` never does.
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${XEN_CACHE:-$TOP/cache/xen}
IMG=$DIR/xen-4.17-amd64
if [ -s "$IMG" ]; then
    echo "$IMG"
    exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
if ! ls xen-hypervisor-4.17-amd64_*.deb >/dev/null 2>&1; then
    apt-get download xen-hypervisor-4.17-amd64 >&2 || {
        echo "fetch-xen: apt-get download xen-hypervisor-4.17-amd64 failed" \
             "(try: apt-get update)" >&2
        exit 1
    }
fi
deb=$(ls xen-hypervisor-4.17-amd64_*.deb | tail -n 1)
rm -rf root
dpkg -x "$deb" root
gz=$(ls root/boot/xen-4.17-amd64.gz 2>/dev/null || ls root/boot/xen-4.17*.gz | head -n 1)
[ -f "$gz" ] || { echo "fetch-xen: no boot/xen-4.17*.gz in $deb" >&2; exit 1; }
gunzip -c "$gz" > "$IMG.tmp"
mv "$IMG.tmp" "$IMG"
echo "$IMG"
