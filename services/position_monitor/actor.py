"""The position monitor.

Inputs: the triggers topic (the five triggers, `PhaseDone` markers with or before the
settlement triggers of their producer's step, rejections),
`OrdersDone`, the market (to value reconciliation differences) and the operator's
`HaltAcknowledged`.
Outputs: `PositionSnapshot`s: `settled` once every settlement producer closed the step
(triggers applied in canonical order: producer rank, then publication order), one
`order` snapshot per executed or rejected order, and `final` when trading is done
(none when the strategy sent no order: the settled snapshot closes the step).
Reconciliation: a `PositionRefresh` is authoritative for the keys it names; the
differences are applied, reported above the tolerance, and above the halt threshold
every later snapshot carries `halted` until an operator acknowledges. A refresh that
arrives during trading is applied at once and reported in the next snapshot. A refresh
with cause `capital` is the opening balance of a run that starts from its venues.
Invariants: the ledger changes only through triggers; a delta on an undeclared key,
or a non-debt balance going negative, crashes the service.
"""

from __future__ import annotations

from typing import Final

import msgspec

from schemas import market as market_topic
from schemas import orders as orders_topic
from schemas import positions as positions_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.control import HaltAcknowledged
from schemas.market import MarketSnapshot
from schemas.orders import OrdersDone
from schemas.positions import (
    FINAL,
    ORDER,
    SETTLED,
    Discrepancy,
    OrderResult,
    PositionSnapshot,
)
from schemas.triggers import (
    TRIGGER_TYPES,
    InitialCapital,
    OrderRejected,
    PhaseDone,
    PositionRefresh,
    Trigger,
    VenueExecution,
)
from services.errors import InvariantError
from services.live.reconciliation import reconcile
from services.position_monitor.ledger import Ledger
from services.runtime.actor import Actor, ActorContext, Out
from services.runtime.barrier import StepBarrier, closes_step
from services.valuation.keys import declared_keys
from services.valuation.valuer import Valuer

CAPITAL: Final = "capital"
"""Cause of the opening `PositionRefresh` of a run that starts from its venues' balances."""


class PositionMonitor(Actor):
    """Routes all five triggers into the ledger and publishes its snapshots."""

    name = "position_monitor"
    topics = (triggers_topic.TOPIC, orders_topic.TOPIC, market_topic.TOPIC)

    def __init__(self, ctx: ActorContext, settle_producers: list[str]) -> None:
        super().__init__(ctx)
        self.ledger = Ledger(declared_keys(ctx.config))
        self.barrier = StepBarrier(settle_producers)
        self.version = -1
        self.released = -1
        self.seeded = False
        self.pending: list[Trigger] = []
        self.found: list[Discrepancy] = []
        self.valuer = Valuer(ctx.config)
        self.market: MarketSnapshot | None = None
        self.halted = ""
        self.settled = (-1, -1)
        """(step, version) of the last settled snapshot."""

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Dispatch one event (the most frequent kinds first)."""
        if isinstance(event, PhaseDone):
            self.barrier.mark(event.step, event.source, event.triggers)  # type: ignore[arg-type]
            return self._release()
        if isinstance(event, MarketSnapshot):
            self.market = event
            return []
        if isinstance(event, OrdersDone):
            if closes_step(event, self.settled):
                return []  # no order: the settled snapshot is the step's closing ledger
            return [self._snapshot(event.step, FINAL)]
        if isinstance(event, InitialCapital):
            if self.seeded:
                raise InvariantError("a second InitialCapital in one run")
            self.seeded = True
            self._apply(event)
            return self._release()
        if isinstance(event, TRIGGER_TYPES):
            return self._trigger(event)  # type: ignore[arg-type]
        if isinstance(event, OrderRejected):
            result = OrderResult(order_id=event.order_id, status="rejected", reason=event.reason)
            return [self._snapshot(event.step, ORDER, result)]
        if isinstance(event, HaltAcknowledged):
            if self.halted:
                self.log.warning("halt_acknowledged", halt=self.halted, note=event.note)
            self.halted = ""
        return []

    def _trigger(self, event: Trigger) -> list[Out]:
        if event.step > self.released:
            self.barrier.add(event)
            return []
        if isinstance(event, PositionRefresh):
            # A refresh after a fill: applied now, reported with the next snapshot.
            self._apply(event)
            return []
        if not isinstance(event, VenueExecution):
            raise InvariantError(f"{type(event).__name__} {event.event_id} after settlement")
        self._apply(event)
        result = OrderResult(order_id=event.order_id, status="filled")
        return [self._snapshot(event.step, ORDER, result)]

    def _release(self) -> list[Out]:
        out: list[Out] = []
        step = self.released + 1
        while self.barrier.complete(step) and self.seeded:
            for trigger in self.barrier.release(step):
                self._apply(trigger)  # type: ignore[arg-type]
            self.released = step
            out.append(self._snapshot(step, SETTLED))
            self.settled = (step, self.version)
            step += 1
        return out

    def _apply(self, trigger: Trigger) -> None:
        if isinstance(trigger, PositionRefresh):
            trigger = self._reconcile(trigger)
        self.ledger.apply(trigger)
        self.pending.append(trigger)

    def _reconcile(self, refresh: PositionRefresh) -> PositionRefresh:
        result = reconcile(
            self.ledger.positions, refresh.balances, self.valuer, self.market, self.config.live
        )
        if refresh.cause != CAPITAL:
            if result.found:
                self.log.warning(
                    "reconciliation_differences",
                    step=refresh.step,
                    venue=refresh.venue,
                    differences=[(d.key, d.ledger, d.venue, d.value) for d in result.found],
                )
                self.found.extend(result.found)
            if result.halt and not self.halted:
                self.halted = result.halt
                self.log.error("trading_halted_by_reconciliation", halt=result.halt)
        return msgspec.structs.replace(refresh, deltas=result.deltas)

    def _snapshot(self, step: int, phase: str, result: OrderResult | None = None) -> Out:
        self.version += 1
        ts, event_id = self.stamp(step)
        snapshot = PositionSnapshot(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            phase=phase,
            version=self.version,
            positions=dict(self.ledger.positions),
            applied=self.pending,
            last_order=result,
            discrepancies=self.found,
            halted=self.halted,
        )
        self.pending = []
        self.found = []
        return (positions_topic.TOPIC, snapshot)
