/* gx_kernels.h - the per-thread bodies of the CUDA backend, written once.
 *
 * Every device stage of the GPU codec is a function of one thread index (1D:
 * `i`, 2D: row `o` and column `j`) that reads and writes global memory through
 * an argument struct and never talks to other threads of the same launch except
 * through atomics whose result does not depend on their order (OR of bits, sums).
 * nvcc compiles these bodies as __host__ __device__ functions that the kernels
 * of gx_backend_cuda.cu call; the C compiler compiles the same text for
 * gx_backend_emu.c, which calls them from plain loops. So CI, without a GPU,
 * runs the GPU path's arithmetic on the CPU and compares its bytes with the CPU
 * codec (tests/gpu/). The per-point arithmetic itself is src/decompose/predict.h,
 * shared with the CPU codec; build with -ffp-contract=off (C) and --fmad=false
 * (CUDA) so no side fuses a multiply-add the other does not.
 *
 * Layout of the stages (docs/gpu.md has the picture):
 *   gx_interp_body.h   decomposition + quantization per pass, plan estimate
 *   level order        gx_level_pos(): a point's position in the CODES order
 *   Huffman encode     lengths (two-queue, as src/entropy/huffman_encode.c),
 *                      canonical codes, tables, bit chunks
 *   Huffman decode     table parse, self-synchronising subsequences, output
 *   selection          bitmap popcounts for index-order compaction (UNPRED,
 *                      SPECIALS) and for the level-order rank of special points
 */
#ifndef STRATA_GX_KERNELS_H
#define STRATA_GX_KERNELS_H

#include <stdint.h>
#include <string.h>
#include "decompose/predict.h"
#include "entropy/huffman_tree.h"

#ifdef __CUDACC__
#  define GX_HD __host__ __device__ __forceinline__
#else
#  define GX_HD static inline
#endif

#define GX_SEGMENT_LEN (1u << 18) /* = STRATA_SEGMENT_LEN of src/compress.c */
#define GX_HUFF_MAX_LEN 24        /* = STRATA_HUFF_MAX_LEN of src/entropy/huffman.h */
#define GX_LUT_BITS 11            /* decoder: codes up to this long resolve in one lookup */
#define GX_CHUNK 32               /* encoder: symbols per thread of the bit writer */
#define GX_SUBSEQ_BITS 512        /* decoder: bits per thread of the self-synchronising pass */

/* ---- bit helpers ------------------------------------------------------------ */
GX_HD unsigned gx_popc32(uint32_t x)
{
#ifdef __CUDA_ARCH__
    return (unsigned)__popc(x);
#else
    return (unsigned)__builtin_popcount(x);
#endif
}

GX_HD unsigned gx_ctz64(uint64_t x) /* x != 0 */
{
#ifdef __CUDA_ARCH__
    return (unsigned)(__ffsll((long long)x) - 1);
#else
    return (unsigned)__builtin_ctzll(x);
#endif
}

GX_HD uint32_t gx_bswap32(uint32_t x)
{
#ifdef __CUDA_ARCH__
    return __byte_perm(x, 0, 0x0123);
#else
    return __builtin_bswap32(x);
#endif
}

GX_HD void gx_atomic_or32(uint32_t *p, uint32_t v)
{
#ifdef __CUDA_ARCH__
    atomicOr((unsigned int *)p, (unsigned int)v);
#else
    *p |= v;
#endif
}

/* Exact whatever the order only for integer-valued doubles (the plan's costs). */
GX_HD void gx_atomic_add_f64(double *p, double v)
{
#ifdef __CUDA_ARCH__
    atomicAdd(p, v);
#else
    *p += v;
#endif
}

GX_HD void gx_atomic_add64(uint64_t *p, uint64_t v)
{
#ifdef __CUDA_ARCH__
    atomicAdd((unsigned long long *)p, (unsigned long long)v);
#else
    *p += v;
#endif
}

GX_HD void gx_atomic_add32(uint32_t *p, uint32_t v)
{
#ifdef __CUDA_ARCH__
    atomicAdd((unsigned int *)p, (unsigned int)v);
#else
    *p += v;
#endif
}

/* c[k] for a run-time k without indexing a register array (which would put the
 * array in local memory). */
GX_HD uint64_t gx_pick(const uint64_t c[4], int k)
{
    return k == 0 ? c[0] : k == 1 ? c[1] : k == 2 ? c[2] : c[3];
}

GX_HD int gx_bit(const uint32_t *bits, uint64_t i) { return (int)((bits[i >> 5] >> (i & 31)) & 1u); }

/* Quotient and remainder, in 32 bits when both fit (much cheaper on a GPU). */
GX_HD void gx_divmod(uint64_t a, uint64_t b, uint64_t *q, uint64_t *r)
{
    if (((a | b) >> 32) == 0) {
        const uint32_t q32 = (uint32_t)a / (uint32_t)b;
        *q = q32;
        *r = (uint32_t)a - q32 * (uint32_t)b;
    } else {
        *q = a / b;
        *r = a - *q * b;
    }
}

/* Rank of bit i among the set bits of `bits` (index order), given the exclusive
 * prefix sums `off` of the words' popcounts. */
GX_HD uint64_t gx_rank(const uint32_t *bits, const uint64_t *off, uint64_t i)
{
    const uint32_t below = bits[i >> 5] & ((1u << (i & 31)) - 1u);
    return off[i >> 5] + gx_popc32(below);
}

/* ---- geometry -------------------------------------------------------------- */
/* The 4D view of src/decompose/grid.h: extents slowest first, element strides. */
typedef struct {
    uint64_t n[4], st[4];
} gx_grid;

