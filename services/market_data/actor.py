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
        if not isinstance(event, Tick) or self.frame is None:
            return []
        f, t = self.frame, event.step
        prices = _at(f, "prices", t)
        for key, values in f.tokens.items():
            if t >= f.listed[key]:
                prices[key] = values[t - f.listed[key]]
        snapshot = self.make(
            MarketSnapshot,
            t,
            prices=prices,
            highs=_at(f, "highs", t),
            lows=_at(f, "lows", t),
            funding=f.funding.get(t, {}),
            indices=_at(f, "indices", t),
            oracle=_at(f, "oracle", t),
            filled=f.filled.get(t, []),
            pegs=_at(f, "pegs", t),
            gas_gwei=f.gas[t] if f.gas else 0.0,
        )
        return [(market.TOPIC, snapshot)]


def _at(frame: MarketFrame, name: str, step: int) -> dict[str, float]:
    keys, rows = frame.rows(name)
    return dict(zip(keys, rows[step], strict=True))
