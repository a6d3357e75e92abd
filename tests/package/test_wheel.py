"""The wheel holds every file the package needs: built, installed into a fresh virtual
environment and run from there (`carry --version`, `carry modes`, a sample backtest).

Dependencies come from PyPI through pip's cache; about a minute on 2 cores. With a C
compiler the wheel holds the hot modules compiled by mypyc (setup.py), and they load.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.stubs import MODES

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "services")

pytestmark = [pytest.mark.package, pytest.mark.timeout(600)]


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=400, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_files() -> set[str]:
    files = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(path.relative_to(REPO).as_posix())
    return files


def _no_caches(path: Path) -> dict[str, object]:
    return {"ignore": shutil.ignore_patterns("__pycache__")} if path.is_dir() else {}


def test_the_wheel_installs_and_runs_in_a_fresh_environment(tmp_path: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    # built from a copy: the build writes build/ and egg-info next to its sources
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", *PACKAGES):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name, **_no_caches(REPO / name))
    # built by a fresh environment's pip, as a user's `pip install .` builds it: in an
    # isolated build environment holding only pyproject's build requirements
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    pip = [str(venv / "bin" / "pip"), "--disable-pip-version-check"]
    dist = tmp_path / "dist"
    _run([*pip, "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], source)
    (wheel,) = dist.glob("carry-*.whl")
    assert wheel.name.startswith(f"carry-{version}-")
    with zipfile.ZipFile(wheel) as z:
        packed = {n for n in z.namelist() if n.split("/")[0] in PACKAGES}
    assert _source_files() - packed == set(), "files of the source tree missing from the wheel"
    compiled = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["carry"]["compiled"]
    if shutil.which("cc") or shutil.which("gcc"):
        # the hot modules compiled by mypyc beside their sources (setup.py)
        extensions = {n.split(".")[0] for n in packed if n.endswith(".so")}
        assert {m.removesuffix(".py") for m in compiled} <= extensions

    _run([*pip, "install", "-q", str(wheel)], tmp_path)

    # outside the source tree, with nothing of it on the path
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CARRY_DATA")}
    carry = str(venv / "bin" / "carry")
    work = tmp_path / "work"
    work.mkdir()
    assert _run([carry, "--version"], work, env).strip() == f"carry {version}"
    listed = _run([carry, "modes"], work, env)
    assert {m for m in MODES if re.search(rf"^{m}\s", listed, re.M)} == set(MODES)
    out = work / "results" / "btc"
    args = ["backtest", "--mode", "btc_basis", "--quiet", "--set", "end=2024-01-15"]
    printed = _run([carry, *args, "--out", str(out)], work, env)
    assert "synthetic sample data" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "btc_basis"
    assert summary["steps"] == 14 * 24
    assert (out / "report.html").stat().st_size > 0
    origin = _run(
        [str(venv / "bin" / "python"), "-c", "import services; print(services.__file__)"], work, env
    )
    assert origin.startswith(str(venv)), "the installed package ran, not the source tree"
    if shutil.which("cc") or shutil.which("gcc"):
        code = "import services.runtime.memory as m; print(m.__file__)"
        loaded = _run([str(venv / "bin" / "python"), "-c", code], work, env).strip()
        assert loaded.endswith(".so"), f"the compiled module was not loaded: {loaded}"


def test_the_build_requirements_pin_every_runtime_dependency() -> None:
    # mypyc type-checks what the compiled modules import: without a dependency in the
    # build environment the compile fails and the wheel falls back to pure Python
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    missing = set(project["project"]["dependencies"]) - set(project["build-system"]["requires"])
    assert missing == set()
