/* test_corrupt.c - damaged streams give errors, never crashes or writes past dst.
 *
 * For each sample stream (tu_sample_make: 3D f32 with fill at REL 1e-3, 1D f64,
 * lossless, stored raw, 4D f64 with NaN/Inf, Huffman-coded, block containers,
 * a wavelet-coded PSNR stream, context-Huffman-coded):
 *  1. every truncation 0..size-1 must fail in strata_decompress (and
 *     strata_read_header must succeed exactly when the 112-byte header is there);
 *  2. thousands of random single-bit flips, multi-bit flips and byte bursts
 *     (fixed seed) must each give an error code, or STRATA_OK with every point
 *     within the original bound (tu_check_points);
 *  3. the same damage with the checksums recomputed afterwards, and payloads cut
 *     short with a consistent header, so the decoder proper sees it: any error
 *     code or STRATA_OK, never a crash (ASan/UBSan builds watch); a cut payload
 *     that still decodes must decode within the bound.
 * Every call decodes into a buffer with a guard zone after dst_capacity.
 * STRATA_TEST_SCALE scales the number of flips (fewer on the 8 MB container).
 * usage: test_corrupt [SAMPLE]   (one sample only, by number)
 */
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

#define GUARD 64

typedef struct {
    size_t calls, ok, ok_bad, by_status[STRATA_STATUS_COUNT_];
} outcome_stats;

/* Decodes stream[0..size) and checks the outcome. `must_fail`: STRATA_OK is a
 * failure. `must_be_good`: STRATA_OK must reproduce the field within bound. */
static void decode_one(const tu_sample *s, const strata_stream_info *orig, const uint8_t *stream,
                       size_t size, int must_fail, int must_be_good, const char *what, size_t detail,
                       outcome_stats *stats)
{
    const size_t raw = (size_t)orig->raw_size;
    uint8_t *out = tu_malloc(raw + GUARD);
    memset(out + raw, 0xEE, GUARD);
    strata_stream_info info;
    strata_status st = strata_decompress(stream, size, out, raw, 1, &info);
    stats->calls++;
    if ((unsigned)st < STRATA_STATUS_COUNT_) stats->by_status[st]++;
    size_t guard_hits = 0;
    for (size_t i = 0; i < GUARD; i++) guard_hits += out[raw + i] != 0xEE;
    TU_EXPECT(guard_hits == 0, "%s %s %zu: %zu bytes written past dst_capacity", s->name, what, detail,
              guard_hits);
    if (st == STRATA_OK) {
        stats->ok++;
        TU_EXPECT(!must_fail, "%s %s %zu: damaged stream decoded as STRATA_OK", s->name, what, detail);
        const int exact = orig->method == 0 || orig->method == 2 || orig->abs_bound == 0;
        size_t bad = 0;
        if (info.raw_size != orig->raw_size || info.field.dtype != s->field.dtype) bad = 1;
        else bad = tu_check_points(&s->field, s->data, out, exact, orig->abs_bound,
                                   must_be_good ? what : NULL, NULL);
        stats->ok_bad += bad != 0;
        if (must_be_good)
            TU_EXPECT(bad == 0, "%s %s %zu: STRATA_OK but %zu points out of bound", s->name, what, detail, bad);
    } else {
        TU_EXPECT(st == STRATA_ERR_CORRUPT || st == STRATA_ERR_CHECKSUM || st == STRATA_ERR_TRUNCATED ||
                      st == STRATA_ERR_VERSION || st == STRATA_ERR_DST_TOO_SMALL,
                  "%s %s %zu: unexpected status %d (%s)", s->name, what, detail, (int)st,
                  strata_status_string(st));
    }
    free(out);
}

static void truncations(const tu_sample *s, const strata_stream_info *orig, outcome_stats *stats)
{
    for (size_t len = 0; len < s->stream_size; len++) {
        /* An exact-size copy, so reading past `len` is caught by ASan. */
        uint8_t *cut = tu_malloc(len);
        memcpy(cut, s->stream, len);
        decode_one(s, orig, cut, len, 1, 0, "truncated to", len, stats);
        strata_stream_info info;
        strata_status st = strata_read_header(cut, len, &info);
        const size_t head = s->blocks ? strata_container_header_size((size_t)orig->blocks) : TU_HEADER_SIZE;
        if (len < head)
            TU_EXPECT(st != STRATA_OK, "%s: read_header OK with %zu bytes", s->name, len);
        else
            TU_EXPECT_STATUS(st, STRATA_OK, "%s: read_header with %zu of %zu bytes", s->name, len, s->stream_size);
        free(cut);
    }
}

