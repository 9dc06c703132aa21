/* replay.c - runs a fuzz target (linked in) over files and directories given on
 * the command line, without libFuzzer: the CTest regression driver for the
 * corpora (zstd's regression_driver.c).
 *
 * Each input is copied so that it ends right before an inaccessible guard page
 * (libdeflate's fuzz.c): reading one byte past it faults even without ASan.
 *
 * usage: fuzz_<target>_replay PATH...   (files, or directories of files)
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz_common.h"

static size_t n_inputs;

/* Runs the target on data[0..size) placed flush against a PROT_NONE page. */
static int run_guarded(const uint8_t *data, size_t size)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t span = (size + page - 1) / page * page + page;
    uint8_t *map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return 0;
    uint8_t *guard = map + span - page, *buf = guard - size;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        munmap(map, span);
        return 0;
    }
    if (size) memcpy(buf, data, size);
    mprotect(map, span - page, PROT_READ); /* the target must not write its input */
    LLVMFuzzerTestOneInput(buf, size);
    munmap(map, span);
    return 1;
}

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 0;
    }
    size_t cap = 1 << 16, size = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + size, 1, cap - size, fp)) > 0) {
        size += got;
        if (size == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (!bigger) { free(data); data = NULL; break; }
            data = bigger;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!data) return 0;
    int ok = run_guarded(data, size);
    free(data);
    n_inputs++;
    if (!ok) fprintf(stderr, "replay: cannot map a buffer for %s\n", path);
    return ok;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) return run_file(path);
    DIR *dir = opendir(path);
    if (!dir) return 0;
    int ok = 1;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) ok &= run_file(sub);
    }
    closedir(dir);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    int ok = 1;
    for (int i = 1; i < argc; i++) ok &= run_path(argv[i]);
    printf("replay: %zu inputs, %s\n", n_inputs, ok && n_inputs ? "no crash" : "errors");
    return ok && n_inputs ? 0 : 1;
}
