/* section.h - payload sections: a 24-byte header and a body that is either
 * stored or zstd-compressed (format.md, "Sections"): zstd where a sample says it
 * is worth trying and it makes the body smaller. */
#ifndef STRATA_SECTION_H
#define STRATA_SECTION_H

#include "../common/format.h"
#include "../common/bytes.h"

#define STRATA_STORE 0 /* zstd_level that means: store, do not try zstd */

/* The encoder's choices, shared by every backend that must write the same bytes
 * (gpu/ mirrors compress.c): zstd levels of the sections, CODES segment length. */
#define ZSTD_LEVEL_CODES 1
#define ZSTD_LEVEL_BULK 1
#define STRATA_SEGMENT_LEN (1u << 18)
/* zstd bodies are cut into frames of this many raw bytes (the last one
 * shorter), small enough that a few MB of Huffman codes keep two threads busy.
 * Each frame is coded with zstd's parameters for 1 MiB (section.c): against
 * 1 MiB frames, the shared fields' streams stay within -1.5% and +2.4%, their
 * geometric mean the same. */
#define STRATA_ZSTD_FRAME ((size_t)1 << 18)

/* Appends section `id` holding data[0..size) to `payload`, zstd frames on up to
 * `threads` threads (the bytes do not depend on it). */
void strata_section_append(strata_buf *payload, strata_section_id id, const void *data,
                           size_t size, int zstd_level, int threads);
/* Decodes a parsed section into dst, which must be exactly sec->raw_size bytes. */
strata_status strata_section_load(const strata_section *sec, void *dst, size_t dst_size, int threads);

#endif
