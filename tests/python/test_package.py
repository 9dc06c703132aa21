"""The installed package: where it loads libstrata from, and how it says it cannot."""
import os
import subprocess
import sys

import strata


def test_installed_not_source():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    assert not strata.__file__.startswith(os.path.join(repo, "python") + os.sep), \
        "testing the source tree, not the installed package"


def test_versions():
    assert strata.library_version() == "0.1.0"
    assert os.path.isfile(strata.library_path())


def _run(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full, timeout=60)


def test_strata_library_env_wins():
    proc = _run("import strata; print(strata.library_path())",
                STRATA_LIBRARY=strata.library_path())
    assert proc.returncode == 0 and proc.stdout.strip() == strata.library_path()


def test_missing_library_is_a_clear_import_error():
    proc = _run("import strata", STRATA_LIBRARY="/nonexistent/libstrata.so")
    assert proc.returncode != 0
    assert "ImportError: strata: cannot load libstrata" in proc.stderr
    assert "STRATA_LIBRARY" in proc.stderr


def test_threads_release_the_gil():
    """Compressions from several Python threads run at once and agree."""
    import threading

    import numpy as np
    data = np.cumsum(np.random.default_rng(0).standard_normal((64, 64, 64)), axis=0)
    ref = strata.compress(data, rel=1e-4, threads=1)
    results = []

    def work():
        results.append(strata.compress(data, rel=1e-4, threads=1))
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [ref] * 4


def test_numcodecs_submodule_on_attribute_access():
    proc = _run("import strata; print(strata.numcodecs.Strata.codec_id)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "strata"
