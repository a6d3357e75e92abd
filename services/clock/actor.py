"""The clock actor.

Inputs: `RunStarted` (control), `PnLReport` (the last link of each step's chain).
Outputs: `Tick` per step; `RunFinished` after the last step.
Invariant: step t+1 starts only after step t's P&L report (the step barrier of the
whole chain), so a run advances as fast as its slowest actor allows and no faster.
"""

from __future__ import annotations

from schemas import clock, control, pnl
from schemas.base import Event
from schemas.clock import Tick
from schemas.control import RunFinished, RunStarted
from schemas.pnl import PnLReport
from services.runtime.actor import Actor, Out


class ClockActor(Actor):
    """Simulated clock: as fast as the step barrier allows."""

    name = "clock"
    topics = (pnl.TOPIC,)

    def on_start(self, event: RunStarted) -> list[Out]:
        """Start step 0 (or finish at once for an empty window)."""
        if self.clock.steps == 0:
            return [(control.TOPIC, self.make(RunFinished, 0, steps=0))]
        self.clock.advance_to(0)
        return [(clock.TOPIC, self.make(Tick, 0))]

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Advance after each step's P&L report."""
        if not isinstance(event, PnLReport):
            return []
        nxt = event.step + 1
        if nxt >= self.clock.steps:
            return [(control.TOPIC, self.make(RunFinished, event.step, steps=nxt))]
        self.clock.advance_to(nxt)
        ts, event_id = self.stamp(nxt)
        tick = Tick(run_id=self.run_id, step=nxt, ts=ts, source=self.source, event_id=event_id)
        return [(clock.TOPIC, tick)]
