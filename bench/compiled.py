"""Carry as a wheel installs it (hot modules compiled by mypyc, setup.py), for the benchmarks.

    python -m bench.compiled [DEST]    # prints the folder to put first on PYTHONPATH

The working tree's editable install stays pure Python (an extension module beside its
source would shadow later edits of that source): the wheel is built from a copy of the
tree and installed into `DEST/src`, again only when a source file changed. The modules
compiled are pyproject.toml's `[tool.carry] compiled`.
`python -m bench.compare --tree DEST/src` checks that it gives the same results.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_FILES = ("pyproject.toml", "setup.py", "README.md")


def _digest() -> str:
    h = hashlib.sha256()
    for path in sorted([*ROOT.glob("schemas/**/*.py"), *ROOT.glob("services/**/*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    for name in BUILD_FILES:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def build(dest: Path) -> Path:
    """Install the wheel of the tree into `dest/src` (unless up to date); return `dest/src`."""
    src, stamp = dest / "src", dest / "stamp"
    digest = _digest()
    if stamp.is_file() and stamp.read_text() == digest:
        return src
    shutil.rmtree(dest, ignore_errors=True)
    source = dest / "source"
    source.mkdir(parents=True)
    for name in ("schemas", "services"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in BUILD_FILES:
        shutil.copy(ROOT / name, source / name)
    # as `pip install .` builds it (pyproject's build requirements), failing, not falling back
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
    env = {**os.environ, "CARRY_COMPILE": "1"}
    subprocess.run([*pip, "--target", str(src), str(source)], check=True, env=env)
    stamp.write_text(digest)
    return src


def main() -> None:
    """Build and print where."""
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".bench-build"
    print(build(dest.resolve()))


if __name__ == "__main__":
    main()
