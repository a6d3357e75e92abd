"""One CEX venue through ccxt's async API, in Carry's terms.

Symbols are Carry's (`BTCUSDT`, kind `spot` or `perp`); amounts are base units (OKX
swap contracts are converted here); every failure is a `VenueError` of Carry's
taxonomy, retried with backoff when it is transient; secrets never reach a message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.adapters.client import capabilities, make_exchange
from services.adapters.errors import ORDER_NOT_FOUND, VenueError, translate
from services.config.live import LiveVenue
from services.live.retry import with_retries
from services.live.secrets import Secrets

T = TypeVar("T")
MS = 1_000_000


@dataclass(frozen=True)
class OrderState:
    """An order as the venue reports it (amounts in base units)."""

    id: str
    client_id: str
    status: str
    amount: float
    filled: float
    average: float
    timestamp_ms: int


@dataclass(frozen=True)
class TradeFee:
    """The fees of an order's fills, in one asset."""

    asset: str
    amount: float


@dataclass(frozen=True)
class PerpPosition:
    """A perp position: signed size in base units and entry price."""

    size: float
    entry: float


@dataclass(frozen=True)
class FundingPayment:
    """A funding payment (`amount` > 0: received), with the venue's own id."""

    id: str
    symbol: str
    amount: float
    timestamp_ms: int


