"""Run one backtest on Kafka: actors in `carry serve` processes, the recorder here.

The recorder reads only this run (its partitions, from their end before `RunStarted`).
`RunFinished` is not the last event of a run on Kafka: after orders, the last step's
final exposure and risk travel concurrently with it. The run is complete once it is
quiet: every actor group has committed past the run's last record, and the recorder has
read the log up to where it ended after those commits (see `_quiet`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import structlog

from schemas import control
from schemas.control import RunStopped
from services.config.run import RunConfig
from services.errors import innermost
from services.launcher.children import Children
from services.launcher.follower import SharedFollower
from services.launcher.run import Progress, RunAborted, report_progress, run_started
from services.recorder.actor import Recorder
from services.registry import KINDS, host
from services.runtime.bus import Bus
from services.runtime.host import ActorHost
from services.runtime.kafka.bus import KafkaBus
from services.runtime.kafka.marks import HEARTBEAT_S
from services.runtime.kafka.url import KafkaUrl
from services.runtime.kafka.watch import DEFAULT_BROKER_TIMEOUT_S

POLL_S = 0.05
ABORT_TIMEOUT_S = 5.0
"""How long a failing run tries to tell the bus it stopped."""
WATCH_S = 0.5
STALL_WARN_S = 10.0
Operator = Callable[[Bus], Coroutine[Any, Any, None]]
"""Publishes the operator's switches on the run's bus while it runs."""


async def run_on_kafka(
    config: RunConfig,
    url: KafkaUrl,
    attach: bool = False,
    progress: Progress | None = None,
    stop: anyio.Event | None = None,
    children: Children | None = None,
    broker_timeout_s: float = DEFAULT_BROKER_TIMEOUT_S,
    operator: Operator | None = None,
    follower: SharedFollower | None = None,
) -> Recorder:
    """Run `config` on Kafka and return its recorder once the run is complete.

    Args:
        config: the run (its run id must be unique on this bus).
        url: the bus.
        attach: use `carry serve` processes already running instead of starting them.
        progress: called with `(steps done, steps)`.
        stop: set it to abandon the run (a `RunStopped` is published).
        children: the processes to start (default: one per actor kind of the run).
        broker_timeout_s: how long the run waits for an unreachable broker.
        operator: runs next to the run once it has started (a live run's switches),
            publishing on this bus.
        follower: read the run through this follower (shared with the process's other
            runs) instead of a bus of its own.

    Raises:
        BrokerError: no broker at `url`, or it went away for longer than the deadline,
            or it lost the run's topics.
        RunAborted: `stop` was set, or an actor process kept dying.

    A run that ends without completing is stopped on the bus (`RunStopped`, so serving
    actors drop it) and marked closed, as far as the broker still answers.
    """
    kinds = [k for k in config.actors if k != "recorder"]
    if follower is None:
        bus = KafkaBus(url, follow_run=config.run_id, broker_timeout_s=broker_timeout_s)
        recorder_host = host("recorder", dedup=True)
        bus.attach(recorder_host)
        await bus.start()
    else:
        bus, recorder_host = follower.bus, follower.recorder_host
        follower.add(config.run_id)
    if not attach and children is None:
        children = Children(str(url), kinds, broker_timeout_s=broker_timeout_s)
    shared = follower is not None
    run = _Run(config, bus, recorder_host, kinds, None if attach else children, stop, shared)
    try:
        if run.children is not None:
            run.children.start()
        await bus.publish(control.TOPIC, run_started(config))
        if operator is None:
            return await run.wait(progress)
        async with anyio.create_task_group() as tg:
            tg.start_soon(operator, bus)
            recorder = await run.wait(progress)
            tg.cancel_scope.cancel()
        return recorder
    except BaseException as e:
        with anyio.move_on_after(ABORT_TIMEOUT_S, shield=True):
            await bus.stop_run(_stopped(config, run.failure or _reason(e)))
        raise
    finally:
        with anyio.CancelScope(shield=True):
            if run.children is not None:
                await anyio.to_thread.run_sync(run.children.stop)
            if follower is None:
                await bus.stop()
            else:
                follower.remove(config.run_id)


def _reason(error: BaseException) -> str:
    error = innermost(error)
    if isinstance(error, RunAborted | KeyboardInterrupt | anyio.get_cancelled_exc_class()):
        return "stopped by the user"
    return str(error).split("\n")[0][:300]


class _Run:
    def __init__(
        self,
        config: RunConfig,
        bus: KafkaBus,
        recorder_host: ActorHost,
        kinds: list[str],
        children: Children | None,
        stop: anyio.Event | None,
        shared: bool,
    ) -> None:
        self.config, self.bus, self.recorder_host = config, bus, recorder_host
        self.kinds, self.children, self.stop = kinds, children, stop
        self.failure = ""
        self.quiet = False
        self.shared = shared
        """The bus is a shared follower's, read by its own task: only wait here."""
        self.log = structlog.get_logger().bind(run_id=config.run_id)

    def recorder(self) -> Recorder | None:
        rec = self.recorder_host.instance(self.config.run_id)
        return rec if isinstance(rec, Recorder) else None

    def done(self) -> bool:
        stopped = self.stop is not None and self.stop.is_set()
        return self.quiet or bool(self.failure) or stopped

    async def wait(self, progress: Progress | None) -> Recorder:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._settle)
            tg.start_soon(self._watch)
            tg.start_soon(self._renew)
            if progress is not None:
                tg.start_soon(
                    report_progress, self.recorder, self.config.steps, progress, self.done
                )
            if self.shared:
                while not self.done():  # noqa: ASYNC110 - done() combines several states
                    await anyio.sleep(POLL_S)
            else:
                await self.bus.run_until(self.done)
            tg.cancel_scope.cancel()
        rec = self.recorder()
        if not self.quiet or rec is None:
            reason = self.failure or "stopped by the user"
            raise RunAborted(
                f"run {self.config.run_id} was stopped before its end: {reason}",
                "nothing was written; start it again",
            )
        if rec.stopped:
            raise RunAborted(
                f"run {self.config.run_id} was stopped: {rec.stopped}",
                "nothing was written; start it again",
            )
        # Quiet: no record of the run will ever be produced again, so processes that
        # start or recover later may skip the run instead of rebuilding its state.
        await self.bus.close_run(self.config.run_id)
        if progress is not None:
            progress(self.config.steps, self.config.steps)
        self.log.info("run_complete", steps=self.config.steps)
        return rec

    async def _settle(self) -> None:
        last, since = -1, time.monotonic()
        while not self.done():
            rec = self.recorder()
            if rec is not None and rec.finished and await _quiet(self.bus, self.config, self.kinds):
                self.quiet = True
                return
            step = rec.last.step if rec is not None and rec.last is not None else -1
            if step != last:
                last, since = step, time.monotonic()
            elif time.monotonic() - since > STALL_WARN_S:
                self.log.warning("run_waiting", step=step, waited_s=round(time.monotonic() - since))
                since = time.monotonic()
            await anyio.sleep(POLL_S)

    async def _renew(self) -> None:
        """Renew the run's open mark while it runs (a run without renewals for long is
        closed as abandoned by the processes that start later)."""
        last = time.monotonic()
        while not self.done():
            if time.monotonic() - last >= HEARTBEAT_S:
                await self.bus.renew_runs()
                last = time.monotonic()
            await anyio.sleep(WATCH_S)

    async def _watch(self) -> None:
        """Restart actor processes that died, except while the broker is unreachable:
        they die of that too, and the bus's own deadline decides the run then."""
        while not self.done() and self.children is not None:
            if not self.bus.broker_unreachable():
                self.failure = self.children.check()
            await anyio.sleep(WATCH_S)


async def _quiet(bus: KafkaBus, config: RunConfig, kinds: list[str]) -> bool:
    """True once no record of the run is left unhandled anywhere.

    Committed offsets are read before the end offsets: if every group had committed
    past the run's last record before the log ended where it did, every output of
    every handled record is in that log, and the recorder has read it all.
    """
    committed = {}
    for kind in kinds:
        tps = bus.run_partitions(config.run_id, [control.TOPIC, *KINDS[kind].topics])
        committed[kind] = (tps, await bus.group_offsets(bus.url.group(kind), tps))
    loop = bus.loops[0]
    ends = await bus.end_offsets(bus.run_partitions(config.run_id, list(loop.host.topics)))
    if any(loop.gate.next.get(tp, 0) < end for tp, end in ends.items()):
        return False
    for tps, done in committed.values():
        for tp in tps:
            last = None if loop.follow is None else loop.follow.last_of(config.run_id, tp)
            if last is not None and done.get(tp, 0) <= last:
                return False
    return True


def _stopped(config: RunConfig, reason: str) -> RunStopped:
    return RunStopped(
        run_id=config.run_id,
        step=0,
        ts=config.start_ns,
        source="launcher",
        event_id="launcher/0/1",
        reason=reason[:500],
    )
