/*
 * XZ decoder, single-call mode: the whole input in one buffer, the output
 * into one caller buffer that is also the LZMA2 dictionary (so no
 * dictionary allocation).  Written from the .xz file format specification
 * (tukaani.org/xz/xz-file-format.txt) and the LZMA algorithm as in the
 * public-domain LZMA SDK and xz-embedded, which Linux and Xen use.
 *
 * Supported: LZMA2; BCJ x86 + LZMA2 (what Linux's "xz --x86 --lzma2"
 * produces); checks none, CRC32, CRC64.  Several blocks are fine.  Only
 * the first stream is decoded; bytes after it are ignored.
 *
 * Not reentrant: the ~30 KiB of probability tables are static (too big
 * for a hypervisor stack); a concurrent call gets -EBUSY.
 */
#include <keel/bzimage.h>
#include <keel/lib.h>

/* --- checksums -------------------------------------------------------- */

static uint32_t crc32_table[256];
static uint64_t crc64_table[256];
static bool crc_tables_ready;

static void crc_init(void)
{
    if (crc_tables_ready)
        return;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        uint64_t c64 = i;

        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
            c64 = (c64 >> 1) ^ (0xc96c5795d7870f42ull & (0ull - (c64 & 1)));
        }
        crc32_table[i] = c;
        crc64_table[i] = c64;
    }
    crc_tables_ready = true;
}

