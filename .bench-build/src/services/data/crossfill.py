"""Marking a venue's missing hours from the same instrument on another venue.

When a venue has no observation at a grid point (a hole in its file, or a bad tick that
was dropped), carrying its last price forward while the other legs move makes P&L that
reverses when its data resumes. Instead the point is marked from another venue that did
trade then: that venue's price times the last observed ratio between the two (their
prices at the latest stamp both have, at or before the point, no older than the
staleness limit). Only where no other venue has the point is the last price carried
forward (`sample_on_grid`'s staleness rules apply either way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from services.data.grid import filled_mask, sample_on_grid
from services.data.load import Series

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Filled:
    """Columns of one series on a grid, with where each value came from.

    Attributes:
        values: per column, the value at every grid point.
        forward: grid points carrying the series' last observation.
        marked: per other series, the grid points marked from it.
    """

    values: dict[str, FloatArray]
    forward: BoolArray
    marked: dict[str, BoolArray] = field(default_factory=dict)

    @property
    def missing(self) -> BoolArray:
        """Grid points the series itself has no observation for."""
        out = self.forward.copy()
        for mask in self.marked.values():
            out |= mask
        return out

    def counts(self) -> dict[str, int]:
        """How many points were filled, by source: ``forward`` or the other series' name."""
        out = {"forward": int(self.forward.sum())}
        out |= {name: int(mask.sum()) for name, mask in self.marked.items()}
        return {k: v for k, v in out.items() if v}


def fill_across_venues(
    series: Series,
    others: list[Series],
    grid: IntArray,
    columns: tuple[str, ...],
    max_gap_ns: int,
    anchor: str = "close",
) -> Filled:
    """The columns of ``series`` on ``grid``, missing points marked from ``others`` first.

    Args:
        series: the venue's series.
        others: the same instrument on other venues, in order of preference.
        grid: sorted grid stamps, int64 ns UTC.
        columns: the columns wanted (every one must exist in all the series).
        max_gap_ns: staleness limit: how long a value may be carried, and how old the
            ratio between two venues may be.
        anchor: the column whose ratio scales every column of another venue.

    Raises:
        DataError: ``series`` does not cover the grid, or has a gap beyond ``max_gap_ns``.
    """
    grid = np.asarray(grid, dtype=np.int64)
    values = {c: sample_on_grid(series, c, grid, max_gap_ns, "previous") for c in columns}
    remaining = filled_mask(series, grid)
    filled = Filled(values=values, forward=remaining)
    for other in others:
        if not remaining.any():
            break
        pos = np.minimum(np.searchsorted(other.ts, grid), len(other.ts) - 1)
        observed = other.ts[pos] == grid
        common, mine, theirs = np.intersect1d(series.ts, other.ts, return_indices=True)
        last = np.searchsorted(common, grid, side="right") - 1
        known = last >= 0
        at = np.maximum(last, 0)
        fresh = known & (grid - common[at] <= max_gap_ns) if len(common) else known
        use = remaining & observed & fresh
        if not use.any():
            continue
        ratio = series.column(anchor)[mine[at[use]]] / other.column(anchor)[theirs[at[use]]]
        for c in columns:
            values[c][use] = other.column(c)[pos[use]] * ratio
        filled.marked[other.name] = use
        remaining = remaining & ~use
    filled.forward = remaining
    return filled
