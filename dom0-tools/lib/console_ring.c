/* The backend's side of a PV console ring (include/console_ring.h). */
#include "console_ring.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE sizeof(((struct xencons_interface *)0)->in)

/* Read each shared index once; order the data accesses after it. */
static XENCONS_RING_IDX read_idx(volatile XENCONS_RING_IDX *p)
{
    XENCONS_RING_IDX v = *p;

    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return v;
}

static void write_idx(volatile XENCONS_RING_IDX *p, XENCONS_RING_IDX v)
{
    __atomic_thread_fence(__ATOMIC_RELEASE);
    *p = v;
}

size_t cons_ring_out_pending(volatile struct xencons_interface *r)
{
    XENCONS_RING_IDX cons = r->out_cons, prod = read_idx(&r->out_prod);

    return prod - cons > OUT_SIZE ? 0 : prod - cons;
}

size_t cons_ring_take_out(volatile struct xencons_interface *r, char *buf, size_t max,
                          bool *corrupt)
{
    XENCONS_RING_IDX cons = r->out_cons, prod = read_idx(&r->out_prod);
    size_t n = 0;

    *corrupt = false;
    if (prod - cons > OUT_SIZE) {
        *corrupt = true;
        write_idx(&r->out_cons, prod);
        return 0;
    }
    while (cons != prod && n < max)
        buf[n++] = r->out[cons++ % OUT_SIZE];
    write_idx(&r->out_cons, cons);
    return n;
}

size_t cons_ring_put_in(volatile struct xencons_interface *r, const char *buf, size_t n)
{
    XENCONS_RING_IDX cons = read_idx(&r->in_cons), prod = r->in_prod;
    size_t done = 0;

    if (prod - cons > IN_SIZE)
        return 0;               /* the guest moved in_cons past our producer */
    while (done < n && prod - cons < IN_SIZE)
        r->in[prod++ % IN_SIZE] = buf[done++];
    write_idx(&r->in_prod, prod);
    return done;
}
