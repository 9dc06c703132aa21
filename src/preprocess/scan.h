/* scan.h - the preprocessing stage: find special points (NaN, +-Inf, the fill
 * value) and the value range of the others. */
#ifndef STRATA_SCAN_H
#define STRATA_SCAN_H

#include "../common/internal.h"

typedef struct {
    size_t specials;      /* number of NaN / Inf / fill points */
    double vmin, vmax;    /* range of valid points; 0, 0 if there are none */
} strata_scan_result;

/* Scans src (field->dtype): how many points are special, the range of the others.
 * Copies src to `copy` on the way unless it is NULL (one read of src, not two). */
void strata_scan(const strata_field *f, const void *src, size_t n, int threads, strata_scan_result *out,
                 void *copy);
/* Sets mask[i] = 1 at the special points and 0 elsewhere: the second look at a
 * field found to have some. */
void strata_mark_specials(const strata_field *f, const void *src, size_t n, uint8_t *mask, int threads);

#endif
