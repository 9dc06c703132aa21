/* make_golden.c - writes the golden streams (tests/golden/) and the must-reject
 * streams (tests/golden-errors/). Run through scripts/make_golden.sh.
 *
 * Regenerating is only legitimate when the stream format version changes: the
 * point of the golden streams is that streams written by earlier builds keep
 * decoding to the same bytes.
 *
 * usage: make_golden TESTS_DIR   (TESTS_DIR/golden and TESTS_DIR/golden-errors
 *                                 must exist)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "golden_inputs.h"
#include "test_util.h"

static int write_or_die(const char *dir, const char *name, const void *data, size_t size)
{
    char path[2048];
    if (snprintf(path, sizeof path, "%s/%s.strata", dir, name) >= (int)sizeof path ||
        !tu_write_file(path, data, size)) {
        fprintf(stderr, "make_golden: cannot write %s\n", path);
        exit(1);
    }
    return 1;
}

/* Must-reject variants of a valid stream s (size bytes), listed in expected.txt. */
static void write_errors(const char *dir, const uint8_t *s, size_t size, FILE *expected)
{
    uint8_t *b = tu_malloc(size);
#define VARIANT(name, status, len, fix, desc, ...)                                   \
    do {                                                                          \
        memcpy(b, s, size);                                                       \
        __VA_ARGS__;                                                              \
        if (fix) tu_fix_checksums(b, len);                                        \
        write_or_die(dir, name, b, len);                                          \
        fprintf(expected, "%-24s %-24s # %s\n", name, golden_status_names[status], desc); \
    } while (0)
    VARIANT("truncated_header", STRATA_ERR_TRUNCATED, 60, 0, "first 60 bytes of the header", (void)0);
    VARIANT("truncated_payload", STRATA_ERR_TRUNCATED, size - 100, 0, "last 100 bytes cut", (void)0);
    VARIANT("empty", STRATA_ERR_TRUNCATED, 0, 0, "zero bytes", (void)0);
    VARIANT("bad_magic", STRATA_ERR_CORRUPT, size, 0, "magic STRA -> XTRA", b[0] = 'X');
    VARIANT("future_version", STRATA_ERR_VERSION, size, 1,
            "format version + 1, header checksum recomputed", b[4] = STRATA_FORMAT_VERSION + 1);
    VARIANT("version_zero", STRATA_ERR_CORRUPT, size, 1, "format version 0, checksum recomputed",
            b[4] = 0; b[5] = 0);
    VARIANT("bad_header_size", STRATA_ERR_CORRUPT, size, 1, "header size field 100, checksum recomputed",
            b[6] = 100);
    VARIANT("bad_header_checksum", STRATA_ERR_CHECKSUM, size, 0, "one bit of dims[0] flipped", b[16] ^= 4);
    VARIANT("flipped_payload", STRATA_ERR_CHECKSUM, size, 0, "one payload byte flipped (middle)",
            b[112 + (size - 112) / 2] ^= 0x10);
    VARIANT("bad_dtype", STRATA_ERR_CORRUPT, size, 1, "dtype 3, checksums recomputed", b[8] = 3);
    VARIANT("bad_ndims", STRATA_ERR_CORRUPT, size, 1, "ndims 5, checksums recomputed", b[9] = 5);
    VARIANT("zero_dim", STRATA_ERR_CORRUPT, size, 1, "dims[0] = 0, checksums recomputed",
            memset(b + 16, 0, 8));
    VARIANT("unknown_section", STRATA_ERR_CORRUPT, size, 1, "first section id 9, checksums recomputed",
            b[112] = 9);
    VARIANT("section_past_end", STRATA_ERR_CORRUPT, size, 1,
            "first section's stored size + 2^40, checksums recomputed", b[112 + 16 + 5] ^= 1);
    VARIANT("interp_coder4", STRATA_ERR_CORRUPT, size, 1,
            "PARAMS (first section) coder 4, which only method 4 may use, checksums recomputed",
            b[112 + 24 + 8] = 4);
    /* The stream is in binary32 arithmetic (format version 3). */
    VARIANT("binary32_version2", STRATA_ERR_CORRUPT, size, 1,
            "format version 2 for a PARAMS arithmetic of 1, checksum recomputed", b[4] = 2);
    VARIANT("arithmetic_2", STRATA_ERR_CORRUPT, size, 1, "PARAMS (first section) arithmetic 2, checksums recomputed",
            b[112 + 24 + 12] = 2);
#undef VARIANT
    free(b);
}