/* Applies damage number `k` to buf (a copy of the stream): single bit flips,
 * 2..8 bit flips, or a burst of 1..16 random bytes; a quarter of them aimed
 * at the header. */
static void damage(uint8_t *buf, size_t size, tu_rng *r, size_t k)
{
    const int header_only = tu_rng_below(r, 4) == 0;
    const size_t span = header_only ? TU_HEADER_SIZE : size;
    switch (k % 3) {
    case 0:
        buf[tu_rng_below(r, span)] ^= (uint8_t)(1u << tu_rng_below(r, 8));
        break;
    case 1: {
        size_t bits = 2 + tu_rng_below(r, 7);
        for (size_t b = 0; b < bits; b++) buf[tu_rng_below(r, span)] ^= (uint8_t)(1u << tu_rng_below(r, 8));
        break;
    }
    default: {
        size_t len = 1 + tu_rng_below(r, 16), at = tu_rng_below(r, span);
        for (size_t b = 0; b < len && at + b < size; b++) {
            uint8_t old = buf[at + b];
            do buf[at + b] = (uint8_t)tu_rng_next(r); while (buf[at + b] == old);
        }
    }
    }
}

static void flips(const tu_sample *s, const strata_stream_info *orig, int fix, size_t count,
                  outcome_stats *stats)
{
    tu_rng r;
    tu_rng_seed(&r, 0xF11F + (uint64_t)fix * 7919 + s->stream_size);
    uint8_t *buf = tu_malloc(s->stream_size);
    for (size_t k = 0; k < count; k++) {
        memcpy(buf, s->stream, s->stream_size);
        damage(buf, s->stream_size, &r, k);
        if (memcmp(buf, s->stream, s->stream_size) == 0) continue;
        if (fix) tu_fix_checksums(buf, s->stream_size);
        decode_one(s, orig, buf, s->stream_size, 0, !fix, fix ? "flip+fixed checksums" : "flip", k, stats);
    }
    free(buf);
}

/* Payload cut to every shorter length, header updated and checksums fixed. */
static void cut_payloads(const tu_sample *s, const strata_stream_info *orig, outcome_stats *stats)
{
    const size_t payload = s->stream_size - TU_HEADER_SIZE;
    uint8_t *buf = tu_malloc(s->stream_size);
    for (size_t len = 0; len < payload; len++) {
        memcpy(buf, s->stream, TU_HEADER_SIZE + len);
        tu_put_u64(buf + TU_OFF_PAYLOAD_SIZE, len);
        tu_fix_checksums(buf, TU_HEADER_SIZE + len);
        decode_one(s, orig, buf, TU_HEADER_SIZE + len, 0, 1, "payload cut to", len, stats);
    }
    free(buf);
}

static void report(const char *name, const char *what, const outcome_stats *st)
{
    printf("  %-16s %-22s %6zu decodes: OK %zu (out of bound %zu)", name, what, st->calls, st->ok, st->ok_bad);
    for (int i = 1; i < STRATA_STATUS_COUNT_; i++)
        if (st->by_status[i]) printf(", %s %zu", strata_status_string((strata_status)i), st->by_status[i]);
    printf("\n");
}

/* CODES of several segments (coder 1, 5 or 6): one thread decodes coder 1's two
 * at a time, two threads (fewer than 8 segments each) one at a time. On the intact
 * stream and on damaged ones (checksums fixed, so the segments are decoded),
 * both must give the same status and, on STRATA_OK, the same points; nothing
 * may be written past dst. Noise at a small bound spreads the codes over
 * hundreds of symbols, so long codes (beyond the 11-bit table) and raw rANS
 * bits are common and zstd is not tried: the damage lands in the coded bits
 * themselves. */
