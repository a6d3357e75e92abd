"""One rehearsal exchange's books: accounts, orders, fills, perp positions, funding.

Venue-agnostic: a dialect names its accounts (`spot`, `margin`, `funding`) and turns
requests into these calls and `Reject`s into its own error codes. Fills are at the
recorded price moved by the venue's slippage bucket, with its taker fee charged in the
quote asset (USDT), the backtest's cost model. Perp P&L stays unrealised in the
position until it is reduced (average entry price), and funding is paid into the margin
account at 00/08/16 UTC: |size| x mark x rate, received by shorts when the rate is
positive.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from services.cex_venue.fills import market_fill
from services.cex_venue.margin import TierTable
from services.config.venues import VenueConfig
from services.market_data.frame import FUNDING_PERIOD_NS
from services.rehearsal.clock import SimClock
from services.rehearsal.market import Instrument, Market

RejectKind = Literal["insufficient_funds", "invalid_order", "not_found", "duplicate"]
_IDS = itertools.count(1_000_001)


class Reject(Exception):
    """The exchange refuses a request; a dialect maps `kind` to its own error code."""

    def __init__(self, kind: RejectKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class MarginBalance:
    """One asset of the perp margin account; the perps' P&L and margin are in USDT."""

    asset: str
    wallet: float
    upnl: float
    im: float

    @property
    def equity(self) -> float:
        """Wallet balance plus unrealised P&L."""
        return self.wallet + self.upnl

    @property
    def available(self) -> float:
        """Equity less the initial margin held."""
        return self.wallet + self.upnl - self.im


@dataclass
class Order:
    """An order as the exchange keeps it."""

    id: int
    client_id: str
    instrument: Instrument
    side: str
    type: str
    amount: float
    price: float
    reduce_only: bool
    created_ns: int
    status: str = "open"
    filled: float = 0.0
    average: float = 0.0
    fee: float = 0.0
    updated_ns: int = 0


@dataclass
class Fill:
    """One execution of an order."""

    id: int
    order: Order
    price: float
    amount: float
    fee: float
    realized: float
    ns: int


@dataclass
class Position:
    """A perp position: signed size (base units) and average entry price."""

    size: float = 0.0
    entry: float = 0.0


@dataclass
class Payment:
    """A funding payment (positive: received)."""

    id: int
    instrument: Instrument
    amount: float
    rate: float
    ns: int


@dataclass
class Injection:
    """An out-of-band balance change at a recorded time."""

    ns: int
    account: str
    asset: str
    amount: float
    done: bool = False


