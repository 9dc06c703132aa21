/* test_checker.c - the checker of test_util.c must be able to fail: feed it
 * perturbed reconstructions and expect it to count exactly the bad points. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

static void check_dtype(strata_dtype dt)
{
    const size_t dims[2] = {37, 53}, n = dims[0] * dims[1], w = tu_dtype_size(dt);
    strata_field f;
    strata_field_init(&f, dt, 2, dims);
    f.has_fill = 1;
    f.fill_value = -1e34;
    uint8_t *x = tu_malloc(n * w), *y = tu_malloc(n * w);
    tu_gen_smooth(x, dt, 2, dims, 10.0, 5.0, 0.1, 42);
    tu_set(x, dt, 3, NAN);
    tu_set(x, dt, 4, INFINITY);
    tu_set(x, dt, 5, -INFINITY);
    tu_set(x, dt, 6, -1e34);
    const double eb = 1e-2;
    const char *name = dt == STRATA_FLOAT32 ? "f32" : "f64";

    memcpy(y, x, n * w);
    TU_EXPECT(tu_check_points(&f, x, y, 0, eb, NULL, NULL) == 0, "%s: identical copy must pass", name);
    TU_EXPECT(tu_check_points(&f, x, y, 1, 0.0, NULL, NULL) == 0, "%s: identical lossless", name);

    /* Errors up to the bound pass; just past it fail. */
    for (size_t i = 10; i < n; i += 7) tu_set(y, dt, i, tu_get(x, dt, i) + 0.5 * eb);
    TU_EXPECT(tu_check_points(&f, x, y, 0, eb, NULL, NULL) == 0, "%s: half-bound errors pass", name);
    TU_EXPECT(tu_check_points(&f, x, y, 1, eb, "expected", NULL) > 0, "%s: lossless must fail", name);
    memcpy(y, x, n * w);
    tu_set(y, dt, 100, tu_get(x, dt, 100) + 2 * eb);
    tu_set(y, dt, 200, tu_get(x, dt, 200) - 2 * eb);
    tu_check_result r;
    TU_EXPECT(tu_check_points(&f, x, y, 0, eb, "expected", &r) == 2 && r.violations == 2,
              "%s: two points past the bound", name);
    /* Smallest step past the bound in the dtype. */
    memcpy(y, x, n * w);
    double x7 = tu_get(x, dt, 7), y7 = x7 + eb;
    while (fabs(tu_get(y, dt, 7) - x7) <= eb) {
        tu_set(y, dt, 7, y7);
        y7 = dt == STRATA_FLOAT32 ? (double)nextafterf((float)y7, FLT_MAX) : nextafter(y7, DBL_MAX);
    }
    TU_EXPECT(tu_check_points(&f, x, y, 0, eb, "expected", NULL) == 1, "%s: one ulp past", name);

    /* A NaN reconstruction of a valid point. */
    memcpy(y, x, n * w);
    tu_set(y, dt, 50, NAN);
    TU_EXPECT(tu_check_points(&f, x, y, 0, 1e300, "expected", &r) == 1 && r.violations == 1,
              "%s: NaN recon of a valid point", name);
    /* Special points must be bit-exact: another NaN payload, fill off by one ulp,
     * Inf turned into max, -Inf into +Inf. */
    memcpy(y, x, n * w);
    if (dt == STRATA_FLOAT32) {
        uint32_t bits;
        memcpy(&bits, y + 3 * 4, 4);
        bits ^= 1; /* still a NaN */
        memcpy(y + 3 * 4, &bits, 4);
        tu_set(y, dt, 6, nextafterf(-1e34f, 0.0f));
    } else {
        uint64_t bits;
        memcpy(&bits, y + 3 * 8, 8);
        bits ^= 1;
        memcpy(y + 3 * 8, &bits, 8);
        tu_set(y, dt, 6, nextafter(-1e34, 0.0));
    }
    tu_set(y, dt, 4, dt == STRATA_FLOAT32 ? FLT_MAX : DBL_MAX);
    tu_set(y, dt, 5, INFINITY);
    TU_EXPECT(tu_check_points(&f, x, y, 0, 1e300, "expected", &r) == 4 && r.special_mismatches == 4,
              "%s: four special mismatches", name);
    /* Without a declared fill the fill value is an ordinary point. */
    f.has_fill = 0;
    TU_EXPECT(tu_check_points(&f, x, y, 0, 1e300, "expected", &r) == 3, "%s: fill undeclared", name);
    f.has_fill = 1;
    /* -0.0 vs +0.0: fine within a bound, not lossless. */
    memcpy(y, x, n * w);
    tu_set(x, dt, 9, -0.0);
    tu_set(y, dt, 9, 0.0);
    TU_EXPECT(tu_check_points(&f, x, y, 0, eb, NULL, NULL) == 0, "%s: -0 vs +0 lossy", name);
    TU_EXPECT(tu_check_points(&f, x, y, 1, 0, "expected", NULL) == 1, "%s: -0 vs +0 lossless", name);
    free(x);
    free(y);
}

int main(void)
{
    check_dtype(STRATA_FLOAT32);
    check_dtype(STRATA_FLOAT64);
    /* The PRNG is deterministic and not degenerate. */
    tu_rng a, b;
    tu_rng_seed(&a, 7);
    tu_rng_seed(&b, 7);
    int same = 1, distinct = 0;
    uint64_t prev = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t u = tu_rng_next(&a);
        same &= u == tu_rng_next(&b);
        distinct += u != prev;
        prev = u;
    }
    TU_EXPECT(same && distinct == 1000, "PRNG");
    TU_EXPECT(tu_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a 64 of \"a\"");
    return tu_finish("test_checker");
}
