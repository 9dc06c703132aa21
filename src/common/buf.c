/* buf.c - growable byte buffer for building sections. */
#if defined(__linux__)
#  define _DEFAULT_SOURCE /* madvise() under -std=c11 */
#endif
#include <stdlib.h>
#include <stdint.h>
#if defined(__linux__)
#  include <sys/mman.h>
#endif
#include "bytes.h"

void *strata_alloc_large(size_t size, int zeroed)
{
    void *p = zeroed ? calloc(size ? size : 1, 1) : malloc(size ? size : 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Only whole 2 MiB pages inside the buffer can be huge ones; a failure
     * (no THP in this kernel) changes nothing. */
    const uintptr_t huge = (uintptr_t)1 << 21, lo = ((uintptr_t)p + huge - 1) & ~(huge - 1),
                    hi = ((uintptr_t)p + size) & ~(huge - 1);
    if (p && hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
    return p;
}

int strata_buf_reserve(strata_buf *b, size_t extra)
{
    if (b->failed) return 0;
    if (extra <= b->cap - b->size) return 1;
    size_t want = b->size + extra;
    if (want < b->size) { b->failed = 1; return 0; }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < want) cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) { b->failed = 1; return 0; }
    b->data = p; b->cap = cap;
    return 1;
}

void strata_buf_append(strata_buf *b, const void *src, size_t n)
{
    if (n == 0 || !strata_buf_reserve(b, n)) return;
    memcpy(b->data + b->size, src, n);
    b->size += n;
}

void strata_copy(void *dst, const void *src, size_t n, int threads)
{
    /* 1 MiB a task: a fresh destination's page faults are then taken in parallel too. */
    const long long blocks = (long long)((n + (1u << 20) - 1) >> 20);
    #pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && blocks > 1)
    for (long long i = 0; i < blocks; i++) {
        const size_t lo = (size_t)i << 20, len = n - lo < (1u << 20) ? n - lo : (1u << 20);
        memcpy((uint8_t *)dst + lo, (const uint8_t *)src + lo, len);
    }
}

void strata_buf_put_varint(strata_buf *b, uint64_t v)
{
    uint8_t tmp[10]; int n = 0;
    do { uint8_t c = v & 0x7f; v >>= 7; tmp[n++] = (uint8_t)(c | (v ? 0x80 : 0)); } while (v);
    strata_buf_append(b, tmp, (size_t)n);
}

void strata_buf_free(strata_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