/* A lattice of points: per dimension a start, a step and a count (a pass of the
 * decomposition, or the whole grid). Rows run along dimension 3. */
typedef struct {
    uint64_t start[4], step[4], cnt[4];
} gx_lattice;

GX_HD void gx_lattice_coords(const gx_lattice *L, uint64_t o, uint64_t j, uint64_t c[4])
{
    uint64_t q, m0, m1, m2;
    gx_divmod(o, L->cnt[2], &q, &m2);
    gx_divmod(q, L->cnt[1], &m0, &m1);
    c[0] = L->start[0] + m0 * L->step[0];
    c[1] = L->start[1] + m1 * L->step[1];
    c[2] = L->start[2] + m2 * L->step[2];
    c[3] = L->start[3] + j * L->step[3];
}

/* The points one pass visits (strata_pass_geom_init of interp_template.h):
 * level stride s, interpolated dimension k, dimensions already passed `done`.
 * Returns 0 for an empty pass. */
GX_HD int gx_pass_init(gx_lattice *L, const gx_grid *g, uint64_t s, int k, const int done[4])
{
    for (int j = 0; j < 4; j++) {
        L->start[j] = j == k ? s : 0;
        L->step[j] = (j == k || !done[j]) ? 2 * s : s;
        L->cnt[j] = g->n[j] > L->start[j] ? (g->n[j] - 1 - L->start[j]) / L->step[j] + 1 : 0;
    }
    return L->cnt[0] * L->cnt[1] * L->cnt[2] != 0 && L->cnt[3] != 0;
}

/* A multi-dimensional pass (strata_pass_geom_md_init): the points new along
 * exactly the dimensions in `odd`. Returns 0 for an empty pass. */
GX_HD int gx_pass_md_init(gx_lattice *L, const gx_grid *g, uint64_t s, unsigned odd)
{
    for (int j = 0; j < 4; j++) {
        L->start[j] = (odd >> j) & 1 ? s : 0;
        L->step[j] = 2 * s;
        L->cnt[j] = g->n[j] > L->start[j] ? (g->n[j] - 1 - L->start[j]) / L->step[j] + 1 : 0;
    }
    return L->cnt[0] * L->cnt[1] * L->cnt[2] != 0 && L->cnt[3] != 0;
}

/* Position of the point at coordinates c in the level order of the codes
 * (format.md 4.3), special points included: strata_level_pos() of grid.h. */
GX_HD uint64_t gx_level_pos(const gx_grid *g, const uint64_t c[4])
{
    const uint64_t any = c[0] | c[1] | c[2] | c[3];
    return any ? strata_level_pos(g->n, c, gx_ctz64(any)) : 0;
}

/* Where the code of a point at level-order position pos goes once the special
 * points are left out: pos minus the special points before it. */
GX_HD uint64_t gx_slot(const uint32_t *lo_bits, const uint64_t *lo_off, uint64_t pos)
{
    return lo_bits ? pos - gx_rank(lo_bits, lo_off, pos) : pos;
}

/* ---- special points ------------------------------------------------------------ */
GX_HD int gx_special_f32(float v, int has_fill, float fill)
{
    return !isfinite(v) || (has_fill && v == fill);
}
GX_HD int gx_special_f64(double v, int has_fill, double fill)
{
    return !isfinite(v) || (has_fill && v == fill);
}

/* ---- selection: index-order compaction through bitmaps -------------------------- */
typedef struct {
    const uint32_t *bits;  /* selected points */
    uint64_t *count;       /* per word: popcount (input of an exclusive scan) */
    const uint64_t *off;   /* per word: exclusive scan of count */
    const void *in;        /* gather: the field; scatter: the compacted values */
    void *out;             /* gather: compacted values; scatter: the field */
    uint64_t n;            /* points */
} gx_select_args;

GX_HD void gx_select_count(const gx_select_args *a, uint64_t w)
{
    a->count[w] = gx_popc32(a->bits[w]);
}

/* The copies run over tiles of 32 words (1024 points): thread i takes bit i % 32
 * of each word of tile i / 32, so a warp's loads and stores cover whole lines, and
 * each thread has 32 points' worth of independent loads in flight. A thread a
 * word made each warp instruction touch 32 lines (0.5 ms for 10% of 1 GB); a
 * thread a point made a wave of threads per 64K points, each waiting on its
 * loads in turn. gx_select_nan writes NaN to the selected points (see
 * gx_interp_args.mask). Launch gx_tile_threads(n) threads. */
#define GX_TILE_WORDS 32
GX_HD uint64_t gx_tile_threads(uint64_t n)
{
    return ((n + 31) / 32 + GX_TILE_WORDS - 1) / GX_TILE_WORDS * 32;
}

/* The words of thread i's tile: [*w0, return). */
GX_HD uint64_t gx_tile_words(uint64_t n, uint64_t i, uint64_t *w0)
{
    const uint64_t words = (n + 31) / 32;
    *w0 = (i >> 5) * GX_TILE_WORDS;
    return *w0 + GX_TILE_WORDS < words ? *w0 + GX_TILE_WORDS : words;
}

