/*
 * Body shared by abi_layout_xen.c and abi_layout_keel.c: builds the
 * exported table from abi_layout_list.h.  The includer has already pulled
 * in one set of ABI headers and defines ABI_TABLE_NAME.
 */
#include <stddef.h>
#include <stdint.h>
#include "abi_layout.h"

/* A ring type for the io/ring.h checks (16-byte entries). */
struct abitest_req { uint64_t id; uint32_t val; uint32_t pad; };
struct abitest_rsp { uint64_t id; int16_t status; uint16_t pad[3]; };
DEFINE_RING_TYPES(abitest, struct abitest_req, struct abitest_rsp);

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

/*
 * Drive one ring through a fixed scenario with this side's ring.h macros
 * and log what they report; both sides must log the same numbers.
 * Starts just below the 32-bit wrap so the indexes overflow midway.
 */
#define ABI_LOG(v) do { if (n < max) out[n] = (uint64_t)(v); n++; } while (0)
static size_t abi_ring_trace(uint64_t *out, size_t max)
{
    static union {
        abitest_sring_t s;
        uint8_t page[4096];
    } shared __attribute__((aligned(4096)));
    static const unsigned int batch[] = { 1, 5, 127, 128, 3, 0, 64 };
    const RING_IDX start = 0xffffffc0u;
    abitest_front_ring_t front;
    abitest_back_ring_t back;
    size_t n = 0;

    SHARED_RING_INIT(&shared.s);
    ABI_LOG(shared.s.req_event);
    ABI_LOG(shared.s.rsp_event);
    shared.s.req_prod = shared.s.rsp_prod = start;
    shared.s.req_event = shared.s.rsp_event = start + 1;
    FRONT_RING_ATTACH(&front, &shared.s, start, sizeof(shared.page));
    BACK_RING_ATTACH(&back, &shared.s, start, sizeof(shared.page));
    ABI_LOG(RING_SIZE(&front));
    ABI_LOG(RING_SIZE(&back));
    ABI_LOG(__CONST_RING_SIZE(abitest, 4096));
    ABI_LOG(RING_FREE_REQUESTS(&front));

    for (size_t round = 0; round < sizeof(batch) / sizeof(batch[0]); round++) {
        int notify, work;

        for (unsigned int i = 0; i < batch[round] && !RING_FULL(&front); i++) {
            struct abitest_req *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
            req->id = front.req_prod_pvt;
            req->val = (uint32_t)round;
            front.req_prod_pvt++;
        }
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
        ABI_LOG(notify);
        ABI_LOG(RING_FREE_REQUESTS(&front));
        ABI_LOG(RING_FULL(&front));
        ABI_LOG(RING_HAS_UNCONSUMED_REQUESTS(&back));
        ABI_LOG(RING_REQUEST_PROD_OVERFLOW(&back, shared.s.req_prod));

        /* The back end answers all but the last request of odd rounds. */
        while (RING_HAS_UNCONSUMED_REQUESTS(&back) > (round & 1)) {
            struct abitest_req req;
            struct abitest_rsp *rsp;

            if (RING_REQUEST_CONS_OVERFLOW(&back, back.req_cons))
                break;
            RING_COPY_REQUEST(&back, back.req_cons, &req);
            back.req_cons++;
            rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
            rsp->id = req.id;
            rsp->status = (int16_t)req.val;
            back.rsp_prod_pvt++;
        }
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
        ABI_LOG(notify);
        RING_FINAL_CHECK_FOR_REQUESTS(&back, work);
        ABI_LOG(work);
        ABI_LOG(shared.s.req_event);

        ABI_LOG(RING_HAS_UNCONSUMED_RESPONSES(&front));
        ABI_LOG(RING_RESPONSE_PROD_OVERFLOW(&front, shared.s.rsp_prod));
        while (RING_HAS_UNCONSUMED_RESPONSES(&front)) {
            struct abitest_rsp rsp;

            RING_COPY_RESPONSE(&front, front.rsp_cons, &rsp);
            ABI_LOG(rsp.id);
            ABI_LOG(rsp.status);
            front.rsp_cons++;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&front, work);
        ABI_LOG(work);
        ABI_LOG(shared.s.rsp_event);
        ABI_LOG(shared.s.req_prod);
        ABI_LOG(shared.s.rsp_prod);
    }
    return n;
}

const struct abi_table ABI_TABLE_NAME = {
    .entries = abi_entries,
    .nr_entries = sizeof(abi_entries) / sizeof(abi_entries[0]),
    .strings = abi_strings,
    .nr_strings = sizeof(abi_strings) / sizeof(abi_strings[0]),
    .gnttab_msgs = abi_gnttab_msgs,
    .nr_gnttab_msgs = sizeof(abi_gnttab_msgs) / sizeof(abi_gnttab_msgs[0]),
    .xsd_error = abi_xsd_error,
    .ring_trace = abi_ring_trace,
};
