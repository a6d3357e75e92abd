"""The Aave v3 venue.

Inputs: `MarketSnapshot` (reserve indices, oracle prices, LST rates, gas),
`PositionSnapshot` (the ledger), `LendingOrder`s and `FlashLoopOrder`s.
Outputs: per step, a liquidation (`VenueExecution`, operation `liquidation`) when the
account's health factor is below 1, inside its `PhaseDone(settle)` marker; per order a
`VenueExecution` or an `OrderRejected` (a borrow or withdrawal that would break the
LTV limit is refused with the LTV it would reach).
Index accounting: supplying x at liquidity index L mints a scaled balance x / L worth
(x / L) * L' later; borrowing y at borrow index B mints scaled debt y / B.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import FlashLoopOrder, LendingOrder
from schemas.pnl import LIQUIDATION_LOSS
from schemas.triggers import OrderRejected, Trigger, VenueExecution
from services.aave_venue.ops import AaveOps, Rejection
from services.config.onchain import load_onchain
from services.onchain.aave import AaveRisk
from services.onchain.costs import Costs
from services.runtime.actor import ActorContext, Out
from services.runtime.follower import LedgerFollower
from services.valuation.keys import AAVE
from services.valuation.valuer import Valuer


class AaveVenue(LedgerFollower):
    """Aave v3: lending, borrowing, the leverage loop, liquidation."""

    name = "aave_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        emode = bool(getattr(ctx.config.typed_params(), "emode", False))
        self.risk = AaveRisk(load_onchain().aave, emode)
        self.ops = AaveOps(self.risk, Costs(ctx.config, Valuer(ctx.config)))

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        if self.follow(event):
            if isinstance(event, MarketSnapshot):
                return [self.settled_phase(event.step, self._liquidate(event))]
            return []
        if isinstance(event, LendingOrder | FlashLoopOrder) and event.venue == AAVE:
            return [(triggers_topic.TOPIC, self._execute(event))]
        return []

    def _liquidate(self, market: MarketSnapshot) -> list[Trigger]:
        found = self.ops.liquidation(self.ledger, market)
        if found is None:
            return []
        liq, acct = found
        deltas = liq.deltas
        self.log.warning(
            "aave_liquidation",
            step=market.step,
            health_factor=liq.health_factor,
            close_factor=liq.close_factor,
            collateral_usd=acct.collateral_usd,
            debt_usd=acct.debt_usd,
        )
        event = self.make(
            VenueExecution,
            market.step,
            deltas=deltas,
            order_id=f"liq/{AAVE}/{market.step}",
            action="liquidation",
            venue=AAVE,
            operation="liquidation",
            instrument=deltas[1].key,
            quantity=-deltas[1].amount,
            cause=LIQUIDATION_LOSS,
        )
        return [event]

    def _execute(self, order: LendingOrder | FlashLoopOrder) -> Event:
        market = self.check_version(order)
        if isinstance(order, LendingOrder):
            result = self.ops.lending(order, self.ledger, market)
        else:
            result = self.ops.flash_loop(order, self.ledger, market)
        if isinstance(result, Rejection):
            self.log.info(
                "order_rejected", step=order.step, order_id=order.order_id, reason=result.reason
            )
            return self.make(
                OrderRejected,
                order.step,
                order_id=order.order_id,
                venue=order.venue,
                reason=result.reason,
            )
        return self.make(VenueExecution, order.step, **result)
