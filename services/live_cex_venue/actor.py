"""The live CEX venue actor.

Inputs: `MarketSnapshot`, `PositionSnapshot` (the ledger), orders for its venues,
`PnLReport` (the daily loss limit) and the operator's control events.
Outputs (triggers topic), per step: the funding each venue paid or charged
(`M2MSettlement`, the venue's own amounts), variation margin of the held perps at the
step's marks (`M2MSettlement`, as the simulator settles it), a `PositionRefresh` per
venue from its balances and positions, then `PhaseDone(settle)`; per order, a
`VenueExecution` or an `OrderRejected`, then a `PositionRefresh` of the venues it
touched.
Paper runs use it only for the opening balances (cause `capital`); the simulator fills.
Invariants: no order goes out while trading is halted or above the limits; an order
whose outcome is unknown is looked up by client order id before any resend.
"""

from __future__ import annotations

from typing import Any, cast

import anyio

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import pnl as pnl_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.control import TradingHalted
from schemas.market import MarketSnapshot
from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from schemas.triggers import (
    SETTLE,
    M2MSettlement,
    OrderRejected,
    PhaseDone,
    PositionRefresh,
    VenueExecution,
)
from services.adapters.cex import CexAdapter, FundingPayment
from services.adapters.errors import VenueError
from services.cex_venue.settle import m2m_fields
from services.config.live import LiveConfig
from services.live.client_ids import client_order_id, run_prefix
from services.live.limits import TradingGate
from services.live.venue import LiveVenueActor
from services.live.venues import adapter_for
from services.live.venues_file import VENUE_KINDS
from services.live_cex_venue import execute
from services.live_cex_venue.report import read_report
from services.position_monitor.actor import CAPITAL
from services.runtime.actor import ActorContext, Out
from services.valuation.keys import WALLET, declared_keys, parse_key

MS = 1_000_000
Order = SpotOrder | PerpOrder | TransferOrder


def wallet_venue(live: LiveConfig, params: Any) -> str:
    """The venue whose wallet account is Carry's wallet (default: the spot venue)."""
    return live.wallet or str(getattr(params, "spot_venue", ""))


