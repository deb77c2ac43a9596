/*
 * Fuzz harness for the frame allocator (hypervisor/common/page_alloc.c)
 * on 1024 fake frames, DMA boundary at frame 256 with a 32-frame reserve.
 * The input is a list of operations, 3 bytes each: allocate a guest
 * extent (order, memflags), a hypervisor frame or run, or free a held
 * extent frame by frame from a given offset.  After each step a model
 * checks what the allocator did: extents aligned and within their limit,
 * made of frames that were free and are held by nobody else, the DMA
 * reserve left alone by requests without MEMF_dma_ok, the free count exact.  At
 * the end everything is freed and must merge back into whole blocks.
 */
#include <fake/fake.h>
#include <keel/lib.h>
#include <keel/tlbflush.h>
#include <stdlib.h>

#define NFRAMES FAKE_NR_FRAMES
#define DMA_BITS 20
#define DMA_LIMIT (1u << (DMA_BITS - PAGE_SHIFT))   /* frame 256 */
#define DMA_POOL 32u
#define MAX_HELD 256

unsigned char fake_machine_mem[NFRAMES * PAGE_SIZE] __attribute__((aligned(4096)));
uint64_t idle_l4_maddr;

static bool ready, initially_free[NFRAMES], held[NFRAMES];
static uint64_t free0;
static struct { uint64_t first, n; } ext[MAX_HELD];
static unsigned int nheld;
static uint64_t held_frames;

static void init(void)
{
    unsigned int f;

    page_alloc_set_dma(DMA_BITS, DMA_POOL);
    page_alloc_add_range(0, (uint64_t)NFRAMES * PAGE_SIZE);
    page_alloc_enable_frame_table();
    free0 = free_frame_count();
    for (f = 0; f < NFRAMES; f++)
        initially_free[f] = frame_table[f].flags & PGC_free;
    ready = true;
}

static unsigned int model_free(unsigned int lo, unsigned int hi)
{
    unsigned int f, n = 0;

    for (f = lo; f < hi; f++)
        n += initially_free[f] && !held[f];
    return n;
}

static void take(mfn_t m, uint64_t n, uint64_t align, uint64_t limit)
{
    uint64_t j;

    if (mfn_x(m) % align || mfn_x(m) + n > limit)
        abort();
    for (j = 0; j < n; j++) {
        if (!initially_free[mfn_x(m) + j] || held[mfn_x(m) + j])
            abort();
        held[mfn_x(m) + j] = true;
    }
    ext[nheld].first = mfn_x(m);
    ext[nheld++].n = n;
    held_frames += n;
}

static void guest_alloc(unsigned int order, unsigned int fl)
{
    static const unsigned int flags[] = { 0, MEMF_bits(DMA_BITS), MEMF_bits(18), MEMF_bits(32),
                                          MEMF_no_dma, MEMF_bits(13), MEMF_bits(12), MEMF_bits(60) };
    unsigned int f = flags[fl % 8] | (fl & 8 ? MEMF_dma_ok : 0), bits = f >> _MEMF_bits;
    bool device = f & MEMF_dma_ok;
    uint64_t limit = bits && bits < 40 ? 1UL << (bits - PAGE_SHIFT) : NFRAMES;
    uint64_t top = MIN(limit, (uint64_t)NFRAMES), low = MIN(top, (uint64_t)DMA_LIMIT);
    mfn_t m = alloc_domheap_frames(order, f);

    if (bits && bits <= PAGE_SHIFT) {
        if (!mfn_eq(m, INVALID_MFN))
            abort();
        return;
    }
    if (mfn_eq(m, INVALID_MFN)) {
        /* an order-0 request fails only when nothing it may use is free */
        if (!order && (f & MEMF_no_dma ? model_free(DMA_LIMIT, MAX(top, (uint64_t)DMA_LIMIT)) :
                       device ? model_free(0, top) :
                       model_free(DMA_LIMIT, MAX(top, (uint64_t)DMA_LIMIT)) ||
                       (model_free(0, DMA_LIMIT) > DMA_POOL && model_free(0, low))))
            abort();
        return;
    }
    take(m, 1UL << order, 1UL << order, limit);
    if ((f & MEMF_no_dma) && mfn_x(m) < DMA_LIMIT)
        abort();
    if (!device && mfn_x(m) < DMA_LIMIT && model_free(0, DMA_LIMIT) < DMA_POOL)
        abort();
}

static void release(unsigned int k, unsigned int start)
{
    uint64_t j, n = ext[k].n;

    for (j = 0; j < n; j++) {
        uint64_t f = ext[k].first + (start + j) % n;
        held[f] = false;
        free_frame(_mfn(f));
    }
    held_frames -= n;
    ext[k] = ext[--nheld];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;
    mfn_t m;

    if (!ready)
        init();
    for (i = 0; i + 3 <= size; i += 3) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
        if (op % 4 == 3 || nheld == MAX_HELD) {
            if (nheld)
                release(a % nheld, b);
        } else if (op % 4 == 0) {
            guest_alloc(a % 8, b);
        } else if (op % 4 == 1) {
            m = alloc_frame();
            if (!mfn_eq(m, INVALID_MFN))
                take(m, 1, 1, NFRAMES);
            else if (model_free(0, NFRAMES))
                abort();
        } else {
            m = alloc_frames_contig(1 + a % 20);
            if (!mfn_eq(m, INVALID_MFN))
                take(m, 1 + a % 20, 1, NFRAMES);
        }
        if (free_frame_count() != free0 - held_frames)
            abort();
    }
    while (nheld)
        release(0, 0);
    if (free_frame_count() != free0)
        abort();
    /* everything merged back: the top half of memory is one block */
    m = alloc_domheap_frames(9, 0);
    if (mfn_x(m) != NFRAMES / 2)
        abort();
    for (i = 0; i < NFRAMES / 2; i++)
        free_frame(_mfn(NFRAMES / 2 + i));
    return 0;
}
