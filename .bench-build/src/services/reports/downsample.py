"""Min/max-preserving downsampling: every bucket keeps its lowest and highest point, so
a chart still shows the true extremes (the worst drawdown, the lowest margin ratio)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

BUCKETS = 1000
"""Buckets per series: at most 2 points each, plus the first and the last point."""


def minmax(
    x: npt.NDArray[Any], y: npt.NDArray[np.float64], buckets: int = BUCKETS
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
    """`(x, y)` thinned to the minimum and maximum of each bucket, in order.

    Nulls (NaN) are kept where a whole bucket is null, so gaps stay gaps.
    """
    n = len(y)
    if n <= 2 * buckets:
        return x, y
    size = -(-n // buckets)
    pad = size * buckets - n
    low = np.concatenate([np.where(np.isnan(y), np.inf, y), np.full(pad, np.inf)])
    high = np.concatenate([np.where(np.isnan(y), -np.inf, y), np.full(pad, -np.inf)])
    offsets = np.arange(buckets) * size
    lows = low.reshape(buckets, size).argmin(axis=1) + offsets
    highs = high.reshape(buckets, size).argmax(axis=1) + offsets
    keep = np.unique(np.concatenate([[0, n - 1], lows, highs]))
    keep = keep[keep < n]
    return x[keep], y[keep]
