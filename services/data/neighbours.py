"""Medians of a value's neighbours: what a bad tick is measured against."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]

NEIGHBOURS = 3
"""Values on each side a value is compared with (robust to two bad ones among them)."""


def _median(window: FloatArray) -> FloatArray:
    """Median of each row of ``window``, ignoring NaN (NaN where a row has no value)."""
    width = window.shape[1]
    out = np.empty(len(window))
    holes = np.isnan(window).any(axis=1)  # the ends, and rows next to missing values
    full = np.sort(window[~holes], axis=1)
    out[~holes] = (full[:, (width - 1) // 2] + full[:, width // 2]) / 2
    if holes.any():
        part = window[holes]
        ordered = np.sort(part, axis=1)  # NaN last
        count = np.count_nonzero(~np.isnan(part), axis=1)
        lo = np.take_along_axis(ordered, np.clip((count - 1) // 2, 0, width - 1)[:, None], 1)
        hi = np.take_along_axis(ordered, np.clip(count // 2, 0, width - 1)[:, None], 1)
        out[holes] = np.where(count > 0, (lo[:, 0] + hi[:, 0]) / 2, np.nan)
    return out


def _windows(x: FloatArray, k: int = NEIGHBOURS) -> tuple[FloatArray, FloatArray]:
    """The ``k`` values before and the ``k`` after each value (NaN beyond the ends)."""
    padded = np.concatenate((np.full(k, np.nan), x, np.full(k, np.nan)))
    view = sliding_window_view(padded, 2 * k + 1)
    return view[:, :k], view[:, k + 1 :]


def neighbour_median(x: FloatArray) -> FloatArray:
    """Median of the `NEIGHBOURS` values on each side of each value, itself excluded."""
    before, after = _windows(x)
    return _median(np.concatenate((before, after), axis=1))


def side_medians(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Median of the `NEIGHBOURS` values before each value, and of those after it."""
    before, after = _windows(x)
    return _median(before), _median(after)
