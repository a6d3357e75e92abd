"""Binance's public endpoints in the rehearsal server: instruments, tickers, candles, funding."""

from __future__ import annotations

from typing import Any

from services.rehearsal.book import Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.wire import num
from services.runtime.clock import HOUR_NS


class BinanceMarket(Dialect):
    """Public market data in Binance's shapes."""

    # -- market data ----------------------------------------------------------------
    def _instruments(self, kind: str) -> list[Instrument]:
        return [i for i in self.book.market.of(self.book.venue) if i.kind == kind]

    def time(self, p: dict[str, str]) -> dict[str, Any]:
        """Server time."""
        return {"serverTime": ms(self.book.now())}

    def exchange_info(self, kind: str, p: dict[str, str]) -> dict[str, Any]:
        """Markets with fine lot sizes (a backtest has none)."""
        symbols = []
        for i in self._instruments(kind):
            entry: dict[str, Any] = {
                "symbol": i.symbol,
                "status": "TRADING",
                "baseAsset": i.base,
                "quoteAsset": "USDT",
                "orderTypes": ["LIMIT", "MARKET"],
                "baseAssetPrecision": 8,
                "quotePrecision": 8,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": "0.01",
                        "maxPrice": "10000000",
                        "tickSize": "0.01",
                    },
                    {
                        "filterType": "LOT_SIZE",
                        "minQty": "0.00000001",
                        "maxQty": "100000",
                        "stepSize": "0.00000001",
                    },
                    {"filterType": "NOTIONAL", "minNotional": "5"},
                ],
            }
            if kind == "perp":
                entry.update(
                    contractType="PERPETUAL",
                    marginAsset="USDT",
                    pricePrecision=2,
                    quantityPrecision=8,
                )
            symbols.append(entry)
        return {"timezone": "UTC", "serverTime": ms(self.book.now()), "symbols": symbols}

    def tickers(self, kind: str, p: dict[str, str]) -> Any:
        """24h tickers: last, bid, ask at the recorded close."""
        now = self.book.now()
        rows = []
        for i in self._instruments(kind):
            if p.get("symbol") not in (None, i.symbol):
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            rows.append(
                {
                    "symbol": i.symbol,
                    "lastPrice": fmt(price),
                    "bidPrice": fmt(price),
                    "askPrice": fmt(price),
                    "bidQty": "1",
                    "askQty": "1",
                    "openPrice": fmt(price),
                    "highPrice": fmt(high),
                    "lowPrice": fmt(low),
                    "volume": "0",
                    "quoteVolume": "0",
                    "closeTime": ms(now),
                }
            )
        if "symbol" in p:
            if not rows:
                raise Reject("invalid_order", f"Invalid symbol {p['symbol']}")
            return rows[0]
        return rows

    def klines(self, kind: str, p: dict[str, str]) -> list[list[Any]]:
        """Hourly candles of the recorded series up to the current hour."""
        i = self.instrument(kind, p.get("symbol", ""))
        if p.get("interval", "1h") != "1h":
            raise Reject("invalid_order", "this rehearsal serves 1h candles only")
        start = int(num(p, "startTime", 0)) * 1_000_000
        end = int(num(p, "endTime", 0)) * 1_000_000 or self.book.now()
        rows = self.book.market.closed_candles(
            i, start, end, self.book.now(), int(num(p, "limit", 500))
        )
        return [
            [t, o, h, lo, c, "0", t + HOUR_NS // 1_000_000 - 1, "0", 0, "0", "0", "0"]
            for t, o, h, lo, c in rows
        ]

    def premium_index(self, p: dict[str, str]) -> Any:
        """Mark, index, last funding rate and next funding time."""
        now = self.book.now()
        rows = []
        for i in self._instruments("perp"):
            if p.get("symbol") not in (None, i.symbol):
                continue
            last = self.book.market.last_funding_at(now)
            rate = self.book.market.funding_rate(i, last) or 0.0
            price = self.book.market.price(i, now)
            rows.append(
                {
                    "symbol": i.symbol,
                    "markPrice": fmt(price),
                    "indexPrice": fmt(price),
                    "lastFundingRate": fmt(rate),
                    "interestRate": "0.0001",
                    "nextFundingTime": ms(last + 8 * HOUR_NS),
                    "time": ms(now),
                }
            )
        return rows[0] if "symbol" in p and rows else rows

    def funding_history(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Settled funding rates between startTime and endTime."""
        i = self.instrument("perp", p.get("symbol", ""))
        now = self.book.now()
        start = int(num(p, "startTime", 0)) * 1_000_000
        end = min(int(num(p, "endTime", 0)) * 1_000_000 or now, now)
        limit = int(num(p, "limit", 100))
        market = self.book.market
        out: list[dict[str, Any]] = []
        t = max(start, market.start_ns)
        t += (-t) % (8 * HOUR_NS)
        while t <= end and len(out) < limit:
            rate = market.funding_rate(i, t)
            if rate is not None:
                out.append(
                    {
                        "symbol": i.symbol,
                        "fundingRate": fmt(rate),
                        "fundingTime": ms(t),
                        "markPrice": fmt(market.price(i, t)),
                    }
                )
            t += 8 * HOUR_NS
        return out
