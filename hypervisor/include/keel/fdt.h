/*
 * A small, bounds-checked reader for flattened device trees (DTB, as
 * written by dtc or libfdt).  The hypervisor reads untrusted blobs with
 * it (the boot description), so it never follows an offset or a length
 * it has not checked against the buffer.
 *
 * kfdt_init() validates the whole blob once: header, block offsets and
 * sizes, every token of the structure block (alignment, lengths, nesting
 * depth, node names and property names NUL-terminated inside their
 * blocks).  The accessors then walk a known-good structure block, and
 * still check every read (defence in depth, and so that a walk never
 * leaves the block even if the buffer changed under us).
 *
 * Nodes and properties are named by their offset inside the structure
 * block (like libfdt).  The prefix is kfdt_/KFDT_ so that host tests can
 * link this file together with libfdt.
 */
#ifndef KEEL_FDT_H
#define KEEL_FDT_H
#include <keel/types.h>

#define KFDT_MAGIC 0xd00dfeedU
#define KFDT_HEADER_SIZE 40U        /* version 17 header */
#define KFDT_MAX_DEPTH 16U          /* root is depth 1 */
#define KFDT_MAX_NAME 255U          /* node name length, without NUL */

#define KFDT_BEGIN_NODE 1U
#define KFDT_END_NODE 2U
#define KFDT_PROP 3U
#define KFDT_NOP 4U
#define KFDT_END 9U

/* Errors returned (negative) by the accessors. */
#define KFDT_ERR_NOTFOUND (-1)      /* no such node or property */
#define KFDT_ERR_BADVALUE (-2)      /* property has the wrong size/form */

struct kfdt {
    const uint8_t *base;            /* start of the blob */
    uint32_t totalsize;             /* checked: <= length of the buffer */
    uint32_t off_struct, size_struct;
    uint32_t off_strings, size_strings;
};

/*
 * Validate the blob at buf (len bytes available) and fill *f.  Returns 0,
 * or -1 with *why set to a static one-line reason and *where to the byte
 * offset in the blob where the problem was found.
 */
int kfdt_init(struct kfdt *f, const void *buf, size_t len,
              const char **why, uint32_t *where);

/* Offset of the root node. */
int kfdt_root(const struct kfdt *f);
/* Name of a node ("" for the root); NULL if node is not a node offset. */
const char *kfdt_node_name(const struct kfdt *f, int node);
/* First child / next sibling of a node, or KFDT_ERR_NOTFOUND. */
int kfdt_first_child(const struct kfdt *f, int node);
int kfdt_next_sibling(const struct kfdt *f, int node);
/* Child of parent named name, or KFDT_ERR_NOTFOUND. */
int kfdt_subnode(const struct kfdt *f, int parent, const char *name);

/* First / next property of a node (property offsets), or KFDT_ERR_NOTFOUND. */
int kfdt_first_prop(const struct kfdt *f, int node);
int kfdt_next_prop(const struct kfdt *f, int prop);
/* Read the property at offset prop.  Returns false if prop is not one. */
bool kfdt_prop_at(const struct kfdt *f, int prop, const char **name,
                  const void **data, uint32_t *len);
/* Property of node named name: its data (len in *len), or NULL. */
const void *kfdt_getprop(const struct kfdt *f, int node, const char *name,
                         uint32_t *len);

/*
 * Typed reads: 0 on success, KFDT_ERR_NOTFOUND if the property is absent,
 * KFDT_ERR_BADVALUE if it has the wrong size (u32: 4 bytes, u64: 8 bytes)
 * or, for a string, is empty, not NUL-terminated or holds an inner NUL.
 */
int kfdt_get_u32(const struct kfdt *f, int node, const char *name,
                 uint32_t *out);
int kfdt_get_u64(const struct kfdt *f, int node, const char *name,
                 uint64_t *out);
int kfdt_get_string(const struct kfdt *f, int node, const char *name,
                    const char **out);
/*
 * Whether the string-list property name of node (e.g. "compatible")
 * holds the string s.  A malformed list (not NUL-terminated) holds
 * nothing.
 */
bool kfdt_stringlist_contains(const struct kfdt *f, int node,
                              const char *name, const char *s);

#endif
