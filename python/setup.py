"""Builds the strata package: pure Python plus a copy of the built libstrata.so
(and, when it was built, the HDF5 plugin libh5z_strata.so) placed inside it.

Where the C library is taken from, first match wins (give absolute paths: pip
runs this from another folder):
  1. $STRATA_LIBRARY: a libstrata.so;
  2. $STRATA_BUILD_DIR/libstrata.so;
  3. ../build/libstrata.so: the README's build folder beside this one.
If none exists, nothing is bundled and the package loads the libstrata that
ctypes.util.find_library("strata") finds at import time (one installed with
cmake --install); with none of those either, the install stops with an error.
The HDF5 plugin: $STRATA_HDF5_PLUGIN, else plugins/libh5z_strata.so next to the
library that was found (CMake writes it to ${build}/plugins).
"""
import ctypes.util
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))


def find_library():
    env = os.environ.get("STRATA_LIBRARY")
    if env:
        if not os.path.isfile(env):
            raise SystemExit("setup.py: STRATA_LIBRARY=%s is not a file" % env)
        return env
    build_dir = os.environ.get("STRATA_BUILD_DIR") or os.path.join(HERE, "..", "build")
    candidate = os.path.join(build_dir, "libstrata.so")
    if os.path.isfile(candidate):
        return candidate
    if os.environ.get("STRATA_BUILD_DIR"):
        raise SystemExit("setup.py: no libstrata.so in STRATA_BUILD_DIR=%s" % build_dir)
    return None


def find_plugin(library):
    env = os.environ.get("STRATA_HDF5_PLUGIN")
    if env:
        return env if os.path.isfile(env) else None
    candidate = os.path.join(os.path.dirname(library), "plugins", "libh5z_strata.so")
    return candidate if os.path.isfile(candidate) else None


class BuildPyWithLibrary(build_py):
    """build_py that also copies libstrata.so (and the HDF5 plugin) into the package."""

    def run(self):
        super().run()
        library = find_library()
        package_dir = os.path.join(self.build_lib, "strata")
        if library is None:
            if not ctypes.util.find_library("strata"):
                raise SystemExit(
                    "setup.py: libstrata.so not found. Build the C library first "
                    "(cmake -S . -B build && cmake --build build), or set STRATA_LIBRARY "
                    "to a libstrata.so or STRATA_BUILD_DIR to its build folder.")
            self.announce("strata: no built libstrata.so found; the installed "
                          "libstrata will be loaded at run time", level=2)
            return
        # copyfile follows the libstrata.so -> .so.0 -> .so.0.1.0 links.
        shutil.copyfile(library, os.path.join(package_dir, "libstrata.so"))
        self.announce("strata: bundled %s" % os.path.realpath(library), level=2)
        plugin = find_plugin(library)
        if plugin:
            os.makedirs(os.path.join(package_dir, "hdf5_plugin"), exist_ok=True)
            shutil.copyfile(plugin, os.path.join(package_dir, "hdf5_plugin",
                                                 "libh5z_strata.so"))
            self.announce("strata: bundled the HDF5 plugin %s" % plugin, level=2)


class BinaryDistribution(Distribution):
    """The wheel holds a shared library: tag it for this platform, not 'any'."""

    def has_ext_modules(self):
        return True


setup(packages=["strata"], cmdclass={"build_py": BuildPyWithLibrary},
      distclass=BinaryDistribution)
