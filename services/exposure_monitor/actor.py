"""The exposure monitor.

Inputs: `MarketSnapshot`, `PositionSnapshot`.
Outputs: one `ExposureReport` per ledger version, valued at that step's market.
A version whose positions equal the previous version's at the same step (the final
snapshot of a step without trades) reuses that valuation: same market, same amounts,
same figures.
"""

from __future__ import annotations

from schemas import exposure as exposure_topic
from schemas import market as market_topic
from schemas import positions as positions_topic
from schemas.base import Event
from schemas.exposure import ExposureReport
from schemas.market import MarketSnapshot
from schemas.positions import PositionSnapshot
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.holdings import Valuation, value_positions
from services.valuation.valuer import Valuer


class ExposureMonitor(Actor):
    """Values every ledger version."""

    name = "exposure_monitor"
    topics = (market_topic.TOPIC, positions_topic.TOPIC)
    parks_on = (positions_topic.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.valuer = Valuer(ctx.config)
        self.markets: dict[int, MarketSnapshot] = {}
        self._last: tuple[MarketSnapshot, dict[str, float], Valuation] | None = None

    def waits_for(self, topic: str, event: Event) -> bool:
        """A snapshot needs its step's market."""
        return isinstance(event, PositionSnapshot) and event.step not in self.markets

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Store markets; value snapshots."""
        if isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            self.markets.pop(event.step - 2, None)
            return []
        if not isinstance(event, PositionSnapshot):
            return []
        step = event.step
        market = self.markets[step]
        valued = self._value(event.positions, market)
        equity = valued.equity
        ts, event_id = self.stamp(step)
        report = ExposureReport(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            phase=event.phase,
            version=event.version,
            share_class=self.valuer.share_class,
            equity=equity,
            equity_usd=equity * self.valuer.usd_rate(market),
            holdings=valued.holdings,
            net_delta=valued.net_delta,
            gross=valued.gross,
            net_delta_value=valued.net_delta_value,
            asset_prices=valued.asset_prices,
            gas_gwei=market.gas_gwei,
        )
        return [(exposure_topic.TOPIC, report)]

    def _value(self, positions: dict[str, float], market: MarketSnapshot) -> Valuation:
        last = self._last
        if last is not None and last[0] is market and last[1] == positions:
            return last[2]
        valued = value_positions(self.valuer, positions, market)
        self._last = (market, positions, valued)
        return valued
