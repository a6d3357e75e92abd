"""What strategies share: the book they read, intents, and the strategy protocol.

A plan is a list of intents. The manager resolves them one at a time against the
latest exposure (the "tight loop"), so each order is sized on the ledger as it is
after the previous execution, not on a stale estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from schemas.exposure import ExposureReport, Holding
from schemas.orders import OrderBase
from schemas.risk import RiskAssessment


class Book:
    """Read-only view of an exposure report: amounts and prices by key."""

    def __init__(self, report: ExposureReport) -> None:
        self.report = report
        self.equity = report.equity
        self._by_key: dict[str, Holding] | None = None

    def _holding(self, key: str) -> Holding | None:
        by_key = self._by_key
        if by_key is None:
            by_key = self._by_key = {h.key: h for h in self.report.holdings}
        return by_key.get(key)

    def amount(self, key: str) -> float:
        """Native amount held under `key` (0 if none)."""
        h = self._holding(key)
        return h.amount if h is not None else 0.0

    def asset_price(self, asset: str) -> float:
        """Share-class price of `asset` at this step."""
        return self.report.asset_prices[asset]

    def value(self, key: str) -> float:
        """Share-class value held under `key` (0 if none)."""
        h = self._holding(key)
        return h.value if h is not None else 0.0

    def delta(self, key: str) -> float:
        """Exposure of `key` in units of its asset (0 if none)."""
        h = self._holding(key)
        return h.delta if h is not None else 0.0

    @property
    def gas_gwei(self) -> float:
        """The step's gas price."""
        return self.report.gas_gwei


class OrderSpec(NamedTuple):
    """An order to send: its type and its specific fields (the manager adds the rest).

    `action` overrides the plan's action for this order (e.g. `sell_dust` inside a
    rebalance).
    """

    kind: type[OrderBase]
    venue: str
    fields: dict[str, Any]
    action: str = ""


Intent = Callable[[Book], OrderSpec | None]
"""Resolves to an order on the current book, or None when nothing needs doing."""


class Plan(NamedTuple):
    """One of the five standard actions and its intents, in execution order."""

    action: str
    intents: list[Intent]


class Strategy(Protocol):
    """A mode's decision logic."""

    def initial_capital(self) -> tuple[str, float]:
        """Asset and amount seeded into the wallet at step 0."""
        ...

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """What to do at the settled phase of `step` (None: nothing)."""
        ...
