"""Basis modes: long spot, short perps across venues, USDT margin, collect funding.

Targets at equity E: spot quantity Q = s*E/P (s = `spot_allocation`), short per venue
`Q_held * h_v` (h = `hedge_allocation`), margin per venue `(1-s)*E*h_v`. A rebalance
restores the targets: sell spot, withdraw excess margin, top up short margin, buy spot,
then resize the shorts to the spot actually held, so the book stays delta-neutral.
"""

from __future__ import annotations

from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from schemas.risk import REBALANCE, REDUCE, RiskAssessment
from services.cex_venue.fills import slippage_bps
from services.config.params import BasisParams
from services.config.venues import VenueConfig
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.valuation.keys import WALLET, cash, perp

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
        """Cost of buying one USDT of spot in a trade of `notional`, beyond the USDT itself."""
        if not self.p.costs:
            return 0.0
        slip = slippage_bps(self.spot_cfg.slippage_buckets, notional) / 10_000.0
        return (1.0 + slip) * (1.0 + self.spot_cfg.spot_taker_fee) - 1.0

    def _margin_target(self, book: Book, venue: str) -> float:
        return (1.0 - self.p.spot_allocation) * book.equity * self.p.hedge_allocation[venue]

    def _intents(self) -> list[Intent]:
        intents: list[Intent] = [self._sell_spot]
        intents += [self._margin_out(v) for v in self.venues]
        intents += [self._margin_in(v) for v in self.venues]
        intents.append(self._buy_spot)
        intents += [self._resize_short(v) for v in self.venues]
        return intents

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

    def _margin_out(self, venue: str) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            excess = book.amount(cash(venue, "USDT")) - self._margin_target(book, venue)
            if excess < MIN_NOTIONAL:
                return None
            return OrderSpec(
                TransferOrder,
                venue,
                {"asset": "USDT", "from_account": venue, "to_account": WALLET, "amount": excess},
            )

        return intent

    def _margin_in(self, venue: str) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            deficit = self._margin_target(book, venue) - book.amount(cash(venue, "USDT"))
            spare = book.amount(cash(WALLET, "USDT")) - self._spot_need(book)
            amount = min(deficit, spare)
            if amount < MIN_NOTIONAL:
                return None
            return OrderSpec(
                TransferOrder,
                venue,
                {"asset": "USDT", "from_account": WALLET, "to_account": venue, "amount": amount},
            )

        return intent

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

    def _resize_short(self, venue: str) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            target = -book.amount(self.spot_key) * self.p.hedge_allocation[venue]
            change = target - book.amount(perp(venue, self.symbol))
            if abs(change) * self._price(book) < MIN_NOTIONAL:
                return None
            side = "buy" if change > 0 else "sell"
            return OrderSpec(
                PerpOrder, venue, {"symbol": self.symbol, "side": side, "quantity": abs(change)}
            )

        return intent
