"""Bad input raises Python exceptions carrying the library's status text; damaged
streams never crash the interpreter (the bulk runs in a child process)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import strata
from conftest import smooth_field

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def stream():
    return strata.compress(smooth_field((10, 20, 30), np.float32), rel=1e-3)


def test_checksum_error_carries_status(stream):
    damaged = bytearray(stream)
    damaged[len(stream) - 5] ^= 0x10  # inside the payload
    with pytest.raises(strata.StrataError) as err:
        strata.decompress(bytes(damaged))
    assert err.value.status == 6 and err.value.status_name == "STRATA_ERR_CHECKSUM"
    assert "checksum" in err.value.text and err.value.text in str(err.value)


def test_truncated(stream):
    with pytest.raises(strata.StrataError) as err:
        strata.decompress(stream[:-1])
    assert err.value.status_name == "STRATA_ERR_TRUNCATED"
    with pytest.raises(strata.StrataError):
        strata.info(stream[:50])
    with pytest.raises(strata.StrataError):
        strata.decompress(b"")


def test_bad_magic(stream):
    with pytest.raises(strata.StrataError) as err:
        strata.info(b"XXXX" + stream[4:])
    assert err.value.status_name in ("STRATA_ERR_CORRUPT", "STRATA_ERR_CHECKSUM")


def test_trailing_bytes_refused(stream):
    with pytest.raises(strata.StrataError, match="1 bytes follow the end"):
        strata.decompress(stream + b"\0")
    assert strata.info(stream + b"\0").stream_size == len(stream)  # info() is lenient


def test_not_bytes():
    with pytest.raises(TypeError, match="bytes-like"):
        strata.decompress(12345)
    with pytest.raises(TypeError, match="bytes-like"):
        strata.info("a string")
    with pytest.raises(ValueError, match="threads"):
        strata.decompress(b"x" * 200, threads=-2)


def test_strata_error_is_an_exception():
    assert issubclass(strata.StrataError, Exception)


def test_damaged_streams_never_crash():
    """Truncations, bit flips, overwritten spans, trailing bytes and garbage: each
    raises StrataError (or decodes unchanged when the flip hit bytes decoders ignore)."""
    proc = subprocess.run([sys.executable, os.path.join(HERE, "corrupt_driver.py"), "7", "160"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, "driver died (%d):\n%s\n%s" % (
        proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    assert "0 decoded wrong, 0 other exceptions" in proc.stdout
