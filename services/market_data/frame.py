"""The run's market data on the step grid, checked against the staleness limits.

Built once per (data folder, run window, feeds, limits) and cached in-process, so the
launcher's pre-flight check and the market data actor share one load. Values are kept
as Python lists, and each step's dictionaries are built with the frame: the actor
publishes them 10^4-10^5 times.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from services.config.run import RunConfig
from services.data.catalog import SIBLINGS
from services.data.crossfill import Filled, fill_across_venues
from services.data.defects import REPAIRED
from services.data.grid import filled_mask, hourly_grid, sample_on_grid
from services.data.load import Series, load_series, require_usable
from services.data.times import iso
from services.errors import DataError
from services.market_data.plan import Feed, feeds_for
from services.runtime.clock import HOUR_NS

FUNDING_PERIOD_NS = 8 * HOUR_NS

GROUPS = ("prices", "highs", "lows", "indices", "oracle", "pegs")
"""The column groups a market snapshot carries as one dictionary each."""
StepMarket = tuple[
    dict[str, float],
    dict[str, float],
    dict[str, float],
    dict[str, float],
    dict[str, float],
    dict[str, float],
]
"""One step's `GROUPS` dictionaries, in that order."""

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
    fill_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)

    by_step: list[StepMarket] = field(default_factory=list, repr=False)
    """Per step, the dictionaries of `GROUPS` (reward tokens in `prices` from their
    listing): what the market data actor publishes, built once with the frame."""

    @property
    def steps(self) -> int:
        """Number of steps."""
        return len(self.grid)


def _by_step(frame: MarketFrame) -> list[StepMarket]:
    """Transpose the frame's column groups into one set of dictionaries per step."""
    rows: list[list[dict[str, float]]] = []
    for name in GROUPS:
        columns: dict[str, list[float]] = getattr(frame, name)
        keys = list(columns)
        steps = zip(*columns.values(), strict=True) if keys else [()] * frame.steps
        rows.append([dict(zip(keys, row, strict=True)) for row in steps])
    for key, values in frame.tokens.items():
        for t, value in enumerate(values, start=frame.listed[key]):
            rows[0][t][key] = value
    return list(zip(*rows, strict=True))


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
        frame.by_step = _by_step(frame)
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
    prices: dict[str, Filled] = {}
    used: dict[str, Series] = {}
    for feed in feeds_for(config):
        series = require_usable(load_series(root, feed.series))
        used[series.name] = series
        if feed.field in ("prices", "perp"):
            if series.name not in prices:
                prices[series.name] = _across_venues(root, series, grid, price_gap)
                if counts := prices[series.name].counts():
                    frame.fill_counts[series.name] = counts
            filled = prices[series.name]
            close = filled.values["close"]
            frame.prices[feed.key] = close.tolist()
            _note_fills(frame, series.name, filled.missing)
            if feed.field == "perp":
                # A carried hour has no path: its extremes are its (carried) close; an hour
                # marked from another venue has that venue's, scaled like its close.
                carried = filled.forward
                frame.highs[feed.key] = np.where(carried, close, filled.values["high"]).tolist()
                frame.lows[feed.key] = np.where(carried, close, filled.values["low"]).tolist()
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
    frame.repairs = repairs(used.values(), int(grid[0]), int(grid[-1]))
    return frame


def _across_venues(root: Path, series: Series, grid: np.ndarray, max_gap: int) -> Filled:
    """An OHLC series on the grid, its missing hours marked from its other venues."""
    others = []
    for name in SIBLINGS.get(series.name, ()):
        with contextlib.suppress(DataError):  # a venue that is missing or unusable is no source
            others.append(require_usable(load_series(root, name)))
    return fill_across_venues(series, others, grid, ("close", "high", "low"), max_gap)


def repairs(used: Iterable[Series], first: int, last: int) -> list[str]:
    """What the data layer repaired in the run's window, one line per bad row."""
    lo, hi = iso(first), iso(last)
    return [
        f"{d.series} ({d.file}) {d.detail}"
        for s in used
        for d in s.defects
        if d.kind in REPAIRED and lo <= d.first <= hi
    ]


def _token(frame: MarketFrame, feed: Feed, series: Series, grid: np.ndarray, max_gap: int) -> None:
    """A reward token's price exists only from its listing: earlier steps have none."""
    first = int(np.searchsorted(grid, series.first, side="left"))
    frame.listed[feed.key] = first
    if first >= len(grid):
        frame.tokens[feed.key] = []
        return
    values = sample_on_grid(series, "close", grid[first:], max_gap, "previous")
    frame.tokens[feed.key] = values.tolist()


def _note_fills(frame: MarketFrame, name: str, filled: np.ndarray) -> None:
    for i in np.flatnonzero(filled).tolist():
        at = frame.filled.setdefault(i, [])
        if name not in at:
            at.append(name)


def _funding(
    frame: MarketFrame, feed: Feed, series: Series, grid: np.ndarray, max_gap: int
) -> None:
    settle = np.flatnonzero(grid % FUNDING_PERIOD_NS == 0)
    if not len(settle):
        return
    rates = sample_on_grid(series, "funding_rate", grid[settle], max_gap, "previous")
    filled = filled_mask(series, grid[settle])
    for i, rate in zip(settle.tolist(), rates.tolist(), strict=True):
        frame.funding.setdefault(i, {})[feed.key] = rate
    carried = np.zeros(len(grid), dtype=bool)
    carried[settle[filled]] = True
    _note_fills(frame, feed.series, carried)
    if carried.any():
        frame.fill_counts[feed.series] = {"forward": int(carried.sum())}