/* The three copies in one loop; `op` is a constant once inlined. */
enum { GX_GATHER, GX_SCATTER, GX_MARK_NAN };
#define GX_DEFINE_SELECT(W, U)                                                          \
    GX_HD void gx_select_tile_##W(const gx_select_args *a, uint64_t i, int op)          \
    {                                                                                   \
        const unsigned t = (unsigned)(i & 31);                                          \
        uint64_t w0;                                                                    \
        const uint64_t w1 = gx_tile_words(a->n, i, &w0);                                \
        for (uint64_t w = w0; w < w1; w++) {                                            \
            const uint32_t b = a->bits[w];                                              \
            if (!((b >> t) & 1u)) continue;                                             \
            const uint64_t p = (w << 5) + t;                                            \
            const uint64_t k = a->off ? a->off[w] + gx_popc32(b & ((1u << t) - 1u)) : 0; \
            if (op == GX_GATHER) ((U *)a->out)[k] = ((const U *)a->in)[p];              \
            else if (op == GX_SCATTER) ((U *)a->out)[p] = ((const U *)a->in)[k];        \
            else ((U *)a->out)[p] = GX_NAN_##W;                                         \
        }                                                                               \
    }                                                                                   \
    GX_HD void gx_select_gather_##W(const gx_select_args *a, uint64_t i)                \
    {                                                                                   \
        gx_select_tile_##W(a, i, GX_GATHER);                                            \
    }                                                                                   \
    GX_HD void gx_select_scatter_##W(const gx_select_args *a, uint64_t i)               \
    {                                                                                   \
        gx_select_tile_##W(a, i, GX_SCATTER);                                           \
    }                                                                                   \
    GX_HD void gx_select_nan_##W(const gx_select_args *a, uint64_t i)                   \
    {                                                                                   \
        gx_select_tile_##W(a, i, GX_MARK_NAN);                                          \
    }
/* Quiet NaNs of each width, as integers (the copies move bit patterns). */
#define GX_NAN_4 0x7fc00000u
#define GX_NAN_8 0x7ff8000000000000ull
GX_DEFINE_SELECT(4, uint32_t)
GX_DEFINE_SELECT(8, uint64_t)
#undef GX_DEFINE_SELECT

/* The inverse of gx_level_pos() (strata_pos_coords() of grid.h). */
GX_HD void gx_pos_coords(const gx_grid *g, uint64_t pos, uint64_t c[4])
{
    strata_pos_coords(g->n, pos, c);
}

/* The level-order position of the code in `slot` (special points left out):
 * the slot-th position whose lo_bits bit is clear. */
GX_HD uint64_t gx_slot_pos(const uint32_t *lo_bits, const uint64_t *lo_off, uint64_t words, uint64_t slot)
{
    if (!lo_bits) return slot;
    uint64_t lo = 0, hi = words; /* largest w with 32w - lo_off[w] <= slot */
    while (hi - lo > 1) {
        const uint64_t mid = (lo + hi) / 2;
        if (32 * mid - lo_off[mid] <= slot) lo = mid;
        else hi = mid;
    }
    uint64_t r = slot - (32 * lo - lo_off[lo]);
    uint32_t free_bits = ~lo_bits[lo];
    for (; r; r--) free_bits &= free_bits - 1;
    return 32 * lo + gx_ctz64(free_bits);
}

GX_HD void gx_index_coords(const gx_grid *g, uint64_t idx, uint64_t c[4])
{
    uint64_t q;
    gx_divmod(idx, g->n[3], &q, &c[3]);
    gx_divmod(q, g->n[2], &q, &c[2]);
    gx_divmod(q, g->n[1], &c[0], &c[1]);
}

typedef struct {
    gx_grid g;
    const uint32_t *mask;    /* special points, index order */
    uint32_t *lo_bits;       /* special points, level order (out) */
    const uint64_t *lo_off;
    uint64_t lo_words;
    const uint16_t *sym;     /* decode: codes in level order */
    uint64_t nsym;
    uint32_t *unpred_bits;   /* decode: points of code 0, index order (out) */
} gx_mark_args;

/* Level-order bitmap of the special points, one mask word per thread. (Over the
 * selections' tiles it was slower: a warp's lanes then mark neighbouring level-order
 * positions, atomics on the same words.) */
GX_HD void gx_mark_special_lo(const gx_mark_args *a, uint64_t w)
{
    for (uint32_t b = a->mask[w]; b; b &= b - 1) {
        uint64_t c[4];
        gx_index_coords(&a->g, (w << 5) + gx_ctz64(b), c);
        const uint64_t p = gx_level_pos(&a->g, c);
        gx_atomic_or32(&a->lo_bits[p >> 5], 1u << (p & 31));
    }
}

/* Decoder: the points whose code is 0 take the UNPRED values in index order;
 * mark them, from the codes' side. Zeros are rare, so a thread tests 8 codes with
 * two 8-byte loads (sym is an allocation's start: aligned) and only looks closer
 * when one of them holds a zero code. */
GX_HD void gx_mark_unpred_one(const gx_mark_args *a, uint64_t slot)
{
    uint64_t c[4];
    gx_pos_coords(&a->g, gx_slot_pos(a->lo_bits, a->lo_off, a->lo_words, slot), c);
    const uint64_t idx = c[0] * a->g.st[0] + c[1] * a->g.st[1] + c[2] * a->g.st[2] + c[3];
    gx_atomic_or32(&a->unpred_bits[idx >> 5], 1u << (idx & 31));
}

GX_HD int gx_has_zero16(uint64_t x)
{
    return ((x - 0x0001000100010001ull) & ~x & 0x8000800080008000ull) != 0;
}

GX_HD void gx_mark_unpred(const gx_mark_args *a, uint64_t group)
{
    const uint64_t s0 = group * 8;
    if (s0 + 8 <= a->nsym) {
        uint64_t w[2];
#ifdef __CUDA_ARCH__
        w[0] = ((const uint64_t *)(a->sym + s0))[0];
        w[1] = ((const uint64_t *)(a->sym + s0))[1];
#else
        memcpy(w, a->sym + s0, 16); /* no aliasing assumption on the host */
#endif
        if (!gx_has_zero16(w[0]) && !gx_has_zero16(w[1])) return;
    }
    const uint64_t s1 = s0 + 8 < a->nsym ? s0 + 8 : a->nsym;
    for (uint64_t s = s0; s < s1; s++)
        if (a->sym[s] == 0) gx_mark_unpred_one(a, s);
}

