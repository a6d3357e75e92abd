"""Actors that act on the market against the ledger: the venues, settler and emitter."""

from __future__ import annotations

from typing import ClassVar

from mypy_extensions import mypyc_attr

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.market import MarketSnapshot
from schemas.orders import OrderBase, OrdersDone
from schemas.positions import FINAL, SETTLED, PositionSnapshot
from schemas.triggers import SETTLE, PhaseDone, Trigger
from services.errors import InvariantError
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.barrier import closes_step


@mypyc_attr(allow_interpreted_subclasses=True)
class LedgerFollower(Actor):
    """Keeps the latest ledger snapshot and the step's market.

    Step t's settlement (its `MarketSnapshot`) waits for the ledger closed at t-1; an
    order waits for its step's market and for the ledger version it was sized on.
    Subclasses call `follow` from `on_event` and handle the rest.
    """

    parks_on: ClassVar[tuple[str, ...] | None] = (market_topic.TOPIC, orders_topic.TOPIC)

    def __init__(self, ctx: ActorContext) -> None:
        super().__init__(ctx)
        self.ledger: dict[str, float] = {}
        self.version = -1
        self.final_step = -1
        """The last step whose ledger is closed."""
        self.settled = (-1, -1)
        """(step, version) of the last settled snapshot."""
        self.market: MarketSnapshot | None = None
        self.previous: MarketSnapshot | None = None

    def waits_for(self, topic: str, event: Event) -> bool:
        """Settle on the ledger closed at t-1; execute an order on its market and version;
        read `OrdersDone` after the snapshot it is based on."""
        if isinstance(event, MarketSnapshot):
            return event.step > 0 and self.final_step < event.step - 1
        if isinstance(event, OrdersDone):
            return self.version < event.based_on
        if isinstance(event, OrderBase):
            return (
                self.market is None
                or self.market.step != event.step
                or self.version < event.based_on
            )
        return False

    def follow(self, event: Event) -> bool:
        """Track a ledger snapshot, a market or the end of a step's orders; True if
        `event` was one of them."""
        if isinstance(event, PositionSnapshot):
            self.ledger, self.version = event.positions, event.version
            if event.phase == FINAL:
                self.final_step = event.step
            elif event.phase == SETTLED:
                self.settled = (event.step, event.version)
            return True
        if isinstance(event, OrdersDone):
            if closes_step(event, self.settled):
                self.final_step = event.step
            return True
        if isinstance(event, MarketSnapshot):
            if self.market is not None and self.market.step == event.step - 1:
                self.previous = self.market
            else:
                self.previous = None
            self.market = event
            return True
        return False

    def settled_phase(self, step: int, triggers: list[Trigger]) -> Out:
        """The `PhaseDone(settle)` closing `step` for this producer, carrying the step's
        settlement triggers (stamped before it, in order)."""
        ts, event_id = self.stamp(step)
        done = PhaseDone(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            phase=SETTLE,
            triggers=triggers,
        )
        return (triggers_topic.TOPIC, done)

    def check_version(self, order: OrderBase) -> MarketSnapshot:
        """The order's market; crash if the order was not sized on the held ledger."""
        if order.based_on != self.version:
            raise InvariantError(
                f"order {order.order_id} is based on ledger version "
                f"{order.based_on}, {self.name} holds version {self.version}"
            )
        assert self.market is not None
        return self.market
