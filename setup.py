"""Build hook: a wheel (`pip install .`, `pip wheel .`) compiles the hot modules with mypyc.

The modules are listed in pyproject.toml (`[tool.carry] compiled`); their Python sources
ship too, so a module whose extension is missing runs as Python. Pure Python is built
instead when `CARRY_COMPILE=0`, when there is no C compiler or mypyc, or when a compile
fails, and always for editable installs (`pip install -e .`), so that source edits take
effect. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
BUILDS = {"bdist_wheel", "build", "build_ext", "install"}
EDITABLE = {"editable_wheel", "develop"}


def _say(message: str) -> None:
    sys.stderr.write(f"carry build: {message}\n")


def _has_compiler() -> bool:
    command = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    words = shlex.split(command)
    return bool(words) and shutil.which(words[0]) is not None


def _compiled_modules() -> list[str]:
    """The modules to compile, or none (pure Python) when this build should not."""
    commands = set(sys.argv[1:])
    if os.environ.get("CARRY_COMPILE", "1") == "0" or not commands & BUILDS or commands & EDITABLE:
        return []
    if not _has_compiler():
        _say("no C compiler found, building pure Python")
        return []
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(config["tool"]["carry"]["compiled"])


class _BuildExt(build_ext):
    """Compile the extensions; on a compiler failure, leave the pure-Python package."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # any failure falls back to the sources
            if os.environ.get("CARRY_COMPILE") == "1":
                raise
            _say(f"compiling failed ({error}), building pure Python")
            self.extensions = []


def _ext_modules() -> list[Any]:
    modules = _compiled_modules()
    if not modules:
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _say("mypyc is not installed, building pure Python")
        return []
    try:
        return list(mypycify(modules, opt_level="3"))
    except (Exception, SystemExit) as error:  # any failure falls back
        if os.environ.get("CARRY_COMPILE") == "1":
            raise
        _say(f"mypyc failed ({error}), building pure Python")
        return []


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": _BuildExt})
