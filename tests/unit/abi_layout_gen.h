/*
 * Body shared by abi_layout_xen.c and abi_layout_keel.c: builds the
 * exported table from abi_layout_list.h.  The includer has already pulled
 * in one set of ABI headers and defines ABI_TABLE_NAME.
 */
#include <stddef.h>
#include <stdint.h>
#include "abi_layout.h"

#define ABI_S(type)        { "sizeof(" #type ")", (uint64_t)sizeof(type) },
#define ABI_O(type, field) { "offsetof(" #type ", " #field ")", \
                             (uint64_t)offsetof(type, field) },
#define ABI_C(name)        { #name, (uint64_t)(name) },

static const struct abi_entry abi_entries[] = {
#include "abi_layout_list.h"
};

#define ABI_STR(name) { #name, name },
static const struct abi_string abi_strings[] = {
    ABI_STR(XS_WRITE_NONE)
    ABI_STR(XS_WRITE_CREATE)
    ABI_STR(XS_WRITE_CREATE_EXCL)
    ABI_STR(XEN_EMULATE_PREFIX)
    ABI_STR(XEN_CPUID)
};

static const char *const abi_gnttab_msgs[] = GNTTABOP_error_msgs;

static int abi_xsd_error(size_t i, int *errnum, const char **name)
{
    if (i >= sizeof(xsd_errors) / sizeof(xsd_errors[0]))
        return -1;
    *errnum = xsd_errors[i].errnum;
    *name = xsd_errors[i].errstring;
    return 0;
}

const struct abi_table ABI_TABLE_NAME = {
    .entries = abi_entries,
    .nr_entries = sizeof(abi_entries) / sizeof(abi_entries[0]),
    .strings = abi_strings,
    .nr_strings = sizeof(abi_strings) / sizeof(abi_strings[0]),
    .gnttab_msgs = abi_gnttab_msgs,
    .nr_gnttab_msgs = sizeof(abi_gnttab_msgs) / sizeof(abi_gnttab_msgs[0]),
    .xsd_error = abi_xsd_error,
};
