/*
 * xl.cfg `disk=` entries (xl-disk-configuration(5) of Xen 4.17, as
 * libxlu_disklex.l reads them), the subset keel serves with dom0's
 * xen-blkback:
 *
 *   key=value   target=PATH (last: eats the rest), vdev=, access=r|ro|w|rw,
 *               format=raw, devtype=disk, backendtype=phy, backend=0|Domain-0,
 *               discard | no-discard, direct-io-safe (accepted, no effect)
 *   positional  TARGET[,FORMAT[,VDEV[,ACCESS]]]; with a deprecated prefix
 *               (file:, phy:, raw:) the format is implied:
 *               'file:/img,xvda,w'  'phy:/dev/sdb,xvdb,r'
 *
 * Refused with a one-line error (not -ENOSYS at run time): other formats
 * (qcow, qcow2, vhd), devtype=cdrom, backendtype=qdisk/tap, script=,
 * a backend domain other than 0, colo and iscsi/nbd/drbd/tap prefixes.
 * No hypercalls: unit-tested (tests/unit/test_xlcfg_disk.c) and fuzzed.
 */
#ifndef KEEL_XLCFG_DISK_H
#define KEEL_XLCFG_DISK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLCFG_DISK_MAX 16           /* disks per domain */
#define XLCFG_DISK_TARGET_MAX 255   /* bytes of a target path */
#define XLCFG_DISK_VDEV_MAX 15

struct xlcfg_disk {
    char target[XLCFG_DISK_TARGET_MAX + 1];  /* "" if none (empty drive: refused) */
    char vdev[XLCFG_DISK_VDEV_MAX + 1];      /* "xvda" */
    uint32_t devid;                 /* virtual-device, e.g. 51712 */
    bool readwrite;                 /* access: default rw */
    bool discard;                   /* discard-enable, default 1 */
};

/*
 * Xen's virtual-device number of a vdev name
 * (libxl_device.c:libxl__device_disk_dev_number): xvdX[N] (202<<8 |
 * disk<<4 | part for disk<16, part<16, else 1<<28 | disk<<8 | part),
 * hdX[N] (major 3 or 22), sdX[N] (major 8), dNpM, or a decimal number.
 * Returns the number, or -1 if vdev is none of these.
 */
int64_t xlcfg_disk_devid(const char *vdev);

/*
 * Parse one entry of the disk list.  where ("FILE:LINE: disk[N]") starts
 * the error line.  0, or -1 with one line in err naming the parameter
 * and the problem.
 */
int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *d, const char *where,
                     char *err, size_t errlen);

/*
 * xl's `block-attach` DISKSPEC words (several words are joined with ','
 * as xl does) into *d.  0 or -1 (err).
 */
int xlcfg_disk_parse_words(char *const *words, int n, struct xlcfg_disk *d,
                           char *err, size_t errlen);

#endif