/* ---- plan estimate -------------------------------------------------------------- */
/* One pass of one plan candidate, as FN(estimate_pass) samples it: rows 0, every,
 * 2*every, ... (a "task" each). The costs of every sampled point are computed in
 * parallel (gx_est_point_*), summed per task in chunks (gx_est_row) and per pass
 * (gx_est_sum). The costs are integers, so every association gives the CPU's sums;
 * a special point adds 0. */
typedef struct {
    gx_lattice L;
    uint64_t s, ds, every, task0, point0, chunk0;
    double inv_step; /* the level's 1 / (2 eb_l), for strata_est_cost */
    int k;           /* -1: a multi-dimensional pass over the dimensions in odd */
    unsigned odd;
} gx_est_pass;

typedef struct {
    gx_grid g;
    const void *src;
    const uint32_t *mask;
    const gx_est_pass *passes;
    uint64_t npasses, ntasks, npoints;
    double *pe0, *pe1;   /* per sampled point */
    uint8_t *pv;         /* per sampled point: 1 unless special */
    double *err0, *err1; /* per task (row) */
    uint64_t *cnt;
    const uint64_t *entry_task0; /* per entry: its first task (entries own consecutive tasks) */
    double *tot0, *tot1; /* per entry */
    uint64_t *tot_cnt;
} gx_est_args;

enum { GX_BY_TASK, GX_BY_POINT, GX_BY_CHUNK };

GX_HD const gx_est_pass *gx_est_find(const gx_est_args *a, uint64_t i, int by)
{
    uint64_t lo = 0, hi = a->npasses; /* largest p with first <= i */
    while (hi - lo > 1) {
        const uint64_t mid = (lo + hi) / 2;
        const gx_est_pass *m = &a->passes[mid];
        if ((by == GX_BY_POINT ? m->point0 : by == GX_BY_CHUNK ? m->chunk0 : m->task0) <= i) lo = mid;
        else hi = mid;
    }
    return &a->passes[lo];
}

/* A task's (sampled row's) sums, GX_EST_CHUNK points a thread: the costs are
 * integers, so the atomic adds give the CPU's sums whatever their order, and a
 * long row does not serialise the estimate. */
#define GX_EST_CHUNK 256
GX_HD void gx_est_row(const gx_est_args *a, uint64_t chunk)
{
    const gx_est_pass *ps = gx_est_find(a, chunk, GX_BY_CHUNK);
    const uint64_t n3 = ps->L.cnt[3], per_task = (n3 + GX_EST_CHUNK - 1) / GX_EST_CHUNK;
    const uint64_t task = ps->task0 + (chunk - ps->chunk0) / per_task;
    const uint64_t j0 = (chunk - ps->chunk0) % per_task * GX_EST_CHUNK;
    const uint64_t j1 = j0 + GX_EST_CHUNK < n3 ? j0 + GX_EST_CHUNK : n3;
    const uint64_t p0 = ps->point0 + (task - ps->task0) * n3;
    double e0 = 0, e1 = 0;
    uint64_t n = 0;
    for (uint64_t j = j0; j < j1; j++) {
        e0 += a->pe0[p0 + j];
        e1 += a->pe1[p0 + j];
        n += a->pv[p0 + j];
    }
    gx_atomic_add_f64(&a->err0[task], e0);
    gx_atomic_add_f64(&a->err1[task], e1);
    gx_atomic_add64(&a->cnt[task], n);
}

GX_HD void gx_est_sum(const gx_est_args *a, uint64_t e)
{
    double t0 = 0, t1 = 0;
    uint64_t c = 0;
    for (uint64_t t = a->entry_task0[e]; t < a->entry_task0[e + 1]; t++) {
        t0 += a->err0[t];
        t1 += a->err1[t];
        c += a->cnt[t];
    }
    a->tot0[e] = t0;
    a->tot1[e] = t1;
    a->tot_cnt[e] = c;
}

/* ---- Huffman encoding (one table per segment, format.md 4.3) -------------------- */
typedef struct {
    uint64_t nseg, nsym, seg_len, chunks_per_seg;
    const uint16_t *sym;
    const uint64_t *used_off;   /* nseg + 1: each segment's used symbols */
    const uint16_t *used_sym;   /* ascending within a segment */
    const uint32_t *used_freq;
    const uint64_t *keys;       /* sorted: freq << 16 | index into the segment's used list */
    uint64_t *w;                /* scratch, 2 per used symbol */
    int32_t *parent;            /* scratch, 2 per used symbol */
    uint8_t *len;               /* per used symbol */
    uint8_t *flag;              /* per segment: longest code > GX_HUFF_MAX_LEN */
    uint32_t *nflag;
    uint32_t *table;            /* 65536 per segment: code | length << 24 */
    uint64_t *tbytes, *seg_size;/* per segment: table bytes, all bytes */
    const uint64_t *seg_off;    /* exclusive scan of seg_size */
    uint8_t *body;              /* CODES body; 4-byte aligned, zeroed */
    uint64_t data0;             /* 16 + 8 * nseg: where segment 0 starts */
    uint64_t *chunk_bits;
    const uint64_t *chunk_pos;  /* exclusive scan of chunk_bits */
} gx_huff_args;

