"""Run every mode on a reference commit and on this checkout; diff every results file.

    python -m bench.compare [--ref main] [--data DIR] [--mode M ...] [--keep DIR] [--tree DIR]

The reference is exported with `git archive` into a temporary folder and run with this
checkout's interpreter and dependencies, so only the code differs. Each mode runs over
the window `make bench` uses. A results file is either byte-identical or reported with
what differs: for Parquet tables, each differing column and its largest absolute and
relative difference; for summary.json, each differing figure. Exit code 1 if anything
differs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.run_all import RUNS

ROOT = Path(__file__).resolve().parent.parent


def export(ref: str, dest: Path) -> str:
    """Extract `ref`'s tree into `dest`; return its commit id."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", ref], check=True, capture_output=True, text=True
    ).stdout.strip()
    tar = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as archive:
        archive.extractall(dest, filter="data")
    return commit


def run(src: Path, mode: str, sets: list[str], data: str, out: Path) -> float:
    """Run one backtest with the code in `src`; return its process wall seconds."""
    cmd = [sys.executable, "-m", "services.cli.main", "backtest", "--mode", mode]
    cmd += ["--data", data, "--out", str(out), "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    env = {**os.environ, "PYTHONPATH": str(src), "CARRY_LOG_LEVEL": "warning"}
    started = _now()
    subprocess.run(cmd, cwd=src, env=env, check=True, capture_output=True)
    return _now() - started


def _now() -> float:
    return time.perf_counter()


def _num_diff(a: Any, b: Any) -> tuple[float, float] | None:
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        if math.isnan(a) and math.isnan(b):
            return (0.0, 0.0)
        d = abs(a - b)
        return (d, d / max(abs(a), abs(b)) if d else 0.0)
    return None


def diff_json(a: Any, b: Any, path: str = "") -> list[str]:
    """Every differing leaf of two JSON documents."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in {'new' if key in b else 'reference'}")
            else:
                out += diff_json(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            line
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for line in diff_json(x, y, f"{path}[{i}]")
        ]
    if a == b and type(a) is type(b):
        return []
    num = _num_diff(a, b)
    if num is not None:
        return [f"{path}: {a!r} -> {b!r} (abs {num[0]:.3g}, rel {num[1]:.3g})"]
    return [f"{path}: {a!r} -> {b!r}"]


def diff_parquet(a: Path, b: Path) -> list[str]:
    """Differing schema, row counts and columns of two Parquet tables."""
    ta, tb = pq.read_table(a), pq.read_table(b)
    if ta.schema != tb.schema:
        return [f"schema differs:\n    {ta.schema}\n    vs\n    {tb.schema}"]
    if ta.num_rows != tb.num_rows:
        return [f"rows {ta.num_rows} -> {tb.num_rows}"]
    out = []
    for name in ta.column_names:
        ca, cb = ta.column(name).to_pylist(), tb.column(name).to_pylist()
        if ca == cb:
            continue
        rows = [i for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y]
        worst_abs = worst_rel = 0.0
        for i in rows:
            num = _num_diff(ca[i], cb[i])
            if num is not None:
                worst_abs, worst_rel = max(worst_abs, num[0]), max(worst_rel, num[1])
        out.append(
            f"column {name}: {len(rows)} rows differ (first at row {rows[0]}: "
            f"{ca[rows[0]]!r} -> {cb[rows[0]]!r}); max abs {worst_abs:.3g}, rel {worst_rel:.3g}"
        )
    return out or ["bytes differ, values equal (encoding or metadata)"]


def diff_folders(ref: Path, new: Path) -> list[str]:
    """Every difference between two results folders."""
    out = []
    names = sorted({p.name for p in ref.iterdir()} | {p.name for p in new.iterdir()})
    for name in names:
        a, b = ref / name, new / name
        if not a.exists() or not b.exists():
            out.append(f"{name}: only in {'new' if b.exists() else 'reference'}")
        elif a.read_bytes() != b.read_bytes():
            if name.endswith(".parquet"):
                lines = diff_parquet(a, b)
            elif name.endswith(".json"):
                lines = diff_json(json.loads(a.read_text()), json.loads(b.read_text()))
            else:
                lines = ["bytes differ"]
            out += [f"{name}: {line}" for line in lines]
    return out


def main() -> int:
    """Compare, print a line per mode, and the differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="main")
    parser.add_argument("--data", default=os.environ.get("CARRY_DATA"))
    parser.add_argument("--mode", action="append", help="only these modes (repeatable)")
    parser.add_argument("--keep", help="keep both results folders under this folder")
    parser.add_argument(
        "--tree", help="run the new side from this source tree (default: this checkout)"
    )
    args = parser.parse_args()
    if not args.data:
        parser.error("--data or CARRY_DATA is required")
    data = str(Path(args.data).resolve())
    runs = [(m, s) for m, s in RUNS if not args.mode or m in args.mode]
    with tempfile.TemporaryDirectory(prefix="carry-compare-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        src = Path(tmp) / "ref-src"
        commit = export(args.ref, src)
        tree = Path(args.tree).resolve() if args.tree else ROOT
        print(f"reference {args.ref} ({commit[:10]}) vs {tree}")
        differing = 0
        for mode, sets in runs:
            ref_out, new_out = work / "ref" / mode, work / "new" / mode
            ref_s = run(src, mode, sets, data, ref_out)
            new_s = run(tree, mode, sets, data, new_out)
            diffs = diff_folders(ref_out, new_out)
            differing += bool(diffs)
            verdict = "identical" if not diffs else f"{len(diffs)} differences"
            print(f"{mode:<36} ref {ref_s:6.2f} s  new {new_s:6.2f} s  {verdict}")
            for line in diffs:
                print(f"    {line}")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
