#!/usr/bin/python3
"""Time of the Python layer over the C library's, on a 100 MiB field.

usage: measure_overhead.py [--reps N] [--threads T ...] [--dtype f32|f64] [--rel E]

Each strata.compress()/strata.decompress() call is timed as a whole and, inside the
same call, the time spent in the C function (strata_compress/strata_decompress,
timed around the ctypes call). The Python layer is the difference: argument checks,
strata_read_header, allocating the output, and for compress() copying the compressed
bytes into the bytes object returned. Measuring both in the same call keeps the
run-to-run noise of a shared machine (10% and more) out of a difference of a few
milliseconds. Reported: the median over the repetitions of the layer's time over
the C time. Also, for reference, the C call alone into a buffer written before
(no page faults on the output). Exits 1 if the overhead exceeds 5%.
"""
import argparse
import ctypes
import statistics
import sys
import time

import numpy as np

import strata
from strata import _capi, _core

MIB = 1 << 20


class TimedLib:
    """Stands in for _core.lib: times strata_compress/strata_decompress calls."""

    def __init__(self, lib):
        self._lib = lib
        self.inner = 0.0

    def __getattr__(self, name):
        fn = getattr(self._lib, name)
        if name not in ("strata_compress", "strata_decompress"):
            return fn

        def timed(*args):
            t = time.perf_counter()
            result = fn(*args)
            self.inner += time.perf_counter() - t
            return result
        timed.__name__ = name
        return timed


def field(dtype):
    itemsize = np.dtype(dtype).itemsize
    nz = 100 * MIB // (320 * 320 * itemsize)
    z, y, x = np.meshgrid(np.linspace(0, 4, nz), np.linspace(0, 5, 320),
                          np.linspace(0, 6, 320), indexing="ij", sparse=True)
    data = np.sin(x + 0.3 * z) * np.cos(y) * 10 + 0.5 * z
    data = data + np.random.default_rng(0).standard_normal((nz, 320, 320)) * 0.01
    return np.ascontiguousarray(data, dtype=dtype)


def split_time(proxy, call):
    """(whole call, inside C) seconds of call()."""
    proxy.inner = 0.0
    t = time.perf_counter()
    call()
    return time.perf_counter() - t, proxy.inner


def c_reused(arr, stream, threads, rel):
    """The C calls alone, into output buffers written before."""
    f = _core.make_field(arr, None)
    params = _core.make_params(rel=rel, threads=threads)
    dst = np.ones(_capi.lib.strata_compress_bound(ctypes.byref(f)), np.uint8)
    size = ctypes.c_size_t()
    t = time.perf_counter()
    assert _capi.lib.strata_compress(ctypes.byref(f), arr.ctypes.data, ctypes.byref(params),
                                     dst.ctypes.data, dst.size, ctypes.byref(size)) == 0
    tc = time.perf_counter() - t
    out = np.ones(arr.shape, arr.dtype)
    t = time.perf_counter()
    assert _capi.lib.strata_decompress(stream, len(stream), out.ctypes.data, out.nbytes,
                                       threads, None) == 0
    return tc, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 0])
    ap.add_argument("--dtype", choices=("f32", "f64"), default="f32")
    ap.add_argument("--rel", type=float, default=1e-3)
    a = ap.parse_args()
    arr = field(np.float32 if a.dtype == "f32" else np.float64)
    proxy = TimedLib(_capi.lib)
    _core.lib = proxy
    stream = strata.compress(arr, rel=a.rel)
    print("field %s %s, %.1f MiB, rel %g, ratio %.1f, strata %s (%s)" % (
        arr.dtype, "x".join(map(str, arr.shape)), arr.nbytes / MIB, a.rel,
        arr.nbytes / len(stream), strata.library_version(), strata.library_path()))
    print("| op | threads | Python call (s) | in C (s) | Python layer (ms) | overhead "
          "| C alone, reused buffer (s) | MB/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for threads in a.threads:
        rows = {"compress": [], "decompress": []}
        reused = {"compress": [], "decompress": []}
        for _ in range(a.reps):
            rows["compress"].append(split_time(
                proxy, lambda: strata.compress(arr, rel=a.rel, threads=threads)))
            rows["decompress"].append(split_time(
                proxy, lambda: strata.decompress(stream, threads=threads)))
            tc, td = c_reused(arr, stream, threads, a.rel)
            reused["compress"].append(tc)
            reused["decompress"].append(td)
        for op, samples in rows.items():
            over = statistics.median((whole - inner) / inner for whole, inner in samples)
            layer = statistics.median(whole - inner for whole, inner in samples)
            worst = max(worst, over)
            whole = min(s[0] for s in samples)
            print("| %s | %s | %.3f | %.3f | %.1f | %.2f%% | %.3f | %.0f |" % (
                op, threads or "all", whole, min(s[1] for s in samples), 1e3 * layer,
                100 * over, min(reused[op]), arr.nbytes / 1e6 / whole))
    return 1 if worst > 0.05 else 0


if __name__ == "__main__":
    sys.exit(main())
