"""Directional modes: a BTC perp long or short following a signal file.

At each step the latest signal at or before the step (and not older than
`signal_staleness_hours`) decides: long or short at or above `confidence_threshold`,
flat otherwise. The position is resized only when a new signal row arrives: notional =
equity x `max_leverage` x confidence (a change of less than `RESIZE_BAND` of the held
size on the same side is left alone: daily confidence wiggles would only pay fees). It is
closed when the price (the venue's BTC spot close, the valuation price) moves
`stop_loss_sd` signal sds against the entry step's price or `take_profit_sd` in favour,
or when the risk monitor asks to reduce; it stays flat until the next signal row.

USDT margin: USDT capital, all of it posted at the venue as margin.
BTC margin: BTC capital and share class. The simulated venue has USDT-margined perps
only, so the mode keeps its BTC at the venue and swaps out of BTC just the USDT margin a
position needs (half its notional, a margin ratio of 0.5), swapping it back when the
position shrinks. Unlike a coin-margined (inverse) contract, the perp's P&L accrues in
USDT and is turned back into BTC only when margin is released; the summary says so.
"""

from __future__ import annotations

from bisect import bisect_right

from schemas.orders import PerpOrder, SpotOrder, TransferOrder
from schemas.risk import REDUCE, RiskAssessment
from services.config.params import DirectionalParams
from services.config.venues import VenueConfig
from services.signals.file import Signal, SignalFile
from services.strategies.base import Book, Intent, OrderSpec, Plan
from services.strategies.hedging import spot_unit_cost
from services.valuation.keys import WALLET, cash, perp

MIN_NOTIONAL = 10.0
"""Smallest trade or transfer (USDT) worth sending."""
BTC_MARGIN_RATIO = 0.5
"""USDT margin per unit of notional the BTC-margin mode swaps out of BTC."""
SIDES = {"long": 1.0, "short": -1.0}
RESIZE_BAND = 0.2
"""Same-side resizes smaller than this fraction of the held size are skipped."""