/* Must-reject variants of a block container c (size bytes). */
static void write_container_errors(const char *dir, const uint8_t *c, size_t size, FILE *expected)
{
    uint8_t *b = tu_malloc(size);
#define VARIANT(name, status, len, fix, desc, ...)                                   \
    do {                                                                          \
        memcpy(b, c, size);                                                       \
        __VA_ARGS__;                                                              \
        if (fix) tu_fix_checksums(b, len);                                        \
        write_or_die(dir, name, b, len);                                          \
        fprintf(expected, "%-24s %-24s # %s\n", name, golden_status_names[status], desc); \
    } while (0)
    VARIANT("container_truncated_index", STRATA_ERR_TRUNCATED, 130, 0, "container cut inside its index", (void)0);
    VARIANT("container_truncated_block", STRATA_ERR_TRUNCATED, size - 10, 0, "container, last 10 bytes cut", (void)0);
    VARIANT("container_index_checksum", STRATA_ERR_CHECKSUM, size, 0, "container index entry changed",
            b[128] ^= 1);
    VARIANT("container_index_total", STRATA_ERR_CORRUPT, size, 1,
            "container index entry + 1 (sum no longer the total), checksums recomputed", b[128] += 1);
    VARIANT("container_wrong_slab", STRATA_ERR_CORRUPT, size, 1, "container slab field + 1, checksums recomputed",
            b[88] += 1);
    VARIANT("container_block_dims", STRATA_ERR_CORRUPT, size, 1,
            "dims[1] of the block's own header - 1, checksums recomputed", b[136 + 24] -= 1);
#undef VARIANT
    free(b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TESTS_DIR\n", argv[0]);
        return 2;
    }
    char dir[1024], path[1100];
    if (strlen(argv[1]) > 900) {
        fprintf(stderr, "make_golden: path too long\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s/golden", argv[1]);
    snprintf(path, sizeof path, "%s/checksums.txt", dir);
    FILE *sums = fopen(path, "w");
    if (!sums) {
        fprintf(stderr, "make_golden: cannot write %s\n", path);
        return 1;
    }
    fprintf(sums, "# Golden streams of format version %d: name, decoded bytes, FNV-1a 64 of the\n"
                  "# decoded bytes, how the input was made (tests/golden/golden_inputs.h).\n"
                  "# Written by scripts/make_golden.sh; regenerate only when the format version changes.\n",
            STRATA_FORMAT_VERSION);
    uint8_t *first = NULL, *container = NULL;
    size_t first_size = 0, container_size = 0;
    for (size_t ci = 0; ci < GOLDEN_CASE_COUNT; ci++) {
        strata_field f;
        strata_params p;
        void *data = golden_make_input(ci, &f, &p);
        const int blocks = golden_cases[ci].blocks;
        const size_t raw = strata_field_count(&f) * tu_dtype_size(f.dtype);
        const size_t cap = blocks ? strata_compress_blocks_bound(&f) : strata_compress_bound(&f);
        uint8_t *stream = tu_malloc(cap), *out = tu_malloc(raw);
        size_t size = 0;
        if (!data || (blocks ? strata_compress_blocks : strata_compress)(&f, data, &p, stream, cap, &size) != STRATA_OK ||
            strata_decompress(stream, size, out, raw, 1, NULL) != STRATA_OK) {
            fprintf(stderr, "make_golden: case %s fails\n", golden_cases[ci].name);
            return 1;
        }
        if (size > 20000) fprintf(stderr, "make_golden: warning: %s is %zu bytes\n", golden_cases[ci].name, size);
        write_or_die(dir, golden_cases[ci].name, stream, size);
        fprintf(sums, "%-16s %7zu %016llx  # %s\n", golden_cases[ci].name, raw,
                (unsigned long long)tu_fnv1a64(out, raw), golden_cases[ci].description);
        printf("golden/%s.strata: %zu bytes\n", golden_cases[ci].name, size);
        if (ci == 0) {
            first = stream;
            first_size = size;
        } else if (blocks && !container) {
            container = stream;
            container_size = size;
        } else {
            free(stream);
        }
        free(out);
        free(data);
    }
    fclose(sums);

    snprintf(dir, sizeof dir, "%s/golden-errors", argv[1]);
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *expected = fopen(path, "w");
    if (!expected) {
        fprintf(stderr, "make_golden: cannot write %s\n", path);
        return 1;
    }
    fprintf(expected, "# Must-reject streams, derived from golden/%s.strata (container_*: from the\n"
                      "# first container case): name, the status strata_decompress must return, what\n"
                      "# was done to the stream.\n",
            golden_cases[0].name);
    write_errors(dir, first, first_size, expected);
    if (container) write_container_errors(dir, container, container_size, expected);
    fclose(expected);
    free(first);
    free(container);
    printf("golden-errors/: written\n");
    return 0;
}
