"""Feeds damaged Strata streams to strata.decompress/info; run by test_errors.py in
a child process, so that a crash shows up as a signal instead of killing pytest.

usage: corrupt_driver.py SEED COUNT
Every damaged stream must raise strata.StrataError, or decode to exactly what the
undamaged stream decodes to (a flip in header bytes the format tells decoders to
ignore, docs/format.md), and never crash. Prints one line of counts; exits 1 if a
damaged stream decoded to anything else or raised anything but StrataError.
"""
import sys

import numpy as np

import strata


_STREAMS = {}


def streams():
    if _STREAMS:
        return _STREAMS
    rng = np.random.default_rng(5)
    f32 = np.cumsum(rng.standard_normal((12, 20, 24)), axis=2).astype(np.float32)
    f32[:, :3] = -1e10
    f64 = np.sin(np.linspace(0, 30, 3000)) + 0.01 * rng.standard_normal(3000)
    big = np.cumsum(rng.standard_normal((1100, 40, 30)), axis=1).astype(np.float32)
    _STREAMS.update({
        "rel f32 3d": strata.compress(f32, rel=1e-3, fill=-1e10),
        "abs f64 1d huffman": strata.compress(f64, abs=1e-4, coder="huffman"),
        "lossless f64": strata.compress(f64, lossless=True),
        "psnr f32": strata.compress(f32, psnr=50, fill=-1e10),
        "container": strata.compress(big, rel=1e-2, blocks=True),
    })
    return _STREAMS


def expect_error(data, counts, what, clean=None):
    try:
        back = strata.decompress(data)
    except strata.StrataError:
        counts["raised"] += 1
        return
    except Exception as exc:  # noqa: BLE001 - any other exception is a failure here
        print("FAIL %s: %s instead of StrataError" % (what, type(exc).__name__))
        counts["wrong"] += 1
        return
    if clean is not None and back.tobytes() == clean:
        counts["ignored"] += 1
        return
    print("FAIL %s: decoded without error" % what)
    counts["decoded"] += 1


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(seed)
    counts = {"raised": 0, "ignored": 0, "decoded": 0, "wrong": 0}
    for name, stream in streams().items():
        n = len(stream)
        # A damaged container costs a whole decode: fewer of those.
        tries = count if name != "container" else max(8, count // 10)
        clean = strata.decompress(stream).tobytes()
        cuts = sorted(set([0, 1, 8, 111, 112, 127, 128, n // 2, n - 1]
                          + list(rng.integers(0, n, tries // 4))))
        for cut in cuts:  # truncations
            if cut < n:
                expect_error(stream[:cut], counts, "%s cut at %d" % (name, cut))
        for pos in rng.integers(0, n, tries):  # single bit flips anywhere
            damaged = bytearray(stream)
            damaged[pos] ^= 1 << int(rng.integers(0, 8))
            expect_error(bytes(damaged), counts, "%s bit flip at %d" % (name, pos), clean)
            try:  # info() parses the header only: it may pass, but never crash
                strata.info(bytes(damaged))
            except strata.StrataError:
                pass
        for _ in range(tries // 4):  # overwritten spans
            damaged = bytearray(stream)
            pos = int(rng.integers(0, n))
            span = rng.integers(0, 256, min(16, n - pos), dtype=np.uint8)
            damaged[pos:pos + span.size] = span.tobytes()
            if bytes(damaged) != stream:
                expect_error(bytes(damaged), counts, "%s overwritten at %d" % (name, pos),
                             clean)
        expect_error(stream + b"\0", counts, name + " + 1 trailing byte")
        expect_error(stream + stream, counts, name + " twice")
    for size in (0, 1, 16, 112, 200, 5000):  # garbage, and garbage behind a real magic
        expect_error(rng.integers(0, 256, size, dtype=np.uint8).tobytes(), counts,
                     "garbage %d" % size)
        head = streams()["rel f32 3d"][:8]
        expect_error(head + rng.integers(0, 256, size, dtype=np.uint8).tobytes(), counts,
                     "magic + garbage %d" % size)
    print("damaged streams: %(raised)d raised StrataError, %(ignored)d decoded "
          "unchanged (ignored bytes), %(decoded)d decoded wrong, %(wrong)d other "
          "exceptions" % counts)
    return 1 if counts["decoded"] or counts["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
