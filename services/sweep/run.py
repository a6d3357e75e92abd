"""A whole sweep: resolve every configuration, run them, write the sweep folder.

The folder (`sweep.parquet`, `sweep.html`, and `runs/` with `--keep-runs`) is built
next to its destination and renamed into place. Ctrl-C stops the workers and still
writes the rows that finished.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from services.config.run import DataSpec
from services.errors import CarryError, ConfigError
from services.recorder.tables import SCHEMA_VERSION
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S
from services.sweep.kafka import run_all_on_kafka
from services.sweep.pool import Outcome, resolve, run_all
from services.sweep.space import configurations
from services.sweep.table import sweep_page, sweep_table

MARKER = "sweep.parquet"
"""A folder holding it was written by `carry sweep` and may be replaced by another sweep."""


class SweepInterrupted(CarryError):
    """Ctrl-C: the finished rows were written, the rest did not run."""

    exit_code = 130


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep: the mode, the data, the fixed overrides and the swept parameters."""

    mode: str
    data: DataSpec
    window: tuple[str, str] | None
    fixed: list[str]
    grids: list[str]
    ranges: list[str]
    points: int = 0
    seed: int = 0


@dataclass(frozen=True)
class SweepDone:
    """What a finished sweep wrote."""

    out_dir: Path
    rows: list[dict[str, Any]]
    configurations: int
    failed: int
    wall_s: float
    jobs: int


def check_out(out_dir: Path) -> None:
    """Refuse a destination that exists and is not a sweep folder Carry wrote."""
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).is_file())
    ):
        raise CarryError(
            f"--out {out_dir} exists and is not a sweep folder",
            "choose another --out (a sweep only replaces a folder holding sweep.parquet)",
        )


def sweep(
    spec: SweepSpec,
    out_dir: Path,
    jobs: int,
    keep_runs: bool = False,
    progress: Callable[[int, int], None] | None = None,
    bus: KafkaUrl | None = None,
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
) -> SweepDone:
    """Run every configuration of `spec` and write the sweep folder: on `jobs` forked
    processes, or with `bus`, as runs (at most `jobs` at once) on actors serving there
    (a broker silent for `broker_timeout_s` fails the runs not finished).

    Raises:
        ConfigError, DataError: before anything runs, naming the bad configuration.
        SweepInterrupted: after writing the finished rows, on Ctrl-C.
    """
    if jobs < 1:
        raise ConfigError(f"--jobs {jobs} is not a number of workers", "give --jobs 1 or more")
    points = configurations(spec.fixed, spec.grids, spec.ranges, spec.points, spec.seed)
    out_dir = out_dir.resolve()
    check_out(out_dir)
    configs = resolve(spec.mode, spec.data, spec.window, spec.fixed, points)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    interrupted = False
    keep_in = tmp if keep_runs else None
    try:
        try:
            if bus is None:
                outcomes.extend(run_all(configs, jobs, keep_in, progress))
            else:
                run_all_on_kafka(configs, bus, jobs, keep_in, outcomes, progress, broker_timeout_s)
        except KeyboardInterrupt:
            interrupted = True
            _drop_unlisted(tmp, outcomes)
        wall = time.perf_counter() - started
        metadata = {
            "carry.mode": spec.mode,
            "carry.schema_version": SCHEMA_VERSION,
            "carry.sweep.fixed": json.dumps(spec.fixed),
            "carry.sweep.configurations": str(len(points)),
            "carry.sweep.data_source": spec.data.description,
        }
        table = sweep_table(points, outcomes, [c.run_id for c in configs], metadata)
        pq.write_table(table, tmp / "sweep.parquet")
        swept = list(points[0])
        title = f"{spec.mode} sweep: {len(outcomes)} of {len(points)} configurations"
        note = f"fixed: {' '.join(spec.fixed) or 'none'}; data: {spec.data.description}"
        (tmp / "sweep.html").write_text(sweep_page(table, swept, title, note), encoding="utf-8")
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if interrupted:
        raise SweepInterrupted(
            f"interrupted after {len(outcomes)} of {len(points)} configurations",
            f"the finished rows are in {out_dir / 'sweep.parquet'}",
        )
    failed = sum(o.error is not None for o in outcomes)
    return SweepDone(out_dir, table.to_pylist(), len(points), failed, wall, jobs)


def _drop_unlisted(tmp: Path, outcomes: list[Outcome]) -> None:
    """Remove kept runs that finished as the sweep was stopped, before their row came back."""
    listed = {o.results for o in outcomes if o.results}
    runs = tmp / "runs"
    for path in runs.iterdir() if runs.is_dir() else ():
        if f"runs/{path.name}" not in listed:
            shutil.rmtree(path, ignore_errors=True)


def _swap(tmp: Path, out_dir: Path) -> None:
    for path in tmp.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    tmp.chmod(0o755)
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
