/* status.c - status strings, versions and the small init helpers of the API. */
#include "internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif

const char *strata_status_string(strata_status status)
{
    static const char *const names[STRATA_STATUS_COUNT_] = {
        [STRATA_OK] = "success",
        [STRATA_ERR_GENERIC] = "internal error",
        [STRATA_ERR_INVALID_ARG] = "invalid argument",
        [STRATA_ERR_UNSUPPORTED] = "unsupported request",
        [STRATA_ERR_DST_TOO_SMALL] = "destination buffer too small",
        [STRATA_ERR_CORRUPT] = "corrupt or malformed stream",
        [STRATA_ERR_CHECKSUM] = "stream checksum mismatch (data corrupted)",
        [STRATA_ERR_TRUNCATED] = "stream truncated",
        [STRATA_ERR_NOMEM] = "out of memory",
        [STRATA_ERR_VERSION] = "stream format version not supported by this library",
        [STRATA_ERR_EMPTY] = "field has no points",
        [STRATA_ERR_IO] = "file input/output failed",
    };
    if ((unsigned)status >= STRATA_STATUS_COUNT_ || !names[status]) return "unknown status";
    return names[status];
}

unsigned strata_version_number(void) { return STRATA_VERSION_NUMBER; }
unsigned strata_format_version(void) { return STRATA_FORMAT_VERSION; }

#define STRATA_STR2(x) #x
#define STRATA_STR(x) STRATA_STR2(x)
const char *strata_version_string(void)
{
    return STRATA_STR(STRATA_VERSION_MAJOR) "." STRATA_STR(STRATA_VERSION_MINOR) "."
           STRATA_STR(STRATA_VERSION_PATCH);
}

void strata_field_init(strata_field *f, strata_dtype dtype, unsigned ndims, const size_t *dims)
{
    if (!f) return;
    memset(f, 0, sizeof *f);
    f->size = sizeof *f;
    f->dtype = dtype;
    f->ndims = ndims;
    for (unsigned i = 0; i < ndims && i < STRATA_MAX_DIMS && dims; i++) f->dims[i] = dims[i];
}

size_t strata_field_count(const strata_field *f)
{
    if (!f || f->size != sizeof *f || f->ndims < 1 || f->ndims > STRATA_MAX_DIMS) return 0;
    size_t n = 1;
    for (unsigned i = 0; i < f->ndims; i++)
        if (strata_mul_overflows(n, f->dims[i], &n)) return 0;
    return n;
}

void strata_params_init(strata_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->mode = STRATA_MODE_REL;
    p->bound = 1e-3;
}

int strata_thread_count(int requested)
{
#ifdef _OPENMP
    if (requested > 0) return requested;
    return omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}
