"""The P&L monitor.

Inputs: `MarketSnapshot`, `PositionSnapshot` (the triggers applied, and the final ledger),
`OrdersDone` (which closes a step without orders on its settled snapshot).
Outputs: one `PnLReport` per step, on its closing ledger: balance-based equity and
P&L, and the attribution whose parts sum to the total (the residual is reported as
`reconciliation_error`).
"""

from __future__ import annotations

from collections import defaultdict

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import pnl as pnl_topic
from schemas import positions as positions_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import OrdersDone
from schemas.pnl import COMPONENTS, PnLReport
from schemas.positions import FINAL, SETTLED, PositionSnapshot
from schemas.triggers import Trigger
from services.pnl_monitor.attribution import revaluation, trigger_values
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.barrier import closes_step
from services.valuation.holdings import equity as equity_of
from services.valuation.valuer import Valuer


class PnLMonitor(Actor):
    """Balance-based P&L with attribution."""

    name = "pnl_monitor"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    parks_on = (positions_topic.TOPIC, orders_topic.TOPIC)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.valuer = Valuer(ctx.config)
        self.markets: dict[int, MarketSnapshot] = {}
        self.positions: dict[str, float] = {}
        self.previous: MarketSnapshot | None = None
        self.equity = 0.0
        self.flows = 0.0
        self.pending: list[Trigger] = []
        self.version = -1
        """The version of the last snapshot."""
        self.settled: PositionSnapshot | None = None
        """The last snapshot, if it is a settled one."""
        self.cumulative: dict[str, float] = dict.fromkeys(COMPONENTS, 0.0)

    def waits_for(self, topic: str, event: Event) -> bool:
        """A snapshot needs its step's market; `OrdersDone` the snapshot it is based on."""
        if isinstance(event, PositionSnapshot):
            return event.step not in self.markets
        return isinstance(event, OrdersDone) and self.version < event.based_on

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Collect the step's triggers; report on the ledger that closes the step."""
        if isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            return []
        if isinstance(event, OrdersDone):
            settled = self.settled
            if settled is not None and closes_step(event, (settled.step, settled.version)):
                return [(pnl_topic.TOPIC, self._report(settled))]
            return []
        if not isinstance(event, PositionSnapshot):
            return []
        self.pending.extend(event.applied)
        self.version = event.version
        self.settled = event if event.phase == SETTLED else None
        if event.phase != FINAL:
            return []
        return [(pnl_topic.TOPIC, self._report(event))]

    def _report(self, snapshot: PositionSnapshot) -> PnLReport:
        market = self.markets.pop(snapshot.step)
        parts: defaultdict[str, float] = defaultdict(float)
        if self.previous is not None:
            revaluation(self.valuer, self.positions, self.previous, market, parts)
        flows = trigger_values(self.valuer, self.pending, market, parts)
        equity = equity_of(self.valuer, snapshot.positions, market)
        step_pnl = equity - self.equity - flows
        step_parts = {k: v for k, v in sorted(parts.items()) if v != 0.0}
        for name, value in step_parts.items():
            self.cumulative[name] = self.cumulative.get(name, 0.0) + value
        self.flows += flows
        self.equity = equity
        self.positions = snapshot.positions
        self.previous = market
        self.pending = []
        ts, event_id = self.stamp(snapshot.step)
        return PnLReport(
            run_id=self.run_id,
            step=snapshot.step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            share_class=self.valuer.share_class,
            equity=equity,
            equity_usd=equity * self.valuer.usd_rate(market),
            initial_equity=self.flows,
            pnl_total=equity - self.flows,
            attribution=dict(self.cumulative),
            step_pnl=step_pnl,
            step_attribution=step_parts,
            reconciliation_error=abs(step_pnl - sum(step_parts.values())),
        )
