/* huffman_tree.h - Huffman code lengths by the two-queue method, written once
 * for the CPU encoder (huffman_encode.c) and the CUDA backend (gpu/), which must
 * produce the same lengths for the same frequencies. */
#ifndef STRATA_HUFFMAN_TREE_H
#define STRATA_HUFFMAN_TREE_H

#include <stdint.h>

#ifdef __CUDACC__
#  define STRATA_HUFF_HD __host__ __device__ __forceinline__
#else
#  define STRATA_HUFF_HD static inline
#endif

/* w[0..m) holds the leaves' weights in nondecreasing order (m >= 2); w and
 * parent have room for 2m - 1 nodes. Internal nodes are created in
 * nondecreasing weight, so two queues replace a heap. On return w[x] is the
 * depth (code length) of leaf x; returns the longest. */
STRATA_HUFF_HD int strata_huffman_tree(uint64_t *w, int32_t *parent, int m)
{
    int leaf = 0, inner = m;
    for (int next = m; next < 2 * m - 1; next++) {
        int pick[2];
        for (int t = 0; t < 2; t++) {
            if (leaf < m && (inner >= next || w[leaf] <= w[inner])) pick[t] = leaf++;
            else pick[t] = inner++;
        }
        w[next] = w[pick[0]] + w[pick[1]];
        parent[pick[0]] = parent[pick[1]] = next;
    }
    w[2 * m - 2] = 0;
    int maxlen = 0;
    for (int x = 2 * m - 3; x >= 0; x--) {
        w[x] = w[parent[x]] + 1;
        if (x < m && (int)w[x] > maxlen) maxlen = (int)w[x];
    }
    return maxlen;
}

#endif