/* Code lengths of one segment: strata_huffman_tree() (src/entropy/huffman_tree.h,
 * as the CPU encoder) over leaves sorted by (frequency, symbol); the
 * sort is done beforehand (a segmented sort of the keys). A segment whose longest
 * code exceeds GX_HUFF_MAX_LEN is flagged: the host runs the reference code with
 * its frequency flattening on it (rare: needs Fibonacci-like frequencies). */
GX_HD void gx_huff_lengths(const gx_huff_args *a, uint64_t seg)
{
    const uint64_t off = a->used_off[seg];
    const int m = (int)(a->used_off[seg + 1] - off);
    uint8_t *len = a->len + off;
    if (m == 1) {
        len[0] = 1;
        return;
    }
    const uint64_t *key = a->keys + off;
    uint64_t *w = a->w + 2 * off;
    int32_t *parent = a->parent + 2 * off;
    for (int i = 0; i < m; i++) w[i] = key[i] >> 16;
    const int maxlen = strata_huffman_tree(w, parent, m);
    for (int x = 0; x < m; x++) len[key[x] & 0xffff] = (uint8_t)(w[x] > 255 ? 255 : w[x]);
    if (maxlen > GX_HUFF_MAX_LEN) {
        a->flag[seg] = 1;
        gx_atomic_add32(a->nflag, 1);
    }
}

GX_HD unsigned gx_varint_size(uint64_t v)
{
    unsigned n = 1;
    while (v >= 128) { v >>= 7; n++; }
    return n;
}

GX_HD uint8_t *gx_put_varint(uint8_t *p, uint64_t v)
{
    do {
        const uint8_t c = (uint8_t)(v & 0x7f);
        v >>= 7;
        *p++ = (uint8_t)(c | (v ? 0x80 : 0));
    } while (v);
    return p;
}

GX_HD void gx_put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Canonical codes (canonical_codes() of huffman_encode.c), the segment's table
 * size and its total size. */
GX_HD void gx_huff_canon(const gx_huff_args *a, uint64_t seg)
{
    const uint64_t off = a->used_off[seg];
    const uint64_t m = a->used_off[seg + 1] - off;
    const uint16_t *us = a->used_sym + off;
    const uint32_t *uf = a->used_freq + off;
    const uint8_t *len = a->len + off;
    uint32_t count[GX_HUFF_MAX_LEN + 2], next[GX_HUFF_MAX_LEN + 2];
    for (int l = 0; l < GX_HUFF_MAX_LEN + 2; l++) count[l] = 0;
    for (uint64_t i = 0; i < m; i++) count[len[i]]++;
    uint32_t c = 0;
    for (int l = 1; l <= GX_HUFF_MAX_LEN; l++) {
        next[l] = c;
        c = (c + count[l]) << 1;
    }
    uint32_t *tab = a->table + seg * 65536;
    uint64_t bits = 0, tb = gx_varint_size(m) + m;
    for (uint64_t i = 0; i < m; i++) {
        tab[us[i]] = next[len[i]]++ | (uint32_t)len[i] << 24;
        bits += (uint64_t)uf[i] * len[i];
        tb += gx_varint_size(i ? (uint64_t)(us[i] - us[i - 1] - 1) : us[0]);
    }
    a->tbytes[seg] = tb;
    a->seg_size[seg] = tb + (bits + 7) / 8;
}

/* The segment's table (varint m, symbol gaps, lengths) and its framing entry. */
GX_HD void gx_huff_table(const gx_huff_args *a, uint64_t seg)
{
    const uint64_t off = a->used_off[seg];
    const uint64_t m = a->used_off[seg + 1] - off;
    const uint16_t *us = a->used_sym + off;
    uint8_t *p = a->body + a->data0 + a->seg_off[seg];
    p = gx_put_varint(p, m);
    for (uint64_t i = 0; i < m; i++) p = gx_put_varint(p, i ? (uint64_t)(us[i] - us[i - 1] - 1) : us[0]);
    for (uint64_t i = 0; i < m; i++) p[i] = a->len[off + i];
    gx_put_le(a->body + 16 + 8 * seg, a->seg_size[seg], 8);
    if (seg == 0) {
        gx_put_le(a->body, a->nsym, 8);
        gx_put_le(a->body + 8, a->seg_len, 4);
        gx_put_le(a->body + 12, a->nseg, 4);
    }
}

GX_HD void gx_huff_chunk_range(const gx_huff_args *a, uint64_t c, uint64_t *seg, uint64_t *lo, uint64_t *hi)
{
    *seg = c / a->chunks_per_seg;
    const uint64_t s0 = *seg * a->seg_len;
    uint64_t s1 = s0 + a->seg_len;
    if (s1 > a->nsym) s1 = a->nsym;
    *lo = s0 + (c - *seg * a->chunks_per_seg) * GX_CHUNK;
    *hi = *lo + GX_CHUNK < s1 ? *lo + GX_CHUNK : s1;
}

/* Four symbols at once (p 8-byte aligned): fewer, wider loads. */
GX_HD uint64_t gx_load4(const uint16_t *p)
{
#ifdef __CUDA_ARCH__
    return *(const uint64_t *)p;
#else
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#endif
}

GX_HD void gx_huff_chunk_bits(const gx_huff_args *a, uint64_t c)
{
    uint64_t seg, lo, hi, bits = 0, i = 0;
    gx_huff_chunk_range(a, c, &seg, &lo, &hi);
    const uint32_t *tab = a->table + seg * 65536;
    for (i = lo; i + 4 <= hi; i += 4) { /* lo is a multiple of 32 */
        const uint64_t q = gx_load4(a->sym + i);
        bits += (tab[q & 0xffff] >> 24) + (tab[q >> 16 & 0xffff] >> 24) + (tab[q >> 32 & 0xffff] >> 24) +
                (tab[q >> 48] >> 24);
    }
    for (; i < hi; i++) bits += tab[a->sym[i]] >> 24;
    a->chunk_bits[c] = bits;
}

