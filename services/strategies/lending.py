"""Lending modes: supply the wallet's asset to Aave v3 and hold it."""

from __future__ import annotations

from schemas.orders import LendingOrder
from schemas.risk import RiskAssessment
from services.config.params import LendingParams
from services.strategies.base import Book, OrderSpec, Plan
from services.valuation.keys import AAVE, WALLET, cash

MIN_SUPPLY = 1e-6


class LendingStrategy:
    """Supply everything in the wallet; supply again whenever cash appears."""

    def __init__(self, params: LendingParams) -> None:
        self.params = params
        self.entered = False

    def initial_capital(self) -> tuple[str, float]:
        """The capital, in the supplied asset."""
        return self.params.asset, self.params.capital

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter once; afterwards only deploy idle cash (rewards, refunds)."""
        asset = self.params.asset
        idle = book.amount(cash(WALLET, asset))
        if idle <= MIN_SUPPLY or (self.entered and not self.params.rebalance):
            return None
        action = "entry_partial" if self.entered else "entry_full"
        self.entered = True

        def supply(book: Book) -> OrderSpec | None:
            amount = book.amount(cash(WALLET, asset))
            if amount <= MIN_SUPPLY:
                return None
            return OrderSpec(
                LendingOrder, AAVE, {"operation": "supply", "asset": asset, "amount": amount}
            )

        return Plan(action, [supply])