@dataclass
class Book:
    """The state of one rehearsal exchange.

    Args:
        venue: the venue name.
        market: recorded prices.
        clock: recorded time.
        config: fees, slippage buckets and margin tiers of the venue.
        costs: charge fees and slippage (the run's `costs` switch).
        spot_account: where spot trades settle (`spot` or `margin`).
        deposit_account: where deposits land (`spot` or `funding`).
    """

    venue: str
    market: Market
    clock: SimClock
    config: VenueConfig
    costs: bool = True
    spot_account: str = "spot"
    deposit_account: str = "spot"
    accounts: dict[str, dict[str, float]] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    injections: list[Injection] = field(default_factory=list)
    transfers: list[dict[str, object]] = field(default_factory=list)
    settled_ns: int = -1

    def __post_init__(self) -> None:
        self.tiers = {s: TierTable(t) for s, t in self.config.maintenance_tiers.items()}
        self.settled_ns = self.market.last_funding_at(self.clock.now_ns())

    # -- time ---------------------------------------------------------------------
    def now(self) -> int:
        """Recorded time after settling everything due (funding, injections)."""
        now = self.clock.now_ns()
        self.catch_up(now)
        return now

    def catch_up(self, now: int) -> None:
        """Settle funding at every 00/08/16 boundary and apply injections up to `now`."""
        due = sorted(
            [(i.ns, 1, i) for i in self.injections if not i.done and i.ns <= now]
            + [
                (b, 0, None)
                for b in range(self.settled_ns + FUNDING_PERIOD_NS, now + 1, FUNDING_PERIOD_NS)
            ],
            key=lambda x: (x[0], x[1]),
        )
        for ns, _, inj in due:
            if inj is None:
                self._settle_funding(ns)
                self.settled_ns = ns
            else:
                self.credit(inj.account, inj.asset, inj.amount)
                inj.done = True

    def _settle_funding(self, ns: int) -> None:
        for symbol, pos in sorted(self.positions.items()):
            instrument = self.market.find(self.venue, "perp", symbol)
            if instrument is None or pos.size == 0.0:
                continue
            rate = self.market.funding_rate(instrument, ns)
            if rate is None:
                continue
            amount = -pos.size * self.market.price(instrument, ns) * rate
            self.credit("margin", "USDT", amount)
            self.payments.append(Payment(next(_IDS), instrument, amount, rate, ns))

    # -- balances -----------------------------------------------------------------
    def balance(self, account: str, asset: str) -> float:
        """Wallet balance of `asset` in `account`."""
        return self.accounts.get(account, {}).get(asset, 0.0)

    def credit(self, account: str, asset: str, amount: float) -> None:
        """Change a balance."""
        acct = self.accounts.setdefault(account, {})
        acct[asset] = acct.get(asset, 0.0) + amount

    def unrealized(self, now: int) -> float:
        """Unrealised P&L of every perp at the current mark."""
        total = 0.0
        for symbol, pos in self.positions.items():
            instrument = self.market.find(self.venue, "perp", symbol)
            if instrument is not None and pos.size:
                total += pos.size * (self.market.price(instrument, now) - pos.entry)
        return total

    def margin_balances(self, now: int) -> list[MarginBalance]:
        """The margin account per asset, at the current marks."""
        upnl, im = self.unrealized(now), self.initial_margin(now)
        return [
            MarginBalance(a, w, *((upnl, im) if a == "USDT" else (0.0, 0.0)))
            for a, w in sorted(self.accounts.get("margin", {}).items())
        ]

    def initial_margin(self, now: int, symbol: str = "", size: float = 0.0) -> float:
        """Initial margin of the perps (with `symbol` at `size` if given)."""
        sizes = {s: p.size for s, p in self.positions.items()}
        if symbol:
            sizes[symbol] = size
        total = 0.0
        for s, q in sizes.items():
            instrument = self.market.find(self.venue, "perp", s)
            if instrument is not None and q:
                total += self.tiers[s].initial(abs(q) * self.market.price(instrument, now))
        return total

    def transfer(self, asset: str, amount: float, source: str, target: str) -> dict[str, object]:
        """Move `amount` of `asset` between two of this exchange's accounts."""
        now = self.now()
        if amount <= 0 or self.balance(source, asset) < amount - 1e-9:
            raise Reject(
                "insufficient_funds",
                f"{source} holds {self.balance(source, asset):.8f} {asset} < {amount}",
            )
        if source == "margin" and asset == "USDT":
            left = self.balance("margin", "USDT") - amount + self.unrealized(now)
            if left < self.initial_margin(now) - 1e-9:
                raise Reject("insufficient_funds", "transfer would leave less than initial margin")
        self.credit(source, asset, -amount)
        self.credit(target, asset, amount)
        record = {
            "id": next(_IDS),
            "asset": asset,
            "amount": amount,
            "from": source,
            "to": target,
            "ns": now,
        }
        self.transfers.append(record)
        return record

    # -- orders -------------------------------------------------------------------
    def place(
        self,
        instrument: Instrument,
        side: str,
        type_: str,
        amount: float,
        price: float,
        client_id: str,
        reduce_only: bool = False,
    ) -> Order:
        """Accept an order and fill it if it is marketable; raise `Reject` otherwise."""
        now = self.now()
        if client_id and any(o.client_id == client_id and o.status == "open" for o in self.orders):
            raise Reject("duplicate", f"duplicate client order id {client_id}")
        if amount <= 0 or side not in ("buy", "sell") or type_ not in ("market", "limit"):
            raise Reject("invalid_order", f"invalid order: {side} {type_} {amount}")
        if type_ == "limit" and price <= 0:
            raise Reject("invalid_order", "a limit order needs a positive price")
        order = Order(
            next(_IDS),
            client_id,
            instrument,
            side,
            type_,
            amount,
            price,
            reduce_only,
            now,
            updated_ns=now,
        )
        reference = self.market.price(instrument, now)
        marketable = type_ == "market" or (
            price >= reference if side == "buy" else price <= reference
        )
        if marketable:
            self._fill(order, reference, now)
        self.orders.append(order)
        return order

    def _fill(self, order: Order, reference: float, now: int) -> None:
        inst = order.instrument
        buy = order.side == "buy"
        fee_rate = self.config.spot_taker_fee if inst.kind == "spot" else self.config.perp_taker_fee
        fill = market_fill(
            reference, order.amount, buy, fee_rate, self.config.slippage_buckets, self.costs
        )
        price = fill.price
        if order.type == "limit":
            price = min(price, order.price) if buy else max(price, order.price)
        fee = order.amount * price * fee_rate if self.costs else 0.0
        realized = (
            self._spot(order, price, fee)
            if inst.kind == "spot"
            else self._perp(order, price, fee, reference, now)
        )
        order.status, order.filled, order.average, order.fee = "closed", order.amount, price, fee
        order.updated_ns = now
        self.fills.append(Fill(next(_IDS), order, price, order.amount, fee, realized, now))

    def _spot(self, order: Order, price: float, fee: float) -> float:
        acct, base, q = self.spot_account, order.instrument.base, order.amount
        if order.side == "buy":
            cost = q * price + fee
            if self.balance(acct, "USDT") < cost - 1e-9 * max(1.0, cost):
                raise Reject(
                    "insufficient_funds", "Account has insufficient balance for requested action."
                )
            self.credit(acct, "USDT", -cost)
            self.credit(acct, base, q)
        else:
            if self.balance(acct, base) < q - 1e-9 * max(1.0, q):
                raise Reject(
                    "insufficient_funds", "Account has insufficient balance for requested action."
                )
            self.credit(acct, base, -q)
            self.credit(acct, "USDT", q * price - fee)
        return 0.0

    def _perp(self, order: Order, price: float, fee: float, reference: float, now: int) -> float:
        symbol = order.instrument.symbol
        pos = self.positions.setdefault(symbol, Position())
        signed = order.amount if order.side == "buy" else -order.amount
        new = pos.size + signed
        if order.reduce_only and (pos.size == 0 or abs(new) > abs(pos.size) or new * pos.size < 0):
            raise Reject("invalid_order", "ReduceOnly Order is rejected.")
        if abs(new) > abs(pos.size):
            notional = abs(new) * reference
            if notional > self.tiers[symbol].max_notional:
                raise Reject("invalid_order", f"notional {notional:.0f} above the largest tier")
            slip = abs(price - reference) * order.amount
            equity = self.balance("margin", "USDT") + self.unrealized(now) - fee - slip
            required = self.initial_margin(now, symbol, new)
            if required > equity + 1e-9 * max(1.0, required):
                raise Reject("insufficient_funds", "Margin is insufficient.")
        realized = 0.0
        if (pos.size and new * pos.size <= 0) or abs(new) < abs(pos.size):
            closed = min(abs(signed), abs(pos.size))
            realized = closed * (price - pos.entry) * (1.0 if pos.size > 0 else -1.0)
        if new == 0.0 or abs(new) < 1e-12:
            pos.size, pos.entry = 0.0, 0.0
        elif pos.size == 0.0 or new * pos.size < 0:
            pos.size, pos.entry = new, price
        elif abs(new) > abs(pos.size):
            pos.entry = (pos.entry * abs(pos.size) + price * abs(signed)) / abs(new)
            pos.size = new
        else:
            pos.size = new
        self.credit("margin", "USDT", realized - fee)
        return realized

    def find_order(self, order_id: int | None = None, client_id: str = "") -> Order:
        """An order by exchange id or client id; raise `Reject('not_found')`."""
        self.now()
        for o in reversed(self.orders):
            if (order_id is not None and o.id == order_id) or (
                client_id and o.client_id == client_id
            ):
                return o
        raise Reject("not_found", "Order does not exist.")

    def cancel(self, order_id: int | None = None, client_id: str = "") -> Order:
        """Cancel an open order."""
        order = self.find_order(order_id, client_id)
        if order.status != "open":
            raise Reject("not_found", "Unknown order sent.")
        order.status = "canceled"
        order.updated_ns = self.clock.now_ns()
        return order

    def open_orders(self, instrument: Instrument | None = None) -> list[Order]:
        """Resting orders (of one instrument)."""
        self.now()
        return [
            o
            for o in self.orders
            if o.status == "open" and (instrument is None or o.instrument == instrument)
        ]
