/* wavelet.c - CDF 9/7 lifting over the 4D view, and the coefficients' coding
 * order (wavelet.h, format.md "Method 4"). */
#include <stdlib.h>
#include "wavelet.h"

/* Lifting steps and scaling of the CDF 9/7 (JPEG 2000 irreversible) wavelet.
 * Low-pass values are multiplied by K and high-pass ones by 1/K: with that
 * scaling one uniform step suits every subband (the opposite scaling cost 15-30%
 * of ratio on the shared 3D fields). */
static const double LIFT_A = -1.586134342059924, LIFT_B = -0.052980118572961,
                    LIFT_C = 0.882911075530934, LIFT_D = 0.443506852043971,
                    LIFT_K = 1.230174104914001, LIFT_INV_K = 1.0 / 1.230174104914001;

/* High-pass d[i] += a * (s[i] + s[i + 1]); past the end, s[i + 1] mirrors to s[i]
 * (x[m] = x[m - 2] when m is even). */
static void lift_high(double *d, size_t nd, const double *s, size_t ns, double a)
{
    const size_t full = ns > nd ? nd : nd - 1;
    for (size_t i = 0; i < full; i++) d[i] += a * (s[i] + s[i + 1]);
    if (full < nd) d[nd - 1] += a * (s[nd - 1] + s[nd - 1]);
}

/* Low-pass s[i] += b * (d[i - 1] + d[i]); d[-1] mirrors to d[0] and, when m is
 * odd, d[nd] to d[nd - 1]. */
static void lift_low(double *s, size_t ns, const double *d, size_t nd, double b)
{
    s[0] += b * (d[0] + d[0]);
    const size_t full = ns > nd ? nd : ns;
    for (size_t i = 1; i < full; i++) s[i] += b * (d[i - 1] + d[i]);
    if (ns > nd) s[ns - 1] += b * (d[nd - 1] + d[nd - 1]);
}

/* One split of x[0..m), m >= 2, through t[0..m). */
static void split_forward(double *x, size_t m, double *t)
{
    const size_t ns = (m + 1) / 2, nd = m / 2;
    double *s = t, *d = t + ns;
    for (size_t i = 0; i < nd; i++) { s[i] = x[2 * i]; d[i] = x[2 * i + 1]; }
    if (ns > nd) s[ns - 1] = x[m - 1];
    lift_high(d, nd, s, ns, LIFT_A);
    lift_low(s, ns, d, nd, LIFT_B);
    lift_high(d, nd, s, ns, LIFT_C);
    lift_low(s, ns, d, nd, LIFT_D);
    for (size_t i = 0; i < ns; i++) x[i] = s[i] * LIFT_K;
    for (size_t i = 0; i < nd; i++) x[ns + i] = d[i] * LIFT_INV_K;
}

static void split_inverse(double *x, size_t m, double *t)
{
    const size_t ns = (m + 1) / 2, nd = m / 2;
    double *s = t, *d = t + ns;
    for (size_t i = 0; i < ns; i++) s[i] = x[i] * LIFT_INV_K;
    for (size_t i = 0; i < nd; i++) d[i] = x[ns + i] * LIFT_K;
    lift_low(s, ns, d, nd, -LIFT_D);
    lift_high(d, nd, s, ns, -LIFT_C);
    lift_low(s, ns, d, nd, -LIFT_B);
    lift_high(d, nd, s, ns, -LIFT_A);
    for (size_t i = 0; i < nd; i++) { x[2 * i] = s[i]; x[2 * i + 1] = d[i]; }
    if (ns > nd) x[m - 1] = s[ns - 1];
}

/* box[l]: the low-pass box that level l splits (box[0] the grid). Returns L,
 * the number of levels; box[L] is the coarsest low-pass box. */
static int level_boxes(const strata_grid *g, const uint8_t levels[4],
                       size_t box[STRATA_WAVELET_MAX_LEVELS + 1][4])
{
    int L = 0;
    for (int j = 0; j < 4; j++) L = levels[j] > L ? levels[j] : L;
    for (int j = 0; j < 4; j++) box[0][j] = g->n[j];
    for (int l = 0; l < L; l++)
        for (int j = 0; j < 4; j++) box[l + 1][j] = l < levels[j] ? (box[l][j] + 1) / 2 : box[l][j];
    return L;
}

void strata_wavelet_levels(const strata_grid *g, uint8_t levels[4])
{
    for (int j = 0; j < 4; j++) {
        size_t m = g->n[j];
        uint8_t l = 0;
        while (m >= 8 && l < 6) { m = (m + 1) / 2; l++; }
        levels[j] = l;
    }
}