static uint32_t crc32(const uint8_t *p, size_t n, uint32_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint64_t crc64(const uint8_t *p, size_t n, uint64_t crc)
{
    crc = ~crc;
    while (n--)
        crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint64_t le(const uint8_t *p, unsigned int n)
{
    uint64_t v = 0;

    while (n--)
        v = (v << 8) | p[n];
    return v;
}

/* --- range decoder ---------------------------------------------------- */

#define PROB_BITS 11
#define PROB_INIT (1u << (PROB_BITS - 1))
#define MOVE_BITS 5
#define TOP (1u << 24)

struct rc {
    const uint8_t *in;
    size_t pos, end;
    uint32_t range, code;
    bool overrun;           /* read past the chunk: the chunk is corrupt */
};

static void rc_normalize(struct rc *rc)
{
    if (rc->range < TOP) {
        rc->range <<= 8;
        if (rc->pos < rc->end)
            rc->code = (rc->code << 8) | rc->in[rc->pos++];
        else
            rc->overrun = true;
    }
}

static unsigned int rc_bit(struct rc *rc, uint16_t *prob)
{
    uint32_t bound;

    rc_normalize(rc);
    bound = (rc->range >> PROB_BITS) * *prob;
    if (rc->code < bound) {
        rc->range = bound;
        *prob += ((1u << PROB_BITS) - *prob) >> MOVE_BITS;
        return 0;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob -= *prob >> MOVE_BITS;
    return 1;
}

static uint32_t rc_tree(struct rc *rc, uint16_t *probs, unsigned int bits)
{
    uint32_t m = 1;

    for (unsigned int i = 0; i < bits; i++)
        m = (m << 1) | rc_bit(rc, &probs[m]);
    return m - (1u << bits);
}

/* Reverse bit tree over probs[off + 1 .. off + 2^bits - 1] (off may be -1). */
static uint32_t rc_tree_reverse(struct rc *rc, uint16_t *probs, uint32_t off, unsigned int bits)
{
    uint32_t m = 1, r = 0;

    for (unsigned int i = 0; i < bits; i++) {
        unsigned int bit = rc_bit(rc, &probs[(uint32_t)(off + m)]);

        m = (m << 1) | bit;
        r |= bit << i;
    }
    return r;
}

static uint32_t rc_direct(struct rc *rc, unsigned int bits)
{
    uint32_t r = 0;

    while (bits--) {
        rc_normalize(rc);
        rc->range >>= 1;
        uint32_t bit = rc->code >= rc->range;
        rc->code -= rc->range & (0u - bit);
        r = (r << 1) | bit;
    }
    return r;
}

/* --- LZMA ------------------------------------------------------------- */

#define STATES 12
#define LIT_STATES 7
#define POS_STATES_MAX 16
#define DIST_STATES 4
#define DIST_SLOTS 64
#define DIST_MODEL_END 14
#define FULL_DISTANCES 128
#define ALIGN_BITS 4
#define MATCH_LEN_MIN 2

struct len_dec {
    uint16_t choice, choice2;
    uint16_t low[POS_STATES_MAX][8], mid[POS_STATES_MAX][8], high[256];
};

struct lzma {
    /* Probabilities: reset together (lzma_reset), keep them contiguous. */
    struct probs {
        uint16_t is_match[STATES][POS_STATES_MAX];
        uint16_t is_rep[STATES], is_rep0[STATES], is_rep1[STATES], is_rep2[STATES];
        uint16_t is_rep0_long[STATES][POS_STATES_MAX];
        uint16_t dist_slot[DIST_STATES][DIST_SLOTS];
        uint16_t dist_special[FULL_DISTANCES - DIST_MODEL_END];
        uint16_t dist_align[1 << ALIGN_BITS];
        struct len_dec match_len, rep_len;
        uint16_t literal[16][0x300];        /* lc + lp <= 4 in LZMA2 */
    } p;
    unsigned int lc, lp, pb;
    uint32_t state, rep0, rep1, rep2, rep3;
};

static struct lzma lz;
static int busy;

static void lzma_reset(struct lzma *l)
{
    uint16_t *p = (uint16_t *)&l->p;

    for (size_t i = 0; i < sizeof(l->p) / sizeof(uint16_t); i++)
        p[i] = PROB_INIT;
    l->state = 0;
    l->rep0 = l->rep1 = l->rep2 = l->rep3 = 0;
}

static uint32_t decode_len(struct rc *rc, struct len_dec *d, uint32_t pos_state)
{
    if (!rc_bit(rc, &d->choice))
        return MATCH_LEN_MIN + rc_tree(rc, d->low[pos_state], 3);
    if (!rc_bit(rc, &d->choice2))
        return MATCH_LEN_MIN + 8 + rc_tree(rc, d->mid[pos_state], 3);
    return MATCH_LEN_MIN + 16 + rc_tree(rc, d->high, 8);
}

static uint32_t decode_dist(struct rc *rc, struct lzma *l, uint32_t len)
{
    uint32_t slot = rc_tree(rc, l->p.dist_slot[MIN(len - MATCH_LEN_MIN, DIST_STATES - 1)], 6);
    uint32_t bits, dist;

    if (slot < 4)
        return slot;
    bits = (slot >> 1) - 1;
    dist = (2 | (slot & 1)) << bits;
    if (slot < DIST_MODEL_END)
        return dist + rc_tree_reverse(rc, l->p.dist_special, dist - slot - 1, bits);
    dist += rc_direct(rc, bits - ALIGN_BITS) << ALIGN_BITS;
    return dist + rc_tree_reverse(rc, l->p.dist_align, 0, ALIGN_BITS);
}

/*
 * Decodes one LZMA chunk: *pos advances to end (exclusive) in out, whose
 * bytes since base (the last dictionary reset) are the dictionary.
 */
/*
 * lzma_chunk in phases, one per LZMA packet kind: a literal
 * (lzma_literal), a match with a new distance (lzma_match), a repeated
 * distance (lzma_rep: short rep, rep0-rep3), and the copy of a match
 * (lzma_copy), which checks it stays inside the dictionary and chunk.
 */

/* A literal at out[p] (plain, or matched against the byte at rep0,
 * checked < p - base by the previous copy); the state moves on. */
static void lzma_literal(struct lzma *l, struct rc *rc, uint8_t *out, size_t base, size_t p)
{
    const uint32_t lp_mask = (1u << l->lp) - 1;
    uint32_t prev = p > base ? out[p - 1] : 0;
    uint16_t *probs = l->p.literal[(((p - base) & lp_mask) << l->lc) + (prev >> (8 - l->lc))];
    uint32_t sym = 1;

    if (l->state < LIT_STATES) {
        while (sym < 0x100)
            sym = (sym << 1) | rc_bit(rc, &probs[sym]);
    } else {
        /* Matched literal: guided by the byte at rep0 (checked < p - base). */
        uint32_t match = out[p - l->rep0 - 1], offs = 0x100;

        while (sym < 0x100) {
            match <<= 1;
            uint32_t mbit = match & offs;
            unsigned int bit = rc_bit(rc, &probs[offs + mbit + sym]);

            sym = (sym << 1) | bit;
            offs &= bit ? mbit : ~mbit;
        }
    }
    out[p] = (uint8_t)sym;
    l->state = l->state < 4 ? 0 : l->state < 10 ? l->state - 3 : l->state - 6;
}

/* A match with a new distance into rep0 (the older ones shift down);
 * its length in *len.  -EINVAL for the end marker. */
static int lzma_match(struct lzma *l, struct rc *rc, uint32_t ps, uint32_t *len)
{
    l->rep3 = l->rep2;
    l->rep2 = l->rep1;
    l->rep1 = l->rep0;
    *len = decode_len(rc, &l->p.match_len, ps);
    l->state = l->state < LIT_STATES ? 7 : 10;
    l->rep0 = decode_dist(rc, l, *len);
    if (l->rep0 == UINT32_MAX)
        return -EINVAL;             /* end marker: not allowed in LZMA2 */
    return 0;
}

/* A repeated match: the short rep (one byte at rep0), or rep0-rep3 moved
 * to rep0 with a decoded length.  Returns the length. */
static uint32_t lzma_rep(struct lzma *l, struct rc *rc, uint32_t ps)
{
    uint32_t dist;

    if (!rc_bit(rc, &l->p.is_rep0[l->state])) {
        if (!rc_bit(rc, &l->p.is_rep0_long[l->state][ps])) {
            l->state = l->state < LIT_STATES ? 9 : 11;
            return 1;
        }
    } else {
        if (!rc_bit(rc, &l->p.is_rep1[l->state])) {
            dist = l->rep1;
        } else {
            if (!rc_bit(rc, &l->p.is_rep2[l->state])) {
                dist = l->rep2;
            } else {
                dist = l->rep3;
                l->rep3 = l->rep2;
            }
            l->rep2 = l->rep1;
        }
        l->rep1 = l->rep0;
        l->rep0 = dist;
    }
    l->state = l->state < LIT_STATES ? 8 : 11;
    return decode_len(rc, &l->p.rep_len, ps);
}

/* Copy len bytes from rep0 back to out[*pos]. */
static int lzma_copy(const struct lzma *l, const struct rc *rc, uint8_t *out, size_t base,
                     size_t *pos, size_t end, uint32_t len)
{
    size_t p = *pos;

    /* A match may not reach before the dictionary, nor past the chunk. */
    if (l->rep0 >= p - base || len > end - p)
        return -EINVAL;
    for (const uint8_t *src = out + p - l->rep0 - 1; len--; )
        out[p++] = *src++;
    *pos = p;
    if (rc->overrun)
        return -EINVAL;
    return 0;
}

static int lzma_chunk(struct lzma *l, struct rc *rc, uint8_t *out, size_t base, size_t *pos,
                      size_t end)
{
    const uint32_t pb_mask = (1u << l->pb) - 1;
    size_t p = *pos;
    int err;

    while (p < end) {
        uint32_t ps = (p - base) & pb_mask, len;

        if (!rc_bit(rc, &l->p.is_match[l->state][ps])) {
            lzma_literal(l, rc, out, base, p++);
            continue;
        }
        if (!rc_bit(rc, &l->p.is_rep[l->state])) {
            err = lzma_match(l, rc, ps, &len);
            if (err)
                return err;
        } else {
            len = lzma_rep(l, rc, ps);
        }
        err = lzma_copy(l, rc, out, base, &p, end, len);
        if (err)
            return err;
    }
    *pos = p;
    /* Normalized at the end, the chunk's input must be used up and code 0. */
    rc_normalize(rc);
    return (rc->overrun || rc->pos != rc->end || rc->code != 0) ? -EINVAL : 0;
}

/* Matched literals need rep0 < p - base; the state says when they happen. */
static int lzma_props(struct lzma *l, uint8_t props)
{
    if (props >= 9 * 5 * 5)
        return -EINVAL;
    l->pb = props / 45;
    l->lp = props % 45 / 9;
    l->lc = props % 9;
    return l->lc + l->lp > 4 ? -EINVAL : 0;
}

/*
 * LZMA2: chunks until a 0x00 control byte.  Decodes in[0..in_len) into
 * out[*out_pos..out_cap); sets *in_used.
 */
static int lzma2_decode(const uint8_t *in, size_t in_len, size_t *in_used, uint8_t *out,
                        size_t out_cap, size_t *out_pos)
{
    bool need_dict_reset = true, need_props = true;
    size_t ip = 0, pos = *out_pos, base = pos;
    int rc;

    for (;;) {
        if (ip >= in_len)
            return -EINVAL;
        uint8_t c = in[ip++];

        if (c == 0)
            break;
        if (c >= 0xe0 || c == 0x01) {
            need_props = true;
            need_dict_reset = false;
            base = pos;
        } else if (need_dict_reset) {
            return -EINVAL;
        }
        if (c < 0x80) {
            /* Uncompressed chunk (1: after a dictionary reset, 2: without). */
            if (c > 2 || in_len - ip < 2)
                return -EINVAL;
            size_t n = ((size_t)in[ip] << 8 | in[ip + 1]) + 1;
            ip += 2;
            if (n > in_len - ip)
                return -EINVAL;
            if (n > out_cap - pos)
                return -ENOSPC;
            memcpy(out + pos, in + ip, n);
            ip += n;
            pos += n;
            continue;
        }
        if (in_len - ip < 4u + (c >= 0xc0))
            return -EINVAL;
        size_t usize = ((size_t)(c & 0x1f) << 16 | (size_t)in[ip] << 8 | in[ip + 1]) + 1;
        size_t csize = ((size_t)in[ip + 2] << 8 | in[ip + 3]) + 1;
        ip += 4;
        if (c >= 0xc0) {
            if (lzma_props(&lz, in[ip++]))
                return -EINVAL;
            need_props = false;
        } else if (need_props) {
            return -EINVAL;
        }
        if (c >= 0xa0)
            lzma_reset(&lz);
        if (csize > in_len - ip || csize < 5 || in[ip] != 0)
            return -EINVAL;
        if (usize > out_cap - pos)
            return -ENOSPC;
        struct rc r = { .in = in + ip, .pos = 5, .end = csize, .range = UINT32_MAX };
        r.code = (uint32_t)in[ip + 1] << 24 | (uint32_t)in[ip + 2] << 16 |
                 (uint32_t)in[ip + 3] << 8 | in[ip + 4];
        rc = lzma_chunk(&lz, &r, out, base, &pos, pos + usize);
        if (rc)
            return rc;
        ip += csize;
    }
    *in_used = ip;
    *out_pos = pos;
    return 0;
}

/* --- BCJ x86 ---------------------------------------------------------- */

static bool x86_msbyte_ok(uint8_t b)
{
    return b == 0x00 || b == 0xff;
}

/*
 * Undoes the x86 branch converter over buf[0..size): the relative targets
 * of E8/E9 (call/jmp rel32) were made absolute (from position start) by the
 * encoder.  The prev_mask logic skips opcode-like bytes inside a previous
 * candidate's operand, exactly as the encoder did.
 */
static void bcj_x86(uint8_t *buf, size_t size, uint32_t start)
{
    static const bool mask_ok[8] = { true, true, true, false, true, false, false, false };
    static const uint8_t mask_bit[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    size_t i, prev_pos = (size_t)-1;
    uint32_t prev_mask = 0;

    if (size <= 4)
        return;
    size -= 4;
    for (i = 0; i < size; i++) {
        if ((buf[i] & 0xfe) != 0xe8)
            continue;
        prev_pos = i - prev_pos;
        if (prev_pos > 3) {
            prev_mask = 0;
        } else {
            prev_mask = (prev_mask << (prev_pos - 1)) & 7;
            if (prev_mask && (!mask_ok[prev_mask] ||
                              x86_msbyte_ok(buf[i + 4 - mask_bit[prev_mask]]))) {
                prev_pos = i;
                prev_mask = (prev_mask << 1) | 1;
                continue;
            }
        }
        prev_pos = i;
        if (!x86_msbyte_ok(buf[i + 4])) {
            prev_mask = (prev_mask << 1) | 1;
            continue;
        }
        uint32_t src = (uint32_t)le(buf + i + 1, 4), dest;
        for (;;) {
            dest = src - (start + (uint32_t)i + 5);
            if (!prev_mask)
                break;
            unsigned int j = mask_bit[prev_mask] * 8;
            if (!x86_msbyte_ok((uint8_t)(dest >> (24 - j))))
                break;
            src = dest ^ ((1u << (32 - j)) - 1);
        }
        dest &= 0x01ffffff;
        dest |= 0u - (dest & 0x01000000);
        buf[i + 1] = dest;
        buf[i + 2] = dest >> 8;
        buf[i + 3] = dest >> 16;
        buf[i + 4] = dest >> 24;
        i += 4;
    }
}

/* --- .xz container ---------------------------------------------------- */

#define FILTER_X86 0x04
#define FILTER_LZMA2 0x21
#define CHECK_NONE 0
#define CHECK_CRC32 1
#define CHECK_CRC64 4

struct stream {
    const uint8_t *in;
    size_t len, pos;
    uint8_t *out;
    size_t cap, out_pos;
    unsigned int check;
    uint64_t nblocks;
    uint32_t index_hash;    /* CRC32 over the (unpadded, uncompressed) pairs */
};

/* Multibyte integer: 7 bits per byte, at most 9 bytes, minimal encoding. */
static int vli(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (unsigned int i = 0; i < 9; i++) {
        if (*pos >= len)
            return -EINVAL;
        uint8_t b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return (i > 0 && b == 0) ? -EINVAL : 0;
    }
    return -EINVAL;
}

static unsigned int check_size(unsigned int check)
{
    return check == CHECK_CRC32 ? 4 : check == CHECK_CRC64 ? 8 : 0;
}

static void hash_record(struct stream *s, uint64_t unpadded, uint64_t usize)
{
    uint8_t rec[16];

    for (int i = 0; i < 8; i++) {
        rec[i] = unpadded >> (8 * i);
        rec[8 + i] = usize >> (8 * i);
    }
    s->index_hash = crc32(rec, sizeof(rec), s->index_hash);
    s->nblocks++;
}

struct block_hdr {
    size_t size;
    uint64_t csize, usize;      /* UINT64_MAX: not given */
    bool x86;
    uint32_t x86_start;
};

static int block_header(struct stream *s, struct block_hdr *h)
{
    const uint8_t *b = s->in + s->pos;
    size_t p = 2, end;
    uint64_t id, psize;
    unsigned int nfilters;

    h->size = ((size_t)b[0] + 1) * 4;
    if (h->size > s->len - s->pos)
        return -EINVAL;
    end = h->size - 4;
    if (crc32(b, end, 0) != le(b + end, 4))
        return -EILSEQ;
    if (b[1] & 0x3c)
        return -ENOSYS;                 /* reserved flags */
    nfilters = (b[1] & 3) + 1;
    h->csize = h->usize = UINT64_MAX;
    h->x86 = false;
    h->x86_start = 0;
    if ((b[1] & 0x40) && vli(b, end, &p, &h->csize))
        return -EINVAL;
    if ((b[1] & 0x80) && vli(b, end, &p, &h->usize))
        return -EINVAL;
    for (unsigned int i = 0; i < nfilters; i++) {
        if (vli(b, end, &p, &id) || vli(b, end, &p, &psize) || psize > end - p)
            return -EINVAL;
        bool last = i == nfilters - 1;
        if (id == FILTER_LZMA2 && last && psize == 1) {
            if (b[p] > 40)
                return -EINVAL;         /* dictionary size byte */
        } else if (id == FILTER_X86 && !last && !h->x86 && (psize == 0 || psize == 4)) {
            h->x86 = true;
            h->x86_start = psize ? (uint32_t)le(b + p, 4) : 0;
        } else {
            return -ENOSYS;             /* filter (chain) not supported */
        }
        p += psize;
    }
    for (; p < end; p++)
        if (b[p])
            return -EINVAL;             /* header padding must be zero */
    s->pos += h->size;
    return 0;
}

static int block(struct stream *s)
{
    struct block_hdr h;
    size_t used, start = s->out_pos, csize;
    unsigned int cs = check_size(s->check);
    int rc;

    rc = block_header(s, &h);
    if (rc)
        return rc;
    rc = lzma2_decode(s->in + s->pos, s->len - s->pos, &used, s->out, s->cap, &s->out_pos);
    if (rc)
        return rc;
    csize = used;
    if ((h.csize != UINT64_MAX && h.csize != csize) ||
        (h.usize != UINT64_MAX && h.usize != s->out_pos - start))
        return -EINVAL;
    s->pos += used;
    while (used++ & 3) {                /* block padding */
        if (s->pos >= s->len || s->in[s->pos++])
            return -EINVAL;
    }
    if (h.x86)
        bcj_x86(s->out + start, s->out_pos - start, h.x86_start);
    if (cs > s->len - s->pos)
        return -EINVAL;
    if ((s->check == CHECK_CRC32 &&
         crc32(s->out + start, s->out_pos - start, 0) != le(s->in + s->pos, 4)) ||
        (s->check == CHECK_CRC64 &&
         crc64(s->out + start, s->out_pos - start, 0) != le(s->in + s->pos, 8)))
        return -EILSEQ;
    s->pos += cs;
    hash_record(s, h.size + csize + cs, s->out_pos - start);
    return 0;
}

/* Index (must list exactly the blocks seen) and stream footer. */
static int index_and_footer(struct stream *s, const uint8_t *flags)
{
    size_t start = s->pos, p = s->pos + 1;
    uint64_t n, unpadded, usize;
    struct stream chk = { .index_hash = 0 };

    if (vli(s->in, s->len, &p, &n) || n != s->nblocks)
        return -EINVAL;
    for (uint64_t i = 0; i < n; i++) {
        if (vli(s->in, s->len, &p, &unpadded) || vli(s->in, s->len, &p, &usize))
            return -EINVAL;
        hash_record(&chk, unpadded, usize);
    }
    if (chk.index_hash != s->index_hash)
        return -EINVAL;
    while ((p - start) & 3) {
        if (p >= s->len || s->in[p++])
            return -EINVAL;
    }
    if (s->len - p < 4 + 12)
        return -EINVAL;
    if (crc32(s->in + start, p - start, 0) != le(s->in + p, 4))
        return -EILSEQ;
    p += 4;
    const uint8_t *f = s->in + p;
    if (crc32(f + 4, 6, 0) != le(f, 4))
        return -EILSEQ;
    if (le(f + 4, 4) != (p - start) / 4 - 1 || memcmp(f + 8, flags, 2) || memcmp(f + 10, "YZ", 2))
        return -EINVAL;
    return 0;
}

static int decode_stream(struct stream *s)
{
    static const uint8_t magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
    const uint8_t *in = s->in;
    int rc;

    if (s->len < 12 + 12 || memcmp(in, magic, 6))
        return -EINVAL;
    if (crc32(in + 6, 2, 0) != le(in + 8, 4))
        return -EILSEQ;
    if (in[6] || in[7] > 15)
        return -ENOSYS;
    s->check = in[7];
    if (s->check != CHECK_NONE && s->check != CHECK_CRC32 && s->check != CHECK_CRC64)
        return -ENOSYS;
    s->pos = 12;
    for (;;) {
        if (s->pos >= s->len)
            return -EINVAL;
        if (in[s->pos] == 0)
            return index_and_footer(s, in + 6);
        rc = block(s);
        if (rc)
            return rc;
    }
}

int xz_decompress(const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
    struct stream s = { .in = in, .len = in_len, .out = out, .cap = out_cap };
    int rc;

    if (!in || (!out && out_cap))
        return -EINVAL;
    if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
        return -EBUSY;
    crc_init();
    rc = decode_stream(&s);
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
    if (!rc)
        *out_len = s.out_pos;
    return rc;
}
