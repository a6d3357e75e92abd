"""The Aave v3 venue.

Inputs: `MarketSnapshot` (reserve indices), `PositionSnapshot`, `LendingOrder`s.
Outputs: `VenueExecution` per executed order (or `OrderRejected`), and its
`PhaseDone(settle)` marker every step.
Index accounting: supplying x at liquidity index L mints a scaled balance x / L, worth
(x / L) * L' later; the ledger holds the scaled balance, exposure applies the index.
"""

from __future__ import annotations

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import LendingOrder
from schemas.pnl import TRANSFER
from schemas.positions import FINAL, PositionSnapshot
from schemas.triggers import SETTLE, OrderRejected, PhaseDone, PositionDelta, VenueExecution
from services.errors import InvariantError
from services.runtime.actor import Actor, ActorContext, Out
from services.valuation.keys import AAVE, WALLET, atoken, cash

TOLERANCE = 1e-9


class AaveVenue(Actor):
    """Supply and withdraw on Aave v3."""

    name = "aave_venue"
    topics = (market_topic.TOPIC, positions_topic.TOPIC, orders_topic.TOPIC)
    settles = True

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.ledger: dict[str, float] = {}
        self.version = -1
        self.final_step = -1
        self.market: MarketSnapshot | None = None

    def waits_for(self, topic: str, event: Event) -> bool:
        """Settle on the ledger closed at t-1; execute an order on its market and version."""
        if isinstance(event, MarketSnapshot):
            return event.step > 0 and self.final_step < event.step - 1
        if isinstance(event, LendingOrder):
            return (
                self.market is None
                or self.market.step != event.step
                or self.version < event.based_on
            )
        return False

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        match event:
            case PositionSnapshot():
                self.ledger = event.positions
                self.version = event.version
                if event.phase == FINAL:
                    self.final_step = event.step
                return []
            case MarketSnapshot():
                self.market = event
                return [(triggers_topic.TOPIC, self.make(PhaseDone, event.step, phase=SETTLE))]
            case LendingOrder() if event.venue == AAVE:
                return [(triggers_topic.TOPIC, self._execute(event))]
            case _:
                return []

    def _execute(self, order: LendingOrder) -> Event:
        if order.based_on != self.version:
            raise InvariantError(
                f"order {order.order_id} is based on version {order.based_on}, "
                f"the venue holds {self.version}"
            )
        assert self.market is not None
        index_key = f"aave:{order.asset}:liquidity_index"
        index = self.market.indices.get(index_key)
        wallet, supplied = cash(WALLET, order.asset), atoken(order.asset)
        reason = ""
        if index is None:
            reason = f"no Aave reserve data for {order.asset}"
        elif order.amount <= 0:
            reason = f"amount {order.amount} not positive"
        elif order.operation == "supply":
            if order.amount > self.ledger.get(wallet, 0.0) * (1 + TOLERANCE):
                reason = f"wallet {order.asset} {self.ledger.get(wallet, 0.0):.6f} < {order.amount}"
        elif order.operation == "withdraw":
            held = self.ledger.get(supplied, 0.0) * index
            if order.amount > held * (1 + TOLERANCE):
                reason = f"supplied {order.asset} worth {held:.6f} < {order.amount}"
        else:
            reason = f"operation {order.operation!r} is not available on this venue"
        if reason or index is None:
            self.log.info("order_rejected", step=order.step, order_id=order.order_id, reason=reason)
            return self.make(
                OrderRejected, order.step, order_id=order.order_id, venue=order.venue, reason=reason
            )
        sign = 1.0 if order.operation == "supply" else -1.0
        deltas = [
            PositionDelta(wallet, -sign * order.amount),
            PositionDelta(supplied, sign * order.amount / index),
        ]
        return self.make(
            VenueExecution,
            order.step,
            deltas=deltas,
            order_id=order.order_id,
            action=order.action,
            venue=order.venue,
            operation=order.operation,
            instrument=supplied,
            quantity=order.amount,
            price=index,
            reference_price=index,
            cause=TRANSFER,
        )
