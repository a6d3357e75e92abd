"""Lending modes: supply the wallet's asset to Aave v3 and hold it."""

from __future__ import annotations

from schemas.orders import LendingOrder
from schemas.risk import RiskAssessment
from services.aave_venue.ops import holding_key
from services.config.params import EthLendingParams, LendingParams
from services.strategies.base import Book, OrderSpec, Plan
from services.valuation.keys import AAVE

MIN_SUPPLY = 1e-6


class LendingStrategy:
    """Supply everything in the wallet beyond the gas reserve; supply again when cash
    appears (with rebalancing on)."""

    def __init__(self, params: LendingParams | EthLendingParams, share_class: str) -> None:
        self.params = params
        self.share_class = share_class
        self.wallet = holding_key(params.asset)
        self.reserve = params.gas_reserve if params.costs else 0.0
        self.entered = False

    def initial_capital(self) -> tuple[str, float]:
        """The capital, in the share class."""
        return self.share_class, self.params.capital

    def _idle(self, book: Book) -> float:
        return book.amount(self.wallet) - self.reserve

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter once; afterwards only deploy idle cash."""
        if self._idle(book) <= MIN_SUPPLY or (self.entered and not self.params.rebalance):
            return None
        action = "entry_partial" if self.entered else "entry_full"
        self.entered = True
        asset = self.params.asset

        def supply(book: Book) -> OrderSpec | None:
            amount = self._idle(book)
            if amount <= MIN_SUPPLY:
                return None
            return OrderSpec(
                LendingOrder, AAVE, {"operation": "supply", "asset": asset, "amount": amount}
            )

        return Plan(action, [supply])
