"""Record files and replays: export a Kafka run, rebuild a run's results from its record."""

from __future__ import annotations

import time
from pathlib import Path

import anyio

from services.errors import CarryError
from services.launcher.backtest import Finished
from services.outputs.guard import check_out_file, check_out_folder
from services.recorder.results import write_results
from services.replay.rebuild import replay
from services.replay.record import RecordError, is_record_file, read_record, write_record
from services.runtime.actor import Out
from services.runtime.kafka.reader import read_run
from services.runtime.kafka.url import KafkaUrl


def export_run(url: KafkaUrl, run_id: str, out: Path) -> int:
    """Write the records of `run_id` on `url` to the record file `out`; return the count."""
    check_out_file(out, None, is_record_file, "--out")
    events: list[Out] = anyio.run(read_run, url, run_id)
    if not events:
        raise RecordError(
            f"no records of run {run_id} on {url}", "check --run-id and the bus namespace"
        )
    return write_record(out, run_id, str(url), events, flag="--out")


def replay_run(
    out_dir: Path | None, file: Path | None, url: KafkaUrl | None, run_id: str | None
) -> tuple[Finished, dict[str, int]]:
    """Rebuild a run from a record file or from the bus, check it, write its results.

    Returns the finished run and, per event kind, how many rebuilt events were checked.
    """
    if out_dir is not None:
        check_out_folder(out_dir)
    if file is not None:
        header, events = read_record(file)
        run_id = run_id or header.run_id
    else:
        if url is None or not run_id:
            raise CarryError("a replay from the bus needs --run-id", "name the run to replay")
        events = anyio.run(read_run, url, run_id)
    started = time.perf_counter()
    result = anyio.run(replay, events, run_id)
    if result.mismatches:
        raise RecordError(
            f"replay of run {run_id} differs from its record: " + "; ".join(result.mismatches),
            "the record is inconsistent (or the code changed since it was recorded)",
        )
    out = out_dir or Path(f"results/replay-{run_id}")
    summary = write_results(out, result.recorder, result.config)
    finished = Finished(summary, out, time.perf_counter() - started, result.config)
    return finished, dict(result.checked)