int strata_wavelet_levels_ok(const strata_grid *g, const uint8_t levels[4])
{
    for (int j = 0; j < 4; j++) {
        if (levels[j] > STRATA_WAVELET_MAX_LEVELS) return 0;
        size_t m = g->n[j];
        for (unsigned l = 0; l < levels[j]; l++, m = (m + 1) / 2)
            if (m < 2) return 0;
    }
    return 1;
}

/* Sets values from..to-1 of a line (stride st from base) on the straight line
 * through its values at a_at and b_at (a constant when they are the same), and
 * marks them known. */
static void fill_run(double *x, uint8_t *known, size_t base, size_t st, size_t from, size_t to,
                     size_t a_at, size_t b_at)
{
    const double a = x[base + a_at * st], b = x[base + b_at * st];
    for (size_t k = from; k < to; k++) {
        x[base + k * st] = a_at == b_at ? a : a + (b - a) * ((double)(k - a_at) / (double)(b_at - a_at));
        known[base + k * st] = 1;
    }
}

int strata_wavelet_fill(const strata_grid *g, double *x, const uint8_t *mask)
{
    const size_t n = g->count;
    uint8_t *known = malloc(n);
    if (!known) return 0;
    double sum = 0.0;
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
        known[i] = !mask[i];
        if (known[i]) { sum += x[i]; valid++; }
    }
    for (int j = 3; j >= 0; j--) {
        const size_t m = g->n[j], st = g->st[j];
        for (size_t base = 0; base < n && m > 1; base++) {
            if (base / st % m) continue; /* not the start of a line along j */
            size_t prev = SIZE_MAX;      /* the last known position */
            for (size_t i = 0; i < m; i++) {
                if (!known[base + i * st]) continue;
                if (prev == SIZE_MAX && i > 0) fill_run(x, known, base, st, 0, i, i, i);
                else if (prev != SIZE_MAX && i > prev + 1) fill_run(x, known, base, st, prev + 1, i, prev, i);
                prev = i;
            }
            if (prev != SIZE_MAX && prev + 1 < m) fill_run(x, known, base, st, prev + 1, m, prev, prev);
        }
    }
    const double mean = valid ? sum / (double)valid : 0.0;
    for (size_t i = 0; i < n; i++) if (!known[i]) x[i] = mean;
    free(known);
    return 1;
}

/* Applies `split` to every row along dimension j of box b. Returns 0 if a
 * thread's row buffer could not be allocated. */
static int split_rows(const strata_grid *g, const size_t b[4], int j, double *x,
                      void (*split)(double *, size_t, double *), int threads)
{
    const size_t m = b[j], st = g->st[j];
    size_t other[3], ost[3], rows = 1;
    for (int k = 0, o = 0; k < 4; k++)
        if (k != j) { other[o] = b[k]; ost[o] = g->st[k]; rows *= b[k]; o++; }
    int failed = 0;
    (void)threads; /* without OpenMP */
    #pragma omp parallel num_threads(threads) if (rows * m >= 32768 && threads > 1)
    {
        double *line = malloc(2 * m * sizeof *line), *t = line ? line + m : NULL;
        if (!line) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (long long r = 0; r < (long long)rows; r++) {
            if (!line) continue;
            const size_t c2 = (size_t)r % other[2], c1 = (size_t)r / other[2] % other[1],
                         c0 = (size_t)r / other[2] / other[1];
            double *p = x + c0 * ost[0] + c1 * ost[1] + c2 * ost[2];
            if (st == 1) {
                split(p, m, t);
                continue;
            }
            for (size_t i = 0; i < m; i++) line[i] = p[i * st];
            split(line, m, t);
            for (size_t i = 0; i < m; i++) p[i * st] = line[i];
        }
        free(line);
    }
    return !failed;
}

int strata_wavelet_forward(const strata_grid *g, const uint8_t levels[4], double *x, int threads)
{
    size_t box[STRATA_WAVELET_MAX_LEVELS + 1][4];
    const int L = level_boxes(g, levels, box);
    for (int l = 0; l < L; l++)
        for (int j = 0; j < 4; j++)
            if (l < levels[j] && !split_rows(g, box[l], j, x, split_forward, threads)) return 0;
    return 1;
}

int strata_wavelet_inverse(const strata_grid *g, const uint8_t levels[4], double *x, int threads)
{
    size_t box[STRATA_WAVELET_MAX_LEVELS + 1][4];
    const int L = level_boxes(g, levels, box);
    for (int l = L - 1; l >= 0; l--)
        for (int j = 3; j >= 0; j--)
            if (l < levels[j] && !split_rows(g, box[l], j, x, split_inverse, threads)) return 0;
    return 1;
}

