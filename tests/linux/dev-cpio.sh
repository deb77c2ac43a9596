#!/bin/sh
# Write to FILE a newc cpio archive holding only /dev and /dev/console
# (char 5:1): the kernel opens /dev/console for /init's stdin, stdout and
# stderr before /init runs.  Writing the entries ourselves needs no root
# rights, unlike mknod.  Put it in front of an initramfs's other cpio
# archives (the kernel reads concatenated archives in order).
#
#   sh tests/linux/dev-cpio.sh FILE
set -u
[ $# -eq 1 ] || { echo "usage: dev-cpio.sh FILE" >&2; exit 2; }

# newc header of an entry without data: NAME MODE RDEVMAJOR RDEVMINOR INO.
newc_entry() {
    namesize=$((${#1} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$5" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0
    printf '%s\0' "$1"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    [ "$pad" -gt 0 ] && head -c "$pad" /dev/zero
    return 0
}
{
    newc_entry dev $((0040755)) 0 0 1
    newc_entry dev/console $((0020600)) 5 1 2
    newc_entry 'TRAILER!!!' 0 0 0 0
} > "$1" || { echo "dev-cpio: cannot write $1" >&2; exit 1; }