/* Writes a chunk's codes MSB first; words shared with a neighbour chunk (or with
 * a table written earlier) are combined by OR into the zeroed body. */
GX_HD void gx_huff_chunk_write(const gx_huff_args *a, uint64_t c)
{
    uint64_t seg, lo, hi;
    gx_huff_chunk_range(a, c, &seg, &lo, &hi);
    const uint32_t *tab = a->table + seg * 65536;
    const uint64_t bitpos = (a->data0 + a->seg_off[seg] + a->tbytes[seg]) * 8 +
                            (a->chunk_pos[c] - a->chunk_pos[seg * a->chunks_per_seg]);
    uint32_t *out = (uint32_t *)a->body;
    uint64_t wi = bitpos >> 5, acc = 0;
    unsigned nacc = (unsigned)(bitpos & 31);
    uint64_t q = 0;
    for (uint64_t i = lo; i < hi; i++) {
        /* Whole groups of four (lo is a multiple of 32) come from one 8-byte load. */
        const uint64_t gs = i & ~(uint64_t)3;
        const int whole = gs + 4 <= hi;
        if (whole && i == gs) q = gx_load4(a->sym + gs);
        const unsigned v = whole ? (unsigned)(q >> (16 * (i & 3)) & 0xffff) : a->sym[i];
        const uint32_t e = tab[v];
        const unsigned l = e >> 24;
        acc = (acc << l) | (e & 0xffffffu);
        nacc += l;
        if (nacc >= 32) {
            nacc -= 32;
            gx_atomic_or32(&out[wi++], gx_bswap32((uint32_t)(acc >> nacc)));
        }
    }
    if (nacc) gx_atomic_or32(&out[wi], gx_bswap32((uint32_t)(acc << (32 - nacc))));
}

/* ---- Huffman decoding ------------------------------------------------------------ */
/* A segment's decoding table, as read_table() of huffman_decode.c builds it. */
typedef struct {
    uint32_t lut[1u << GX_LUT_BITS]; /* sym << 8 | len; 0: longer code or invalid */
    uint32_t first[GX_HUFF_MAX_LEN + 2], count[GX_HUFF_MAX_LEN + 2], offset[GX_HUFF_MAX_LEN + 2];
    uint64_t bit0;  /* first data bit of the segment, in the body */
    uint64_t avail; /* data bits */
    uint32_t maxlen, bad;
} gx_hdec_table;

typedef struct {
    uint64_t nseg, nsym, seg_len;
    const uint32_t *words;       /* the CODES body (4-byte aligned, zero padded) */
    const uint64_t *seg_start;   /* per segment: byte offset in the body */
    const uint64_t *seg_size;
    const uint64_t *sorted_off;  /* per segment: where its symbols by (length, symbol) go */
    uint16_t *sorted;
    gx_hdec_table *tables;
    const uint64_t *sub_off;     /* nseg + 1: first subsequence of each segment */
    uint64_t *start;             /* per subsequence: where its first codeword starts */
    const uint64_t *exit_in;     /* previous round: where each subsequence's decoding left off */
    uint64_t *exit_out;
    uint64_t *cnt;               /* symbols started inside each subsequence */
    const uint64_t *sym_off;     /* exclusive scan of cnt */
    int round;                   /* 0: start at the nominal boundaries */
    uint32_t *moved;             /* per segment, last round only: a start moved */
    uint16_t *out;
    uint32_t *err;
} gx_hdec_args;

/* MSB-first bit reader over 32-bit big-endian words, zeros at and past `end`
 * (the CPU decoder reads zeros past its segment, too). */
typedef struct {
    const uint32_t *w;
    uint64_t end, pos, win;
    unsigned have;
} gx_bitrd;

GX_HD uint32_t gx_word_be(const uint32_t *w, uint64_t wi, uint64_t end)
{
    const uint64_t b0 = wi << 5;
    if (b0 >= end) return 0;
    uint32_t x = gx_bswap32(w[wi]);
    if (end - b0 < 32) x &= ~(0xffffffffu >> (end - b0));
    return x;
}

GX_HD void gx_bitrd_fill(gx_bitrd *r)
{
    if (r->have <= 32) {
        r->win |= (uint64_t)gx_word_be(r->w, (r->pos + r->have) >> 5, r->end) << (32 - r->have);
        r->have += 32;
    }
}

GX_HD void gx_bitrd_init(gx_bitrd *r, const uint32_t *w, uint64_t end, uint64_t pos)
{
    const unsigned k = (unsigned)(pos & 31);
    r->w = w;
    r->end = end;
    r->pos = pos;
    r->win = (uint64_t)(uint32_t)(gx_word_be(w, pos >> 5, end) << k) << 32;
    r->have = 32 - k;
}

/* Decodes one codeword; returns 0 (having skipped one bit) if the bits match no
 * code, which is an error only where the CPU decoder would read them too. */
GX_HD int gx_hdec_one(const gx_hdec_table *t, const uint16_t *sorted, gx_bitrd *r, unsigned *sym)
{
    gx_bitrd_fill(r);
    const uint32_t e = t->lut[r->win >> (64 - GX_LUT_BITS)];
    unsigned len = 0;
    if (e) {
        *sym = e >> 8;
        len = e & 0xff;
    } else {
        for (unsigned l = GX_LUT_BITS + 1; l <= t->maxlen; l++) {
            const uint32_t code = (uint32_t)(r->win >> (64 - l));
            if (code - t->first[l] < t->count[l]) {
                *sym = sorted[t->offset[l] + code - t->first[l]];
                len = l;
                break;
            }
        }
    }
    const int ok = len != 0;
    if (!ok) len = 1;
    r->win <<= len;
    r->have -= len;
    r->pos += len;
    return ok;
}

