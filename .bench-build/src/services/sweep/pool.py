"""Running a sweep's configurations in process: data loaded once, workers forked after.

The parent resolves every configuration and loads every input first (so a bad value or
a window the data cannot serve is refused before anything runs), then forks the
workers: they inherit the loaded series and market frames instead of reading them
again. Each worker runs whole backtests in-process, exactly as `carry backtest` does,
and returns the run's summary; a configuration that fails returns its error instead.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from services.config.run import DataSpec, RunConfig, build_run_config
from services.errors import CarryError
from services.launcher.backtest import check_inputs, run_memory
from services.recorder.results import summary_of, write_results


class Outcome(NamedTuple):
    """One configuration's result: its summary, or the error that stopped it."""

    configuration: int
    summary: dict[str, Any] | None
    error: str | None
    results: str | None
    """The run's results folder (relative to the sweep folder) with `--keep-runs`."""


def resolve(
    mode: str,
    data: DataSpec,
    window: tuple[str, str] | None,
    fixed: list[str],
    points: list[dict[str, str]],
) -> list[RunConfig]:
    """A `RunConfig` per point, every input loaded and checked; `CarryError` names the bad
    configuration."""
    configs = []
    for i, point in enumerate(points):
        sets = fixed + [f"{k}={v}" for k, v in point.items()]
        try:
            config = build_run_config(mode, data, sets, None, window)
            check_inputs(config)
        except CarryError as e:
            swept = " ".join(f"{k}={v}" for k, v in point.items())
            raise type(e)(f"configuration {i} ({swept}): {e.message}", e.fix) from e
        configs.append(config)
    return configs


def run_folder(index: int, config: RunConfig) -> str:
    """The name of a kept run's folder inside the sweep folder."""
    return f"runs/{index:04d}-{config.run_id}"


def run_one(index: int, config: RunConfig, keep_in: Path | None) -> Outcome:
    """Run one configuration in this process; its summary, or its error."""
    try:
        rec = run_memory(config, signals=False)
        if keep_in is None:
            return Outcome(index, summary_of(rec, config), None, None)
        folder = run_folder(index, config)
        return Outcome(index, write_results(keep_in / folder, rec, config), None, folder)
    except CarryError as e:
        return Outcome(index, None, str(e), None)
    except Exception as e:  # noqa: BLE001 - a failing configuration is a row, not a failed sweep
        return Outcome(index, None, f"{type(e).__name__}: {e}", None)


_JOBS: list[RunConfig] = []
_KEEP: list[Path | None] = [None]


def _work(index: int) -> Outcome:
    return run_one(index, _JOBS[index], _KEEP[0])


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and keeps the finished rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0))


def run_all(
    configs: list[RunConfig],
    jobs: int,
    keep_in: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Outcome]:
    """Yield each configuration's outcome as it finishes, on `jobs` forked workers.

    Stopping the iteration (Ctrl-C in the parent) terminates the workers; the outcomes
    already yielded stay with the caller.
    """
    total = len(configs)
    if progress is not None:
        progress(0, total)
    if jobs == 1 or total == 1:
        for i, config in enumerate(configs):
            yield run_one(i, config, keep_in)
            if progress is not None:
                progress(i + 1, total)
        return
    _JOBS[:] = configs
    _KEEP[0] = keep_in
    pool = multiprocessing.get_context("fork").Pool(min(jobs, total), initializer=_quiet_worker)
    try:
        for done, outcome in enumerate(pool.imap_unordered(_work, range(total)), start=1):
            yield outcome
            if progress is not None:
                progress(done, total)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _JOBS.clear()
