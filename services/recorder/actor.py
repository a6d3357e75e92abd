"""The recorder.

Inputs: every topic (it counts every event of the run), and in particular the P&L
reports, the exposure and risk of each step's closing ledger (the final one after
orders, else the settled one), and the triggers applied to the ledger.
Outputs: none on the bus; `results.write_results` turns its tables into the results
folder.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from schemas import control, exposure, market, pnl, positions, risk, topics, triggers
from schemas.base import Event
from schemas.control import RunFinished, RunStopped
from schemas.exposure import ExposureReport
from schemas.market import MarketSnapshot
from schemas.pnl import COMPONENTS, PnLReport
from schemas.positions import ORDER, PositionSnapshot
from schemas.risk import RiskAssessment
from schemas.triggers import (
    M2MSettlement,
    OrderRejected,
    PositionRefresh,
    SeasonalReward,
    VenueExecution,
)
from services.recorder.tables import TABLES, empty_columns
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.keys import WALLET, cash, parse_key, perp
from services.valuation.valuer import Valuer

POSITION_COLUMNS = (
    "step",
    "time",
    "position_key",
    "asset",
    "amount",
    "unit_value",
    "value",
    "value_usd",
    "delta",
    "notional",
)
RISK_COLUMNS = (
    "step",
    "time",
    "worst_margin_ratio",
    "delta_ratio",
    "health_factor",
    "ltv",
    "required_action",
    "breaches",
)
MARGIN_COLUMNS = (
    "step",
    "time",
    "venue",
    "usdt_balance",
    "notional_usdt",
    "margin_ratio",
    "maintenance_margin",
    "initial_margin",
)
SETTLEMENT_COLUMNS = (
    "step",
    "time",
    "venue",
    "position_key",
    "kind",
    "size",
    "mark_price",
    "previous_mark_price",
    "funding_rate",
    "amount_usdt",
)
"""The columns a closing exposure (per holding), a closing assessment (and per venue
margin) and a settlement append to, in the order `_exposure`, `_risk` and `_trigger`
fill them."""


def _appenders(table: dict[str, list[Any]], names: tuple[str, ...]) -> tuple[Any, ...]:
    """The `append` of each named column of `table` (every one of its columns, once)."""
    if sorted(names) != sorted(table):
        raise ValueError(f"columns {names} do not match the table's {list(table)}")
    return tuple(table[name].append for name in names)


class Recorder(Actor):
    """Accumulates a run's tables column by column (`tables.TABLES` declares them)."""

    name = "recorder"
    topics = topics.ALL_TOPICS
    parks_on = (positions.TOPIC,)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.counts: dict[str, int] = {}
        self.tables = {name: empty_columns(name) for name in TABLES}
        self.equity = self.tables["equity"]
        self.positions = self.tables["positions"]
        self.trades = self.tables["trades"]
        self.settlements = self.tables["settlements"]
        self.risk = self.tables["risk"]
        self.margins = self.tables["margins"]
        self.rewards = self.tables["rewards"]
        self.exposure: dict[str, list[Any]] = {"step": [], "net_delta_value": [], "gross": []}
        self.reward_figures: list[dict[str, float]] = []
        self.rejections: list[dict[str, Any]] = []
        self.liquidations: list[dict[str, Any]] = []
        self.refreshes = 0
        self.discrepancies: list[dict[str, Any]] = []
        self.halts: list[dict[str, Any]] = []
        self.halted = ""
        self.fills: Counter[str] = Counter()
        self.last: PnLReport | None = None
        self.finished = False
        self.stopped = ""
        self.valuer = Valuer(ctx.config)
        self.markets: dict[int, MarketSnapshot] = {}
        self._pnl_cols = [(name, self.equity[f"pnl_{name}"]) for name in COMPONENTS]
        """Each attribution component with its cumulative column."""
        self._instrument_keys: dict[str, str] = {}
        """Per settled instrument seen: its position key."""
        self._perp_keys: dict[str, bool] = {}
        """Per position key seen: whether it is a perp."""
        self._position_appends = _appenders(self.positions, POSITION_COLUMNS)
        self._risk_appends = _appenders(self.risk, RISK_COLUMNS)
        self._margin_appends = _appenders(self.margins, MARGIN_COLUMNS)
        self._settlement_appends = _appenders(self.settlements, SETTLEMENT_COLUMNS)
        self._exposure_rows: tuple[int, ...] = (-1,)
        self._risk_rows: tuple[int, ...] = (-1,)
        """The step last recorded from an exposure (a risk) report, and where its rows
        start in each of the tables it fills: a final report replaces its settled one."""
        self._handlers: dict[str, Callable[[Event], None]] = {
            market.TOPIC: self._market,
            pnl.TOPIC: self._on_pnl,
            exposure.TOPIC: self._on_exposure,
            risk.TOPIC: self._on_risk,
            positions.TOPIC: self._on_snapshot,
            triggers.TOPIC: self._on_trigger,
            control.TOPIC: self._on_control,
        }
        """What each topic's events are recorded by (the rest are only counted)."""

    def waits_for(self, topic: str, event: Event) -> bool:
        """Triggers are valued at their step's market."""
        return isinstance(event, PositionSnapshot) and event.step not in self.markets

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Count every event; record the ones that make the results."""
        counts = self.counts
        counts[topic] = counts.get(topic, 0) + 1
        handler = self._handlers.get(topic)
        if handler is not None:
            handler(event)
        return []

    def _market(self, event: Event) -> None:
        if isinstance(event, MarketSnapshot):
            self.markets[event.step] = event
            self.markets.pop(event.step - 2, None)
            if event.filled:
                self.fills.update(event.filled)

    def _on_pnl(self, event: Event) -> None:
        if isinstance(event, PnLReport):
            self._pnl(event)

    def _on_exposure(self, event: Event) -> None:
        if isinstance(event, ExposureReport) and event.phase != ORDER:
            self._exposure(event)

    def _on_risk(self, event: Event) -> None:
        if isinstance(event, RiskAssessment) and event.phase != ORDER:
            self._risk(event)

    def _on_snapshot(self, event: Event) -> None:
        if isinstance(event, PositionSnapshot):
            for trigger in event.applied:
                self._trigger(trigger)
            if event.discrepancies or event.halted != self.halted:
                self._reconciliation(event)

    def _on_trigger(self, event: Event) -> None:
        if isinstance(event, OrderRejected):
            self.rejections.append(
                {
                    "step": event.step,
                    "time": event.ts,
                    "order_id": event.order_id,
                    "venue": event.venue,
                    "reason": event.reason,
                }
            )

    def _on_control(self, event: Event) -> None:
        if isinstance(event, RunFinished | RunStopped):
            self.finished = True
            self.stopped = event.reason if isinstance(event, RunStopped) else ""

    def _pnl(self, e: PnLReport) -> None:
        self.last = e
        row = self.equity
        row["step"].append(e.step)
        row["time"].append(e.ts)
        row["equity"].append(e.equity)
        row["equity_usd"].append(e.equity_usd)
        row["pnl_total"].append(e.pnl_total)
        row["step_pnl"].append(e.step_pnl)
        row["reconciliation_error"].append(e.reconciliation_error)
        attribution = e.attribution
        for name, column in self._pnl_cols:
            column.append(attribution.get(name, 0.0))

    def _exposure(self, e: ExposureReport) -> None:
        step, ts = e.step, e.ts
        self._exposure_rows = _replace_step(
            self._exposure_rows, step, self.positions, self.exposure
        )
        self.exposure["step"].append(step)
        self.exposure["net_delta_value"].append(e.net_delta_value)
        self.exposure["gross"].append(e.gross)
        perps = self._perp_keys
        a_step, a_time, a_key, a_asset, a_amount, a_unit, a_value, a_usd, a_delta, a_notional = (
            self._position_appends
        )
        for h in e.holdings:
            key = h.key
            is_perp = perps.get(key)
            if is_perp is None:
                is_perp = perps[key] = parse_key(key).kind == "Perp"
            a_step(step)
            a_time(ts)
            a_key(key)
            a_asset(h.asset)
            a_amount(h.amount)
            a_unit(None if is_perp else h.price)
            a_value(h.value)
            a_usd(h.value_usd)
            a_delta(h.delta)
            a_notional(h.notional if is_perp else None)

    def _risk(self, e: RiskAssessment) -> None:
        step, ts = e.step, e.ts
        self._risk_rows = _replace_step(self._risk_rows, step, self.risk, self.margins)
        r_step, r_time, r_worst, r_delta, r_hf, r_ltv, r_action, r_breaches = self._risk_appends
        r_step(step)
        r_time(ts)
        r_worst(e.worst_margin_ratio)
        r_delta(e.delta_ratio)
        r_hf(e.health_factor)
        r_ltv(e.ltv)
        r_action(e.required_action)
        breaches = e.breaches
        r_breaches(
            ",".join([f"{b.check}:{b.level}:{b.subject}" for b in breaches]) if breaches else None
        )
        m_step, m_time, m_venue, m_balance, m_notional, m_ratio, m_maint, m_initial = (
            self._margin_appends
        )
        for v in e.margins:
            m_step(step)
            m_time(ts)
            m_venue(v.venue)
            m_balance(v.balance)
            m_notional(v.notional)
            m_ratio(v.ratio if v.notional else None)
            m_maint(v.maintenance)
            m_initial(v.initial)

    def _trigger(self, t: Any) -> None:
        if isinstance(t, VenueExecution):
            self._trade(t)
            if t.operation == "liquidation":
                self._liquidation(t)
        elif isinstance(t, SeasonalReward):
            price = self.valuer.asset_price(t.token, self.markets[t.step]) if t.amount else 0.0
            r = self.rewards
            r["step"].append(t.step)
            r["time"].append(t.ts)
            r["drop"].append(t.drop)
            r["token"].append(t.token)
            r["estimated"].append(t.estimated)
            r["eligible_eeth"].append(t.eligible_balance)
            r["eligible_weeth"].append(t.eligible_units)
            r["per_eeth"].append(t.rate)
            r["amount"].append(t.amount)
            r["value"].append(t.amount * price)
            self.reward_figures.append(dict(t.figures))
        elif isinstance(t, PositionRefresh):
            self.refreshes += 1
        elif isinstance(t, M2MSettlement):
            s_step, s_time, s_venue, s_key, s_kind, s_size, s_mark, s_previous, s_rate, s_amount = (
                self._settlement_appends
            )
            kind = t.kind
            funding = kind == "funding"
            s_step(t.step)
            s_time(t.ts)
            s_venue(t.venue)
            key = self._instrument_keys.get(t.instrument)
            if key is None:
                key = self._instrument_keys[t.instrument] = instrument_key(t.instrument)
            s_key(key)
            s_kind(kind)
            s_size(t.size)
            s_mark(t.mark)
            s_previous(None if funding else t.reference)
            s_rate(t.rate if funding else None)
            s_amount(t.amount)

    def _trade(self, t: VenueExecution) -> None:
        at = self.markets[t.step]
        cost = math.fsum(c.amount * self.valuer.asset_price(c.asset, at) for c in t.costs)
        c = self.trades
        c["step"].append(t.step)
        c["time"].append(t.ts)
        c["order_id"].append(t.order_id)
        c["action"].append(t.action)
        c["venue"].append(t.venue)
        c["operation"].append(t.operation)
        c["position_key"].append(trade_key(t))
        c["symbol"].append(t.instrument.rsplit(":", 1)[-1])
        c["side"].append(t.side or None)
        c["quantity"].append(t.quantity)
        c["fill_price"].append(t.price or None)
        c["reference_price"].append(t.reference_price or None)
        c["cost_value"].append(cost)
        c["cause"].append(t.cause)

    def _reconciliation(self, e: PositionSnapshot) -> None:
        for d in e.discrepancies:
            venue, _, asset = parse_key(d.key)
            self.discrepancies.append(
                {
                    "time": e.ts,
                    "venue": venue,
                    "asset": asset,
                    "key": d.key,
                    "expected": d.ledger,
                    "reported": d.venue,
                    "difference": d.venue - d.ledger,
                    "value": d.value,
                }
            )
        if e.halted != self.halted:
            if e.halted:
                self.halts.append({"time": e.ts, "reason": e.halted})
            self.halted = e.halted

    def _liquidation(self, t: VenueExecution) -> None:
        at = self.markets[t.step]
        loss = -sum(d.amount * self.valuer.unit_price(d.key, at) for d in t.deltas)
        self.liquidations.append(
            {
                "step": t.step,
                "time": t.ts,
                "venue": t.venue,
                "position_key": trade_key(t),
                "price": t.price,
                "quantity": t.quantity,
                "loss": loss,
            }
        )


def _replace_step(
    rows: tuple[int, ...], step: int, *tables: dict[str, list[Any]]
) -> tuple[int, ...]:
    """Drop the rows `rows` marks if they are `step`'s; return the mark of `step`'s new
    rows (the step, then each table's length)."""
    if rows[0] == step:
        for table, start in zip(tables, rows[1:], strict=True):
            for column in table.values():
                del column[start:]
    return (step, *[len(table["step"]) for table in tables])


def instrument_key(instrument: str) -> str:
    """The ledger spelling of a market instrument (`binance:perp:BTCUSDT` ->
    `binance:Perp:BTCUSDT`); position keys pass through."""
    venue, _, rest = instrument.partition(":")
    kind, _, symbol = rest.partition(":")
    if kind == "perp":
        return perp(venue, symbol)
    return instrument


def trade_key(t: VenueExecution) -> str:
    """The position an execution is about: its first non-wallet key, else its first key."""
    for d in t.deltas:
        if not d.key.startswith(f"{WALLET}:"):
            return d.key
    return t.deltas[0].key if t.deltas else cash(t.venue, t.instrument)