GX_HD int gx_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return 0;
        const uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) { *out = v; return 1; }
    }
    return 0;
}

/* Parses segment `seg`'s table with every check of read_table(); bad = 1 if it
 * is malformed. */
GX_HD void gx_hdec_parse(const gx_hdec_args *a, uint64_t seg)
{
    gx_hdec_table *t = &a->tables[seg];
    const uint8_t *base = (const uint8_t *)a->words + a->seg_start[seg];
    const uint8_t *p = base, *end = base + a->seg_size[seg];
    uint64_t m, v, sym = 0;
    t->bad = 1;
    if (!gx_read_varint(&p, end, &m) || m == 0 || m > 65536) return;
    const uint8_t *syms = p;
    for (uint64_t i = 0; i < m; i++) {
        if (!gx_read_varint(&p, end, &v) || v > 65535) return;
        sym = i ? sym + 1 + v : v;
        if (sym > 65535) return;
    }
    if ((uint64_t)(end - p) < m) return;
    const uint8_t *lens = p;
    uint32_t maxlen = 0, fill[GX_HUFF_MAX_LEN + 2];
    for (int l = 0; l < GX_HUFF_MAX_LEN + 2; l++) t->count[l] = t->first[l] = t->offset[l] = 0;
    for (uint64_t i = 0; i < m; i++) {
        const uint8_t l = lens[i];
        if (l < 1 || l > GX_HUFF_MAX_LEN) return;
        t->count[l]++;
        if (l > maxlen) maxlen = l;
    }
    uint64_t c = 0;
    uint32_t off = 0;
    for (int l = 1; l <= GX_HUFF_MAX_LEN; l++) {
        t->first[l] = (uint32_t)c;
        t->offset[l] = off;
        fill[l] = off;
        off += t->count[l];
        c += t->count[l];
        if (c > ((uint64_t)1 << l)) return;
        c <<= 1;
    }
    for (uint32_t e = 0; e < (1u << GX_LUT_BITS); e++) t->lut[e] = 0;
    uint16_t *sorted = a->sorted + a->sorted_off[seg];
    p = syms;
    sym = 0;
    for (uint64_t i = 0; i < m; i++) {
        gx_read_varint(&p, end, &v);
        sym = i ? sym + 1 + v : v;
        const unsigned l = lens[i];
        const uint32_t r = fill[l]++;
        sorted[r] = (uint16_t)sym;
        if (l <= GX_LUT_BITS) {
            const uint32_t code = t->first[l] + (r - t->offset[l]);
            const uint32_t lo = code << (GX_LUT_BITS - l), span = 1u << (GX_LUT_BITS - l);
            for (uint32_t e = 0; e < span; e++) t->lut[lo + e] = (uint32_t)sym << 8 | l;
        }
    }
    t->maxlen = maxlen;
    t->bit0 = (a->seg_start[seg] + (uint64_t)(lens + m - base)) * 8;
    t->avail = (uint64_t)(end - (lens + m)) * 8;
    t->bad = 0;
}

