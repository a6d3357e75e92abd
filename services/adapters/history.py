"""`carry data fetch`: history through the venue adapters into the data folder's layout.

Candles (spot, perp, mark price) and settled funding rates are fetched page by page
(ccxt's client-side rate limit, bounded retries), appended to `<file>.partial` as each
page arrives (an interrupted fetch resumes from its last row) and renamed to the file
name the data layer looks for once the window is complete. A file Carry did not write
is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from services.adapters.cex import CexAdapter
from services.errors import ConfigError

MS = 1_000_000
PAGE = 500
KINDS = ("spot", "perp", "funding", "mark")
HEADERS = {
    "spot": "timestamp,open,high,low,close,volume,source,symbol",
    "perp": "timestamp,open,high,low,close,volume,source,symbol",
    "mark": "timestamp,open,high,low,close,volume,source,symbol",
    "funding": "funding_timestamp,funding_rate,symbol,source",
}


def day(ns: int) -> str:
    """`YYYY-MM-DD` of int ns."""
    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%d")


def iso(ms: int) -> str:
    """ISO-8601 UTC (`Z`) of int ms."""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def target(data: Path, venue: str, symbol: str, kind: str, start: int, end: int) -> Path:
    """The file the data layer reads for this series and window."""
    span = f"{day(start)}_{day(end)}"
    base = symbol.removesuffix("USDT")
    if kind == "spot":
        infix = "" if venue == "binance" else "_spot"
        return (
            data
            / f"market_data/spot_prices/{base.lower()}_usd/{venue}_{symbol}{infix}_1h_{span}.csv"
        )
    if kind == "perp":
        return data / f"market_data/derivatives/futures_ohlcv/{venue}_{symbol}_perp_1h_{span}.csv"
    if kind == "mark":
        return data / f"market_data/derivatives/mark_prices/{venue}_{symbol}_mark_1h_{span}.csv"
    return data / f"market_data/derivatives/funding_rates/{venue}_{symbol}_funding_rates_{span}.csv"


def _resume(partial: Path, header: str) -> int:
    """The last timestamp (ms) already in `partial`, or -1 for a fresh file."""
    if not partial.exists():
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(header + "\n")
        return -1
    lines = partial.read_text().splitlines()
    if len(lines) <= 1:
        return -1
    last = lines[-1].split(",")[0]
    return int(
        dt.datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp() * 1000
    )


async def fetch_history(
    adapter: CexAdapter,
    symbol: str,
    kind: str,
    start: int,
    end: int,
    data: Path,
    progress: Callable[[int], None] | None = None,
    page: int = PAGE,
) -> tuple[Path, int]:
    """Fetch `kind` history of `symbol` on `adapter`'s venue over `[start, end)` into `data`.

    Returns the file written and its number of rows.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown --kind {kind!r}", f"use one of: {', '.join(KINDS)}")
    final = target(data, adapter.venue, symbol, kind, start, end)
    if final.exists():
        raise ConfigError(
            f"{final} already exists", "fetch into another --data folder, or move that file away"
        )
    partial = final.with_name(final.name + ".partial")
    last = _resume(partial, HEADERS[kind])
    since = max(start // MS, last + 1)
    await adapter.load()
    source = f"{adapter.venue}_ccxt"
    with partial.open("a", encoding="utf-8") as out:
        while since < end // MS:
            if kind == "funding":
                settled = sorted((await adapter.settled_rates(symbol, since)).items())
                rows = [f"{iso(t)},{r!r},{symbol},{source}" for t, r in settled if t < end // MS]
                times = [t for t, _ in settled]
            else:
                market = "spot" if kind == "spot" else "perp"
                candles = await adapter.ohlcv(
                    market, symbol, since, page, "mark" if kind == "mark" else ""
                )
                rows = [
                    f"{iso(int(c[0]))},{c[1]!r},{c[2]!r},{c[3]!r},{c[4]!r},{c[5]!r},{source},{symbol}"
                    for c in candles
                    if int(c[0]) < end // MS
                ]
                times = [int(c[0]) for c in candles]
            fresh = [r for r, t in zip(rows, times, strict=False) if t >= since]
            if not times or max(times) < since:
                break
            out.write("".join(r + "\n" for r in fresh))
            out.flush()
            since = max(times) + 1
            if progress is not None:
                progress(since)
    count = len(partial.read_text().splitlines()) - 1
    partial.rename(final)
    return final, count
