/*
 * The PV console ring (public/io/console.h, struct xencons_interface) as
 * the backend sees it: the guest produces into out[] (out_prod) and the
 * backend consumes (out_cons); the backend produces into in[] (in_prod)
 * and the guest consumes (in_cons).  The page is shared with a guest that
 * may write anything at any time: indices are read once, checked, and a
 * ring whose producer is more than a ring's size ahead of its consumer is
 * reported as corrupt and reset (its bytes cannot be trusted), as
 * xenconsoled treats a ring it cannot make sense of.
 */
#ifndef KEEL_CONSOLE_RING_H
#define KEEL_CONSOLE_RING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/io/console.h>

/*
 * Copy up to max bytes of guest output into buf and consume them.
 * Returns the bytes copied; *corrupt is set when the indices were bad
 * (then nothing is copied and the ring's consumer is moved to its
 * producer).  The caller notifies the guest when anything was consumed.
 */
size_t cons_ring_take_out(volatile struct xencons_interface *r, char *buf, size_t max,
                          bool *corrupt);
/* Bytes of guest output waiting (0 if the indices are bad). */
size_t cons_ring_out_pending(volatile struct xencons_interface *r);
/*
 * Put up to n bytes of input for the guest into in[].  Returns how many
 * fit (0 if the ring is full or its indices are bad).
 */
size_t cons_ring_put_in(volatile struct xencons_interface *r, const char *buf, size_t n);

#endif