class CexAdapter:
    """Carry's calls to one CEX venue.

    Args:
        venue: the venue name (position-key prefix).
        spec: its venues-file entry.
        secrets: its credentials.
        attempts: tries per call (transient failures only).
        backoff_s: first retry delay.
    """

    def __init__(
        self,
        venue: str,
        spec: LiveVenue,
        secrets: Secrets,
        attempts: int = 4,
        backoff_s: float = 0.5,
    ) -> None:
        self.venue = venue
        self.spec = spec
        self.caps = capabilities(venue, spec)
        self.secrets = secrets
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.exchange = make_exchange(venue, spec, secrets)

    # -- plumbing -----------------------------------------------------------------
    async def once(self, call: Callable[[], Awaitable[T]]) -> T:
        """One attempt, failures translated."""
        try:
            return await call()
        except VenueError:
            raise
        except Exception as e:  # noqa: BLE001 - every ccxt and transport failure is translated
            raise translate(e, self.venue, self.caps.error_codes, self.secrets.values) from None

    async def call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call` with bounded retries."""
        return await with_retries(
            lambda: self.once(call), self.attempts, self.backoff_s, f"{self.venue}.{what}"
        )

    async def load(self) -> None:
        """Load the markets (once)."""
        await self.call("load_markets", self.exchange.load_markets)

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.exchange.close()

    def symbol(self, kind: str, symbol: str) -> str:
        """ccxt's unified symbol for Carry's (`BTC/USDT`, `BTC/USDT:USDT`)."""
        base = symbol.removesuffix("USDT")
        return f"{base}/USDT:USDT" if kind == "perp" else f"{base}/USDT"

    def _contract(self, unified: str) -> float:
        market = self.exchange.markets.get(unified, {})
        return float(market.get("contractSize") or 1.0) if market.get("contract") else 1.0

    # -- market data ----------------------------------------------------------------
    async def server_time_ms(self) -> int:
        """The venue's clock."""
        return int(await self.call("fetch_time", self.exchange.fetch_time))

    async def spot_price(self, symbol: str) -> float:
        """Last trade price of a spot market."""
        unified = self.symbol("spot", symbol)
        ticker = await self.call("fetch_ticker", lambda: self.exchange.fetch_ticker(unified))
        return float(ticker["last"])

    async def perp_quote(self, symbol: str) -> tuple[float, float, int]:
        """Mark price, current funding rate and next funding time (ms) of a perp (the mark
        from the ticker where the funding endpoint does not carry it)."""
        unified = self.symbol("perp", symbol)
        rate = await self.call(
            "fetch_funding_rate", lambda: self.exchange.fetch_funding_rate(unified)
        )
        mark = rate.get("markPrice")
        if not mark:
            ticker = await self.call("fetch_ticker", lambda: self.exchange.fetch_ticker(unified))
            mark = ticker.get("markPrice") or ticker["last"]
        return (
            float(mark),
            float(rate.get("fundingRate") or 0.0),
            int(rate.get("fundingTimestamp") or 0),
        )

    async def settled_rates(self, symbol: str, since_ms: int) -> dict[int, float]:
        """Funding rates settled since `since_ms`, by settlement time (ms)."""
        unified = self.symbol("perp", symbol)
        rows = await self.call(
            "fetch_funding_rate_history",
            lambda: self.exchange.fetch_funding_rate_history(unified, since_ms, 100),
        )
        return {
            int(r["timestamp"]): float(r["fundingRate"]) for r in rows if r["timestamp"] >= since_ms
        }

    async def ohlcv(
        self, kind: str, symbol: str, since_ms: int, limit: int, price: str = ""
    ) -> list[list[float]]:
        """Hourly candles from `since_ms` (price `mark` for mark-price candles)."""
        unified = self.symbol(kind, symbol)
        params = {"price": price} if price else {}
        return list(
            await self.call(
                "fetch_ohlcv",
                lambda: self.exchange.fetch_ohlcv(unified, "1h", since_ms, limit, params),
            )
        )

    # -- account --------------------------------------------------------------------
    async def balance(self, params: dict[str, Any]) -> dict[str, Any]:
        """Raw `fetch_balance` of one account."""
        return dict(
            await self.call("fetch_balance", lambda: self.exchange.fetch_balance(dict(params)))
        )

    async def positions(self, symbols: list[str]) -> dict[str, PerpPosition]:
        """Perp positions of `symbols` (missing ones are flat)."""
        unified = [self.symbol("perp", s) for s in symbols]
        rows = await self.call("fetch_positions", lambda: self.exchange.fetch_positions(unified))
        out = {s: PerpPosition(0.0, 0.0) for s in symbols}
        for row in rows:
            symbol = row["symbol"].split("/")[0] + "USDT"
            if symbol not in out:
                continue
            size = float(row.get("contracts") or 0.0) * float(row.get("contractSize") or 1.0)
            if row.get("side") == "short":
                size = -size
            out[symbol] = PerpPosition(size, float(row.get("entryPrice") or 0.0))
        return out

    async def funding_payments(self, symbol: str, since_ms: int) -> list[FundingPayment]:
        """Funding the venue paid (> 0) or charged on a perp since `since_ms`."""
        unified = self.symbol("perp", symbol)
        rows = await self.call(
            "fetch_funding_history",
            lambda: self.exchange.fetch_funding_history(unified, since_ms, 100),
        )
        return [
            FundingPayment(
                str(r["id"]),
                symbol,
                self.caps.funding_sign * float(r["amount"]),
                int(r["timestamp"]),
            )
            for r in rows
            if int(r["timestamp"]) >= since_ms
        ]

    # -- orders ---------------------------------------------------------------------
    async def create(
        self,
        kind: str,
        symbol: str,
        side: str,
        amount: float,
        client_id: str,
        reduce_only: bool = False,
        limit_price: float = 0.0,
    ) -> None:
        """Send one order, once (no retry: the caller resolves an unknown outcome)."""
        unified = self.symbol(kind, symbol)
        params: dict[str, Any] = {"clientOrderId": client_id}
        if reduce_only:
            params["reduceOnly"] = True
        size = amount / self._contract(unified)
        order_type = "limit" if limit_price else "market"
        await self.once(
            lambda: self.exchange.create_order(
                unified, order_type, side, size, limit_price or None, params
            )
        )

    async def lookup(self, kind: str, symbol: str, client_id: str) -> OrderState | None:
        """The order with `client_id`, or None if the venue has none."""
        unified = self.symbol(kind, symbol)
        ex = self.exchange
        if self.caps.lookup_by_link_id:
            params = {"orderLinkId": client_id}
            rows = await self.call(
                "fetch_open_orders", lambda: ex.fetch_open_orders(unified, None, None, dict(params))
            )
            if not rows:
                rows = await self.call(
                    "fetch_canceled_and_closed_orders",
                    lambda: ex.fetch_canceled_and_closed_orders(unified, None, None, dict(params)),
                )
            rows = [r for r in rows if r.get("clientOrderId") == client_id]
            return self._state(unified, rows[0]) if rows else None
        try:
            row = await self.call(
                "fetch_order", lambda: ex.fetch_order(None, unified, {"clientOrderId": client_id})
            )
        except VenueError as e:
            if e.kind == ORDER_NOT_FOUND:
                return None
            raise
        return self._state(unified, row)

    def _state(self, unified: str, row: dict[str, Any]) -> OrderState:
        ct = self._contract(unified)
        return OrderState(
            id=str(row["id"]),
            client_id=str(row.get("clientOrderId") or ""),
            status=str(row.get("status") or "open"),
            amount=float(row.get("amount") or 0.0) * ct,
            filled=float(row.get("filled") or 0.0) * ct,
            average=float(row.get("average") or row.get("price") or 0.0),
            timestamp_ms=int(row.get("timestamp") or 0),
        )

    async def fees(self, kind: str, symbol: str, order: OrderState) -> list[TradeFee]:
        """The fees of `order`'s fills, per asset."""
        unified = self.symbol(kind, symbol)
        trades = await self.call(
            "fetch_my_trades",
            lambda: self.exchange.fetch_my_trades(unified, max(order.timestamp_ms - 1, 0), 100),
        )
        totals: dict[str, float] = {}
        for t in trades:
            if str(t.get("order")) != order.id or not t.get("fee"):
                continue
            fee = t["fee"]
            totals[fee["currency"]] = totals.get(fee["currency"], 0.0) + float(fee["cost"] or 0.0)
        return [TradeFee(a, v) for a, v in sorted(totals.items())]

    async def cancel(self, kind: str, symbol: str, client_id: str) -> None:
        """Cancel the open order with `client_id`."""
        unified = self.symbol(kind, symbol)
        params = (
            {"orderLinkId": client_id}
            if self.caps.lookup_by_link_id
            else {"clientOrderId": client_id}
        )
        await self.call(
            "cancel_order", lambda: self.exchange.cancel_order(None, unified, dict(params))
        )

    async def open_orders(self, kind: str, symbol: str) -> list[OrderState]:
        """Open orders of one market."""
        unified = self.symbol(kind, symbol)
        rows = await self.call(
            "fetch_open_orders", lambda: self.exchange.fetch_open_orders(unified)
        )
        return [self._state(unified, r) for r in rows]

    # -- funds ----------------------------------------------------------------------
    async def transfer(self, asset: str, amount: float, source: str, target: str) -> None:
        """Move funds between two accounts of this venue (ccxt account names)."""
        await self.call("transfer", lambda: self.exchange.transfer(asset, amount, source, target))

    async def deposit_address(self, asset: str) -> str:
        """Where `asset` is deposited to this venue (on the venue's network)."""
        raw = self.caps.raw_deposit_address
        if raw is not None:
            return await self.call("deposit_address", lambda: raw(self.exchange, asset))
        params = self.caps.deposit_network(self.spec.network)
        row = await self.call(
            "fetch_deposit_address",
            lambda: self.exchange.fetch_deposit_address(asset, dict(params)),
        )
        return str(row["address"])

    async def withdraw(self, asset: str, amount: float, address: str) -> None:
        """Withdraw `asset` from this venue's wallet account to `address`."""
        params = self.caps.network(self.spec.network)
        await self.call(
            "withdraw", lambda: self.exchange.withdraw(asset, amount, address, params=dict(params))
        )
