"""The wall clock actor.

Inputs: `RunStarted`, `PnLReport` (the last link of each step's chain), `StopRequested`.
Outputs: `Tick` per step at `start + step * interval` (UTC-aligned), `RunFinished`.
Invariants: the step barrier is the simulated clock's: step t+1 starts only after step
t's P&L report, and never before its time has come on the run's time source.
"""

from __future__ import annotations

import anyio

from schemas import clock, control, pnl
from schemas.base import Event
from schemas.clock import Tick
from schemas.control import RunFinished, RunStarted, StopRequested
from schemas.pnl import PnLReport
from services.runtime.actor import Actor, ActorContext, Out
from services.wall_clock.runtime import time_source
from services.wall_clock.sources import TimeSource


class WallClock(Actor):
    """Live clock: one step per interval, aligned to UTC boundaries."""

    name = "wall_clock"
    topics = (pnl.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.stop = ""
        self.time_source: TimeSource | None = None
        self.stopped: anyio.Event | None = None

    def on_start(self, event: RunStarted) -> list[Out]:
        """Step 0 is due at once (the launcher chose its time from the source)."""
        self.time_source = time_source(self.config)
        self.stopped = anyio.Event()
        self.clock.advance_to(0)
        return [(clock.TOPIC, self.make(Tick, 0))]

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Wait for the next boundary after each step's P&L report; stop when asked."""
        if isinstance(event, StopRequested):
            self.stop = event.reason
            self.log.warning("stop_requested", reason=event.reason)
            if self.stopped is not None:
                self.stopped.set()
            return []
        if not isinstance(event, PnLReport):
            return []
        nxt = event.step + 1
        if self.stop or nxt >= self.clock.steps:
            return [(control.TOPIC, self.make(RunFinished, event.step, steps=nxt))]
        due = self.clock.time_of(nxt)
        source, stopped = self.time_source, self.stopped
        assert source is not None
        assert stopped is not None

        async def wait() -> None:
            # Until the boundary, or until a stop request ends the run early.
            async with anyio.create_task_group() as tg:

                async def sleeper() -> None:
                    await source.sleep_until(due)
                    tg.cancel_scope.cancel()

                async def stopper() -> None:
                    await stopped.wait()
                    tg.cancel_scope.cancel()

                tg.start_soon(sleeper)
                tg.start_soon(stopper)

        def tick(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            if self.stop:
                return [(control.TOPIC, self.make(RunFinished, event.step, steps=nxt))]
            self.clock.advance_to(nxt)
            return [(clock.TOPIC, self.make(Tick, nxt))]

        self.jobs.start(wait, tick)
        return []
