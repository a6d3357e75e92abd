"""Putting series on the simulation grid: fill within a staleness limit, or refuse clearly.

The grid is a sorted int64 ns UTC array (normally hourly). Two fill methods:

- ``previous``: the value of the last observation at or before each grid point;
- ``linear``: linear interpolation between the two observations around each grid point
  (daily Aave indices and daily oracle points); past the last observation the last value
  is held, never extrapolated.

Refusals are DataErrors: a grid point before the first observation or more than
``max_gap_ns`` after the last one (the series does not cover the window), or a grid
point whose value would come from a gap inside the data longer than ``max_gap_ns``.
For ``linear``, a grid point between two observations further apart than ``max_gap_ns``
is refused too: interpolating across a long gap invents data.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from services.data.load import Series
from services.data.times import HOUR_NS, duration, iso
from services.errors import DataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
FillMethod = Literal["previous", "linear"]


def hourly_grid(start_ns: int, end_ns: int) -> IntArray:
    """The whole hours in ``[start_ns, end_ns)`` (a start inside an hour rounds up).

    Raises:
        DataError: the window is empty.
    """
    first = -(-int(start_ns) // HOUR_NS) * HOUR_NS
    if first >= end_ns:
        raise DataError(
            f"the window {iso(start_ns)} .. {iso(end_ns)} holds no whole hour",
            "choose --set end= at least one hour after start=",
        )
    return np.arange(first, int(end_ns), HOUR_NS, dtype=np.int64)


def _check_cover(series: Series, grid: IntArray, max_gap_ns: int) -> None:
    first, last = series.first, series.last
    if grid[0] < first or grid[-1] > last + max_gap_ns:
        edge = (
            f"starts at {iso(first)}"
            if grid[0] < first
            else f"ends at {iso(last)} (fill limit {duration(max_gap_ns)})"
        )
        raise DataError(
            f"series {series.name} does not cover the window: it {edge}, the run needs "
            f"{iso(grid[0])} .. {iso(grid[-1])} ({series.file})",
            f"choose --set start=/end= inside [{iso(first)} .. {iso(last + max_gap_ns)}] "
            "or another venue",
        )


def _refuse_gap(series: Series, i: int, point: int, max_gap_ns: int) -> None:
    ts = series.ts
    gap_to = iso(ts[i + 1]) if i + 1 < len(ts) else "the end of the data"
    length = int(ts[i + 1] - ts[i]) if i + 1 < len(ts) else int(point - ts[i])
    raise DataError(
        f"series {series.name} has a gap from {iso(ts[i])} to {gap_to} ({duration(length)}) "
        f"inside the window, longer than the fill limit of {duration(max_gap_ns)}: "
        f"grid point {iso(point)} would use stale data ({series.file})",
        "raise the staleness limit (max gap) or move the window (--set start=/end=) "
        "away from the gap",
    )


def sample_on_grid(
    series: Series,
    column: str,
    grid: IntArray,
    max_gap_ns: int,
    method: FillMethod = "previous",
) -> FloatArray:
    """The values of one column at every grid point.

    Args:
        series: a loaded series.
        column: the value column.
        grid: sorted grid stamps, int64 ns UTC.
        max_gap_ns: staleness limit: the longest time a value may be carried forward
            (``previous``) or interpolated across (``linear``).
        method: ``previous`` or ``linear``.

    Returns:
        float64 values aligned with ``grid``.

    Raises:
        DataError: the series does not cover the grid, or a gap exceeds ``max_gap_ns``.
    """
    values = series.column(column)
    grid = np.asarray(grid, dtype=np.int64)
    if len(grid) == 0:
        return np.empty(0, dtype=np.float64)
    if np.any(np.diff(grid) <= 0):
        raise ValueError("the grid must be strictly increasing")
    _check_cover(series, grid, max_gap_ns)
    ts = series.ts
    idx = np.searchsorted(ts, grid, side="right") - 1
    age = grid - ts[idx]
    exact = age == 0
    if method == "previous":
        stale = age > max_gap_ns
    else:
        nxt = np.minimum(idx + 1, len(ts) - 1)
        inside = idx + 1 < len(ts)
        span = np.where(inside, ts[nxt] - ts[idx], age)
        stale = ~exact & (span > max_gap_ns)
    if stale.any():
        k = int(np.argmax(stale))
        _refuse_gap(series, int(idx[k]), int(grid[k]), max_gap_ns)
    out = values[idx].astype(np.float64, copy=True)
    if method == "linear":
        between = ~exact & (idx + 1 < len(ts))
        lo = idx[between]
        t0, t1 = ts[lo], ts[lo + 1]
        w = (grid[between] - t0) / (t1 - t0)
        out[between] = values[lo] + w * (values[lo + 1] - values[lo])
    return out


def filled_mask(series: Series, grid: IntArray) -> npt.NDArray[np.bool_]:
    """True where a grid point has no observation exactly on it (its value was filled)."""
    grid = np.asarray(grid, dtype=np.int64)
    pos = np.searchsorted(series.ts, grid, side="left")
    pos_c = np.minimum(pos, len(series.ts) - 1)
    return np.asarray(series.ts[pos_c] != grid, dtype=bool)


def events_on_grid(series: Series, column: str, grid: IntArray) -> dict[int, float]:
    """Observations that fall exactly on a grid point, as ``{grid index: value}``.

    Meant for event series such as funding, stamped at 00/08/16 UTC: an event between
    grid points is not an event of the grid and is ignored.
    """
    values = series.column(column)
    grid = np.asarray(grid, dtype=np.int64)
    if len(grid) == 0:
        return {}
    lo = int(np.searchsorted(series.ts, grid[0], side="left"))
    hi = int(np.searchsorted(series.ts, grid[-1], side="right"))
    ts = series.ts[lo:hi]
    pos = np.searchsorted(grid, ts, side="left")
    pos_c = np.minimum(pos, len(grid) - 1)
    on = grid[pos_c] == ts
    return {int(p): float(v) for p, v in zip(pos_c[on], values[lo:hi][on], strict=True)}


def missing_stamps(
    series: Series, grid: IntArray, period_ns: int = 8 * HOUR_NS, offset_ns: int = 0
) -> list[int]:
    """Expected event stamps inside the grid's span that the series does not have.

    Settlement stamps are the instants ``offset_ns + k * period_ns`` (ns since the epoch):
    the default gives 00:00, 08:00 and 16:00 UTC. The caller applies its own staleness
    limit to the result (for example, refuse when more than N settlements in a row are
    missing).

    Returns:
        The missing stamps, int ns UTC, sorted.
    """
    grid = np.asarray(grid, dtype=np.int64)
    if len(grid) == 0:
        return []
    first = -(-(int(grid[0]) - offset_ns) // period_ns) * period_ns + offset_ns
    expected = np.arange(first, int(grid[-1]) + 1, period_ns, dtype=np.int64)
    present = np.isin(expected, series.ts, assume_unique=True)
    return [int(t) for t in expected[~present]]
