/* compress_blocks.c - block containers in one process, and the helpers that
 * distributed writers (mpi/) use to produce the same bytes. */
#include <stdlib.h>
#include "common/format.h"
#include "preprocess/scan.h"

strata_status strata_value_range(const strata_field *f, const void *src, size_t count,
                                 double *vmin, double *vmax, uint64_t *valid)
{
    STRATA_RETURN_IF(!f || (!src && count) || !vmin || !vmax || !valid, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(f->size != sizeof *f || !strata_dtype_size(f->dtype), STRATA_ERR_INVALID_ARG);
    strata_scan_result r = {0, 0.0, 0.0};
    if (count) strata_scan(f, src, count, 1, &r, NULL);
    *vmin = r.vmin;
    *vmax = r.vmax;
    *valid = count - r.specials;
    return STRATA_OK;
}

strata_status strata_block_params(const strata_params *p, double vmin, double vmax,
                                  strata_params *bp, double *abs_bound)
{
    STRATA_RETURN_IF(!p || !bp || !abs_bound || p->size != sizeof *p, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(p->mode == STRATA_MODE_PSNR, STRATA_ERR_UNSUPPORTED);
    STRATA_RETURN_IF(p->mode < STRATA_MODE_ABS || p->mode > STRATA_MODE_LOSSLESS, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(p->mode != STRATA_MODE_LOSSLESS && (!(p->bound > 0) || !(p->bound <= 1.7976931348623157e308)),
                     STRATA_ERR_INVALID_ARG);
    *bp = *p;
    *abs_bound = strata_resolve_abs_bound(p->mode, p->bound, vmin, vmax);
    bp->mode = *abs_bound > 0 ? STRATA_MODE_ABS : STRATA_MODE_LOSSLESS;
    bp->bound = *abs_bound;
    return STRATA_OK;
}

size_t strata_compress_blocks_bound(const strata_field *f)
{
    size_t raw = strata_compress_bound(f), nb = strata_block_count(f);
    size_t head = strata_container_header_size(nb);
    if (!raw || !head || nb > (SIZE_MAX - raw - head) / 256) return 0;
    return raw + head + 256 * nb; /* each block: its own header and section overhead */
}

strata_status strata_compress_blocks(const strata_field *f, const void *src, const strata_params *p,
                                     void *dst, size_t cap, size_t *dst_size)
{
    STRATA_FORWARD(strata_check_compress_args(f, src, p, dst, dst_size));
    const size_t n = strata_field_count(f), w = strata_dtype_size(f->dtype);
    const size_t nb = strata_block_count(f), hsize = strata_container_header_size(nb);
    double vmin, vmax, eb;
    uint64_t valid;
    strata_params bp;
    STRATA_FORWARD(strata_value_range(f, src, n, &vmin, &vmax, &valid));
    STRATA_FORWARD(strata_block_params(p, vmin, vmax, &bp, &eb));
    STRATA_RETURN_IF(cap < hsize, STRATA_ERR_DST_TOO_SMALL);
    uint8_t **blocks = calloc(nb, sizeof *blocks);
    uint64_t *sizes = calloc(nb, sizeof *sizes);
    strata_status *bst = calloc(nb, sizeof *bst);
    strata_status st = blocks && sizes && bst ? STRATA_OK : STRATA_ERR_NOMEM;
    const int threads = strata_thread_count(p->threads);
    /* Blocks in parallel, one thread each, when there are enough to share. */
    const int outer = nb > 1 && threads > 1;
    bp.threads = outer ? 1 : threads;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (outer)
    for (long long i = 0; i < (long long)(st == STRATA_OK ? nb : 0); i++) {
        strata_field bf;
        size_t first, bsize;
        strata_status s = strata_block_field(f, (size_t)i, &bf, &first);
        size_t bcap = strata_compress_bound(&bf);
        blocks[i] = s == STRATA_OK ? malloc(bcap) : NULL;
        if (s == STRATA_OK && !blocks[i]) s = STRATA_ERR_NOMEM;
        if (s == STRATA_OK)
            s = strata_compress(&bf, (const uint8_t *)src + first * w, &bp, blocks[i], bcap, &bsize);
        if (s == STRATA_OK) sizes[i] = bsize;
        bst[i] = s;
    }
    if (st == STRATA_OK) st = strata_first_error(bst, nb);
    if (st == STRATA_OK) st = strata_container_write_header(f, p, vmin, vmax, sizes, nb, dst, cap);
    size_t pos = hsize;
    for (size_t i = 0; st == STRATA_OK && i < nb; i++) {
        if (sizes[i] > cap - pos) { st = STRATA_ERR_DST_TOO_SMALL; break; }
        memcpy((uint8_t *)dst + pos, blocks[i], sizes[i]);
        pos += sizes[i];
    }
    if (st == STRATA_OK) *dst_size = pos;
    for (size_t i = 0; blocks && i < nb; i++) free(blocks[i]);
    free(blocks);
    free(sizes);
    free(bst);
    return st;
}
