#!/usr/bin/env python3
"""bench.py - Strata against SZ3 and ZFP on every field of ../shared/data.

Run it through bench/run_bench.sh, which builds Strata and uses the virtual
environment that scripts/bench_setup.sh makes (numpy, pysz or hdf5plugin, zfpy).

For each field and each relative bound REL, the absolute bound is
    eb = REL * (max - min over valid points)    (valid: finite and not the fill value)
as in ../shared/peers.md, and every tool gets that same absolute bound:
  - Strata: `strata eval --abs eb --json` (--fill from the manifest when the field
    has fill points), 1 and 2 threads, best of --repeat runs; eval checks every point.
  - SZ3 (pysz, or the hdf5plugin filter through an in-memory HDF5 file) and ZFP
    (zfpy fixed-accuracy, or the zfp command-line tool) in this process; their max
    error over valid points is checked here ('violates' when it exceeds eb).
All MB/s are raw megabytes (1e6 bytes) per second of the best of --repeat runs, one
thread unless said otherwise, timing only the codec call (no file I/O, no start-up).
At REL 1e-3 Strata's streams are also written with `strata compress` /
`strata decompress` and checked by ../shared/tools/verify_bound.py.
PSNR mode against SPERR (every run, --quick too): on each 3D field, `strata eval/compress
--psnr P` with P the PSNR that SPERR reaches at rel 1e-3 in ../shared/peers.md, its ratio set
beside SPERR's; the stream is decompressed, its PSNR checked here and its points checked
by verify_bound.py at the stream's abs bound.
"""
import argparse
import datetime
import io
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELS = (1e-2, 1e-3, 1e-4)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- fields -----------------------------------------------------------------------

class Field:
    def __init__(self, data_dir, m):
        self.name = m["file"]
        self.path = os.path.join(data_dir, m["file"])
        self.dims = tuple(int(d) for d in m["dims"])
        self.t = "f64" if m["dtype"].startswith("float64") else "f32"
        self.dtype = np.dtype("<f8" if self.t == "f64" else "<f4")
        self.n_fill = int(m.get("n_fill") or 0)
        self.fill = float(m["fill_value"]) if self.n_fill > 0 else None
        self.bytes = int(m["bytes"])
        self._x = None

    @property
    def x(self):
        if self._x is None:
            self._x = np.fromfile(self.path, dtype=self.dtype).reshape(self.dims)
            self.valid = np.isfinite(self._x)
            if self.fill is not None:
                self.valid &= self._x != self.dtype.type(self.fill)
            xv = self._x[self.valid].astype(np.float64)
            self.vmin, self.vmax = float(xv.min()), float(xv.max())
        return self._x

    def eb(self, rel):
        self.x
        return rel * (self.vmax - self.vmin)

    def drop(self):
        self._x = None
        self.valid = None


def load_fields(data_dir):
    with open(os.path.join(data_dir, "manifest.jsonl")) as f:
        return [Field(data_dir, json.loads(line)) for line in f if line.strip()]


def error_stats(field, y, eb):
    """Max error and PSNR over the valid points, as verify_bound.py computes them."""
    x = field.x
    v = field.valid
    err = np.abs(y[v].astype(np.float64) - x[v].astype(np.float64))
    bad = int(np.count_nonzero(~(err <= eb)))  # NaN counts as a violation
    maxerr = float(np.nanmax(err)) if err.size else 0.0
    if np.isnan(err).any():
        maxerr = float("nan")
    mse = float(np.mean(err ** 2)) if err.size else 0.0
    rng = field.vmax - field.vmin
    psnr = 20 * math.log10(rng) - 10 * math.log10(mse) if mse > 0 and rng > 0 else float("inf")
    return {"max_abs_error": maxerr, "psnr": psnr, "violations": bad, "violates": bad > 0}


def best_time(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


# ---- Strata -----------------------------------------------------------------------

def run_peak(cmd):
    """Runs cmd under /usr/bin/time: (exit code, stderr, peak RSS of cmd in MB).
    Not getrusage of our own child: a child forked from this (large) Python process
    carries the parent's resident size into its ru_maxrss until exec; time's child
    is forked from time, which is small."""
    fd, rep = tempfile.mkstemp()
    os.close(fd)
    try:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rep] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        with open(rep) as fp:
            kb = [ln for ln in fp.read().split() if ln.isdigit()]
        return r.returncode, r.stderr, int(kb[-1]) * 1024 / 1e6 if kb else float("nan")
    finally:
        os.remove(rep)


# Coders timed besides the default on the three largest fields (the speed floor's).
FAST_CODERS = ("ans_ctx", "huffman_ctx", "huffman")


