"""A whole backtest: check the inputs, run on a bus, write the results folder."""

from __future__ import annotations

import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import msgspec

from services.config.run import RunConfig
from services.launcher.children import Children
from services.launcher.kafka_run import Operator, run_on_kafka
from services.launcher.run import Progress, run_on_bus
from services.market_data.frame import market_frame
from services.outputs.guard import check_out_file, check_out_folder
from services.recorder.actor import Recorder
from services.recorder.results import write_results
from services.replay.record import RecordingTap, is_record_file, write_record
from services.reward_emitter.actor import run_drops
from services.runtime.actor import Out
from services.runtime.kafka.reader import read_run
from services.runtime.kafka.url import KafkaUrl, is_memory, parse_kafka_url
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S
from services.runtime.memory import MemoryBus
from services.signals.file import run_signals


@dataclass(frozen=True)
class Finished:
    """What a finished backtest wrote: its summary, folder, wall time and bus."""

    summary: dict[str, Any]
    out_dir: Path
    wall_s: float
    config: RunConfig
    bus: str = "memory://"


def check_inputs(config: RunConfig) -> None:
    """Load and check every input the run needs before anything runs."""
    market_frame(config)
    run_drops(config)
    run_signals(config)


def check_outputs(config: RunConfig, out_dir: Path, record: Path | None = None) -> None:
    """Refuse, before anything runs, outputs that would destroy what Carry did not write."""
    data = Path(config.data.path)
    check_out_folder(out_dir, data)
    if record is not None:
        check_out_file(record, data, is_record_file, "--record")


def backtest(
    config: RunConfig,
    out_dir: Path,
    bus: str = "memory://",
    attach: bool = False,
    record: Path | None = None,
    progress: Progress | None = None,
    log_level: str = "warning",
    fixed_run_id: bool = False,
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
) -> Finished:
    """Run `config` on `bus` (in-process or Kafka) and write its results folder.

    On Kafka a run id must be unique on the bus: unless `fixed_run_id`, a random
    suffix is added to the default id (a digest of the inputs); the run fails once the
    broker has not answered for `broker_timeout_s`.

    Raises:
        OutputError: `out_dir` or `record` may not be written (checked before the run).
    """
    check_inputs(config)
    check_outputs(config, out_dir, record)
    if not is_memory(bus):
        if not fixed_run_id:
            config = msgspec.structs.replace(
                config, run_id=f"{config.run_id}-{uuid.uuid4().hex[:8]}"
            )
        url = parse_kafka_url(bus)
        return _on_kafka(
            config, url, out_dir, attach, record, progress, log_level, broker_timeout_s
        )
    tap = RecordingTap() if record is not None else None
    started = time.perf_counter()
    recorder = run_memory(config, progress, tap)
    wall = time.perf_counter() - started
    summary = write_results(out_dir, recorder, config)
    if tap is not None and record is not None:
        write_record(record, config.run_id, "memory", tap.events, Path(config.data.path))
    return Finished(summary, out_dir, wall, config)


async def _until_signal(stop: anyio.Event) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            stop.set()
            return


def run_memory(
    config: RunConfig,
    progress: Progress | None = None,
    tap: RecordingTap | None = None,
    signals: bool = True,
) -> Recorder:
    """Run `config` on a `MemoryBus` in this process; SIGINT/SIGTERM abandon it if `signals`."""
    recorder: Recorder = anyio.run(_run_memory, config, progress, tap, signals)
    return recorder


async def _run_memory(
    config: RunConfig, progress: Progress | None, tap: RecordingTap | None, signals: bool
) -> Recorder:
    stop = anyio.Event()
    bus = MemoryBus()
    if tap is not None:
        bus.attach(tap)
    async with anyio.create_task_group() as tg:
        if signals:
            tg.start_soon(_until_signal, stop)
        recorder = await run_on_bus(config, bus, config.actors, progress, stop)
        tg.cancel_scope.cancel()
    return recorder


def _on_kafka(
    config: RunConfig,
    url: KafkaUrl,
    out_dir: Path,
    attach: bool,
    record: Path | None,
    progress: Progress | None,
    log_level: str,
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
    operator: Operator | None = None,
) -> Finished:
    started = time.perf_counter()
    kinds = [k for k in config.actors if k != "recorder"]
    children = None if attach else Children(str(url), kinds, log_level, broker_timeout_s)
    recorder: Recorder = anyio.run(
        _run_kafka, config, url, children, progress, broker_timeout_s, operator
    )
    wall = time.perf_counter() - started
    summary = write_results(out_dir, recorder, config)
    if record is not None:
        events: list[Out] = anyio.run(read_run, url, config.run_id)
        write_record(record, config.run_id, str(url), events, Path(config.data.path))
    return Finished(summary, out_dir, wall, config, str(url))


async def _run_kafka(
    config: RunConfig,
    url: KafkaUrl,
    children: Children | None,
    progress: Progress | None,
    broker_timeout_s: float,
    operator: Operator | None,
) -> Recorder:
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_until_signal, stop)
        recorder = await run_on_kafka(
            config, url, children is None, progress, stop, children, broker_timeout_s, operator
        )
        tg.cancel_scope.cancel()
    return recorder
