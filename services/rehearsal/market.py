"""Recorded prices and funding rates as the rehearsal's exchanges quote them.

The market is the run's own market frame (the backtest's data layer, same staleness
rules), so the price a rehearsal exchange quotes during a recorded hour is exactly the
price a backtest uses at that step: the hour's close (perp closes double as marks and
index prices). Candles for `carry data fetch` come from the raw series files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.config.run import RunConfig
from services.data.load import Series, load_series
from services.market_data.frame import FUNDING_PERIOD_NS, MarketFrame, market_frame
from services.market_data.plan import feeds_for
from services.runtime.clock import HOUR_NS


@dataclass(frozen=True)
class Instrument:
    """One tradable market of a rehearsal exchange.

    Attributes:
        venue: the venue (`binance`).
        kind: `spot` or `perp`.
        symbol: Carry's symbol (`BTCUSDT`).
        key: the market-frame key (`binance:perp:BTCUSDT`).
        series: the data series it replays (a proxy for some OKX perps).
        funding_series: the funding-rate series (perps).
    """

    venue: str
    kind: str
    symbol: str
    key: str
    series: str
    funding_series: str = ""

    @property
    def base(self) -> str:
        """Base asset (`BTC`)."""
        return self.symbol.removesuffix("USDT")


class Market:
    """Prices, funding and candles of a run's instruments over its window.

    Args:
        config: the run whose window and instruments are replayed.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.frame: MarketFrame = market_frame(config)
        self.start_ns = config.start_ns
        self.end_ns = config.start_ns + config.steps * config.step_ns
        self.instruments: list[Instrument] = []
        funding = {f.key: f.series for f in feeds_for(config) if f.field == "funding"}
        for feed in feeds_for(config):
            if feed.field in ("prices", "perp") and feed.key.count(":") == 2:
                venue, kind, symbol = feed.key.split(":")
                if venue in config.venues:
                    self.instruments.append(
                        Instrument(
                            venue, kind, symbol, feed.key, feed.series, funding.get(feed.key, "")
                        )
                    )
        self._raw: dict[str, Series] = {}

    def of(self, venue: str) -> list[Instrument]:
        """The instruments `venue` lists."""
        return [i for i in self.instruments if i.venue == venue]

    def find(self, venue: str, kind: str, symbol: str) -> Instrument | None:
        """One instrument, or None."""
        for i in self.instruments:
            if (i.venue, i.kind, i.symbol) == (venue, kind, symbol):
                return i
        return None

    def step_of(self, ns: int) -> int:
        """The frame step holding recorded time `ns` (clamped to the window)."""
        step = (ns - self.start_ns) // HOUR_NS
        return max(0, min(int(step), self.frame.steps - 1))

    def price(self, instrument: Instrument, ns: int) -> float:
        """The instrument's price at `ns`: the close of its recorded hour."""
        return self.frame.prices[instrument.key][self.step_of(ns)]

    def high_low(self, instrument: Instrument, ns: int) -> tuple[float, float]:
        """The hour's high and low (perps), or the price twice."""
        t = self.step_of(ns)
        price = self.frame.prices[instrument.key][t]
        return (
            self.frame.highs.get(instrument.key, [price] * (t + 1))[t],
            self.frame.lows.get(instrument.key, [price] * (t + 1))[t],
        )

    def funding_rate(self, instrument: Instrument, settle_ns: int) -> float | None:
        """The rate settled at `settle_ns` (a 00/08/16 UTC boundary), None outside data."""
        if settle_ns % FUNDING_PERIOD_NS or not self.start_ns <= settle_ns < self.end_ns:
            return None
        return self.frame.funding.get(self.step_of(settle_ns), {}).get(instrument.key)

    def last_funding_at(self, ns: int) -> int:
        """The latest settlement time at or before `ns`."""
        return ns - ns % FUNDING_PERIOD_NS

    def candles(self, series: str, column: str = "close") -> Series:
        """The raw series `series` (cached)."""
        if series not in self._raw:
            self._raw[series] = load_series(Path(self.config.data.path), series)
        return self._raw[series]

    def closed_candles(
        self, instrument: Instrument, lo: int, hi: int, now: int, limit: int
    ) -> list[tuple[int, str, str, str, str]]:
        """Hourly candles opened in `[lo, hi]` and closed before `now` (at most `limit`,
        oldest first): `(open time ms, open, high, low, close)`, numbers as strings."""
        series = self.candles(instrument.series)
        cols = series.columns
        current = now - now % HOUR_NS
        out: list[tuple[int, str, str, str, str]] = []
        for k, ts in enumerate(series.ts.tolist()):
            if lo <= ts <= hi and ts < current:
                o, h, low, c = (repr(float(cols[n][k])) for n in ("open", "high", "low", "close"))
                out.append((ts // 1_000_000, o, h, low, c))
                if len(out) >= limit:
                    break
        return out