class Strata:
    def __init__(self, exe):
        self.exe = exe

    def version(self):
        r = subprocess.run([self.exe, "--version"], capture_output=True, text=True)
        return r.stdout.splitlines()[0] if r.stdout else "unknown"

    def field_args(self, field, fill):
        a = ["-i", field.path, "-t", field.t, "-d", "x".join(map(str, field.dims))]
        if fill is not None:
            a.append("--fill=%r" % fill)
        return a

    def eval(self, field, eb, threads, repeat, fill, coder=None):
        cmd = ([self.exe, "eval"] + self.field_args(field, fill) +
               ["--abs", repr(eb), "--threads", str(threads), "--repeat", str(repeat), "--json"] +
               (["--coder", coder] if coder else []))
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        try:
            j = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"error": "exit %d: %s" % (r.returncode, r.stderr.strip()[-300:]), "cmd": cmd}
        j["exit"] = r.returncode
        j["violates"] = j.get("verdict") != "pass"
        if r.returncode and r.stderr.strip():
            j["stderr"] = r.stderr.strip()[-300:]
        return j

    def roundtrip(self, field, eb, fill, tmp):
        """`strata compress --abs eb` + `strata decompress` through files in tmp:
        (stream size, reconstruction)."""
        s = os.path.join(tmp, "rt.strata")
        y = os.path.join(tmp, "rt.raw")
        subprocess.run([self.exe, "compress"] + self.field_args(field, fill) +
                       ["--abs", repr(eb), "-o", s, "-q"], check=True, capture_output=True)
        subprocess.run([self.exe, "decompress", "-i", s, "-o", y, "-q"], check=True,
                       capture_output=True)
        out = os.path.getsize(s), np.fromfile(y, dtype=field.dtype).reshape(field.dims)
        os.remove(s)
        os.remove(y)
        return out

    def peak_memory(self, field, eb, fill, tmp):
        """Peak resident memory (MB, 1e6 bytes) of `strata compress` and `strata
        decompress` run on their own, 1 thread, through files in tmp (getrusage of
        each child). The input (and output) buffers are part of it."""
        s = os.path.join(tmp, "mem.strata")
        y = os.path.join(tmp, "mem.raw")
        out = {}
        for key, cmd in (("compress", [self.exe, "compress"] + self.field_args(field, fill) +
                          ["--abs", repr(eb), "--threads", "1", "-o", s, "-q"]),
                         ("decompress", [self.exe, "decompress", "-i", s, "-o", y,
                                         "--threads", "1", "-q"])):
            code, err, rss = run_peak(cmd)
            if code:
                return {"error": "%s failed: %s" % (key, err.strip()[-300:])}
            out[key + "_mb"] = rss
        out["stream_mb"] = os.path.getsize(s) / 1e6
        for q in (s, y):
            os.remove(q)
        return out

    def verify(self, field, rel, tmp, verifier):
        """compress + decompress to files, then the independent checker."""
        s = os.path.join(tmp, "s.strata")
        y = os.path.join(tmp, "recon.raw")
        out = {}
        c = subprocess.run([self.exe, "compress"] + self.field_args(field, field.fill) +
                           ["--rel", repr(rel), "-o", s, "-q"], capture_output=True, text=True)
        if c.returncode:
            return {"ok": False, "line": "compress failed: " + c.stderr.strip()[-300:]}
        d = subprocess.run([self.exe, "decompress", "-i", s, "-o", y, "-q"],
                           capture_output=True, text=True)
        if d.returncode:
            return {"ok": False, "line": "decompress failed: " + d.stderr.strip()[-300:]}
        cmd = [verifier, field.path, y, "-t", field.t, "--rel", repr(rel)]
        if field.fill is not None:
            cmd.append("--fill=%r" % field.fill)
        v = subprocess.run(cmd, capture_output=True, text=True)
        out["ok"] = v.returncode == 0
        out["line"] = (v.stdout + v.stderr).strip()
        out["ratio"] = field.bytes / os.path.getsize(s)
        for p in (s, y):
            os.remove(p)
        return out

    def info(self, stream):
        """`strata info` as {key: text} ('method', 'abs bound', ...)."""
        r = subprocess.run([self.exe, "info", "-i", stream], capture_output=True, text=True,
                           check=True)
        return {k.strip(): v.strip() for k, _, v in
                (ln.partition(":") for ln in r.stdout.splitlines()) if v}

    def psnr_check(self, field, target, tmp, verifier):
        """`strata eval --psnr target` and, independently of it, `strata compress --psnr`
        + `info` + `decompress`, the file's PSNR over the valid points from numpy and
        verify_bound.py at the stream's own abs bound. 'fails' lists what went wrong."""
        fa = self.field_args(field, field.fill)
        psnr = ["--psnr", repr(target), "--threads", "1"]
        out = {"target": target, "fails": []}
        fails = out["fails"]
        e = subprocess.run([self.exe, "eval"] + fa + psnr + ["--json"], capture_output=True,
                           text=True, timeout=1800)
        try:
            out["eval"] = json.loads(e.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            fails.append("eval exit %d: %s" % (e.returncode, e.stderr.strip()[-200:]))
            out["eval"] = {}
        ev = out["eval"]
        if ev and ev.get("verdict") != "pass":
            fails.append("eval verdict %s" % ev.get("verdict"))
        if ev and not (ev.get("psnr") or 0) >= target:
            fails.append("eval PSNR %s < target" % ev.get("psnr"))
        s = os.path.join(tmp, "p.strata")
        y = os.path.join(tmp, "p.raw")
        try:
            for cmd in ([self.exe, "compress"] + fa + psnr + ["-o", s, "-q"],
                        [self.exe, "decompress", "-i", s, "-o", y, "-q"]):
                c = subprocess.run(cmd, capture_output=True, text=True)
                if c.returncode:
                    fails.append("%s failed: %s" % (cmd[1], c.stderr.strip()[-200:]))
                    return out
            info = self.info(s)
            out["method"] = info.get("method", "?")
            eb = float(info["abs bound"])
            size = os.path.getsize(s)
            out["ratio"] = field.bytes / size
            # eval's ratio is the one its checks cover; the table shows the file's.
            if ev.get("stream_size") not in (None, size):
                fails.append("eval stream %s B, compress %d B" % (ev["stream_size"], size))
            st = error_stats(field, np.fromfile(y, dtype=field.dtype).reshape(field.dims), eb)
            out["psnr"] = st["psnr"]
            if not st["psnr"] >= target:
                fails.append("PSNR %.3f < target" % st["psnr"])
            if st["violates"]:
                fails.append("%d points beyond the abs bound %r" % (st["violations"], eb))
            cmd = [verifier, field.path, y, "-t", field.t, "--abs", repr(eb)]
            if field.fill is not None:
                cmd.append("--fill=%r" % field.fill)
            v = subprocess.run(cmd, capture_output=True, text=True)
            out["verify"] = (v.stdout + v.stderr).strip()
            if v.returncode or "violations 0 " not in out["verify"] + " ":
                fails.append("verify_bound.py: " + out["verify"][-200:])
        except (subprocess.CalledProcessError, OSError, KeyError, ValueError) as x:
            fails.append("%s: %s" % (type(x).__name__, x))
        finally:
            for p in (s, y):
                if os.path.exists(p):
                    os.remove(p)
        return out


# ---- SZ3 --------------------------------------------------------------------------

class SZ3Pysz:
    name = "pysz"

    def __init__(self):
        import pysz
        self.pysz = pysz

    def version(self):
        from importlib.metadata import version
        x = np.zeros((4, 4), np.float32)
        c = self.pysz.szConfig(x.shape)
        c.absErrorBound = 1.0
        b, _ = self.pysz.sz.compress(x, c)
        # SZ3 streams start with a 4-byte magic and the writer's version (one byte each
        # for major, minor, patch, tweak from the top down, little-endian uint32).
        v = int.from_bytes(bytes(b[4:8]), "little")
        return "SZ3 %d.%d.%d (stream header) through pysz %s, single thread" % (
            v >> 24, (v >> 16) & 255, (v >> 8) & 255, version("pysz"))

    def run(self, field, eb, repeat):
        x = field.x
        c = self.pysz.szConfig(x.shape)
        c.errorBoundMode = self.pysz.szErrorBoundMode.ABS
        c.absErrorBound = float(eb)
        tc, (b, _) = best_time(lambda: self.pysz.sz.compress(x, c), repeat)
        td, (y, _) = best_time(lambda: self.pysz.sz.decompress(b, x.dtype, x.shape), repeat)
        return tc, td, int(b.nbytes), np.asarray(y).reshape(x.shape)


class SZ3Hdf5plugin:
    """The SZ3 HDF5 filter (id 32024) of hdf5plugin on an in-memory HDF5 file: one
    chunk holding the whole field, chunk cache off, so each write runs the filter
    forward once and each read runs it backward once."""
    name = "hdf5plugin"

    def __init__(self):
        import h5py
        import hdf5plugin
        self.h5py, self.hdf5plugin = h5py, hdf5plugin

    def version(self):
        return "SZ3 HDF5 filter 32024 of hdf5plugin %s (h5py %s, HDF5 %s), single thread" % (
            self.hdf5plugin.version, self.h5py.version.version, self.h5py.version.hdf5_version)

    def run(self, field, eb, repeat):
        x = field.x
        h5py, filt = self.h5py, self.hdf5plugin.SZ3(absolute=float(eb))
        size = [0]
        files = []

        def compress():
            f = h5py.File(io.BytesIO(), "w", rdcc_nbytes=0)
            d = f.create_dataset("x", shape=x.shape, dtype=x.dtype, chunks=x.shape, **filt)
            d.write_direct(np.ascontiguousarray(x))
            f.flush()
            size[0] = d.id.get_storage_size()
            files.append(f)
            return d

        tc, d = best_time(compress, repeat)
        td, y = best_time(lambda: d[...], repeat)
        for f in files:
            f.close()
        return tc, td, size[0], y


# ---- ZFP --------------------------------------------------------------------------

class ZfpPy:
    name = "zfpy"

    def __init__(self):
        import zfpy
        self.zfpy = zfpy

    def version(self):
        return "zfpy %s (fixed-accuracy mode, tolerance = eb), single thread" % self.zfpy.__version__

    def run(self, field, eb, repeat):
        x = field.x
        tc, b = best_time(lambda: self.zfpy.compress_numpy(x, tolerance=float(eb)), repeat)
        td, y = best_time(lambda: self.zfpy.decompress_numpy(b), repeat)
        return tc, td, len(b), y.reshape(x.shape)


class ZfpCli:
    """Debian's zfp tool; times include process start-up and file I/O in /dev/shm."""
    name = "zfp-cli"

    def __init__(self):
        self.exe = shutil.which("zfp")
        if not self.exe:
            raise RuntimeError("no zfp command")

    def version(self):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "zfp"], capture_output=True, text=True)
        return "zfp command-line tool (Debian %s, -a eb), whole process" % (r.stdout or "?")

    def run(self, field, eb, repeat):
        x = field.x
        tmp = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        try:
            z, y = os.path.join(tmp, "z"), os.path.join(tmp, "y")
            dims = ["-%d" % x.ndim] + [str(d) for d in reversed(x.shape)]
            t = ["-f" if field.t == "f32" else "-d"]
            tc, _ = best_time(lambda: subprocess.run(
                [self.exe] + t + dims + ["-a", repr(eb), "-i", field.path, "-z", z], check=True), repeat)
            td, _ = best_time(lambda: subprocess.run(
                [self.exe] + t + dims + ["-a", repr(eb), "-z", z, "-o", y], check=True), repeat)
            return tc, td, os.path.getsize(z), np.fromfile(y, dtype=field.dtype).reshape(x.shape)
        finally:
            shutil.rmtree(tmp)


