"""The recorder.

Inputs: every topic (it counts every event of the run), and in particular the P&L
reports, final exposure and risk, and the triggers applied to the ledger.
Outputs: none on the bus; `results.write_results` turns its tables into the results
folder.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas import exposure, market, pnl, positions, risk, topics, triggers
from schemas.base import Event
from schemas.control import RunFinished, RunStopped
from schemas.exposure import ExposureReport
from schemas.market import MarketSnapshot
from schemas.pnl import COMPONENTS, PnLReport
from schemas.positions import FINAL, PositionSnapshot
from schemas.risk import RiskAssessment
from schemas.triggers import M2MSettlement, OrderRejected, SeasonalReward, VenueExecution
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.valuer import Valuer


class Recorder(Actor):
    """Accumulates a run's tables column by column."""

    name = "recorder"
    topics = topics.ALL_TOPICS

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.counts: Counter[str] = Counter()
        self.equity: dict[str, list[Any]] = {
            name: []
            for name in (
                "step",
                "time",
                "equity",
                "equity_usd",
                "pnl_total",
                "step_pnl",
                "reconciliation_error",
                *COMPONENTS,
            )
        }
        self.risk: dict[str, list[Any]] = {
            name: []
            for name in (
                "step",
                "time",
                "worst_margin_ratio",
                "delta_ratio",
                "health_factor",
                "ltv",
                "required_action",
                "breaches",
            )
        }
        self.margins: dict[str, list[Any]] = {
            name: []
            for name in ("step", "time", "venue", "balance", "notional", "ratio", "maintenance")
        }
        self.positions: dict[str, list[Any]] = {
            name: [] for name in ("step", "time", "key", "amount", "price", "value", "value_usd")
        }
        self.trades: dict[str, list[Any]] = {
            name: []
            for name in (
                "step",
                "time",
                "order_id",
                "action",
                "venue",
                "operation",
                "instrument",
                "side",
                "quantity",
                "price",
                "reference_price",
                "fees",
                "cause",
            )
        }
        self.settlements: dict[str, list[Any]] = {
            name: []
            for name in (
                "step",
                "time",
                "venue",
                "instrument",
                "kind",
                "size",
                "mark",
                "reference",
                "rate",
                "amount",
            )
        }
        self.rewards: list[dict[str, Any]] = []
        self.rejections: list[dict[str, Any]] = []
        self.liquidations: list[dict[str, Any]] = []
        self.last: PnLReport | None = None
        self.finished = False
        self.stopped = ""
        self.valuer = Valuer(ctx.config)
        self.markets: dict[int, MarketSnapshot] = {}

    def waits_for(self, topic: str, event: Event) -> bool:
        """Triggers are valued at their step's market."""
        return isinstance(event, PositionSnapshot) and event.step not in self.markets

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Count every event; record the ones that make the results."""
        self.counts[topic] += 1
        if topic == market.TOPIC and isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            self.markets.pop(event.step - 2, None)
        elif topic == pnl.TOPIC and isinstance(event, PnLReport):
            self._pnl(event)
        elif topic == exposure.TOPIC and isinstance(event, ExposureReport):
            if event.phase == FINAL:
                self._exposure(event)
        elif topic == risk.TOPIC and isinstance(event, RiskAssessment):
            if event.phase == FINAL:
                self._risk(event)
        elif topic == positions.TOPIC and isinstance(event, PositionSnapshot):
            for trigger in event.applied:
                self._trigger(trigger)
        elif topic == triggers.TOPIC and isinstance(event, OrderRejected):
            self.rejections.append(
                {
                    "step": event.step,
                    "time": event.ts,
                    "order_id": event.order_id,
                    "venue": event.venue,
                    "reason": event.reason,
                }
            )
        elif isinstance(event, RunFinished | RunStopped):
            self.finished = True
            self.stopped = event.reason if isinstance(event, RunStopped) else ""
        return []

    def _pnl(self, e: PnLReport) -> None:
        self.last = e
        row = self.equity
        for name, value in (
            ("step", e.step),
            ("time", e.ts),
            ("equity", e.equity),
            ("equity_usd", e.equity_usd),
            ("pnl_total", e.pnl_total),
            ("step_pnl", e.step_pnl),
            ("reconciliation_error", e.reconciliation_error),
        ):
            row[name].append(value)
        for name in COMPONENTS:
            row[name].append(e.attribution.get(name, 0.0))

    def _exposure(self, e: ExposureReport) -> None:
        cols = self.positions
        for h in e.holdings:
            for name, value in (
                ("step", e.step),
                ("time", e.ts),
                ("key", h.key),
                ("amount", h.amount),
                ("price", h.price),
                ("value", h.value),
                ("value_usd", h.value_usd),
            ):
                cols[name].append(value)

    def _risk(self, e: RiskAssessment) -> None:
        for name, value in (
            ("step", e.step),
            ("time", e.ts),
            ("worst_margin_ratio", e.worst_margin_ratio),
            ("delta_ratio", e.delta_ratio),
            ("health_factor", e.health_factor),
            ("ltv", e.ltv),
            ("required_action", e.required_action),
            ("breaches", ",".join(f"{b.check}:{b.level}:{b.subject}" for b in e.breaches)),
        ):
            self.risk[name].append(value)
        for m in e.margins:
            for name, value in (
                ("step", e.step),
                ("time", e.ts),
                ("venue", m.venue),
                ("balance", m.balance),
                ("notional", m.notional),
                ("ratio", m.ratio),
                ("maintenance", m.maintenance),
            ):
                self.margins[name].append(value)

    def _trigger(self, t: Any) -> None:
        if isinstance(t, VenueExecution):
            fees = sum(c.amount for c in t.costs)
            for name, value in (
                ("step", t.step),
                ("time", t.ts),
                ("order_id", t.order_id),
                ("action", t.action),
                ("venue", t.venue),
                ("operation", t.operation),
                ("instrument", t.instrument),
                ("side", t.side),
                ("quantity", t.quantity),
                ("price", t.price),
                ("reference_price", t.reference_price),
                ("fees", fees),
                ("cause", t.cause),
            ):
                self.trades[name].append(value)
            if t.operation == "liquidation":
                self._liquidation(t)
        elif isinstance(t, SeasonalReward):
            price = self.valuer.asset_price(t.token, self.markets[t.step]) if t.amount else 0.0
            self.rewards.append(
                {
                    "step": t.step,
                    "time": t.ts,
                    "drop": t.drop,
                    "token": t.token,
                    "estimated": t.estimated,
                    "eligible_eeth": t.eligible_balance,
                    "eligible_weeth": t.eligible_units,
                    "per_eeth": t.rate,
                    "figures": dict(t.figures),
                    "amount": t.amount,
                    "value": t.amount * price,
                }
            )
        elif isinstance(t, M2MSettlement):
            for name, value in (
                ("step", t.step),
                ("time", t.ts),
                ("venue", t.venue),
                ("instrument", t.instrument),
                ("kind", t.kind),
                ("size", t.size),
                ("mark", t.mark),
                ("reference", t.reference),
                ("rate", t.rate),
                ("amount", t.amount),
            ):
                self.settlements[name].append(value)

    def _liquidation(self, t: VenueExecution) -> None:
        at = self.markets[t.step]
        loss = -sum(d.amount * self.valuer.unit_price(d.key, at) for d in t.deltas)
        self.liquidations.append(
            {
                "step": t.step,
                "time": t.ts,
                "venue": t.venue,
                "instrument": t.instrument,
                "price": t.price,
                "quantity": t.quantity,
                "loss": loss,
            }
        )
