/* fuzz_common.h - the libFuzzer entry point every target in tests/fuzz/ defines,
 * declared once so that targets build warning-free (-Wmissing-prototypes) both
 * for libFuzzer (STRATA_FUZZ=ON) and for the CTest replay driver (replay.c). */
#ifndef STRATA_FUZZ_COMMON_H
#define STRATA_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest decoded field a target will allocate for (bytes). */
#define FUZZ_MAX_RAW ((size_t)64 << 20)

#endif