def first_working(classes, force=None):
    errors = []
    for c in classes:
        if force and c.name != force:
            continue
        try:
            return c()
        except Exception as e:  # noqa: BLE001 - report why each path failed
            errors.append("%s: %s" % (c.name, e))
    log("warning: none of %s works: %s" % ([c.name for c in classes], "; ".join(errors)))
    return None


def run_peer(tool, field, eb, repeat):
    if tool is None:
        return {"error": "not available"}
    try:
        tc, td, nbytes, y = tool.run(field, eb, repeat)
    except Exception as e:  # noqa: BLE001
        return {"error": "%s: %s" % (type(e).__name__, e)}
    r = error_stats(field, y, eb)
    r.update(ratio=field.bytes / nbytes, stream_size=nbytes,
             compress_mbps=field.bytes / 1e6 / tc, decompress_mbps=field.bytes / 1e6 / td)
    return r


def floor_rounds(r, runs, more):
    """More rounds of the runs the speed floor compares, one tool after another
    in each, keeping each tool's fastest compression and decompression: a slow
    spell of the shared machine then falls on every tool, not on one."""
    for _ in range(more):
        for key, run in runs.items():
            n = run()
            if "error" in n or "error" in r.get(key, {"error": 1}):
                continue
            for k in ("compress_mbps", "decompress_mbps"):
                r[key][k] = max(r[key][k], n[k])


