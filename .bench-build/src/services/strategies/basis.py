"""Basis modes: long spot, short perps across venues, USDT margin, collect funding.

Targets at equity E: spot quantity Q = s*E/P (s = `spot_allocation`), short per venue
`Q_held * h_v` (h = `hedge_allocation`), margin per venue `(1-s)*E*h_v`. A rebalance
restores the targets: sell spot, withdraw excess margin, top up short margin, buy spot,
then resize the shorts to the spot actually held, so the book stays delta-neutral.
"""

from __future__ import annotations

from functools import partial

from schemas.orders import SpotOrder
from schemas.risk import REBALANCE, REDUCE, RiskAssessment
from services.config.params import BasisParams
from services.config.venues import VenueConfig
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.strategies.hedging import margin_in, margin_out, resize_short, spot_unit_cost
from services.valuation.keys import WALLET, cash

MIN_NOTIONAL = 10.0
"""Smallest trade or transfer (USDT) worth sending."""


class BasisStrategy:
    """Delta-neutral basis trade with collateral rebalancing."""

    def __init__(self, params: BasisParams, venues: dict[str, VenueConfig]) -> None:
        self.p = params
        self.symbol = f"{params.asset}USDT"
        self.spot_key = cash(params.spot_venue, params.asset)
        self.venues = sorted(params.hedge_allocation)
        self.spot_cfg = venues[params.spot_venue]
        self.entered = False
        self.anchor = 0.0

    def initial_capital(self) -> tuple[str, float]:
        """USDT capital."""
        return "USDT", self.p.capital

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Enter at step 0; then rebalance on an equity move or a risk breach."""
        if not self.entered:
            self.entered = True
            self.anchor = book.equity
            return Plan("entry_full", self._intents())
        if not self.p.rebalance:
            return None
        moved = abs(book.equity / self.anchor - 1.0) > self.p.position_deviation_threshold
        if not (moved or risk.required_action in (REDUCE, REBALANCE)):
            return None
        self.anchor = book.equity
        target = self._target_spot(book)
        action = "exit_partial" if target < book.amount(self.spot_key) else "entry_partial"
        return Plan(action, self._intents())

    def _price(self, book: Book) -> float:
        return book.asset_price(self.p.asset)

    def _target_spot(self, book: Book) -> float:
        return self.p.spot_allocation * book.equity / self._price(book)

    def _unit_cost(self, notional: float) -> float:
        return spot_unit_cost(self.spot_cfg, notional, self.p.costs)

    def _margin_target(self, book: Book, venue: str) -> float:
        return (1.0 - self.p.spot_allocation) * book.equity * self.p.hedge_allocation[venue]

    def _intents(self) -> list[Intent]:
        intents: list[Intent] = [self._sell_spot]
        intents += [
            margin_out(v, partial(self._margin_target, venue=v), MIN_NOTIONAL) for v in self.venues
        ]
        intents += [
            margin_in(v, partial(self._margin_target, venue=v), self._spare, MIN_NOTIONAL)
            for v in self.venues
        ]
        intents.append(self._buy_spot)
        intents += [
            resize_short(v, self.p.asset, self.p.hedge_allocation[v], self._held, MIN_NOTIONAL)
            for v in self.venues
        ]
        return intents

    def _held(self, book: Book) -> float:
        return book.amount(self.spot_key)

    def _spare(self, book: Book) -> float:
        return book.amount(cash(WALLET, "USDT")) - self._spot_need(book)

    def _sell_spot(self, book: Book) -> OrderSpec | None:
        excess = book.amount(self.spot_key) - self._target_spot(book)
        if excess * self._price(book) < MIN_NOTIONAL:
            return None
        return OrderSpec(
            SpotOrder,
            self.p.spot_venue,
            {"symbol": self.symbol, "side": "sell", "quantity": excess},
        )

    def _spot_need(self, book: Book) -> float:
        notional = max(self._target_spot(book) - book.amount(self.spot_key), 0.0) * self._price(
            book
        )
        return notional * (1.0 + self._unit_cost(notional))

    def _buy_spot(self, book: Book) -> OrderSpec | None:
        price = self._price(book)
        missing = self._target_spot(book) - book.amount(self.spot_key)
        # Sized with the slippage bucket of the whole wallet: never below the trade's own.
        wallet = book.amount(cash(WALLET, "USDT"))
        affordable = wallet / (price * (1.0 + self._unit_cost(wallet)))
        quantity = min(missing, affordable)
        if quantity * price < MIN_NOTIONAL:
            return None
        return OrderSpec(
            SpotOrder,
            self.p.spot_venue,
            {"symbol": self.symbol, "side": "buy", "quantity": quantity},
        )
