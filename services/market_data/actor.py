"""The market data actor.

Inputs: `Tick`.
Outputs: one `MarketSnapshot` per step: closes (perp closes double as marks), the
hour's high and low of each perp, funding rates at settlement steps, Aave reserve
indices and rates, oracle prices, and which series were filled at that step.
"""

from __future__ import annotations

from schemas import clock, market
from schemas.base import Event
from schemas.clock import Tick
from schemas.control import RunStarted
from schemas.market import MarketSnapshot
from services.market_data.frame import MarketFrame, market_frame
from services.runtime.actor import Actor, ActorContext, Out


class MarketData(Actor):
    """Replays the dataset, one snapshot per tick."""

    name = "market_data"
    topics = (clock.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.frame: MarketFrame | None = None

    def on_start(self, event: RunStarted) -> list[Out]:
        """Load (or reuse) the run's market frame."""
        self.frame = market_frame(self.config)
        return []

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Publish the snapshot of the tick's step."""
        f = self.frame
        if f is None or not isinstance(event, Tick):
            return []
        t = event.step
        prices, highs, lows, indices, oracle, pegs = f.by_step[t]
        ts, event_id = self.stamp(t)
        snapshot = MarketSnapshot(
            run_id=self.run_id,
            step=t,
            ts=ts,
            source=self.source,
            event_id=event_id,
            prices=prices,
            highs=highs,
            lows=lows,
            funding=f.funding.get(t, {}),
            indices=indices,
            oracle=oracle,
            filled=f.filled.get(t, []),
            pegs=pegs,
            gas_gwei=f.gas[t] if f.gas else 0.0,
        )
        return [(market.TOPIC, snapshot)]