# ---- peers.md ---------------------------------------------------------------------

def peer_rows(path):
    """(rel, kind, {column: cell}) for each data row of peers.md's tables, kind being
    'ratio' or 'speed' from the table's heading."""
    if not os.path.exists(path):
        return
    rel, kind, cols = None, None, None
    for line in open(path):
        m = re.match(r"##\s+rel\s+([0-9.eE+-]+):\s*(ratio|speed)", line)
        if m:
            rel, kind, cols = float(m.group(1)), m.group(2), None
            continue
        if not line.startswith("|") or rel is None:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols is None:
            cols = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue
        yield rel, kind, dict(zip(cols, cells))


def read_peers(path):
    """{rel: {field: sz3 ratio}} and {field: 'c / d'} from the tables of peers.md."""
    ratios, speeds = {}, {}
    for rel, kind, row in peer_rows(path):
        cell = row.get("sz3")
        if cell is None:
            continue
        if kind == "ratio":
            m = re.match(r"([0-9.]+)", cell)
            if m:
                ratios.setdefault(rel, {})[row["field"]] = float(m.group(1))
        else:
            speeds[row["field"]] = cell
    return ratios, speeds


def read_peer_psnr(path, tool, rel):
    """{field: {dims, ratio, psnr, violates}} of one tool's 'ratio (PSNR)' cells at rel
    in peers.md; cells without both numbers ('-', 'crash') are left out."""
    out = {}
    for r, kind, row in peer_rows(path):
        if kind != "ratio" or abs(r - rel) > 1e-12 * rel or tool not in row:
            continue
        m = re.match(r"([0-9.]+)\s*\(\s*(-?[0-9.]+)\s*dB\s*\)", row[tool])
        if m:
            out[row["field"]] = {"dims": row.get("dims", ""), "ratio": float(m.group(1)),
                                 "psnr": float(m.group(2)), "violates": "violates" in row[tool]}
    return out


def psnr_vs_sperr(strata, field, peer, tmp, verifier):
    """Strata's PSNR mode at the PSNR SPERR reached at rel 1e-3 (peer: its peers.md
    cell), with every check of Strata.psnr_check; peer is kept for the table."""
    r = strata.psnr_check(field, peer["psnr"], tmp, verifier)
    r["sperr"] = peer
    dims = "x".join(map(str, field.dims))
    if peer["dims"] != dims:  # another field than SPERR's: the comparison means nothing
        r["fails"].append("peers.md dims %s, manifest %s" % (peer["dims"], dims))
    log("%-45s psnr %.1f: strata %s dB, ratio %s (%s); sperr %.2f%s" % (
        field.name, peer["psnr"], f_psnr(r), "%.2f" % r["ratio"] if "ratio" in r else "-",
        r.get("method", "?"), peer["ratio"], "; FAIL: " + "; ".join(r["fails"]) if r["fails"] else ""))
    return r


# ---- formatting -------------------------------------------------------------------

def f_ratio(r):
    if not r or "error" in r:
        return "error"
    s = "%.2f" % r["ratio"]
    return s + " **violates**" if r.get("violates") else s


def f_speed(r):
    if not r or "error" in r:
        return "-"
    return "%.0f / %.0f" % (r["compress_mbps"], r["decompress_mbps"])


def f_mem(m, nbytes):
    if not m or "error" in m:
        return "-"
    return "%.0f / %.0f (%.1f)" % (m["compress_mb"], m["decompress_mb"], nbytes / 1e6)


def f_psnr(r):
    if not r or "error" in r or r.get("psnr") is None:
        return "-"
    return "%.1f" % r["psnr"] if math.isfinite(r["psnr"]) else "inf"


def f_errb(r, eb):
    if not r or "error" in r:
        return "-"
    e = r.get("max_abs_error")
    if e is None or (isinstance(e, float) and math.isnan(e)):
        s = "nan"
    else:
        s = "%.3f" % (e / eb) if eb > 0 else "%.3g" % e
    return s + " **violates**" if r.get("violates") else s


def geomean(v):
    v = [x for x in v if x and x > 0 and math.isfinite(x)]
    return math.exp(sum(map(math.log, v)) / len(v)) if v else float("nan")


def fmt_rel(rel):
    e = math.log10(rel)
    return "1e%d" % round(e) if abs(e - round(e)) < 1e-9 else "%g" % rel


def ratio_of(a, b):
    if not a or not b or "error" in a or "error" in b:
        return None
    return a["ratio"] / b["ratio"]


def baseline_name(meta):
    return "`%s`" % meta["before_rev"] if meta.get("before_rev") else "(not run: no baseline build)"


