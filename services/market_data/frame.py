"""The run's market data on the step grid, checked against the staleness limits.

Built once per (data folder, run window, feeds, limits) and cached in-process, so the
launcher's pre-flight check and the market data actor share one load. Values are kept
as Python lists: indexing them per step is what the actor does 10^4-10^5 times.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from services.config.run import RunConfig
from services.data.grid import filled_mask, hourly_grid, sample_on_grid
from services.data.load import Series, load_series, require_usable
from services.market_data.plan import Feed, feeds_for
from services.runtime.clock import HOUR_NS

FUNDING_PERIOD_NS = 8 * HOUR_NS

_CACHE: dict[tuple[object, ...], MarketFrame] = {}
_LOCK = threading.Lock()


@dataclass
class MarketFrame:
    """Columns of the run's market data, one entry per step."""

    grid: list[int]
    prices: dict[str, list[float]] = field(default_factory=dict)
    highs: dict[str, list[float]] = field(default_factory=dict)
    lows: dict[str, list[float]] = field(default_factory=dict)
    funding: dict[int, dict[str, float]] = field(default_factory=dict)
    indices: dict[str, list[float]] = field(default_factory=dict)
    oracle: dict[str, list[float]] = field(default_factory=dict)
    pegs: dict[str, list[float]] = field(default_factory=dict)
    gas: list[float] = field(default_factory=list)
    tokens: dict[str, list[float]] = field(default_factory=dict)
    listed: dict[str, int] = field(default_factory=dict)
    filled: dict[int, list[str]] = field(default_factory=dict)
    fill_counts: dict[str, int] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Number of steps."""
        return len(self.grid)


def market_frame(config: RunConfig) -> MarketFrame:
    """The run's market frame (cached); raises `DataError` if the data cannot serve it."""
    p = config.typed_params()
    key = (
        config.data.path,
        config.start_ns,
        config.steps,
        tuple(feeds_for(config)),
        p.price_staleness_hours,
        p.funding_staleness_hours,
        p.index_staleness_hours,
    )
    with _LOCK:
        frame = _CACHE.get(key)
    if frame is None:
        frame = _build(config)
        with _LOCK:
            _CACHE[key] = frame
    return frame


def _build(config: RunConfig) -> MarketFrame:
    p = config.typed_params()
    grid = hourly_grid(config.start_ns, config.start_ns + config.steps * config.step_ns)
    frame = MarketFrame(grid=grid.tolist())
    root = Path(config.data.path)
    price_gap = int(p.price_staleness_hours * HOUR_NS)
    index_gap = int(p.index_staleness_hours * HOUR_NS)
    funding_gap = int(p.funding_staleness_hours * HOUR_NS)
    for feed in feeds_for(config):
        series = require_usable(load_series(root, feed.series))
        if feed.field in ("prices", "perp"):
            close = sample_on_grid(series, "close", grid, price_gap, "previous")
            frame.prices[feed.key] = close.tolist()
            filled = filled_mask(series, grid)
            _note_fills(frame, feed, filled)
            if feed.field == "perp":
                high = sample_on_grid(series, "high", grid, price_gap, "previous")
                low = sample_on_grid(series, "low", grid, price_gap, "previous")
                # A filled hour carries no path: its extremes are its (carried) close.
                frame.highs[feed.key] = np.where(filled, close, high).tolist()
                frame.lows[feed.key] = np.where(filled, close, low).tolist()
        elif feed.field == "funding":
            _funding(frame, feed, series, grid, funding_gap)
        elif feed.field == "aave":
            for column, name, method in (
                ("liquidityIndex", "liquidity_index", "linear"),
                ("variableBorrowIndex", "borrow_index", "linear"),
                ("currentLiquidityRate", "liquidity_rate", "previous"),
                ("currentVariableBorrowRate", "borrow_rate", "previous"),
            ):
                values = sample_on_grid(series, column, grid, index_gap, method)  # type: ignore[arg-type]
                frame.indices[f"aave:{feed.key}:{name}"] = values.tolist()
        elif feed.field in ("oracle", "lst"):
            column = next(iter(series.columns))
            values = sample_on_grid(series, column, grid, index_gap, "linear")
            target = frame.oracle if feed.field == "oracle" else frame.indices
            target[feed.key if feed.field == "oracle" else f"lst:{feed.key}"] = values.tolist()
        elif feed.field == "peg":
            values = sample_on_grid(series, "market_rate", grid, price_gap, "previous")
            frame.pegs[feed.key] = values.tolist()
        elif feed.field == "gas":
            values = sample_on_grid(series, "gas_price_gwei", grid, price_gap, "previous")
            frame.gas = values.tolist()
        elif feed.field == "token":
            _token(frame, feed, series, grid, price_gap)
    return frame


def _token(frame: MarketFrame, feed: Feed, series: Series, grid: np.ndarray, max_gap: int) -> None:
    """A reward token's price exists only from its listing: earlier steps have none."""
    first = int(np.searchsorted(grid, series.first, side="left"))
    frame.listed[feed.key] = first
    if first >= len(grid):
        frame.tokens[feed.key] = []
        return
    values = sample_on_grid(series, "close", grid[first:], max_gap, "previous")
    frame.tokens[feed.key] = values.tolist()


def _note_fills(frame: MarketFrame, feed: Feed, filled: np.ndarray) -> None:
    where = np.flatnonzero(filled)
    if len(where):
        frame.fill_counts[feed.series] = frame.fill_counts.get(feed.series, 0) + len(where)
        for i in where.tolist():
            frame.filled.setdefault(i, []).append(feed.series)


def _funding(
    frame: MarketFrame, feed: Feed, series: Series, grid: np.ndarray, max_gap: int
) -> None:
    settle = np.flatnonzero(grid % FUNDING_PERIOD_NS == 0)
    if not len(settle):
        return
    rates = sample_on_grid(series, "funding_rate", grid[settle], max_gap, "previous")
    filled = filled_mask(series, grid[settle])
    for i, rate, was_filled in zip(settle.tolist(), rates.tolist(), filled.tolist(), strict=True):
        frame.funding.setdefault(i, {})[feed.key] = rate
        if was_filled:
            frame.filled.setdefault(i, []).append(feed.series)
            frame.fill_counts[feed.series] = frame.fill_counts.get(feed.series, 0) + 1
