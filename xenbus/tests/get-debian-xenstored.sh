#!/bin/sh
# Fetch Debian's xenstored (package xen-utils-4.17) without installing
# it (installing pulls in udev/systemd changes): `apt-get download` and
# unpack into DIR.  Used only to compare keel-xenstored with Xen's own.
#   sh tests/get-debian-xenstored.sh DIR
set -eu
DIR=$1
mkdir -p "$DIR"
cd "$DIR"
ls xen-utils-4.17_*.deb >/dev/null 2>&1 || apt-get download xen-utils-4.17
dpkg-deb -x xen-utils-4.17_*.deb root
ls root/usr/lib/xen-*/bin/xenstored
