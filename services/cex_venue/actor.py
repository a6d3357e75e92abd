"""The CEX venue simulator.

Inputs: `MarketSnapshot`, `PositionSnapshot` (the ledger), orders for binance, bybit, okx.
Outputs (triggers topic): per step, variation margin (`M2MSettlement`) and liquidations
(`VenueExecution`, operation `liquidation`) inside its `PhaseDone(settle)` marker; per
order, a `VenueExecution` or an `OrderRejected`.
Invariants: settles step t on the ledger closed at t-1; executes an order on exactly
the ledger version it was computed from.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from schemas.pnl import LIQUIDATION_LOSS, PERP_PRICE
from schemas.triggers import M2MSettlement, PositionDelta, Trigger, VenueExecution
from services.cex_venue.margin import TierTable
from services.cex_venue.orders import OrderBook, Rejection
from services.cex_venue.settle import Account, AccountSettlement, Perp, settle_account
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import parse_key


class CexVenue(LedgerFollower):
    """Spot and USDT-margined perps on the configured CEX venues."""

    name = "cex_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.venues = sorted(ctx.config.venues)
        self.tables = {
            venue: {sym: TierTable(t) for sym, t in cfg.maintenance_tiers.items()}
            for venue, cfg in ctx.config.venues.items()
        }
        self.book = OrderBook(ctx.config, self.tables)
        self._keys: tuple[str, ...] | None = None
        self._perps: list[Account] = []

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        if self.follow(event):
            if isinstance(event, MarketSnapshot):
                return self._settle(event, self.previous)
            return []
        if isinstance(event, SpotOrder | PerpOrder | TransferOrder) and event.venue in self.tables:
            return self._execute(event)
        return []

    def _settle(self, market: MarketSnapshot, previous: MarketSnapshot | None) -> list[Out]:
        triggers: list[Trigger] = []
        if previous is not None:
            for account in self._accounts():
                settled = settle_account(account, self.ledger, previous, market)
                if settled is not None:
                    triggers.extend(self._settlement_events(market, account.usdt, settled))
        return [self.settled_phase(market.step, triggers)]

    def _accounts(self) -> list[Account]:
        """Each configured venue with the ledger's perp keys on it (sorted), per set of
        ledger keys."""
        keys = tuple(self.ledger)
        if keys != self._keys:
            perps = sorted(k for k in keys if parse_key(k).kind == "Perp")
            self._perps = []
            for venue in self.venues:
                held = [self._perp(k) for k in perps if k.startswith(f"{venue}:")]
                if held:
                    self._perps.append(Account(venue, held))
            self._keys = keys
        return self._perps

    def _perp(self, key: str) -> Perp:
        venue, _, symbol = parse_key(key)
        return Perp(key, f"{venue}:perp:{symbol}", self.tables[venue][symbol])

    def _settlement_events(
        self, market: MarketSnapshot, usdt: str, account: AccountSettlement
    ) -> list[Trigger]:
        step = market.step
        out: list[Trigger] = []
        for move in account.moves:
            amount = move.size * (move.mark - move.reference)
            ts, event_id = self.stamp(step)
            event = M2MSettlement(
                run_id=self.run_id,
                step=step,
                ts=ts,
                source=self.source,
                event_id=event_id,
                deltas=[PositionDelta(usdt, amount)],
                venue=account.venue,
                instrument=move.instrument,
                kind="variation_margin",
                size=move.size,
                mark=move.mark,
                reference=move.reference,
                amount=amount,
                cause=PERP_PRICE,
            )
            out.append(event)
        if account.liquidated:
            deltas = [PositionDelta(m.key, -m.size) for m in account.moves]
            deltas.append(PositionDelta(usdt, -account.remaining))
            first = account.moves[0]
            self.log.warning(
                "liquidated",
                step=step,
                venue=account.venue,
                instruments=[m.instrument for m in account.moves],
                price=first.mark,
                loss=account.remaining,
            )
            liquidation = self.make(
                VenueExecution,
                step,
                deltas=deltas,
                order_id=f"liq/{account.venue}/{step}",
                action="liquidation",
                venue=account.venue,
                operation="liquidation",
                instrument=first.instrument,
                side="buy" if first.size < 0 else "sell",
                quantity=abs(first.size),
                price=first.mark,
                reference_price=market.prices[first.instrument],
                cause=LIQUIDATION_LOSS,
            )
            out.append(liquidation)
        return out

    def _execute(self, order: SpotOrder | PerpOrder | TransferOrder) -> list[Out]:
        market = self.check_version(order)
        result = self.book.execute(order, self.ledger, market)
        if isinstance(result, Rejection):
            self.log.info(
                "order_rejected", step=order.step, order_id=order.order_id, reason=result.reason
            )
            return [
                (
                    triggers_topic.TOPIC,
                    self.make(
                        triggers_topic.OrderRejected,
                        order.step,
                        order_id=order.order_id,
                        venue=order.venue,
                        reason=result.reason,
                    ),
                )
            ]
        return [(triggers_topic.TOPIC, self.make(VenueExecution, order.step, **result))]
