/*
 * Interface between the two halves of test_abi_layout: abi_layout_xen.c
 * (Xen's headers from /usr/include/xen) and abi_layout_keel.c (ours) each
 * export the same list of named numbers; the test compares them.  The
 * two translation units never see each other's headers.
 */
#ifndef TESTS_UNIT_ABI_LAYOUT_H
#define TESTS_UNIT_ABI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

struct abi_entry {
    const char *name;       /* e.g. "sizeof(struct start_info)" */
    uint64_t value;
};

struct abi_string {
    const char *name;       /* e.g. "XS_WRITE_NONE" or "xsd_errors[3]" */
    const char *value;
};

struct abi_table {
    const struct abi_entry *entries;
    size_t nr_entries;
    const struct abi_string *strings;
    size_t nr_strings;
    const char *const *gnttab_msgs;     /* GNTTABOP_error_msgs */
    size_t nr_gnttab_msgs;
    /* Entry i of xsd_errors; -1 past the end. */
    int (*xsd_error)(size_t i, int *errnum, const char **name);
    /* Run the io/ring.h scenario; log up to max values, return how many. */
    size_t (*ring_trace)(uint64_t *out, size_t max);
};

extern const struct abi_table abi_xen_table;
extern const struct abi_table abi_keel_table;

#endif
