"""A sweep on Kafka: every configuration a run on actor processes that are already serving.

Each run gets a unique id on the bus (its records are keyed by it, so the runs spread
over the partitions and the processes of each kind share them through their consumer
group); at most `jobs` runs are in flight at once. The launcher reads every run through
one follower (each partition fetched once), each run with its own recorder as `carry
backtest --bus ... --attach` records it, so each row is the same as in-process.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Callable
from pathlib import Path

import anyio
import msgspec

from services.config.run import RunConfig
from services.errors import BrokerError, CarryError, innermost
from services.launcher.follower import SharedFollower, shared_follower
from services.launcher.kafka_run import run_on_kafka
from services.recorder.results import summary_of, write_results
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S
from services.sweep.pool import Outcome, run_folder


async def _one(
    index: int,
    config: RunConfig,
    follower: SharedFollower,
    keep_in: Path | None,
    stop: anyio.Event,
) -> Outcome:
    on_bus = msgspec.structs.replace(config, run_id=f"{config.run_id}-{uuid.uuid4().hex[:8]}")
    try:
        url = follower.bus.url
        rec = await run_on_kafka(on_bus, url, attach=True, stop=stop, follower=follower)
        if keep_in is None:
            return Outcome(index, summary_of(rec, config), None, None)
        folder = run_folder(index, config)
        return Outcome(index, write_results(keep_in / folder, rec, config), None, folder)
    except CarryError as e:
        return Outcome(index, None, str(e), None)
    except Exception as e:  # noqa: BLE001 - a failing configuration is a row, not a failed sweep
        return Outcome(index, None, f"{type(e).__name__}: {e}", None)


def run_all_on_kafka(
    configs: list[RunConfig],
    url: KafkaUrl,
    jobs: int,
    keep_in: Path | None,
    outcomes: list[Outcome],
    progress: Callable[[int, int], None] | None = None,
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
) -> None:
    """Run every configuration on Kafka, at most `jobs` at once; append each outcome to
    `outcomes` as it finishes.

    Raises:
        KeyboardInterrupt: on SIGINT or SIGTERM, once the runs in flight are stopped (a
            `RunStopped` tells the serving actors to drop them); finished outcomes stay.

    A broker that goes away for longer than its deadline ends the sweep: the
    configurations not finished are outcomes with that error.
    """
    total = len(configs)
    stop = anyio.Event()

    async def one(
        i: int, config: RunConfig, limit: anyio.Semaphore, follower: SharedFollower
    ) -> None:
        async with limit:
            if stop.is_set():
                return
            outcome = await _one(i, config, follower, keep_in, stop)
        if not stop.is_set():
            outcomes.append(outcome)
            if progress is not None:
                progress(len(outcomes), total)

    async def main() -> None:
        limit = anyio.Semaphore(jobs)
        if progress is not None:
            progress(0, total)
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with anyio.create_task_group() as runs:

                async def watch() -> None:
                    async for _ in signals:
                        stop.set()
                        return

                runs.start_soon(watch)
                try:
                    async with (
                        shared_follower(url, broker_timeout_s) as follower,
                        anyio.create_task_group() as tg,
                    ):
                        for i, config in enumerate(configs):
                            tg.start_soon(one, i, config, limit, follower)
                except* BrokerError as lost:
                    # the broker went away: the runs not finished are rows with its error
                    error = str(innermost(lost))
                    finished = {o.configuration for o in outcomes}
                    outcomes.extend(
                        Outcome(i, None, error, None) for i in range(total) if i not in finished
                    )
                runs.cancel_scope.cancel()

    anyio.run(main)
    if stop.is_set():
        raise KeyboardInterrupt