static void damaged_segments(strata_coder coder, size_t count)
{
    const size_t dims[2] = {2, 300000}, n = dims[0] * dims[1], raw = n * 4;
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 2, dims);
    float *data = tu_malloc(raw);
    tu_rng r;
    tu_rng_seed(&r, 0x9A1C);
    /* Noise, 100 times larger in alternate runs of 64 points: coder 5 then
     * takes its context tables (with one table, it would be coder 1). */
    for (size_t i = 0; i < n; i++)
        data[i] = (float)(i % 977) + (float)tu_rng_below(&r, 2000) * (i / 64 % 2 ? 0.01f : 0.0001f);
    strata_params p;
    strata_params_init(&p);
    p.coder = coder;
    p.bound = 1e-5;
    p.threads = 1;
    const size_t cap = strata_compress_bound(&f);
    uint8_t *stream = tu_malloc(cap), *buf = tu_malloc(cap);
    size_t size = 0;
    strata_stream_info info;
    TU_EXPECT_STATUS(strata_compress(&f, data, &p, stream, cap, &size), STRATA_OK, "damaged_segments");
    TU_EXPECT_STATUS(strata_read_header(stream, size, &info), STRATA_OK, "damaged_segments");
    uint8_t *out1 = tu_malloc(raw + GUARD), *out2 = tu_malloc(raw + GUARD);
    size_t ok = 0, failed = 0;
    for (size_t k = 0; k <= count; k++) {
        memcpy(buf, stream, size);
        if (k) { /* k = 0: the intact stream */
            damage(buf, size, &r, k);
            tu_fix_checksums(buf, size);
        }
        memset(out1 + raw, 0xEE, GUARD);
        memset(out2 + raw, 0xEE, GUARD);
        const strata_status s1 = strata_decompress(buf, size, out1, raw, 1, NULL),
                            s2 = strata_decompress(buf, size, out2, raw, 2, NULL);
        size_t guard_hits = 0;
        for (size_t i = 0; i < GUARD; i++) guard_hits += (out1[raw + i] != 0xEE) + (out2[raw + i] != 0xEE);
        TU_EXPECT(guard_hits == 0, "damaged_segments %zu: %zu bytes written past dst", k, guard_hits);
        TU_EXPECT(s1 == s2, "damaged_segments %zu: 1 thread %s, 2 threads %s", k, strata_status_string(s1),
                  strata_status_string(s2));
        if (s1 == STRATA_OK && s2 == STRATA_OK)
            TU_EXPECT(memcmp(out1, out2, raw) == 0, "damaged_segments %zu: 1 and 2 threads decode differently", k);
        if (k == 0) {
            TU_EXPECT_STATUS(s1, STRATA_OK, "damaged_segments: intact stream");
            if (s1 == STRATA_OK)
                TU_EXPECT(tu_check_points(&f, data, out1, 0, info.abs_bound, "damaged_segments", NULL) == 0,
                          "damaged_segments: intact stream out of bound");
        }
        if (s1 == STRATA_OK) ok++;
        else failed++;
    }
    printf("  damaged_segments, coder %d: %zu-byte stream, %zu damaged decodes: OK %zu, errors %zu, 1 and 2 threads agree\n",
           (int)coder, size, count, ok ? ok - 1 : 0, failed);
    free(data); free(stream); free(buf); free(out1); free(out2);
}

int main(int argc, char **argv)
{
    const size_t nflips = tu_scaled(10000);
    const int only = argc > 1 ? atoi(argv[1]) : -1; /* run one sample (debugging) */
    for (int which = 0; which < TU_SAMPLE_COUNT; which++) {
        if (only >= 0 && which != only) continue;
        tu_sample s;
        tu_sample_make(which, &s);
        /* Large fields decode slowly: fewer flips. */
        const size_t points = strata_field_count(&s.field);
        const size_t count = points > 100000 ? nflips / 50 + 1 : nflips;
        strata_stream_info orig;
        TU_EXPECT_STATUS(strata_read_header(s.stream, s.stream_size, &orig), STRATA_OK, "%s", s.name);
        printf("%s: %zu-byte stream, method %u\n", s.name, s.stream_size, orig.method);
        outcome_stats st;
        memset(&st, 0, sizeof st);
        truncations(&s, &orig, &st);
        report(s.name, "truncations", &st);
        memset(&st, 0, sizeof st);
        flips(&s, &orig, 0, count, &st);
        report(s.name, "flips", &st);
        memset(&st, 0, sizeof st);
        flips(&s, &orig, 1, count, &st);
        report(s.name, "flips, fixed checksums", &st);
        if (!s.blocks) { /* the header surgery below is for single streams */
            memset(&st, 0, sizeof st);
            cut_payloads(&s, &orig, &st);
            report(s.name, "cut payloads", &st);
        }
        tu_sample_free(&s);
    }
    if (only < 0) {
        damaged_segments(STRATA_CODER_HUFFMAN, nflips / 50 + 1);
        damaged_segments(STRATA_CODER_HUFFMAN_CTX, nflips / 50 + 1);
        damaged_segments(STRATA_CODER_ANS_CTX, nflips / 50 + 1);
    }
    return tu_finish("test_corrupt");
}
