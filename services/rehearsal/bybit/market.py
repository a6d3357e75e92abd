"""Bybit's public endpoints in the rehearsal server: instruments, tickers, candles, funding."""

from __future__ import annotations

from typing import Any

from services.rehearsal.book import Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.wire import num
from services.runtime.clock import HOUR_NS

CATEGORY = {"spot": "spot", "linear": "perp"}


class BybitMarket(Dialect):
    """Public market data in Bybit's shapes."""

    def _kind(self, p: dict[str, str]) -> str:
        category = p.get("category", "linear")
        if category not in CATEGORY:
            raise Reject("invalid_order", f"unsupported category {category}")
        return CATEGORY[category]

    def _of(self, kind: str) -> list[Instrument]:
        return [i for i in self.book.market.of(self.book.venue) if i.kind == kind]

    def time(self, p: dict[str, str]) -> dict[str, Any]:
        """Server time (also the envelope's `time`)."""
        now = self.book.now()
        return {"timeSecond": str(now // 1_000_000_000), "timeNano": str(now)}

    def instruments(self, p: dict[str, str]) -> dict[str, Any]:
        """Spot and linear instruments (fine lot sizes)."""
        kind = self._kind(p)
        rows = []
        if p.get("status") != "PreLaunch":
            for i in self._of(kind):
                row: dict[str, Any] = {
                    "symbol": i.symbol,
                    "baseCoin": i.base,
                    "quoteCoin": "USDT",
                    "status": "Trading",
                    "priceFilter": {"tickSize": "0.01", "minPrice": "0.01", "maxPrice": "10000000"},
                }
                if kind == "spot":
                    row["lotSizeFilter"] = {
                        "basePrecision": "0.00000001",
                        "quotePrecision": "0.00000001",
                        "minOrderQty": "0.00000001",
                        "maxOrderQty": "100000",
                        "minOrderAmt": "1",
                        "maxOrderAmt": "100000000",
                    }
                else:
                    row.update(
                        contractType="LinearPerpetual",
                        settleCoin="USDT",
                        launchTime="1585526400000",
                        deliveryTime="0",
                        fundingInterval=480,
                        leverageFilter={
                            "minLeverage": "1",
                            "maxLeverage": "100",
                            "leverageStep": "0.01",
                        },
                        lotSizeFilter={
                            "minOrderQty": "0.00000001",
                            "maxOrderQty": "100000",
                            "qtyStep": "0.00000001",
                            "minNotionalValue": "5",
                        },
                    )
                rows.append(row)
        return {"category": p.get("category"), "list": rows, "nextPageCursor": ""}

    def tickers(self, p: dict[str, str]) -> dict[str, Any]:
        """Tickers; linear ones carry mark, index, funding rate and next funding time."""
        kind = self._kind(p)
        now = self.book.now()
        rows = []
        for i in self._of(kind):
            if p.get("symbol") not in (None, i.symbol):
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            row = {
                "symbol": i.symbol,
                "lastPrice": fmt(price),
                "bid1Price": fmt(price),
                "ask1Price": fmt(price),
                "bid1Size": "1",
                "ask1Size": "1",
                "prevPrice24h": fmt(price),
                "price24hPcnt": "0",
                "highPrice24h": fmt(high),
                "lowPrice24h": fmt(low),
                "volume24h": "0",
                "turnover24h": "0",
            }
            if kind == "perp":
                last = self.book.market.last_funding_at(now)
                rate = self.book.market.funding_rate(i, last) or 0.0
                row.update(
                    markPrice=fmt(price),
                    indexPrice=fmt(price),
                    fundingRate=fmt(rate),
                    nextFundingTime=str(ms(last + 8 * HOUR_NS)),
                    fundingIntervalHour="8",
                )
            rows.append(row)
        return {"category": p.get("category"), "list": rows}

    def klines(self, p: dict[str, str]) -> dict[str, Any]:
        """Hourly candles, newest first."""
        i = self.instrument(self._kind(p), p.get("symbol", ""))
        if p.get("interval", "60") != "60":
            raise Reject("invalid_order", "this rehearsal serves 1h candles only")
        start = int(num(p, "start", 0)) * 1_000_000
        end = int(num(p, "end", 0)) * 1_000_000 or self.book.now()
        candles = self.book.market.closed_candles(
            i, start, end, self.book.now(), int(num(p, "limit", 200))
        )
        rows = [[str(t), o, h, lo, c, "0", "0"] for t, o, h, lo, c in candles]
        return {"symbol": i.symbol, "category": p.get("category"), "list": rows[::-1]}

    def funding_history(self, p: dict[str, str]) -> dict[str, Any]:
        """Settled funding rates, newest first."""
        i = self.instrument("perp", p.get("symbol", ""))
        now = self.book.now()
        market = self.book.market
        start = max(int(num(p, "startTime", 0)) * 1_000_000, market.start_ns)
        end = min(int(num(p, "endTime", 0)) * 1_000_000 or now, now)
        t = start + (-start) % (8 * HOUR_NS)
        rows = []
        while t <= end:
            rate = market.funding_rate(i, t)
            if rate is not None:
                rows.append(
                    {
                        "symbol": i.symbol,
                        "fundingRate": fmt(rate),
                        "fundingRateTimestamp": str(ms(t)),
                    }
                )
            t += 8 * HOUR_NS
        return {"category": "linear", "list": rows[::-1][: int(num(p, "limit", 200))]}