def render(res, fields, rels, peers, peer_speeds, verify, levitus, meta, vs_sperr):
    out = []
    w = out.append
    for rel in rels:
        w("## rel %s" % fmt_rel(rel))
        w("")
        w("| field | strata ratio | sz3 ratio (this run) | sz3 ratio (peers.md) | strata/sz3 | "
          "zfp ratio | strata max err / eb | strata MB/s c/d (1 thr) | (2 thr) | "
          "strata peak MB c/d (input MB) | sz3 MB/s c/d | zfp MB/s c/d |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for f in fields:
            r = res[rel][f.name]
            q = ratio_of(r["strata1"], r["sz3"])
            pr = peers.get(rel, {}).get(f.name)
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                f.name + (" (fill)" if f.fill is not None else ""),
                f_ratio(r["strata1"]), f_ratio(r["sz3"]), "%.2f" % pr if pr else "-",
                "%.2f" % q if q else "-", f_ratio(r["zfp"]), f_errb(r["strata1"], r["eb"]),
                f_speed(r["strata1"]), f_speed(r["strata2"]), f_mem(r.get("mem"), f.bytes),
                f_speed(r["sz3"]), f_speed(r["zfp"])))
        w("")
        w("PSNR (dB, over valid points) and max error / eb of each tool at rel %s:" % fmt_rel(rel))
        w("")
        w("| field | eb | strata PSNR | sz3 PSNR | zfp PSNR | strata err/eb | sz3 err/eb | zfp err/eb |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for f in fields:
            r = res[rel][f.name]
            w("| %s | %.6g | %s | %s | %s | %s | %s | %s |" % (
                f.name, r["eb"], f_psnr(r["strata1"]), f_psnr(r["sz3"]), f_psnr(r["zfp"]),
                f_errb(r["strata1"], r["eb"]), f_errb(r["sz3"], r["eb"]), f_errb(r["zfp"], r["eb"])))
        w("")

    w("## Summary")
    w("")
    for rel in rels:
        qs = [ratio_of(res[rel][f.name]["strata1"], res[rel][f.name].get("before", {})) for f in fields]
        if any(qs):
            w("- rel %s: default coder's ratio over that of %s (before issue #5): geometric mean **%.3f**, "
              "min %.3f; at least 1 on %d of %d fields" % (
                  fmt_rel(rel), baseline_name(meta), geomean(qs), min(q for q in qs if q),
                  sum(1 for q in qs if q and q >= 1), sum(1 for q in qs if q)))
    for rel in rels:
        qs = [ratio_of(res[rel][f.name]["strata1"], res[rel][f.name]["sz3"]) for f in fields]
        if not any(qs):
            w("- rel %s: no SZ3 ratios (SZ3 not available)" % fmt_rel(rel))
            continue
        w("- rel %s: geometric mean of strata/sz3 ratio over %d fields: **%.3f** "
          "(min %.2f, max %.2f)" % (fmt_rel(rel), sum(1 for q in qs if q), geomean(qs),
                                    min(q for q in qs if q), max(q for q in qs if q)))
    if 1e-3 in rels:
        won = [f.name for f in fields
               if (ratio_of(res[1e-3][f.name]["strata1"], res[1e-3][f.name]["sz3"]) or 0) >= 1]
        w("- rel 1e-3: strata ratio >= sz3 ratio on **%d of %d** fields%s" % (
            len(won), len(fields), (" (" + ", ".join(won) + ")") if won else ""))
    lev = next((f for f in fields if f.name.startswith("ferret_levitus__TEMP")), None)
    if lev:
        w("- ferret_levitus__TEMP (with --fill): strata/sz3 = " + ", ".join(
            "%.2f at rel %s" % (ratio_of(res[rel][lev.name]["strata1"], res[rel][lev.name]["sz3"]) or 0,
                                fmt_rel(rel)) for rel in rels))
    viol = [(rel, f.name, t) for rel in rels for f in fields for t in ("strata1", "strata2", "sz3", "zfp")
            if res[rel][f.name][t].get("violates")]
    w("- bound violations: " + ("; ".join("%s %s at rel %s" % (t.replace("strata1", "strata (1 thr)")
                                                               .replace("strata2", "strata (2 thr)"), n,
                                                               fmt_rel(rel)) for rel, n, t in viol)
                                if viol else "none"))
    diff = [(rel, f.name) for rel in rels for f in fields
            if res[rel][f.name]["strata1"].get("stream_size") != res[rel][f.name]["strata2"].get("stream_size")]
    w("- Strata streams of the same size with 1 and 2 threads: " +
      ("yes, on every field and bound" if not diff else
       "**no**: " + "; ".join("%s at rel %s" % (n, fmt_rel(rel)) for rel, n in diff)))
    errs = [(rel, f.name, t, res[rel][f.name][t]["error"]) for rel in rels for f in fields
            for t in ("strata1", "strata2", "sz3", "zfp") if "error" in res[rel][f.name][t]]
    if errs:
        w("- failed runs: " + "; ".join("%s %s at rel %s: %s" % (t, n, fmt_rel(rel), e)
                                        for rel, n, t, e in errs))
    w("")
    big = sorted(fields, key=lambda f: -f.bytes)[:3]
    srel = 1e-3 if 1e-3 in rels else rels[0]
    w("### Speed on the three largest fields (rel %s, MB/s compress / decompress)" % fmt_rel(srel))
    w("")
    w("| field | MB | strata 1 thr | strata 2 thr | " +
      "".join("strata %s 1 thr | " % c for c in FAST_CODERS) + "sz3 | zfp | sz3 (peers.md, whole process) |")
    w("|---|---:|---:|---:|" + "---:|" * len(FAST_CODERS) + "---:|---:|---:|")
    for f in big:
        r = res[srel][f.name]
        w("| %s | %.1f | %s | %s | " % (f.name, f.bytes / 1e6, f_speed(r["strata1"]), f_speed(r["strata2"])) +
          "".join("%s | " % f_speed(r.get(c, {"error": "-"})) for c in FAST_CODERS) +
          "%s | %s | %s |" % (f_speed(r["sz3"]), f_speed(r["zfp"]), peer_speeds.get(f.name, "-")))
    w("")
    w("Issue #5's single-thread floor, compress / decompress: Strata's MB/s over 2x SZ3's and "
      "over ZFP's (at least 1.00 meets it), with the ratio each coder reaches. Every tool's runs "
      "on these fields (the table above too) came in %d interleaved rounds, and each keeps its "
      "best, so that a slow spell of the shared machine falls on all of them. The floor also asks "
      "for ratios no lower than before this work: 'ratio / before' divides each coder's by the "
      "ratio of %s, the codec when issue #5 was filed (its default coder):"
      % (meta.get("rounds", 1), baseline_name(meta)))
    w("")
    w("| field | coder | ratio | ratio / before | / (2 x sz3) | / zfp |")
    w("|---|---|---:|---:|---:|---:|")

    def over(a, b, k):
        x, y = a.get(k), b.get(k)
        return "%.2f" % (x / y) if x and y else "-"

    for f in big:
        r = res[srel][f.name]
        two = {k: 2 * r["sz3"][k] for k in ("compress_mbps", "decompress_mbps") if r["sz3"].get(k)}
        for name, key in (("range_ctx (default)", "strata1"),) + tuple((c, c) for c in FAST_CODERS):
            s = r.get(key, {})
            w("| %s | %s | %s | %s | %s / %s | %s / %s |" % (
                f.name, name, f_ratio(s), over(s, r.get("before", {}), "ratio"),
                over(s, two, "compress_mbps"), over(s, two, "decompress_mbps"),
                over(s, r["zfp"], "compress_mbps"), over(s, r["zfp"], "decompress_mbps")))
    w("")

    if levitus:
        w("### Levitus TEMP: --fill -1e10 against no fill value")
        w("")
        w("Same absolute bound (rel x range of the ocean points) in both Strata runs; without "
          "--fill the 577275 land points (-1e10) are coded as ordinary values. Max error / eb "
          "and PSNR are over the ocean points (for 'no fill' from a `strata compress` + "
          "`strata decompress` round trip; `strata eval` checked the land points too). "
          "SZ3 and ZFP never get a fill value.")
        w("")
        w("| rel | eb | strata --fill | strata no fill | no fill / fill | sz3 | zfp | "
          "strata --fill err/eb, PSNR | strata no fill err/eb, PSNR | strata no fill MB/s c/d |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for rel in rels:
            r = res[rel][lev.name]
            nf = levitus[rel]
            oc = nf.get("ocean", {"error": "-"})
            q = ratio_of(nf, r["strata1"])
            w("| %s | %.6g | %s | %s | %s | %s | %s | %s, %s dB | %s, %s dB | %s |" % (
                fmt_rel(rel), r["eb"], f_ratio(r["strata1"]), f_ratio(nf), "%.2f" % q if q else "-",
                f_ratio(r["sz3"]), f_ratio(r["zfp"]), f_errb(r["strata1"], r["eb"]),
                f_psnr(r["strata1"]), f_errb(oc, r["eb"]), f_psnr(oc), f_speed(nf)))
        w("")

    if verify:
        w("### verify_bound.py on `strata compress` + `strata decompress` (rel 1e-3)")
        w("")
        w("| field | stream ratio | verdict | verify_bound.py output |")
        w("|---|---:|---|---|")
        for f in fields:
            v = verify[f.name]
            w("| %s | %s | %s | `%s` |" % (f.name, "%.2f" % v["ratio"] if "ratio" in v else "-",
                                          "ok" if v["ok"] else "**FAIL**", v["line"].replace("|", "/")))
        w("")
    out += render_vs_sperr(fields, vs_sperr)
    return "\n".join(out)


def render_vs_sperr(fields, vs_sperr):
    """The section for issue 6's floor: fewer bytes than SPERR at its own PSNR."""
    out = []
    w = out.append
    w("## PSNR mode against SPERR")
    w("")
    w("Target: on each 3D field, the PSNR that SPERR reaches at rel 1e-3 (its pointwise-error "
      "mode, eb = 1e-3 x range; ratio and PSNR from `../shared/peers.md`, not run here). "
      "Strata runs `strata eval --psnr TARGET --json --threads 1` (`--fill` as above), which "
      "picks per field the smaller stream of its two methods (interpolation, CDF 9/7 "
      "wavelet). Checks, on the stream of `strata compress --psnr TARGET` (whose PSNR, "
      "ratio and method, from `strata info`, the table shows): after `strata decompress`, "
      "its PSNR over the valid points (numpy) must be >= the target and verify_bound.py "
      "must find no point beyond the stream's abs bound; eval must pass, reach the target "
      "and give a stream of the same size. peers.md gives "
      "SPERR's PSNR to 0.1 dB, so the target may be up to 0.05 dB below what SPERR reached. "
      "SPERR got the fill points of a '(fill)' field as ordinary values, which costs it "
      "most of its ratio there.")
    w("")
    rows = [f for f in fields if f.name in vs_sperr]
    if not rows:
        w("Not compared: no 3D field here has a SPERR cell at rel 1e-3 in peers.md "
          "(or peers.md was not found).")
        w("")
        return out
    w("| field | dims | target PSNR (SPERR's) | strata PSNR | strata ratio | method | "
      "SPERR ratio (peers.md) | strata/SPERR | checks |")
    w("|---|---|---:|---:|---:|---|---:|---:|---|")
    qs = []
    for f in rows:
        r = vs_sperr[f.name]
        sp = r["sperr"]
        q = r["ratio"] / sp["ratio"] if "ratio" in r else None
        qs.append(q)
        w("| %s | %s | %.1f | %s | %s | %s | %.2f%s | %s | %s |" % (
            f.name + (" (fill)" if f.fill is not None else ""), "x".join(map(str, f.dims)),
            r["target"], "%.2f" % r["psnr"] if r.get("psnr") is not None else "-",
            "%.2f" % r["ratio"] if "ratio" in r else "-",
            r.get("method", "-"), sp["ratio"], " **violates**" if sp["violates"] else "",
            "%.2f" % q if q else "-",
            "**FAIL: %s**" % "; ".join(r["fails"]).replace("|", "/") if r["fails"] else "ok"))
    w("")
    won = sum(1 for q in qs if q and q > 1)
    failed = sum(1 for f in rows if vs_sperr[f.name]["fails"])
    # A fill field's quotient mostly measures SPERR coding the fill points: say the mean
    # without it too, so that one field does not carry the verdict.
    nofill = [q for f, q in zip(rows, qs) if f.fill is None]
    w("strata/SPERR > 1 on **%d of %d** 3D fields; geometric mean of strata/SPERR **%.3f**%s%s." % (
        won, len(rows), geomean(qs),
        " (%.3f without the fill fields)" % geomean(nofill) if nofill and len(nofill) < len(qs) else "",
        "; **%d field(s) FAILED their checks**" % failed if failed else "; every check passed"))
    w("")
    return out


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def machine_header(meta):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 2 ** 20)
    except OSError:
        pass
    osrel = "?"
    try:
        osrel = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l) \
            .get("PRETTY_NAME", "?").strip('"')
    except OSError:
        pass
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.splitlines()
    git = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return [
        "- date: %s" % meta["date"],
        "- machine: %d cores (nproc), %s, %s memory, %s" % (os.cpu_count(), cpu, mem, osrel),
        "- Strata: %s, git %s%s, built %s with %s%s" % (
            meta["strata_version"], git, " + uncommitted changes" if dirty else "",
            meta["build_type"], cc[0] if cc else "cc",
            " (**%s**)" % meta["build_note"] if meta.get("build_note") else ""),
        "- SZ3: %s" % meta["sz3_version"],
        "- ZFP: %s" % meta["zfp_version"],
        "- Python %s, numpy %s" % (platform.python_version(), np.__version__),
        "- repeat: best of %d runs (the speed floor's: of %d interleaved rounds of them); total "
        "wall time %.0f s; load average (1 min) %s at the "
        "start, %s at the end%s" % (meta["repeat"], meta["rounds"], meta["wall"], meta["load_start"], meta["load_end"],
                                    "; OMP_WAIT_POLICY=" + os.environ["OMP_WAIT_POLICY"]
                                    if os.environ.get("OMP_WAIT_POLICY") else ""),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--strata", required=True, help="the strata executable")
    p.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    p.add_argument("--peers", default=None, help="peers.md (default: DATA/../peers.md)")
    p.add_argument("--verifier", default=None, help="verify_bound.py (default: DATA/../tools/)")
    p.add_argument("--quick", action="store_true", help="rel 1e-3 only, repeat 1")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved rounds of the speed floor's runs (three largest fields, rel 1e-3)")
    p.add_argument("--rel", type=float, action="append", help="bounds to run (default 1e-2 1e-3 1e-4)")
    p.add_argument("--only", action="append", help="fields whose name contains this")
    p.add_argument("--sz3", choices=("pysz", "hdf5plugin"), help="force one SZ3 path")
    p.add_argument("--zfp", choices=("zfpy", "zfp-cli"), help="force one ZFP path")
    p.add_argument("--write-docs", action="store_true", help="regenerate docs/benchmarks.md")
    p.add_argument("--docs", default=os.path.join(REPO, "docs", "benchmarks.md"))
    p.add_argument("--json-out", help="also write every measurement as JSON here")
    p.add_argument("--command", default="bench/run_bench.sh", help="command line shown in the docs")
    p.add_argument("--build-type", default="Release")
    p.add_argument("--build-note", help="said in the header after the Strata version")
    p.add_argument("--before", help="a strata executable built from --before-rev, whose ratios "
                   "the tables show as 'before'")
    p.add_argument("--before-rev", help="the revision --before was built from")
    a = p.parse_args()

    t_start = time.time()
    data = os.path.abspath(a.data)
    peers_md = a.peers or os.path.join(data, "..", "peers.md")
    verifier = a.verifier or os.path.join(data, "..", "tools", "verify_bound.py")
    rels = tuple(a.rel) if a.rel else ((1e-3,) if a.quick else RELS)
    repeat = 1 if a.quick else a.repeat
    rounds = 1 if a.quick else max(1, a.rounds)
    fields = load_fields(data)
    if a.only:
        fields = [f for f in fields if any(s in f.name for s in a.only)]

    strata = Strata(os.path.abspath(a.strata))
    before = Strata(os.path.abspath(a.before)) if a.before else None
    sz3 = first_working((SZ3Pysz, SZ3Hdf5plugin), a.sz3)
    zfp = first_working((ZfpPy, ZfpCli), a.zfp)
    meta = {"load_start": loadavg(), "build_note": a.build_note, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "strata_version": strata.version(), "repeat": repeat,
            "before_rev": (a.before_rev or "?") if before else None, "rounds": rounds, "build_type": a.build_type,
            "sz3_version": sz3.version() if sz3 else "not available",
            "zfp_version": zfp.version() if zfp else "not available"}
    peers, peer_speeds = read_peers(peers_md)
    sperr = read_peer_psnr(peers_md, "sperr", 1e-3)

    res = {rel: {} for rel in rels}
    srel = 1e-3 if 1e-3 in rels else rels[0]
    big = {f.name for f in sorted(fields, key=lambda f: -f.bytes)[:3]}
    levitus = {}
    verify = {}
    vs_sperr = {}
    tmp = tempfile.mkdtemp(prefix="strata-bench-")
    try:
        for f in fields:
            f.x
            for rel in rels:
                eb = f.eb(rel)
                r = {"eb": eb}
                r["strata1"] = strata.eval(f, eb, 1, repeat, f.fill)
                r["strata2"] = strata.eval(f, eb, 2, repeat, f.fill)
                if before:
                    r["before"] = before.eval(f, eb, 1, 1, f.fill)
                if rel == srel and f.name in big:
                    for c in FAST_CODERS:
                        r[c] = strata.eval(f, eb, 1, repeat, f.fill, c)
                r["mem"] = strata.peak_memory(f, eb, f.fill, tmp)
                r["sz3"] = run_peer(sz3, f, eb, repeat)
                r["zfp"] = run_peer(zfp, f, eb, repeat)
                if rel == srel and f.name in big:
                    floor_rounds(r, {
                        "strata1": lambda: strata.eval(f, eb, 1, repeat, f.fill),
                        "strata2": lambda: strata.eval(f, eb, 2, repeat, f.fill),
                        **{c: (lambda c=c: strata.eval(f, eb, 1, repeat, f.fill, c)) for c in FAST_CODERS},
                        "sz3": lambda: run_peer(sz3, f, eb, repeat),
                        "zfp": lambda: run_peer(zfp, f, eb, repeat)}, rounds - 1)
                res[rel][f.name] = r
                if f.fill is not None and f.name.startswith("ferret_levitus__TEMP"):
                    # Without --fill: eval times it and checks every point (land too);
                    # the files' round trip gives error and PSNR over the ocean points.
                    nf = strata.eval(f, eb, 1, repeat, None)
                    try:
                        size, y = strata.roundtrip(f, eb, None, tmp)
                        nf["ocean"] = error_stats(f, y, eb)
                        nf["ocean"]["ratio"] = f.bytes / size
                    except (subprocess.CalledProcessError, OSError) as e:
                        nf["ocean"] = {"error": str(e)}
                    levitus[rel] = nf
                s1 = r["strata1"]
                log("%-45s rel %-6s strata %s (%s, %s MB/s)  sz3 %s  zfp %s" % (
                    f.name, fmt_rel(rel), f_ratio(s1), f_errb(s1, eb), f_speed(s1),
                    f_ratio(r["sz3"]), f_ratio(r["zfp"])))
            if 1e-3 in rels and os.path.exists(verifier):
                verify[f.name] = strata.verify(f, 1e-3, tmp, verifier)
                log("%-45s verify_bound: %s" % (f.name, verify[f.name]["line"]))
            if len(f.dims) == 3 and f.name in sperr:
                vs_sperr[f.name] = psnr_vs_sperr(strata, f, sperr[f.name], tmp, verifier)
            f.drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    meta["wall"] = time.time() - t_start
    meta["load_end"] = loadavg()

    body = render(res, fields, rels, peers, peer_speeds, verify, levitus, meta, vs_sperr)
    head = machine_header(meta)
    print("\n".join(head) + "\n\n" + body)
    if a.json_out:
        with open(a.json_out, "w") as fp:
            json.dump({"meta": meta, "results": {fmt_rel(k): v for k, v in res.items()},
                       "levitus_no_fill": {fmt_rel(k): v for k, v in levitus.items()},
                       "verify": verify, "psnr_vs_sperr": vs_sperr}, fp, indent=1, default=str)
    if a.write_docs:
        doc = ["# Benchmarks: Strata against SZ3 and ZFP", "",
               "Generated by `%s`; do not edit by hand (run `scripts/bench_setup.sh` once first)." % a.command,
               "", "Other measurements: netCDF-4 file sizes through the HDF5 filter against SZ3's "
               "filter and zlib in [hdf5_sizes.md](hdf5_sizes.md); MPI rank scaling in "
               "[mpi_speed.md](mpi_speed.md); the Python layer in [python.md](python.md).",
               ""] + head + ["",
               "Every field of `../shared/data` (see its README), absolute bound "
               "eb = rel x (max - min over valid points, fill values excluded) for every tool, as "
               "in `../shared/peers.md`. Strata gets `--fill` for fields with fill points "
               "(only ferret_levitus__TEMP); SZ3 and ZFP get the raw field as it is. "
               "Strata is measured by `strata eval --abs eb --json --repeat K`, which checks every "
               "point; SZ3 and ZFP are run in-process from Python and their reconstructions are "
               "checked here over the valid points ('**violates**': max error > eb). "
               "MB/s = raw MB (1e6 bytes) per second of the codec call, best of K runs; 1 thread "
               "unless marked. Peak MB: the largest resident size of the `strata compress` and "
               "`strata decompress` processes (1 thread, from /usr/bin/time), their input and "
               "output buffers included. peers.md timed whole processes (start-up and file I/O included), so "
               "its MB/s are lower than these in-process figures; its ratios are comparable. "
               "On a 2-core machine the 2-thread runs compete with anything else running: with "
               "libgomp's default (spinning) wait policy, a busy second core can make them several "
               "times slower than 1 thread; the load average below says how busy the machine was.", ""]
        if a.quick:
            doc += ["**Quick run** (`--quick`: rel 1e-3 only, one run each).", ""]
        doc.append("")
        os.makedirs(os.path.dirname(a.docs), exist_ok=True)
        with open(a.docs, "w") as fp:
            fp.write("\n".join(doc) + body + "\n")
        log("wrote %s" % a.docs)
    bad = any(res[rel][f.name][t].get("violates") or "error" in res[rel][f.name][t]
              for rel in rels for f in fields for t in ("strata1", "strata2", "before") + FAST_CODERS
              if t in res[rel][f.name])
    bad = bad or any(not v["ok"] for v in verify.values())
    bad = bad or any(r["fails"] for r in vs_sperr.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