GX_HD uint64_t gx_find_seg(const uint64_t *off, uint64_t nseg, uint64_t t)
{
    uint64_t lo = 0, hi = nseg; /* largest s with off[s] <= t */
    while (hi - lo > 1) {
        const uint64_t mid = (lo + hi) / 2;
        if (off[mid] <= t) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Decodes from bit `start` (relative to the segment's data) until a codeword
 * starts at or past `hi`; returns where it left off and counts the symbols. */
GX_HD uint64_t gx_hdec_span(const gx_hdec_args *a, const gx_hdec_table *t, uint64_t seg,
                            uint64_t start, uint64_t hi, uint64_t *count)
{
    gx_bitrd r;
    gx_bitrd_init(&r, a->words, t->bit0 + t->avail, t->bit0 + start);
    const uint16_t *sorted = a->sorted + a->sorted_off[seg];
    uint64_t n = 0;
    unsigned sym;
    while (r.pos - t->bit0 < hi) {
        gx_hdec_one(t, sorted, &r, &sym);
        n++;
    }
    *count = n;
    return r.pos - t->bit0;
}

/* One round of the self-synchronising pass. Round 0 starts each subsequence at its
 * nominal boundary; later rounds restart a subsequence where its predecessor left
 * off in the previous round, if that moved. Huffman codes resynchronise within a
 * few codewords, so two rounds usually settle every start; gx_hdec_fixup settles
 * whatever is left, one segment per thread. */
GX_HD void gx_hdec_sync(const gx_hdec_args *a, uint64_t t)
{
    const uint64_t seg = gx_find_seg(a->sub_off, a->nseg, t), local = t - a->sub_off[seg];
    const gx_hdec_table *tb = &a->tables[seg];
    const uint64_t lo = local * GX_SUBSEQ_BITS;
    if (tb->bad || lo >= tb->avail) {
        a->cnt[t] = 0;
        a->start[t] = lo;
        a->exit_out[t] = lo;
        return;
    }
    uint64_t s = lo;
    if (a->round > 0) {
        if (local == 0 || a->exit_in[t - 1] == a->start[t]) {
            a->exit_out[t] = a->exit_in[t];
            return;
        }
        s = a->exit_in[t - 1];
        if (a->moved) a->moved[seg] = 1;
    }
    const uint64_t hi = lo + GX_SUBSEQ_BITS < tb->avail ? lo + GX_SUBSEQ_BITS : tb->avail;
    a->start[t] = s;
    a->exit_out[t] = gx_hdec_span(a, tb, seg, s, hi, &a->cnt[t]);
}

/* Sequentially settles the starts of one segment (exit_out of the last round). */
GX_HD void gx_hdec_fixup(const gx_hdec_args *a, uint64_t seg)
{
    const gx_hdec_table *tb = &a->tables[seg];
    if (tb->bad || (a->moved && !a->moved[seg])) return; /* settled in the last round */
    uint64_t *ex = a->exit_out;
    for (uint64_t t = a->sub_off[seg] + 1; t < a->sub_off[seg + 1]; t++) {
        const uint64_t lo = (t - a->sub_off[seg]) * GX_SUBSEQ_BITS;
        if (lo >= tb->avail) break;
        if (ex[t - 1] == a->start[t]) continue;
        const uint64_t hi = lo + GX_SUBSEQ_BITS < tb->avail ? lo + GX_SUBSEQ_BITS : tb->avail;
        a->start[t] = ex[t - 1];
        ex[t] = gx_hdec_span(a, tb, seg, a->start[t], hi, &a->cnt[t]);
    }
}

GX_HD uint64_t gx_seg_symbols(uint64_t seg, uint64_t seg_len, uint64_t nsym)
{
    const uint64_t lo = seg * seg_len;
    return nsym - lo < seg_len ? nsym - lo : seg_len;
}

/* Per segment: a bad table, or fewer codewords than symbols, is corrupt. */
GX_HD void gx_hdec_check(const gx_hdec_args *a, uint64_t seg)
{
    const uint64_t f = a->sub_off[seg], l = a->sub_off[seg + 1] - 1;
    const uint64_t total = a->sym_off[l] + a->cnt[l] - a->sym_off[f];
    if (a->tables[seg].bad || total < gx_seg_symbols(seg, a->seg_len, a->nsym))
        gx_atomic_or32(a->err, 1);
}

/* Output of the final pass, 8 symbols (16 bytes) a store when a thread owns a
 * whole aligned group, else one at a time. Lane l of the group is bits
 * 16*(l & 3) of word l >> 2 (little endian). */
typedef struct {
    uint16_t *out;
    uint64_t grp, g0, g1;
    uint32_t filled;
} gx_symout;

GX_HD void gx_symout_flush(gx_symout *o)
{
    if (!o->filled) return;
    uint16_t *p = o->out + (o->grp << 3);
    if (o->filled == 0xff) {
#ifdef __CUDA_ARCH__
        *(uint4 *)p = make_uint4((uint32_t)o->g0, (uint32_t)(o->g0 >> 32), (uint32_t)o->g1,
                                 (uint32_t)(o->g1 >> 32));
#else
        memcpy(p, &o->g0, 8);
        memcpy(p + 4, &o->g1, 8);
#endif
    } else {
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
        for (int l = 0; l < 8; l++)
            if (o->filled >> l & 1) p[l] = (uint16_t)((l < 4 ? o->g0 : o->g1) >> (16 * (l & 3)));
    }
    o->filled = 0;
}

GX_HD void gx_symout_put(gx_symout *o, uint64_t i, unsigned sym)
{
    if ((i >> 3) != o->grp) {
        gx_symout_flush(o);
        o->grp = i >> 3;
    }
    const unsigned l = (unsigned)(i & 7), sh = 16 * (l & 3);
    if (l < 4) o->g0 = (o->g0 & ~((uint64_t)0xffff << sh)) | (uint64_t)sym << sh;
    else o->g1 = (o->g1 & ~((uint64_t)0xffff << sh)) | (uint64_t)sym << sh;
    o->filled |= 1u << l;
}

/* Final pass: decodes the subsequence again from its settled start and writes the
 * symbols that belong to the segment; an invalid codeword among them, or a last
 * symbol that ends past the segment's bits, is corrupt (as on the CPU). */
GX_HD void gx_hdec_write(const gx_hdec_args *a, uint64_t t)
{
    const uint64_t seg = gx_find_seg(a->sub_off, a->nseg, t), local = t - a->sub_off[seg];
    const gx_hdec_table *tb = &a->tables[seg];
    const uint64_t lo = local * GX_SUBSEQ_BITS;
    if (tb->bad || lo >= tb->avail) return;
    const uint64_t nsyms = gx_seg_symbols(seg, a->seg_len, a->nsym);
    uint64_t k = a->sym_off[t] - a->sym_off[a->sub_off[seg]];
    if (k >= nsyms) return;
    const uint64_t hi = lo + GX_SUBSEQ_BITS < tb->avail ? lo + GX_SUBSEQ_BITS : tb->avail;
    gx_bitrd r;
    gx_bitrd_init(&r, a->words, tb->bit0 + tb->avail, tb->bit0 + a->start[t]);
    const uint16_t *sorted = a->sorted + a->sorted_off[seg];
    const uint64_t base = seg * a->seg_len;
    gx_symout o;
    o.out = a->out;
    o.grp = ~(uint64_t)0;
    o.g0 = o.g1 = 0;
    o.filled = 0;
    unsigned sym = 0;
    while (r.pos - tb->bit0 < hi && k < nsyms) {
        const int ok = gx_hdec_one(tb, sorted, &r, &sym);
        if (!ok || (k == nsyms - 1 && r.pos - tb->bit0 > tb->avail)) gx_atomic_or32(a->err, 1);
        gx_symout_put(&o, base + k++, sym);
    }
    gx_symout_flush(&o);
}

/* The decomposition, per dtype. */
#define T float
#define SFX f32
#include "gx_interp_body.h"
#define T double
#define SFX f64
#include "gx_interp_body.h"

#endif
