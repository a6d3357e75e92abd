"""Okx's public endpoints in the rehearsal server: instruments, tickers, candles, funding."""

from __future__ import annotations

from typing import Any

from services.rehearsal.book import Reject
from services.rehearsal.dialect import Dialect, fmt, ms
from services.rehearsal.market import Instrument
from services.rehearsal.wire import num
from services.runtime.clock import HOUR_NS

CONTRACT = {"BTC": 0.01, "ETH": 0.1}
"""Base units per swap contract (`ctVal`)."""


def inst_id(i: Instrument) -> str:
    """OKX's instrument id: `BTC-USDT` spot, `BTC-USDT-SWAP` perp."""
    return f"{i.base}-USDT-SWAP" if i.kind == "perp" else f"{i.base}-USDT"


class OkxMarket(Dialect):
    """Public market data in Okx's shapes."""

    def _all(self) -> list[Instrument]:
        return self.book.market.of(self.book.venue)

    def _by_id(self, wanted: str) -> Instrument:
        for i in self._all():
            if inst_id(i) == wanted:
                return i
        raise Reject("invalid_order", f"unknown instrument {wanted}")

    def _ct(self, i: Instrument) -> float:
        return CONTRACT.get(i.base, 1.0) if i.kind == "perp" else 1.0

    def instruments(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Spot and swap instruments (fractional contracts allowed)."""
        kind = {"SPOT": "spot", "SWAP": "perp"}.get(p.get("instType", ""), "")
        rows = []
        for i in self._all():
            if i.kind != kind:
                continue
            row: dict[str, Any] = {
                "instType": p["instType"],
                "instId": inst_id(i),
                "baseCcy": i.base,
                "quoteCcy": "USDT",
                "tickSz": "0.01",
                "lotSz": "0.00000001",
                "minSz": "0.00000001",
                "maxLmtSz": "100000000",
                "maxMktSz": "100000000",
                "state": "live",
                "lever": "10",
                "listTime": "1606468572000",
            }
            if kind == "perp":
                row.update(
                    uly=f"{i.base}-USDT",
                    instFamily=f"{i.base}-USDT",
                    settleCcy="USDT",
                    ctVal=fmt(self._ct(i)),
                    ctMult="1",
                    ctValCcy=i.base,
                    ctType="linear",
                    baseCcy="",
                    quoteCcy="",
                    expTime="",
                )
            rows.append(row)
        return rows

    def tickers(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Tickers of one instrument or of an instrument type."""
        now = self.book.now()
        rows = []
        for i in self._all():
            if p.get("instId") not in (None, inst_id(i)):
                continue
            if p.get("instType") and {"SPOT": "spot", "SWAP": "perp"}.get(p["instType"]) != i.kind:
                continue
            price = self.book.market.price(i, now)
            high, low = self.book.market.high_low(i, now)
            rows.append(
                {
                    "instType": "SWAP" if i.kind == "perp" else "SPOT",
                    "instId": inst_id(i),
                    "last": fmt(price),
                    "bidPx": fmt(price),
                    "askPx": fmt(price),
                    "bidSz": "1",
                    "askSz": "1",
                    "open24h": fmt(price),
                    "high24h": fmt(high),
                    "low24h": fmt(low),
                    "vol24h": "0",
                    "volCcy24h": "0",
                    "ts": str(ms(now)),
                }
            )
        return rows

    def candles(self, p: dict[str, str]) -> list[list[str]]:
        """Hourly candles, newest first; `after`/`before` page by time."""
        i = self._by_id(p.get("instId", ""))
        if p.get("bar", "1H") != "1H":
            raise Reject("invalid_order", "this rehearsal serves 1H candles only")
        after = int(num(p, "after", 0)) * 1_000_000 or self.book.now() + 1
        before = int(num(p, "before", -1)) * 1_000_000
        limit = int(num(p, "limit", 100))
        now = self.book.now()
        candles = self.book.market.closed_candles(i, before + 1, after - 1, now, 1 << 30)
        return [[str(t), o, h, lo, c, "0", "0", "0", "1"] for t, o, h, lo, c in candles][::-1][
            :limit
        ]

    def funding_rate(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """The current rate and the next settlement time."""
        i = self._by_id(p.get("instId", ""))
        now = self.book.now()
        last = self.book.market.last_funding_at(now)
        rate = self.book.market.funding_rate(i, last) or 0.0
        return [
            {
                "instType": "SWAP",
                "instId": inst_id(i),
                "fundingRate": fmt(rate),
                "fundingTime": str(ms(last + 8 * HOUR_NS)),
                "nextFundingTime": str(ms(last + 16 * HOUR_NS)),
                "nextFundingRate": "",
                "method": "current_period",
                "ts": str(ms(now)),
            }
        ]

    def funding_history(self, p: dict[str, str]) -> list[dict[str, Any]]:
        """Settled rates, newest first, `before` < time < `after`."""
        i = self._by_id(p.get("instId", ""))
        now = self.book.now()
        market = self.book.market
        before = int(num(p, "before", -1)) * 1_000_000
        after = int(num(p, "after", 0)) * 1_000_000 or now + 1
        rows: list[dict[str, Any]] = []
        t = market.last_funding_at(min(now, after - 1))
        while t > before and t >= market.start_ns and len(rows) < int(num(p, "limit", 100)):
            rate = market.funding_rate(i, t)
            if rate is not None:
                rows.append(
                    {
                        "instType": "SWAP",
                        "instId": inst_id(i),
                        "fundingRate": fmt(rate),
                        "realizedRate": fmt(rate),
                        "fundingTime": str(ms(t)),
                        "method": "current_period",
                    }
                )
            t -= 8 * HOUR_NS
        return rows
