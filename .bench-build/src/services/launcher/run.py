"""Run one backtest on a bus, with the given actor kinds hosted in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import anyio
import msgspec

from schemas import control
from schemas.control import RunStarted
from services.config.run import RunConfig
from services.errors import CarryError
from services.recorder.actor import Recorder
from services.registry import host
from services.runtime.bus import Bus

Progress = Callable[[int, int], None]
PROGRESS_INTERVAL_S = 0.2


class RunAborted(CarryError):
    """The run was stopped before its last step; nothing was written."""

    exit_code = 130


def run_started(config: RunConfig) -> RunStarted:
    """The `RunStarted` event that announces `config` to every actor."""
    return RunStarted(
        run_id=config.run_id,
        step=0,
        ts=config.start_ns,
        source="launcher",
        event_id="launcher/0/0",
        config=msgspec.to_builtins(config),
    )


async def run_on_bus(
    config: RunConfig,
    bus: Bus,
    local: Iterable[str],
    progress: Progress | None = None,
    stop: anyio.Event | None = None,
) -> Recorder:
    """Host `local` actor kinds (plus the recorder), start the run, wait for its end.

    Args:
        config: the run.
        bus: the transport, not yet started.
        local: actor kinds to host here (all of them for an in-process backtest).
        progress: called with `(steps done, steps)` a few times a second.
        stop: set it to abandon the run.

    Raises:
        RunAborted: `stop` was set, or the run was stopped by another party.
    """
    kinds = list(dict.fromkeys([*local, "recorder"]))
    hosts = {kind: host(kind) for kind in kinds}
    for h in hosts.values():
        bus.attach(h)
    await bus.start()
    try:
        await bus.publish(control.TOPIC, run_started(config))
        recorder_host = hosts["recorder"]

        def recorder() -> Recorder | None:
            rec = recorder_host.instance(config.run_id)
            return rec if isinstance(rec, Recorder) else None

        def done() -> bool:
            rec = recorder()
            return (rec is not None and rec.finished) or (stop is not None and stop.is_set())

        async with anyio.create_task_group() as tg:
            if progress is not None:
                tg.start_soon(report_progress, recorder, config.steps, progress, done)
            await bus.run_until(done)
            tg.cancel_scope.cancel()
        rec = recorder()
        if rec is None or not rec.finished:
            raise RunAborted(
                f"run {config.run_id} was stopped before its last step",
                "nothing was written; start it again",
            )
        if rec.stopped:
            raise RunAborted(
                f"run {config.run_id} was stopped: {rec.stopped}",
                "nothing was written; start it again",
            )
        if progress is not None:
            progress(config.steps, config.steps)
        return rec
    finally:
        await bus.stop()


async def report_progress(
    recorder: Callable[[], Recorder | None],
    steps: int,
    progress: Progress,
    done: Callable[[], bool],
) -> None:
    """Call `progress` with the recorder's last step a few times a second until `done()`."""
    while not done():
        rec = recorder()
        if rec is not None and rec.last is not None:
            progress(rec.last.step + 1, steps)
        await anyio.sleep(PROGRESS_INTERVAL_S)
