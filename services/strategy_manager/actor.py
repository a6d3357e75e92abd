"""The strategy manager.

Inputs: `ExposureReport`, `RiskAssessment` (one of each per ledger version).
Outputs: `InitialCapital` at the run's start; per step, at most one order in flight:
on the settled assessment it asks the mode's strategy for a plan (one of the five
standard actions), then sends one order per assessment of the resulting ledger until
the plan is exhausted, then `OrdersDone`.
Invariant: every order names the ledger version it was sized on.
"""

from __future__ import annotations

from schemas import exposure as exposure_topic
from schemas import orders as orders_topic
from schemas import risk as risk_topic
from schemas import triggers as triggers_topic
from schemas.base import Event
from schemas.control import RunStarted
from schemas.exposure import ExposureReport
from schemas.orders import OrdersDone
from schemas.positions import FINAL, SETTLED
from schemas.risk import RiskAssessment
from schemas.triggers import InitialCapital, PositionDelta
from services.runtime.actor import Actor, ActorContext, Out
from services.strategies.base import Book, Intent, Strategy
from services.valuation.keys import WALLET, cash


class StrategyManager(Actor):
    """Runs one mode's strategy."""

    name = "strategy"
    topics = (exposure_topic.TOPIC, risk_topic.TOPIC)
    parks_on = (risk_topic.TOPIC,)

    def __init__(self, ctx: ActorContext, strategy: Strategy) -> None:
        super().__init__(ctx)
        self.strategy = strategy
        self.exposures: dict[int, ExposureReport] = {}
        self.intents: list[Intent] = []
        self.action = ""
        self.orders_sent = 0

    def on_start(self, event: RunStarted) -> list[Out]:
        """Seed the wallet with the capital (a live run that starts from its venues'
        balances seeds nothing: its opening `PositionRefresh` is the capital)."""
        asset, amount = self.strategy.initial_capital()
        live = self.config.live
        if live is not None and live.seed_from_venues:
            amount = 0.0
        capital = self.make(
            InitialCapital,
            0,
            deltas=[PositionDelta(cash(WALLET, asset), amount)] if amount else [],
            asset=asset,
            amount=amount,
        )
        return [(triggers_topic.TOPIC, capital)]

    def waits_for(self, topic: str, event: Event) -> bool:
        """An assessment needs the exposure of its version."""
        return (
            isinstance(event, RiskAssessment)
            and event.phase != FINAL
            and event.version not in self.exposures
        )

    def on_event(self, topic: str, event: Event) -> list[Out]:
        """Plan on the settled assessment; send the next order on each later one."""
        if isinstance(event, ExposureReport):
            if event.phase != FINAL:
                self.exposures[event.version] = event
            return []
        if not isinstance(event, RiskAssessment) or event.phase == FINAL:
            return []
        book = Book(self.exposures.pop(event.version))
        if event.phase == SETTLED:
            self.exposures.clear()
            plan = self.strategy.plan(event.step, book, event)
            self.intents = list(plan.intents) if plan else []
            self.action = plan.action if plan else ""
            if plan:
                self.log.debug(
                    "plan",
                    action=plan.action,
                    required=event.required_action,
                    intents=len(plan.intents),
                )
        return [self._next(event.step, event.version, book)]

    def _next(self, step: int, version: int, book: Book) -> Out:
        while self.intents:
            spec = self.intents.pop(0)(book)
            if spec is None:
                continue
            order = self.make(
                spec.kind,
                step,
                order_id=f"{step}/{self.orders_sent}",
                action=spec.action or self.action,
                venue=spec.venue,
                based_on=version,
                **spec.fields,
            )
            self.orders_sent += 1
            self.log.info(
                "order",
                order_id=order.order_id,
                action=order.action,
                venue=spec.venue,
                kind=spec.kind.__name__,
                **spec.fields,
            )
            return (orders_topic.TOPIC, order)
        ts, event_id = self.stamp(step)
        done = OrdersDone(
            run_id=self.run_id,
            step=step,
            ts=ts,
            source=self.source,
            event_id=event_id,
            based_on=version,
        )
        return (orders_topic.TOPIC, done)
