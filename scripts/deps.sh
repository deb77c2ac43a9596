#!/bin/sh
# Install everything Keel's build, demo and tests need on Debian 12.
# Idempotent and quick when all is present: apt is only touched for
# packages that dpkg does not already list as installed.
set -e
PKGS="make gcc clang lld libc6-dev libcmocka-dev libfdt-dev pkg-config \
      qemu-system-x86 libclang-rt-14-dev libxen-dev xenstore-utils \
      busybox-static cpio xz-utils liblzma-dev zlib1g-dev libzstd-dev \
      grub-pc-bin grub-common xorriso mtools"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