class DirectionalStrategy:
    """Follows a signal file with a BTC perp on one venue."""

    def __init__(
        self, params: DirectionalParams, signals: SignalFile, venues: dict[str, VenueConfig]
    ) -> None:
        self.p = params
        self.rows = signals.rows
        self.times = [r.ts for r in signals.rows]
        self.btc_margin = params.margin == "BTC"
        self.perp_key = perp(params.venue, "BTCUSDT")
        self.venue_usdt = cash(params.venue, "USDT")
        self.venue_btc = cash(params.venue, "BTC")
        self.spot_cfg = venues[params.venue]
        self.staleness_ns = int(params.signal_staleness_hours * 3_600_000_000_000)
        self.followed = -1
        """Timestamp of the signal row the position follows (-1: none yet)."""
        self.entry = 0.0
        self.sd = 0.0

    def initial_capital(self) -> tuple[str, float]:
        """USDT or BTC capital."""
        return self.p.margin, self.p.capital

    def _signal(self, now: int) -> Signal | None:
        i = bisect_right(self.times, now) - 1
        if i < 0 or now - self.rows[i].ts > self.staleness_ns:
            return None
        return self.rows[i]

    @staticmethod
    def _price(book: Book) -> float:
        """BTC in USDT: the valuation price of BTC (or 1 / the BTC price of USDT)."""
        if book.report.share_class == "BTC":
            return 1.0 / book.asset_price("USDT")
        return book.asset_price("BTC")

    def plan(self, step: int, book: Book, risk: RiskAssessment) -> Plan | None:
        """Follow a new signal row; close on stop-loss, take-profit or a reduce."""
        price = self._price(book)
        held = book.amount(self.perp_key)
        signal = self._signal(book.report.ts)
        if held and self._stopped(held, price, risk):
            return Plan("exit_full", self._intents(0.0, price))
        row_ts = signal.ts if signal is not None else -1
        if row_ts == self.followed or (signal is None and not held):
            return None
        self.followed = row_ts
        side = SIDES.get(signal.signal, 0.0) if signal is not None else 0.0
        if signal is None or signal.confidence < self.p.confidence_threshold:
            side = 0.0
        equity_usdt = book.equity * (price if self.btc_margin else 1.0)
        target = 0.0
        if side and signal is not None:
            target = side * equity_usdt * self.p.max_leverage * signal.confidence / price
            self.entry, self.sd = price, signal.sd
        if abs(target - held) * price < MIN_NOTIONAL:
            return None
        if target * held > 0 and abs(target - held) < RESIZE_BAND * abs(held):
            return None
        if target == 0.0:
            action = "exit_full"
        elif held == 0.0:
            action = "entry_full"
        else:
            action = "entry_partial" if abs(target) > abs(held) else "exit_partial"
        return Plan(action, self._intents(target, price))

    def _stopped(self, held: float, price: float, risk: RiskAssessment) -> bool:
        if risk.required_action == REDUCE or not self.entry:
            return risk.required_action == REDUCE
        move = (price / self.entry - 1.0) * (1.0 if held > 0 else -1.0)
        return move <= -self.p.stop_loss_sd * self.sd or move >= self.p.take_profit_sd * self.sd

    def _intents(self, target: float, price: float) -> list[Intent]:
        margin = abs(target) * price * BTC_MARGIN_RATIO
        if not self.btc_margin:
            return [self._margin_in(None), self._resize(target)]
        return [
            self._btc_to_venue,
            self._sell_btc(margin),
            self._margin_in(margin),
            self._resize(target),
            self._margin_out(margin),
            self._buy_btc,
        ]

    def _transfer(self, asset: str, source: str, dest: str, amount: float) -> OrderSpec:
        return OrderSpec(
            TransferOrder,
            self.p.venue,
            {"asset": asset, "from_account": source, "to_account": dest, "amount": amount},
        )

    def _btc_to_venue(self, book: Book) -> OrderSpec | None:
        amount = book.amount(cash(WALLET, "BTC"))
        if amount * self._price(book) < MIN_NOTIONAL:
            return None
        return self._transfer("BTC", WALLET, self.p.venue, amount)

    def _sell_btc(self, margin: float) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            price = self._price(book)
            usdt = book.amount(self.venue_usdt) + book.amount(cash(WALLET, "USDT"))
            need = margin - usdt
            if need < MIN_NOTIONAL:
                return None
            quantity = min(need * (1.0 + self._cost(need)) / price, book.amount(self.venue_btc))
            return OrderSpec(
                SpotOrder, self.p.venue, {"symbol": "BTCUSDT", "side": "sell", "quantity": quantity}
            )

        return intent

    def _margin_in(self, margin: float | None) -> Intent:
        """Move wallet USDT to the venue (up to `margin` there; None: all of it)."""

        def intent(book: Book) -> OrderSpec | None:
            wallet = book.amount(cash(WALLET, "USDT"))
            amount = (
                wallet if margin is None else min(wallet, margin - book.amount(self.venue_usdt))
            )
            if amount < MIN_NOTIONAL:
                return None
            return self._transfer("USDT", WALLET, self.p.venue, amount)

        return intent

    def _resize(self, target: float) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            change = target - book.amount(self.perp_key)
            if abs(change) * self._price(book) < MIN_NOTIONAL:
                return None
            side = "buy" if change > 0 else "sell"
            return OrderSpec(
                PerpOrder,
                self.p.venue,
                {"symbol": "BTCUSDT", "side": side, "quantity": abs(change)},
            )

        return intent

    def _margin_out(self, margin: float) -> Intent:
        def intent(book: Book) -> OrderSpec | None:
            excess = book.amount(self.venue_usdt) - margin
            if excess < MIN_NOTIONAL:
                return None
            return self._transfer("USDT", self.p.venue, WALLET, excess)

        return intent

    def _buy_btc(self, book: Book) -> OrderSpec | None:
        wallet = book.amount(cash(WALLET, "USDT"))
        price = self._price(book)
        quantity = wallet / (price * (1.0 + self._cost(wallet)))
        if quantity * price < MIN_NOTIONAL:
            return None
        return OrderSpec(
            SpotOrder, self.p.venue, {"symbol": "BTCUSDT", "side": "buy", "quantity": quantity}
        )

    def _cost(self, notional: float) -> float:
        return spot_unit_cost(self.spot_cfg, notional, self.p.costs)