class LiveCexVenue(LiveVenueActor[Order]):
    """Binance, Bybit and OKX through ccxt."""

    name = "live_cex_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC, pnl_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        live = ctx.config.live
        if live is None:
            raise ValueError("the live CEX venue needs a live run")
        self.live = live
        self.trading = live.trade
        declared = declared_keys(ctx.config)
        self.venues = sorted(
            v
            for v, spec in live.venues.items()
            if VENUE_KINDS.get(spec.kind) == self.name
            and any(k.startswith(f"{v}:") for k in declared)
        )
        self.wallet = wallet_venue(live, ctx.config.typed_params())
        self.keys = {
            v: sorted(
                k
                for k in declared
                if k.startswith(f"{v}:") or (v == self.wallet and parse_key(k).venue == WALLET)
            )
            for v in self.venues
        }
        self.gate = TradingGate(live)
        self.opened = False
        self.seen: set[str] = set()
        self.since_ms = ctx.config.start_ns // MS

    def adapters(self) -> dict[str, CexAdapter]:
        """The adapters of this actor's venues."""
        return {v: adapter_for(v, self.live) for v in self.venues}

    def _takes(self, event: Event) -> Order | None:
        if isinstance(event, SpotOrder | PerpOrder | TransferOrder) and event.venue in self.venues:
            return event
        return None

    def _halted(self, event: TradingHalted) -> None:
        if event.cancel_open and self.trading:
            self.jobs.start(self._cancel_open, self._cancelled)

    # -- settlement -----------------------------------------------------------------
    def _settle(self, market: MarketSnapshot) -> None:
        ledger, previous = dict(self.ledger), self.previous
        opening = not self.opened and self.live.seed_from_venues
        report_now = self.trading or opening
        held = {
            v: [k for k in ledger if k.startswith(f"{v}:") and parse_key(k).kind == "Perp"]
            for v in self.venues
        }

        async def read() -> tuple[dict[str, list[FundingPayment]], dict[str, dict[str, float]]]:
            payments: dict[str, list[FundingPayment]] = {}
            reports: dict[str, dict[str, float]] = {}
            if not report_now:
                return payments, reports
            adapters = self.adapters()

            async def one(venue: str) -> None:
                adapter = adapters[venue]
                if self.trading:
                    for key in held[venue]:
                        symbol = parse_key(key).symbol
                        try:
                            got = await adapter.funding_payments(symbol, self.since_ms)
                        except VenueError as e:
                            self.log.warning("funding_history_unread", venue=venue, error=e.message)
                            continue
                        payments.setdefault(venue, []).extend(got)
                reports[venue] = await read_report(
                    adapter, self.keys[venue], market.prices, self.log
                )

            async with anyio.create_task_group() as tg:
                for venue in self.venues:
                    tg.start_soon(one, venue)
            return payments, reports

        def publish(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            payments, reports = cast(
                tuple[dict[str, list[FundingPayment]], dict[str, dict[str, float]]], result
            )
            out: list[Out] = []
            for venue in self.venues:
                out += self._funding(market, ledger, venue, payments.get(venue, []))
                if self.trading and previous is not None:
                    out += self._variation(market, previous, ledger, venue)
            for venue in self.venues:
                if venue in reports:
                    out.append(
                        self._refresh(
                            market.step,
                            venue,
                            reports[venue],
                            CAPITAL if opening else "reconciliation",
                        )
                    )
            self.opened = True
            out.append((triggers_topic.TOPIC, self.make(PhaseDone, market.step, phase=SETTLE)))
            return out

        self.jobs.start(read, publish)

    def _funding(
        self,
        market: MarketSnapshot,
        ledger: dict[str, float],
        venue: str,
        payments: list[FundingPayment],
    ) -> list[Out]:
        out: list[Out] = []
        for pay in sorted(payments, key=lambda p: (p.timestamp_ms, p.id)):
            venue_id = f"{venue}/{pay.symbol}/{pay.id}"
            if venue_id in self.seen or pay.timestamp_ms * MS > market.ts:
                continue
            self.seen.add(venue_id)
            instrument = f"{venue}:perp:{pay.symbol}"
            size = ledger.get(f"{venue}:Perp:{pay.symbol}", 0.0)
            mark = market.prices.get(instrument, 0.0)
            rate = market.funding.get(
                instrument, -pay.amount / (size * mark) if size and mark else 0.0
            )
            event = self.make(
                M2MSettlement,
                market.step,
                **m2m_fields(venue, instrument, "funding", size, mark, pay.amount, rate=rate),
            )
            out.append((triggers_topic.TOPIC, event))
        return out

    def _variation(
        self, market: MarketSnapshot, previous: MarketSnapshot, ledger: dict[str, float], venue: str
    ) -> list[Out]:
        out: list[Out] = []
        for key in sorted(
            k for k in ledger if k.startswith(f"{venue}:") and parse_key(k).kind == "Perp"
        ):
            size = ledger[key]
            instrument = f"{venue}:perp:{parse_key(key).symbol}"
            mark, reference = market.prices[instrument], previous.prices[instrument]
            amount = size * (mark - reference)
            event = self.make(
                M2MSettlement,
                market.step,
                **m2m_fields(
                    venue, instrument, "variation_margin", size, mark, amount, reference=reference
                ),
            )
            out.append((triggers_topic.TOPIC, event))
        return out

    def _refresh(self, step: int, venue: str, balances: dict[str, float], cause: str) -> Out:
        refresh = self.make(PositionRefresh, step, venue=venue, balances=balances, cause=cause)
        return (triggers_topic.TOPIC, refresh)

    # -- orders -------------------------------------------------------------------------
    def _order(self, order: Order) -> list[Out]:
        market = self.check_version(order)
        notional = self._notional(order, market)
        refusal = self.gate.refusal(notional)
        if refusal:
            self.log.warning("order_refused", order_id=order.order_id, reason=refusal)
            return [self._rejected(order, refusal)]
        ledger = dict(self.ledger)
        client_id = client_order_id(self.run_id, order.ts, order.order_id)

        async def run() -> tuple[execute.Outcome, dict[str, dict[str, float]]]:
            adapters = self.adapters()
            try:
                if isinstance(order, SpotOrder):
                    outcome = await execute.spot(
                        order,
                        adapters[order.venue],
                        market,
                        self.wallet,
                        client_id,
                        self.live,
                        self.log,
                    )
                elif isinstance(order, PerpOrder):
                    outcome = await execute.perp_trade(
                        order, adapters[order.venue], market, ledger, client_id, self.live, self.log
                    )
                else:
                    outcome = await execute.transfer(order, adapters, self.wallet, self.log)
            except VenueError as e:
                outcome = execute.Outcome(rejection=f"{e.kind}: {e.message}", venues=[order.venue])
            reports = {
                v: await read_report(adapters[v], self.keys[v], market.prices, self.log)
                for v in outcome.venues
                if v in adapters
            }
            return outcome, reports

        def publish(result: object) -> list[Out]:
            if isinstance(result, Exception):
                raise result
            outcome, reports = cast(tuple[execute.Outcome, dict[str, dict[str, float]]], result)
            if outcome.fields is None:
                self.log.warning(
                    "order_rejected", order_id=order.order_id, reason=outcome.rejection
                )
                out = [self._rejected(order, outcome.rejection)]
            else:
                out = [
                    (triggers_topic.TOPIC, self.make(VenueExecution, order.step, **outcome.fields))
                ]
            out += [
                self._refresh(order.step, v, reports[v], "reconciliation") for v in sorted(reports)
            ]
            return out

        self.jobs.start(run, publish)
        return []

    def _notional(self, order: Order, market: MarketSnapshot) -> float:
        if isinstance(order, TransferOrder):
            return 0.0
        kind = "spot" if isinstance(order, SpotOrder) else "perp"
        return order.quantity * market.prices.get(f"{order.venue}:{kind}:{order.symbol}", 0.0)

    def _rejected(self, order: Order, reason: str) -> Out:
        event = self.make(
            OrderRejected,
            order.step,
            order_id=order.order_id,
            venue=order.venue,
            reason=reason[:500],
        )
        return (triggers_topic.TOPIC, event)

    async def _cancel_open(self) -> int:
        prefix = run_prefix(self.run_id)
        cancelled = 0
        for venue, adapter in self.adapters().items():
            for key in self.keys[venue]:
                owner, kind, symbol = parse_key(key)
                if owner == WALLET or (kind == "BaseToken" and symbol == "USDT"):
                    continue
                market_kind = "perp" if kind == "Perp" else "spot"
                pair = symbol if kind == "Perp" else f"{symbol}USDT"
                try:
                    for order in await adapter.open_orders(market_kind, pair):
                        if order.client_id.startswith(prefix):
                            await adapter.cancel(market_kind, pair, order.client_id)
                            cancelled += 1
                except VenueError as e:
                    self.log.error("cancel_open_orders_failed", venue=venue, error=e.message)
        return cancelled

    def _cancelled(self, result: object) -> list[Out]:
        self.log.warning(
            "open_orders_cancelled", count=result if isinstance(result, int) else repr(result)
        )
        return []
