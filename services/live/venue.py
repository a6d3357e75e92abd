"""What every live venue actor does with the ledger it follows and the operator's switches."""

from __future__ import annotations

import abc
from typing import Generic, TypeVar

from schemas.base import Event
from schemas.control import HaltAcknowledged, TradingHalted
from schemas.market import MarketSnapshot
from schemas.pnl import PnLReport
from schemas.positions import PositionSnapshot
from services.live.limits import TradingGate
from services.runtime.actor import Out
from services.runtime.follower import LedgerFollower

OrderT = TypeVar("OrderT")


class LiveVenueActor(LedgerFollower, Generic[OrderT]):
    """A live venue: settles each step from what the venue reports, halts on the
    reconciliation's, the operator's and the daily loss limit's say, and sends the
    orders it takes only when trading.

    Subclasses set `gate` and `trading` and implement `_settle`, `_takes` and `_order`.
    """

    gate: TradingGate
    trading: bool

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event."""
        if self.follow(event):
            if isinstance(event, PositionSnapshot):
                self.gate.reconciliation(event.halted)
            elif isinstance(event, MarketSnapshot):
                self._settle(event)
            return []
        if isinstance(event, TradingHalted):
            self.gate.halt("operator", event.reason, final=event.cancel_open)
            self.log.error("trading_halted", reason=event.reason)
            self._halted(event)
        elif isinstance(event, HaltAcknowledged):
            self.log.warning("halts_acknowledged", halts=dict(self.gate.halts))
            self.gate.acknowledge()
        elif isinstance(event, PnLReport):
            breach = self.gate.equity(event.ts, event.equity)
            if breach:
                self.log.error("trading_halted", reason=breach)
        elif self.trading:
            order = self._takes(event)
            if order is not None:
                return self._order(order)
        return []

    @abc.abstractmethod
    def _settle(self, market: MarketSnapshot) -> None:
        """Read the venue for this step (a job) and settle from its report."""

    @abc.abstractmethod
    def _takes(self, event: Event) -> OrderT | None:
        """`event` as an order this venue executes, else None."""

    @abc.abstractmethod
    def _order(self, order: OrderT) -> list[Out]:
        """Send `order` (a job); what goes out now."""

    def _halted(self, event: TradingHalted) -> None:
        """What else an operator's halt does here (nothing by default)."""