static size_t subbands(const strata_grid *g, const uint8_t levels[4], strata_subband *out)
{
    size_t box[STRATA_WAVELET_MAX_LEVELS + 1][4], k = 0, start = 0;
    const int L = level_boxes(g, levels, box);
    for (int l = L; l >= 0; l--) {
        unsigned split = 0;
        for (int j = 0; j < 4; j++) if (l < levels[j]) split |= 8u >> j;
        /* Subband m is high-pass along dimension j when bit 3 - j of m is set,
         * which only dimensions split at level l can be; level L: the low-pass box. */
        for (unsigned m = l == L ? 0 : 1; m <= (l == L ? 0u : 15u); m++) {
            if (m & ~split) continue;
            strata_subband *b = &out[k++];
            size_t count = 1;
            for (int j = 0; j < 4; j++) {
                const size_t in = box[l < L ? l + 1 : l][j];
                b->lo[j] = (m & (8u >> j)) ? in : 0;
                b->e[j] = (m & (8u >> j)) ? box[l][j] - in : in;
                count *= b->e[j];
            }
            b->start = start;
            start += count;
        }
    }
    return k;
}

void strata_wavelet_symbol_levels(const strata_grid *g, const uint8_t levels[4],
                                  strata_subband bands[STRATA_WAVELET_MAX_BANDS],
                                  strata_symbol_levels *lv)
{
    int L = 0;
    for (int j = 0; j < 4; j++) L = levels[j] > L ? levels[j] : L;
    lv->nbands = subbands(g, levels, bands);
    lv->bands = bands;
    /* Level l has 2^k - 1 bands, k the number of dimensions it splits. */
    size_t per[2] = {1, 1};
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < 4; j++) per[l] <<= l < levels[j];
    const size_t n0 = per[0] - 1, n1 = per[1] - 1;
    lv->fine0 = L >= 1 ? bands[lv->nbands - n0].start : 0;
    lv->fine1 = L >= 2 ? bands[lv->nbands - n0 - n1].start : lv->fine0;
}

/* Calls BODY(idx) for every coefficient in coding order: subband by subband,
 * each in raster order. */
#define FOR_CODING_ORDER(g, levels, BODY)                                                   \
    do {                                                                                     \
        strata_subband bands_[STRATA_WAVELET_MAX_BANDS];                                     \
        const size_t nb_ = subbands(g, levels, bands_);                       \
        for (size_t b_ = 0; b_ < nb_; b_++) {                                                \
            const size_t *lo_ = bands_[b_].lo, *e_ = bands_[b_].e;                           \
            for (size_t c0 = lo_[0]; c0 < lo_[0] + e_[0]; c0++)                              \
                for (size_t c1 = lo_[1]; c1 < lo_[1] + e_[1]; c1++)                          \
                    for (size_t c2 = lo_[2]; c2 < lo_[2] + e_[2]; c2++) {                    \
                        const size_t row_ = c0 * (g)->st[0] + c1 * (g)->st[1] + c2 * (g)->st[2]; \
                        for (size_t c3 = lo_[3]; c3 < lo_[3] + e_[3]; c3++) {                \
                            const size_t idx = row_ + c3;                                    \
                            BODY;                                                            \
                        }                                                                    \
                    }                                                                        \
        }                                                                                    \
    } while (0)

size_t strata_wavelet_quantize(const strata_grid *g, const uint8_t levels[4], const double *y,
                               double step, uint16_t *codes, int64_t *esc)
{
    size_t k = 0, nesc = 0;
    FOR_CODING_ORDER(g, levels, {
        const int64_t q = strata_wavelet_index(y[idx], step);
        if (q > -STRATA_QUANT_RADIUS && q < STRATA_QUANT_RADIUS) {
            codes[k++] = (uint16_t)(q + STRATA_QUANT_RADIUS);
        } else {
            codes[k++] = 0;
            esc[nesc++] = q;
        }
    });
    return nesc;
}

int strata_wavelet_dequantize(const strata_grid *g, const uint8_t levels[4], const uint16_t *codes,
                              const int64_t *esc, size_t nesc, double step, double *y)
{
    size_t k = 0, e = 0;
    int ok = 1;
    FOR_CODING_ORDER(g, levels, {
        const uint16_t v = codes[k++];
        int64_t q = (int64_t)v - STRATA_QUANT_RADIUS;
        if (v == 0) {
            q = 0;
            if (e < nesc) q = esc[e++]; else ok = 0;
        }
        y[idx] = strata_wavelet_value(q, step);
    });
    return ok && e == nesc;
}
